"""Typed codes: the alphabet, what a typed character reads as, and the check character.

docs/protocol.md section 10.2. Credential codes (10.2) and tracking codes (12.4) share
Crockford's base32 alphabet, one rule for reading what a person typed (lower case, the
Crockford confusables O, I, L and the Cyrillic letters that look like code characters)
and Damm's check character over GF(32); they differ in length, grouping, the characters
a person may put between groups and the check's starting value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

__all__ = [
    "ALPHABET",
    "LOOKALIKES",
    "CodeError",
    "check_value",
    "fold",
    "read_values",
    "times_x",
]

#: Crockford's base32: the character at position v has value v (section 10.2.1).
ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

#: Cyrillic letters read as the Latin letter or digit they look like (section 10.2.3):
#: a voter on a Ukrainian or Russian keyboard types what the printed code shows.
LOOKALIKES: Final = {
    "\u0410": "A",  # capital letter a
    "\u0412": "B",  # capital letter ve
    "\u0415": "E",  # capital letter ie
    "\u041a": "K",  # capital letter ka
    "\u041c": "M",  # capital letter em
    "\u041d": "H",  # capital letter en
    "\u041e": "O",  # capital letter o
    "\u0420": "P",  # capital letter er
    "\u0421": "C",  # capital letter es
    "\u0422": "T",  # capital letter te
    "\u0423": "Y",  # capital letter u
    "\u0425": "X",  # capital letter ha
    "\u0406": "I",  # capital letter byelorussian-ukrainian i
    "\u0417": "3",  # capital letter ze
    "\u0430": "a",  # small letter a
    "\u0432": "b",  # small letter ve
    "\u0435": "e",  # small letter ie
    "\u043a": "k",  # small letter ka
    "\u043c": "m",  # small letter em
    "\u043d": "h",  # small letter en
    "\u043e": "o",  # small letter o
    "\u0440": "p",  # small letter er
    "\u0441": "c",  # small letter es
    "\u0442": "t",  # small letter te
    "\u0443": "y",  # small letter u
    "\u0445": "x",  # small letter ha
    "\u0456": "i",  # small letter byelorussian-ukrainian i
    "\u0437": "3",  # small letter ze
}

_GF32_MODULUS: Final = 0x25  # x^5 + x^2 + 1, primitive over GF(2)


def _typed_table() -> dict[str, int]:
    table = {c: v for v, c in enumerate(ALPHABET)}
    table.update({c.lower(): v for c, v in table.items()})
    # Crockford's decoding: O reads as zero, I and L as one.
    table.update({c: table[d] for c, d in (("O", "0"), ("o", "0"), ("I", "1"), ("i", "1"))})
    table.update({"L": 1, "l": 1})
    table.update({c: table[latin] for c, latin in LOOKALIKES.items()})
    return table


_TYPED: Final = _typed_table()


class CodeError(ValueError):
    """A typed code is malformed; the message says how (section 10.2.3).

    reason is "character" (a character that cannot appear in the code), "length" (the
    wrong number of characters) or "check" (the check character does not match). For
    "character", char is the character and position its place in the typed text.
    """

    def __init__(
        self, message: str, reason: str, char: str | None = None, position: int | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.char = char
        self.position = position


def read_values(text: object, what: str, ignored: Iterable[str], length: int) -> list[int]:
    """Gives back the values of the characters of a typed code (section 10.2.3, rules 1-3).

    what names the code in messages ("the credential code"); characters in ignored are
    skipped. CodeError "character" names the first character that is not read (with its
    position in text, counting every character from 1), then "length".
    """
    if not isinstance(text, str):
        raise CodeError(f"{what} is not text", "character")
    skip = frozenset(ignored)
    values: list[int] = []
    for position, char in enumerate(text, start=1):
        if char in skip:
            continue
        value = _TYPED.get(char)
        if value is None:
            raise CodeError(
                f"{what}'s character {position} ({char!r}) is not used in codes",
                "character",
                char,
                position,
            )
        values.append(value)
    if len(values) != length:
        raise CodeError(f"{what} has {len(values)} characters, want {length}", "length")
    return values


def times_x(value: int) -> int:
    """Gives back value * x in GF(32) = GF(2)[x] / (x^5 + x^2 + 1) (section 10.2.2)."""
    value <<= 1
    return value ^ _GF32_MODULUS if value & 0x20 else value


def fold(values: Iterable[int], start: int = 0) -> int:
    """Gives back the Damm fold: interim = times_x(interim) XOR v, from start (10.2.2).

    The quasigroup a o b = x*a + b over GF(32) is totally anti-symmetric; a code is valid
    when folding all its values ends at 0.
    """
    interim = start
    for v in values:
        interim = times_x(interim) ^ v
    return interim


def check_value(data: Sequence[int], start: int = 0) -> int:
    """Gives back the value of the check character of data values (section 10.2.2)."""
    return times_x(fold(data, start))
