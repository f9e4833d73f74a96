"""Canonical JSON (protocol.md section 8.1): the byte form and the strict parser."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.canonical import MAX_SAFE_INTEGER, JsonFormatError, canonical_json, parse_json

# --- an independent reading of RFC 8785 for the protocol's domain ---------------------

_SHORT = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def _jcs_string(text: str) -> str:
    out = []
    for char in text:
        if char in _SHORT:
            out.append(_SHORT[char])
        elif char < " ":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _jcs(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    # RFC 8785 section 3.2.3: members sorted by their names' UTF-16 code units.
    names = sorted(value, key=lambda k: k.encode("utf-16-be"))
    return "{" + ",".join(f"{_jcs_string(k)}:{_jcs(value[k])}" for k in names) + "}"


# --- strategies --------------------------------------------------------------------------

_KEY_CHARS = st.characters(min_codepoint=0, max_codepoint=127)
_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
    st.sampled_from([0, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]),
    _TEXT,
)


def json_values() -> st.SearchStrategy[Any]:
    """Values of section 8.1's domain: ASCII keys, integers within ±(2^53 - 1)."""
    return st.recursive(
        _SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(_KEY_CHARS, max_size=6), inner, max_size=4),
        ),
        max_leaves=16,
    )


def _shuffled(value: Any, rnd: random.Random) -> Any:
    if isinstance(value, dict):
        items = [(k, _shuffled(v, rnd)) for k, v in value.items()]
        rnd.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [_shuffled(v, rnd) for v in value]
    return value


# --- properties --------------------------------------------------------------------------


@settings(max_examples=40)
@given(json_values())
def test_matches_an_independent_rfc8785_serializer(value: Any) -> None:
    assert canonical_json(value) == _jcs(value).encode("utf-8")


@settings(max_examples=40)
@given(json_values(), st.randoms(use_true_random=False))
def test_member_order_of_the_input_does_not_matter(value: Any, rnd: random.Random) -> None:
    assert canonical_json(_shuffled(value, rnd)) == canonical_json(value)


@settings(max_examples=40)
@given(json_values())
def test_parse_gives_back_the_value_and_canonical_form_is_a_fixed_point(value: Any) -> None:
    data = canonical_json(value)
    assert parse_json(data) == value
    assert canonical_json(parse_json(data)) == data
    assert parse_json(data.decode("utf-8")) == value


@settings(max_examples=40)
@given(json_values())
def test_any_spelling_of_a_value_has_the_same_canonical_form(value: Any) -> None:
    # Indented, every non-ASCII character escaped, members in Python's order.
    spelled = json.dumps(value, indent=2, ensure_ascii=True)
    assert canonical_json(parse_json(spelled)) == canonical_json(value)


# --- the byte form -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ({"b": 1, "a": 2, "c": {"z": [], "y": {}}}, b'{"a":2,"b":1,"c":{"y":{},"z":[]}}'),
        (
            {"a": 1, "B": 2, "_": 3, "1": 4, "aa": 5, "": 6},
            b'{"":6,"1":4,"B":2,"_":3,"a":1,"aa":5}',
        ),
        ([[], [[1, [2]]], {"a": [{}]}], b'[[],[[1,[2]]],{"a":[{}]}]'),
        ([3, 1, 2], b"[3,1,2]"),
        ([True, False, None, 0, -1], b"[true,false,null,0,-1]"),
        (MAX_SAFE_INTEGER, b"9007199254740991"),
        (-MAX_SAFE_INTEGER, b"-9007199254740991"),
        ("", b'""'),
        ("a/b", b'"a/b"'),
        ('"\\', b'"\\"\\\\"'),
        ("\b\t\n\f\r", b'"\\b\\t\\n\\f\\r"'),
        ("\x00\x01\x0b\x1f", b'"\\u0000\\u0001\\u000b\\u001f"'),
        ("\x7f\u2028\u2029", '"\x7f\u2028\u2029"'.encode()),
        ("Україна", '"Україна"'.encode()),
        ("\U0001f5f3", b'"\xf0\x9f\x97\xb3"'),
        ((1, 2), b"[1,2]"),
    ],
)
def test_canonical_bytes(value: Any, want: bytes) -> None:
    assert canonical_json(value) == want


def test_escaped_input_is_written_as_utf8() -> None:
    assert canonical_json(parse_json('"\\u0423\\u043a\\ud83d\\uddf3\\/"')) == '"Ук🗳/"'.encode()


def test_negative_zero_is_zero() -> None:
    assert canonical_json(parse_json("-0")) == b"0"


# --- what is refused ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1.0", "integers"),
        ("1.5", "integers"),
        ("1e3", "integers"),
        ("-0.0", "integers"),
        ("1e400", "integers"),
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "Infinity"),
        ('{"a":1,"a":1}', "twice"),
        ('{"x":{"a":1,"b":2,"a":3}}', "twice"),
        ("9007199254740992", "2^53"),
        ("-9007199254740992", "2^53"),
        ('{"ключ":1}', "ASCII"),
        ('{"\\u00e9":1}', "ASCII"),
        ('"\\ud800"', "surrogate"),
        ('["\\udc00x"]', "surrogate"),
        ("", "not valid JSON"),
        ("[1,]", "not valid JSON"),
        ("{'a':1}", "not valid JSON"),
        ("{a:1}", "not valid JSON"),
        ("[1] [2]", "not valid JSON"),
        ("01", "not valid JSON"),
        ('"a\nb"', "not valid JSON"),
        ("\ufeff{}", "not valid JSON"),
        ("1" * 5000, "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_parse_json_refuses(text: str, says: str) -> None:
    with pytest.raises(JsonFormatError, match=r"^ballot\.json") as info:
        parse_json(text, "ballot.json")
    assert says in str(info.value)


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf{}",  # UTF-8 byte order mark
        '{"a":1}'.encode("utf-16"),
        '{"a":1}'.encode("utf-32"),
        b'"\xff"',
        b'"\xed\xa0\x80"',  # a surrogate written in UTF-8 form
    ],
)
def test_parse_json_takes_utf8_only(data: bytes) -> None:
    with pytest.raises(JsonFormatError, match=r"^input: "):
        parse_json(data)


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": [1, 1.5]}, r"ballot\.a\[1\]: numbers must be integers"),
        ({"a": {"b": 2**53}}, r"ballot\.a\.b: integer 9007199254740992 is outside"),
        ({"a": 10**5000}, r"ballot\.a: integer of 16610 bits is outside"),
        ({"é": 1}, r"ballot: object keys must be ASCII"),
        ({1: 1}, r"ballot: object keys must be ASCII text, got 1"),
        ([b"\x00"], r"ballot\[0\]: bytes is not a JSON value"),
        ({"s": {1, 2}}, r"ballot\.s: set is not a JSON value"),
        (["ok", "\udfff"], r"ballot\[1\]: text holds a lone surrogate"),
        (float("nan"), r"ballot: numbers must be integers"),
    ],
)
def test_canonical_json_refuses_values_outside_the_domain(value: Any, where: str) -> None:
    with pytest.raises(JsonFormatError, match=where):
        canonical_json(value, "ballot")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    value: Any = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(JsonFormatError, match="nested too deeply"):
        canonical_json(value)


def test_errors_are_value_errors() -> None:
    # Callers that catch ValueError for any bad input (the CLI, the manifest) catch these too.
    assert issubclass(JsonFormatError, ValueError)
