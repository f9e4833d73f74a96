"""Canonical JSON: the one byte form of every message that is hashed or signed.

docs/protocol.md section 8.1. The form is RFC 8785 (JCS) restricted to the values the
protocol uses: objects with ASCII keys, arrays, strings, integers with |n| < 2^53,
true, false and null. No floats, so no number formatting rules are needed. For this
domain JCS and Python's json.dumps(sort_keys, ensure_ascii=False, separators=(",", ":"))
give the same bytes.
"""

from __future__ import annotations

import json
from typing import Any, TypeGuard

__all__ = [
    "MAX_SAFE_INTEGER",
    "JsonFormatError",
    "canonical_json",
    "is_json_int",
    "json_equal",
    "parse_json",
]

MAX_SAFE_INTEGER = 2**53 - 1


class JsonFormatError(ValueError):
    """Text is not JSON of the protocol's domain; the message says what and where."""


def is_json_int(value: Any) -> TypeGuard[int]:
    """Gives back whether value is a JSON integer: an int that is not true or false.

    Python reads JSON true and false as bool, a subclass of int, so every integer field
    of every message is read through this one test (docs/protocol.md 8.1.3).
    """
    return isinstance(value, int) and not isinstance(value, bool)


def json_equal(a: Any, b: Any) -> bool:
    """Gives back whether two JSON values are the same value, true never equal to 1."""
    if isinstance(a, dict):
        return (
            isinstance(b, dict) and a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
        )
    if isinstance(a, list):
        return (
            isinstance(b, list)
            and len(a) == len(b)
            and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
        )
    return type(a) is type(b) and a == b


def _check(value: Any, where: str) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                # A lone surrogate has no UTF-8 form, so no canonical bytes (RFC 8785, I-JSON).
                raise JsonFormatError(f"{where}: text holds a lone surrogate") from None
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            # Python refuses to print integers of more than 4300 digits.
            shown = str(value) if value.bit_length() <= 256 else f"of {value.bit_length()} bits"
            raise JsonFormatError(f"{where}: integer {shown} is outside ±(2^53 - 1)")
        return
    if isinstance(value, float):
        raise JsonFormatError(f"{where}: numbers must be integers, got {value!r}")
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise JsonFormatError(f"{where}: object keys must be ASCII text, got {key!r}")
            _check(item, f"{where}.{key}")
        return
    raise JsonFormatError(f"{where}: {type(value).__name__} is not a JSON value")


def _in_domain(value: Any) -> bool:
    """True when value is plainly inside section 8.1's domain; False means "look closer".

    The fast path: no recursion, no path strings. Exact types only, so subclasses (and
    every value it is unsure of) go to _check, which also names what is wrong.
    """
    stack = [value]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        v = pop()
        t = type(v)
        if t is str:
            if not v.isascii():
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError:
                    return False
        elif t is int:
            if not -MAX_SAFE_INTEGER <= v <= MAX_SAFE_INTEGER:
                return False
        elif t is dict:
            for key, item in v.items():
                if type(key) is not str or not key.isascii():
                    return False
                push(item)
        elif t is list:
            extend(v)
        elif not (v is None or t is bool):
            return False
    return True


def _check_depth(value: Any, where: str) -> None:
    if _in_domain(value):
        return
    try:
        _check(value, where)
    except RecursionError:
        raise JsonFormatError(f"{where}: nested too deeply") from None


def canonical_json(value: Any, where: str = "value") -> bytes:
    """Gives back the canonical UTF-8 bytes of value (section 8.1); JsonFormatError if none."""
    _check_depth(value, where)
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except RecursionError:
        raise JsonFormatError(f"{where}: nested too deeply") from None
    return text.encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JsonFormatError(f"key {key!r} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise JsonFormatError(f"{name} is not a JSON number")


def parse_json(text: str | bytes, where: str = "input") -> Any:
    """Gives back the value text encodes, checked against section 8.1's domain.

    Raises JsonFormatError naming where for broken JSON, duplicate keys, NaN or
    Infinity, floats, oversized integers and non-ASCII keys.
    """
    if isinstance(text, bytes):
        # json.loads would also take UTF-16, UTF-32 and a UTF-8 BOM; section 8.1 is UTF-8.
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonFormatError(f"{where}: not UTF-8 ({exc})") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
        )
    except JsonFormatError as exc:
        raise JsonFormatError(f"{where}: {exc}") from None
    except RecursionError:
        raise JsonFormatError(f"{where}: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and digit strings past Python's 4300 limit
        raise JsonFormatError(f"{where}: not valid JSON ({exc})") from None
    _check_depth(value, where)
    return value
