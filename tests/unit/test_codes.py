"""The shared reading of typed codes (protocol.md 10.2.3) and the GF(32) arithmetic."""

from __future__ import annotations

import unicodedata

import pytest

from referendum.codes import ALPHABET, LOOKALIKES, CodeError, fold, read_values, times_x


def test_lookalikes_are_cyrillic_and_read_as_code_characters() -> None:
    assert len(LOOKALIKES) == 28  # 14 letters, upper and lower case
    for cyrillic, latin in LOOKALIKES.items():
        assert unicodedata.name(cyrillic).startswith("CYRILLIC "), cyrillic
        # Each reads as its Latin letter does: O as 0, I as 1, the others as themselves.
        want = {"O": 0, "I": 1}.get(latin.upper())
        want = ALPHABET.index(latin.upper()) if want is None else want
        assert read_values(cyrillic, "code", (), 1) == [want], cyrillic


def test_read_values_names_the_first_bad_character_and_its_position() -> None:
    with pytest.raises(CodeError) as caught:
        read_values("AB-\u0416U", "the code", "-", 4)
    assert (caught.value.reason, caught.value.char, caught.value.position) == (
        "character",
        "\u0416",
        4,
    )
    assert "the code's character 4" in str(caught.value)
    with pytest.raises(CodeError, match="has 2 characters, want 3") as caught:
        read_values("A-B", "the code", "-", 3)
    assert caught.value.reason == "length"
    with pytest.raises(CodeError, match="is not text"):
        read_values(None, "the code", "-", 3)


def test_times_x_is_multiplication_by_x_modulo_the_primitive_polynomial() -> None:
    assert [times_x(v) for v in (0, 1, 15, 16, 31)] == [0, 2, 30, 0x20 ^ 0x25, 62 ^ 0x25]
    # x has order 31: x^31 = 1 and no smaller power is.
    powers, v = [], 1
    for _ in range(31):
        v = times_x(v)
        powers.append(v)
    assert powers[-1] == 1 and len(set(powers)) == 31


def test_fold_from_a_start() -> None:
    assert fold([], 1) == 1
    assert fold([3, 5]) == times_x(3) ^ 5
    assert fold([3, 5], 1) == times_x(times_x(1) ^ 3) ^ 5
