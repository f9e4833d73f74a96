"""Typed codes (protocol.md 10.2, 12.4) over random codes and random mistakes.

For any tracking hash and any credential code: the code reads back as itself however it
is typed (case, hyphens, spaces, Cyrillic look-alikes); every single-character
substitution and every transposition of two adjacent different characters is refused as
"check"; and no valid credential code is a valid tracking code or the other way round.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referendum.ballot import TrackingCodeError, normalize_tracking_code, tracking_code
from referendum.codes import ALPHABET, LOOKALIKES
from referendum.credentials import CredentialCodeError, generate_code, normalize_code

_TO_CYRILLIC = {ord(latin): c for c, latin in LOOKALIKES.items() if c.isupper()}

hashes = st.binary(min_size=32, max_size=32)
credential_codes = st.binary(min_size=12, max_size=12).map(
    lambda draw: generate_code(lambda n: draw[:n])
)


def _canonical_tracking(h: bytes) -> str:
    return tracking_code(h).replace("-", "")


@given(hashes, st.integers(0, 19), st.integers(1, 31))
def test_tracking_code_substitution_is_a_check_error(h: bytes, i: int, delta: int) -> None:
    code = _canonical_tracking(h)
    wrong = ALPHABET[(ALPHABET.index(code[i]) + delta) % 32]
    with pytest.raises(TrackingCodeError) as caught:
        normalize_tracking_code(code[:i] + wrong + code[i + 1 :])
    assert caught.value.reason == "check"


@given(hashes, st.integers(0, 18))
def test_tracking_code_adjacent_transposition_is_a_check_error(h: bytes, i: int) -> None:
    code = _canonical_tracking(h)
    if code[i] == code[i + 1]:
        return  # swapping equal characters changes nothing
    with pytest.raises(TrackingCodeError) as caught:
        normalize_tracking_code(code[:i] + code[i + 1] + code[i] + code[i + 2 :])
    assert caught.value.reason == "check"


@given(credential_codes, st.integers(0, 19), st.integers(1, 31))
def test_credential_code_substitution_is_a_check_error(code: str, i: int, delta: int) -> None:
    canonical = code.replace("-", "")
    wrong = ALPHABET[(ALPHABET.index(canonical[i]) + delta) % 32]
    with pytest.raises(CredentialCodeError) as caught:
        normalize_code(canonical[:i] + wrong + canonical[i + 1 :])
    assert caught.value.reason == "check"


@given(credential_codes, st.integers(0, 18))
def test_credential_code_adjacent_transposition_is_a_check_error(code: str, i: int) -> None:
    canonical = code.replace("-", "")
    if canonical[i] == canonical[i + 1]:
        return
    with pytest.raises(CredentialCodeError) as caught:
        normalize_code(canonical[:i] + canonical[i + 1] + canonical[i] + canonical[i + 2 :])
    assert caught.value.reason == "check"


@given(hashes, st.booleans())
def test_tracking_code_typed_in_cyrillic_reads_back(h: bytes, lower: bool) -> None:
    code = tracking_code(h)
    typed = code.translate(_TO_CYRILLIC)
    assert normalize_tracking_code(typed.lower() if lower else typed) == code.replace("-", "")


@given(credential_codes, st.booleans())
def test_credential_code_typed_in_cyrillic_reads_back(code: str, lower: bool) -> None:
    typed = code.translate(_TO_CYRILLIC).replace("-", " ")
    assert normalize_code(typed.lower() if lower else typed) == code.replace("-", "")


@given(hashes, credential_codes)
def test_the_two_kinds_of_code_never_pass_for_each_other(h: bytes, credential: str) -> None:
    with pytest.raises(TrackingCodeError):
        normalize_tracking_code(credential)
    with pytest.raises(CredentialCodeError):
        normalize_code(tracking_code(h))
