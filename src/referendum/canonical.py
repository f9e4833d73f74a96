"""Canonical JSON: the one byte form of every message that is hashed or signed.

docs/protocol.md section 8.1. The form is RFC 8785 (JCS) restricted to the values the
protocol uses: objects with ASCII keys, arrays, strings, integers with |n| < 2^53,
true, false and null. No floats, so no number formatting rules are needed. For this
domain JCS and Python's json.dumps(sort_keys, ensure_ascii=False, separators=(",", ":"))
give the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_SAFE_INTEGER", "JsonFormatError", "canonical_json", "parse_json"]

MAX_SAFE_INTEGER = 2**53 - 1


class JsonFormatError(ValueError):
    """Text is not JSON of the protocol's domain; the message says what and where."""


def _check(value: Any, where: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise JsonFormatError(f"{where}: integer {value} is outside ±(2^53 - 1)")
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


def canonical_json(value: Any, where: str = "value") -> bytes:
    """Gives back the canonical UTF-8 bytes of value (section 8.1); JsonFormatError if none."""
    _check(value, where)
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
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
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
        )
    except JsonFormatError as exc:
        raise JsonFormatError(f"{where}: {exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise JsonFormatError(f"{where}: not valid JSON ({exc})") from None
    _check(value, where)
    return value
