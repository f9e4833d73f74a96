# Ukrainian texts: the Cyrillic letters are meant.
# ruff: noqa: RUF001
"""The manifest (protocol.md section 9): validation, canonical form, fingerprint, TOML."""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manifest_fixtures import BOARD, REGISTRAR_KEYS, TRUSTEE_KEYS, WITNESS, manifest_json
from manifest_fixtures import toml_key_blocks as blocks
from referendum.board.keys import BOARD_KEY, WITNESS_KEY, SigningKey
from referendum.canonical import canonical_json, parse_json
from referendum.ceremony import TrusteeKeys
from referendum.demo import REGISTRARS, TRUSTEES, manifest_text
from referendum.demo_manifest import REGIONS, TEMPLATE, key_block, render
from referendum.group import SeededRandom
from referendum.manifest import FORMAT, Manifest, ManifestError, load_manifest_toml
from referendum.signing import Ed25519Key

Mutation = Callable[[dict[str, Any]], Any]


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _fp(value: dict[str, Any]) -> bytes:
    return Manifest.from_json(value).fingerprint


# --- a valid manifest --------------------------------------------------------------------


def test_a_valid_manifest_reads_into_its_parts() -> None:
    m = Manifest.from_json(manifest_json())
    assert m.id == "test-2027"
    assert m.languages == ("uk", "en")
    assert m.title == {"uk": "Тестовий референдум", "en": "Test referendum"}
    assert (m.opens, m.closes) == ("2027-03-01T06:00:00Z", "2027-03-14T18:00:00Z")
    assert [q.id for q in m.questions] == ["status", "priorities"]
    q = m.question("priorities")
    assert (q.min_choices, q.max_choices) == (0, 2)
    assert [o.id for o in q.options] == ["roads", "schools", "water"]
    assert q.options[2].text == {"uk": "Вода", "en": "Water"}
    assert [q.id for q in m.ballot_style("south")] == ["priorities", "status"]
    assert m.region("north").name["uk"] == "Північ"
    assert [t.index for t in m.trustees] == [1, 2, 3]
    assert m.trustee(2).signing_key == TRUSTEE_KEYS[1][0].public
    assert len(m.trustee(3).encryption_key) == 32
    assert [(c.threshold, c.groups, c.members) for c in m.policy.clauses] == [
        (2, ("trustees",), (1, 2, 3))
    ]
    assert m.trustee(1).group == "trustees" and m.deadlines == {}
    assert m.registrar("abroad").signing_key == REGISTRAR_KEYS["abroad"].public
    assert [(w.name, w.key) for w in m.witnesses] == [("Observer 1", WITNESS.verifier())]
    assert m.board_key == BOARD.verifier()
    assert m.trustee(1).display == {"uk": "Довірена особа 1", "en": "Trustee 1"}
    assert m.trustee(2).display is None  # pages show its name
    assert m.registrar("cec").display == {"uk": "ЦВК", "en": "CEC"}
    assert m.registrar("abroad").display is None
    assert m.witnesses[0].display == {"uk": "Спостерігач 1", "en": "Observer 1"}


@pytest.mark.parametrize(
    "lookup",
    [
        lambda m: m.question("nope"),
        lambda m: m.region("nope"),
        lambda m: m.ballot_style("nope"),
        lambda m: m.trustee(0),
        lambda m: m.trustee(4),
        lambda m: m.registrar("nope"),
    ],
)
def test_lookups_of_what_is_not_there_raise_key_error(lookup: Callable[[Manifest], Any]) -> None:
    with pytest.raises(KeyError, match="test-2027"):
        lookup(Manifest.from_json(manifest_json()))


def test_the_fingerprint_is_section_9_3() -> None:
    value = manifest_json()
    m = Manifest.from_json(value)
    assert m.canonical == canonical_json(value)
    transcript = _lp(b"referendum/v1/manifest") + _lp(m.canonical)
    assert m.fingerprint == hashlib.sha512(transcript).digest()[:32]
    assert len(m.fingerprint) == 32


def test_to_json_is_a_fresh_copy_and_reads_back_the_same() -> None:
    m = Manifest.from_json(manifest_json())
    value = m.to_json()
    value["questions"][0]["options"][0]["text"]["uk"] = "Ні"
    assert m.to_json() == manifest_json()
    assert Manifest.from_json(m.to_json()).fingerprint == m.fingerprint
    assert Manifest.from_json(parse_json(m.canonical)).fingerprint == m.fingerprint


def test_the_manifest_keeps_no_reference_to_the_input() -> None:
    value = manifest_json()
    m = Manifest.from_json(value)
    value["title"]["uk"] = "Інший"
    assert m.canonical == canonical_json(manifest_json())


def _shuffled(value: Any, rnd: random.Random) -> Any:
    if isinstance(value, dict):
        items = [(k, _shuffled(v, rnd)) for k, v in value.items()]
        rnd.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [_shuffled(v, rnd) for v in value]
    return value


@settings(max_examples=10)
@given(st.randoms(use_true_random=False))
def test_member_order_does_not_change_the_canonical_form(rnd: random.Random) -> None:
    want = Manifest.from_json(manifest_json())
    got = Manifest.from_json(_shuffled(manifest_json(), rnd))
    assert got.canonical == want.canonical
    assert got.fingerprint == want.fingerprint


def test_one_ukrainian_letter_changes_the_fingerprint() -> None:
    value = manifest_json()
    before = _fp(value)
    assert value["questions"][0]["text"]["uk"] == "Чи згодні ви?"
    value["questions"][0]["text"]["uk"] = "Чи згідні ви?"
    assert _fp(value) != before
    # Apostrophes look alike but are different characters: U+02BC for U+0027.
    value["title"]["uk"] = "Об'єднання"
    one = _fp(value)
    value["title"]["uk"] = "Обʼєднання"
    assert _fp(value) != one


def _text_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every free text in the manifest (titles, names, question texts...)."""
    if isinstance(value, dict):
        found = []
        for k, v in value.items():
            if k in (
                "format",
                "id",
                "group",
                "of",
                "signing_key",
                "encryption_key",
                "key",
                "opens",
                "closes",
            ):
                continue
            found += _text_paths(v, (*path, k))
        return found
    if isinstance(value, list):
        if (
            path
            and path[-1] in ("languages", "questions")
            and all(isinstance(v, str) for v in value)
        ):
            return []
        return [p for i, v in enumerate(value) for p in _text_paths(v, (*path, i))]
    return [path] if isinstance(value, str) else []


_TEXT_PATHS = _text_paths(manifest_json())


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for step in path[:-1]:
        value = value[step]
    value[path[-1]] = new


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@settings(max_examples=30)
@given(
    st.sampled_from(_TEXT_PATHS),
    st.integers(0, 100),
    st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="\ud800"),
)
def test_any_text_change_changes_the_fingerprint(
    path: tuple[Any, ...], position: int, char: str
) -> None:
    value = manifest_json()
    before = _fp(value)
    text = _get(value, path)
    position %= len(text)
    changed = text[:position] + char + text[position + 1 :]
    if changed == text or not changed.strip():
        changed = text + char if (text + char).strip() else text + "x"
    _set(value, path, changed)
    assert _fp(value) != before


def test_there_are_texts_of_every_kind() -> None:
    kinds = {tuple(p for p in path if isinstance(p, str)) for path in _TEXT_PATHS}
    assert ("title", "uk") in kinds
    assert ("questions", "text", "en") in kinds
    assert ("questions", "options", "text", "uk") in kinds
    assert ("regions", "name", "uk") in kinds
    assert ("trustees", "name") in kinds
    assert ("registrars", "name") in kinds
    assert ("witnesses", "name") in kinds
    assert ("trustees", "display", "uk") in kinds
    assert ("registrars", "display", "en") in kinds
    assert ("witnesses", "display", "uk") in kinds


# --- every rule has a failing case ---------------------------------------------------------


def _do(*steps: Mutation) -> Mutation:
    def mutate(m: dict[str, Any]) -> None:
        for step in steps:
            step(m)

    return mutate


def _setter(path: tuple[Any, ...], new: Any) -> Mutation:
    return lambda m: _set(m, path, copy.deepcopy(new))


def _delete(path: tuple[Any, ...]) -> Mutation:
    return lambda m: _get(m, path[:-1]).pop(path[-1])


def _option(oid: str) -> dict[str, Any]:
    return {"id": oid, "text": {"uk": oid, "en": oid}}


_OTHER_BOARD = SigningKey("referendum-board", BOARD_KEY, bytes(32)).verifier().to_text()
_OTHER_WITNESS = SigningKey("observer-1", WITNESS_KEY, bytes(32)).verifier().to_text()
_T0 = ("trustees", 0)
_SK = REGISTRAR_KEYS["cec"].public.hex()

RULES: list[tuple[str, Mutation, str]] = [
    # top level
    ("missing field", _delete(("regions",)), r"^manifest: missing regions$"),
    ("unknown field", _setter(("extra",), 1), r"^manifest: unknown field extra$"),
    ("format", _setter(("format",), "referendum-manifest/1"), r"^manifest\.format: "),
    ("format missing", _delete(("format",)), r"^manifest: missing format$"),
    # id
    ("id uppercase", _setter(("id",), "Test"), r"^manifest\.id: 'Test' is not"),
    ("id underscore", _setter(("id",), "test_2027"), r"^manifest\.id: 'test_2027' is not"),
    ("id leading hyphen", _setter(("id",), "-test"), r"^manifest\.id: "),
    ("id too long", _setter(("id",), "a" * 64), r"^manifest\.id: "),
    ("id empty", _setter(("id",), ""), r"^manifest\.id: "),
    ("id number", _setter(("id",), 2027), r"^manifest\.id: 2027 is not"),
    # languages
    ("no languages", _setter(("languages",), []), r"^manifest\.languages: want 1 to 16 items"),
    ("17 languages", _setter(("languages",), ["aa"] * 17), r"^manifest\.languages: want 1 to 16"),
    ("language upper", _setter(("languages", 1), "EN"), r"^manifest\.languages\[1\]: 'EN' is not"),
    ("language long", _setter(("languages", 1), "engl"), r"^manifest\.languages\[1\]: "),
    ("language number", _setter(("languages", 0), 1), r"^manifest\.languages\[0\]: 1 is not"),
    (
        "language twice",
        _setter(("languages",), ["uk", "uk"]),
        r"^manifest\.languages: 'uk' appears",
    ),
    (
        "languages text",
        _setter(("languages",), "uk"),
        r"^manifest\.languages: want a list, got str",
    ),
    # texts in every language
    ("title no en", _delete(("title", "en")), r"^manifest\.title: missing en$"),
    ("title extra", _setter(("title", "ru"), "Тест"), r"^manifest\.title: unknown field ru$"),
    ("title blank", _setter(("title", "uk"), " \t"), r"^manifest\.title\.uk: want non-empty text"),
    ("title long", _setter(("title", "uk"), "я" * 4001), r"^manifest\.title\.uk: text longer than"),
    ("title number", _setter(("title", "en"), 5), r"^manifest\.title\.en: want non-empty text"),
    (
        "title list",
        _setter(("title",), ["x"]),
        r"^manifest\.title: want a table \(object\), got list",
    ),
    (
        "question no uk",
        _delete(("questions", 1, "text", "uk")),
        r"^manifest\.questions\[1\]\.text: missing uk$",
    ),
    (
        "option no en",
        _delete(("questions", 0, "options", 1, "text", "en")),
        r"^manifest\.questions\[0\]\.options\[1\]\.text: missing en$",
    ),
    (
        "region no uk",
        _delete(("regions", 1, "name", "uk")),
        r"^manifest\.regions\[1\]\.name: missing uk$",
    ),
    (
        "surrogate",
        _setter(("questions", 0, "options", 0, "text", "uk"), "Так\udc00"),
        r"^manifest\.questions\[0\]\.options\[0\]\.text\.uk: text holds a lone surrogate",
    ),
    # voting times
    ("no closes", _delete(("voting", "closes")), r"^manifest\.voting: missing closes$"),
    ("voting extra", _setter(("voting", "tz"), "UTC"), r"^manifest\.voting: unknown field tz$"),
    ("space", _setter(("voting", "opens"), "2027-03-01 06:00:00Z"), r"^manifest\.voting\.opens: "),
    ("offset", _setter(("voting", "opens"), "2027-03-01T06:00:00+00:00"), r"voting\.opens: want"),
    ("fraction", _setter(("voting", "opens"), "2027-03-01T06:00:00.5Z"), r"voting\.opens: want"),
    ("lower z", _setter(("voting", "opens"), "2027-03-01T06:00:00z"), r"voting\.opens: want"),
    ("no date", _setter(("voting", "closes"), "2027-02-30T06:00:00Z"), r"closes: .* not a real"),
    ("hour 24", _setter(("voting", "closes"), "2027-03-14T24:00:00Z"), r"closes: .* not a real"),
    ("arabic digits", _setter(("voting", "opens"), "٢٠٢٧-03-01T06:00:00Z"), r"voting\.opens: want"),
    ("time number", _setter(("voting", "opens"), 1803967200), r"^manifest\.voting\.opens: want"),
    (
        "closes = opens",
        _setter(("voting", "closes"), "2027-03-01T06:00:00Z"),
        r"^manifest\.voting: closes must be after opens$",
    ),
    (
        "closes before opens",
        _setter(("voting", "closes"), "2027-02-28T06:00:00Z"),
        r"^manifest\.voting: closes must be after opens$",
    ),
    # questions
    (
        "no questions",
        _setter(("questions",), []),
        r"^manifest\.questions: want 1 to 64 items, got 0",
    ),
    (
        "65 questions",
        lambda m: m["questions"].extend(copy.deepcopy(m["questions"][0]) for _ in range(63)),
        r"^manifest\.questions: want 1 to 64 items, got 65",
    ),
    ("question text", _setter(("questions", 0), "status"), r"^manifest\.questions\[0\]: want a"),
    (
        "question missing",
        _delete(("questions", 1, "max_choices")),
        r"^manifest\.questions\[1\]: missing max_choices$",
    ),
    (
        "question id",
        _setter(("questions", 1, "id"), "Pri"),
        r"^manifest\.questions\[1\]\.id: 'Pri'",
    ),
    (
        "question twice",
        _setter(("questions", 1, "id"), "status"),
        r"^manifest\.questions: 'status' appears twice$",
    ),
    (
        "one option",
        lambda m: m["questions"][0]["options"].pop(),
        r"^manifest\.questions\[0\]\.options: want 2 to 64 items, got 1",
    ),
    (
        "65 options",
        _setter(("questions", 1, "options"), [_option(f"o{i}") for i in range(65)]),
        r"^manifest\.questions\[1\]\.options: want 2 to 64 items, got 65",
    ),
    (
        "option twice",
        _setter(("questions", 1, "options", 2, "id"), "roads"),
        r"^manifest\.questions\[1\]\.options: 'roads' appears twice$",
    ),
    (
        "option id",
        _setter(("questions", 1, "options", 2, "id"), "w ater"),
        r"^manifest\.questions\[1\]\.options\[2\]\.id: 'w ater' is not an id",
    ),
    (
        "option extra",
        _setter(("questions", 1, "options", 2, "note"), "x"),
        r"^manifest\.questions\[1\]\.options\[2\]: unknown field note$",
    ),
    (
        "min negative",
        _setter(("questions", 1, "min_choices"), -1),
        r"^manifest\.questions\[1\]\.min_choices: -1 is outside 0\.\.3$",
    ),
    (
        "min above options",
        _setter(("questions", 1, "min_choices"), 4),
        r"^manifest\.questions\[1\]\.min_choices: 4 is outside 0\.\.3$",
    ),
    (
        "max below min",
        _do(
            _setter(("questions", 1, "min_choices"), 2), _setter(("questions", 1, "max_choices"), 1)
        ),
        r"^manifest\.questions\[1\]\.max_choices: 1 is outside 2\.\.3$",
    ),
    (
        "max zero",
        _setter(("questions", 1, "max_choices"), 0),
        r"^manifest\.questions\[1\]\.max_choices: 0 is outside 1\.\.3$",
    ),
    (
        "max above options",
        _setter(("questions", 0, "max_choices"), 3),
        r"^manifest\.questions\[0\]\.max_choices: 3 is outside 1\.\.2$",
    ),
    (
        "min true",
        _setter(("questions", 0, "min_choices"), True),
        r"^manifest\.questions\[0\]\.min_choices: want an integer, got bool$",
    ),
    (
        "max text",
        _setter(("questions", 0, "max_choices"), "1"),
        r"^manifest\.questions\[0\]\.max_choices: want an integer, got str$",
    ),
    (
        "max float",
        _setter(("questions", 0, "max_choices"), 1.0),
        r"^manifest\.questions\[0\]\.max_choices: want an integer, got float$",
    ),
    (
        "65 choice counts",
        _do(
            _setter(("questions", 1, "options"), [_option(f"o{i}") for i in range(64)]),
            _setter(("questions", 1, "max_choices"), 64),
        ),
        r"^manifest\.questions\[1\]: at most 64 choice counts",
    ),
    # regions
    ("no regions", _setter(("regions",), []), r"^manifest\.regions: want 1 to 64 items, got 0"),
    (
        "unknown question",
        _setter(("regions", 0, "questions"), ["statu"]),
        r"^manifest\.regions\[0\]\.questions\[0\]: no question 'statu'$",
    ),
    (
        "question as list",
        _setter(("regions", 0, "questions"), [["status"]]),
        r"^manifest\.regions\[0\]\.questions\[0\]: no question \['status'\]$",
    ),
    (
        "question as object",
        _setter(("regions", 0, "questions"), [{"id": "status"}]),
        r"^manifest\.regions\[0\]\.questions\[0\]: no question",
    ),
    (
        "question twice in region",
        _setter(("regions", 1, "questions"), ["status", "priorities", "status"]),
        r"^manifest\.regions\[1\]\.questions: 'status' appears twice$",
    ),
    (
        "region without questions",
        _setter(("regions", 0, "questions"), []),
        r"^manifest\.regions\[0\]\.questions: want 1 to 64 items, got 0",
    ),
    ("region id", _setter(("regions", 0, "id"), "Nord"), r"^manifest\.regions\[0\]\.id: 'Nord'"),
    (
        "region twice",
        _setter(("regions", 1, "id"), "north"),
        r"^manifest\.regions: 'north' appears",
    ),
    # trustees and quorum
    ("no trustees", _setter(("trustees",), []), r"^manifest\.trustees: want 1 to 64 items, got 0"),
    (
        "index 2 first",
        _setter((*_T0, "index"), 2),
        r"^manifest\.trustees\[0\]\.index: 2 is outside",
    ),
    (
        "index order",
        lambda m: m["trustees"].reverse(),
        r"^manifest\.trustees\[0\]\.index: 3 is outside 1\.\.1$",
    ),
    ("index true", _setter((*_T0, "index"), True), r"^manifest\.trustees\[0\]\.index: want an int"),
    (
        "trustee name",
        _setter((*_T0, "name"), ""),
        r"^manifest\.trustees\[0\]\.name: want non-empty",
    ),
    (
        "trustee name long",
        _setter((*_T0, "name"), "x" * 201),
        r"^manifest\.trustees\[0\]\.name: text longer than 200",
    ),
    (
        "signing key upper",
        lambda m: _set(m, (*_T0, "signing_key"), m["trustees"][0]["signing_key"].upper()),
        r"^manifest\.trustees\[0\]\.signing_key: want 64 lowercase hex digits$",
    ),
    (
        "encryption key short",
        lambda m: _set(m, (*_T0, "encryption_key"), m["trustees"][0]["encryption_key"][:62]),
        r"^manifest\.trustees\[0\]\.encryption_key: want 64 lowercase hex digits$",
    ),
    (
        "signing key bytes",
        _setter((*_T0, "signing_key"), bytes(32)),
        r"^manifest\.trustees\[0\]\.signing_key: want 64",
    ),
    (
        "same signing key",
        lambda m: _set(m, ("trustees", 2, "signing_key"), m["trustees"][0]["signing_key"]),
        r"^manifest\.trustees signing keys: .* appears twice$",
    ),
    (
        "same encryption key",
        lambda m: _set(m, ("trustees", 1, "encryption_key"), m["trustees"][2]["encryption_key"]),
        r"^manifest\.trustees encryption keys: .* appears twice$",
    ),
    (
        "no group",
        lambda m: m["trustees"][0].pop("group"),
        r"^manifest\.trustees\[0\]: missing group",
    ),
    (
        "group not an id",
        _setter((*_T0, "group"), "Side A"),
        r"^manifest\.trustees\[0\]\.group: 'Side A' is not an id",
    ),
    ("no policy", _setter(("policy",), []), r"^manifest\.policy: want 1 to 16 items, got 0$"),
    (
        "threshold zero",
        _setter(("policy", 0, "at_least"), 0),
        r"^manifest\.policy\[0\]\.at_least: 0 is outside 1\.\.3$",
    ),
    (
        "threshold 4 of 3",
        _setter(("policy", 0, "at_least"), 4),
        r"^manifest\.policy\[0\]\.at_least: 4 is outside 1\.\.3$",
    ),
    (
        "threshold true",
        _setter(("policy", 0, "at_least"), True),
        r"^manifest\.policy\[0\]\.at_least: want an integer, got bool$",
    ),
    (
        "threshold text",
        _setter(("policy", 0, "at_least"), "2"),
        r"^manifest\.policy\[0\]\.at_least: want an integer, got str$",
    ),
    (
        "unknown group",
        _setter(("policy", 0, "of", 0), "neutral"),
        r"^manifest\.policy\[0\]\.of\[0\]: no trustee is in group 'neutral'$",
    ),
    (
        "group twice",
        _setter(("policy", 0, "of"), ["trustees", "trustees"]),
        r"^manifest\.policy\[0\]\.of: 'trustees' appears twice$",
    ),
    (
        "same clause twice",
        lambda m: m["policy"].append({"at_least": 1, "of": ["trustees"]}),
        r"^manifest\.policy\[1\]\.of: clause 1 names the same groups \(\w+(, \w+)*\)$",
    ),
    (
        "clause extra member",
        _setter(("policy", 0, "quorum"), 2),
        r"^manifest\.policy\[0\]: unknown field quorum$",
    ),
    (
        "old quorum member",
        _setter(("quorum",), 2),
        r"^manifest: unknown field quorum$",
    ),
    (
        "deadlines out of order",
        _setter(
            ("ceremony",),
            {
                "commitment": "2027-02-20T00:00:00Z",
                "shares": "2027-02-19T00:00:00Z",
                "check": "2027-02-22T00:00:00Z",
                "reveal": "2027-02-23T00:00:00Z",
                "confirm": "2027-02-24T00:00:00Z",
            },
        ),
        r"^manifest\.ceremony\.shares: must be after commitment$",
    ),
    (
        "confirm after voting opens",
        _setter(
            ("ceremony",),
            {
                "commitment": "2027-02-20T00:00:00Z",
                "shares": "2027-02-21T00:00:00Z",
                "check": "2027-02-22T00:00:00Z",
                "reveal": "2027-02-23T00:00:00Z",
                "confirm": "2027-03-02T00:00:00Z",
            },
        ),
        r"^manifest\.ceremony\.confirm: must not be after voting opens$",
    ),
    (
        "a deadline missing",
        _setter(("ceremony",), {"commitment": "2027-02-20T00:00:00Z"}),
        r"^manifest\.ceremony: missing shares, check, reveal, confirm$",
    ),
    # registrars
    ("no registrars", _setter(("registrars",), []), r"^manifest\.registrars: want 1 to 64 items"),
    (
        "registrar twice",
        _setter(("registrars", 1, "id"), "cec"),
        r"^manifest\.registrars: 'cec' appears twice$",
    ),
    ("registrar id", _setter(("registrars", 1, "id"), "ЦВК"), r"^manifest\.registrars\[1\]\.id: "),
    (
        "registrar key",
        _setter(("registrars", 1, "signing_key"), _SK[:-1] + "g"),
        r"^manifest\.registrars\[1\]\.signing_key: want 64 lowercase hex digits$",
    ),
    (
        "registrar missing key",
        _delete(("registrars", 0, "signing_key")),
        r"^manifest\.registrars\[0\]: missing signing_key$",
    ),
    (
        "registrar region unknown",
        _setter(("registrars", 1, "regions"), ["north", "west"]),
        r"^manifest\.registrars\[1\]\.regions\[1\]: no region 'west'$",
    ),
    (
        "registrar region twice",
        _setter(("registrars", 1, "regions"), ["south", "north", "south"]),
        r"^manifest\.registrars\[1\]\.regions: 'south' appears twice$",
    ),
    (
        "registrar regions empty",
        _setter(("registrars", 0, "regions"), []),
        r"^manifest\.registrars\[0\]\.regions: want 1 to 64 items, got 0$",
    ),
    (
        "registrar regions not a list",
        _setter(("registrars", 0, "regions"), "north"),
        r"^manifest\.registrars\[0\]\.regions: want a list, got str$",
    ),
    (
        "registrar region not text",
        _setter(("registrars", 0, "regions"), [1]),
        r"^manifest\.registrars\[0\]\.regions\[0\]: no region 1$",
    ),
    (
        "registrar region by name",
        _setter(("registrars", 0, "regions"), ["North"]),
        r"^manifest\.registrars\[0\]\.regions\[0\]: no region 'North'$",
    ),
    # witnesses
    (
        "board key as witness",
        _setter(("witnesses", 0, "key"), _OTHER_BOARD),
        r"^manifest\.witnesses\[0\]\.key: key type 0x01, want 0x04$",
    ),
    (
        "witness key garbage",
        _setter(("witnesses", 0, "key"), "observer-1+00000000"),
        r"^manifest\.witnesses\[0\]\.key: verifier key",
    ),
    (
        "witness key hex",
        _setter(("witnesses", 0, "key"), _SK),
        r"^manifest\.witnesses\[0\]\.key: verifier key",
    ),
    (
        "witness key number",
        _setter(("witnesses", 0, "key"), 1),
        r"^manifest\.witnesses\[0\]\.key: want a verifier key",
    ),
    (
        "witness names twice",
        lambda m: m["witnesses"].append({"name": "Observer 2", "key": _OTHER_WITNESS}),
        r"^manifest\.witnesses key names: 'observer-1' appears twice$",
    ),
    ("witness name", _setter(("witnesses", 0, "name"), ""), r"^manifest\.witnesses\[0\]\.name: "),
    # display names: texts of every manifest language, each a name
    (
        "display missing a language",
        _delete(("trustees", 0, "display", "en")),
        r"^manifest\.trustees\[0\]\.display: missing en$",
    ),
    (
        "display with a language the manifest lacks",
        _setter(("trustees", 0, "display", "ru"), "Довірена особа 1"),
        r"^manifest\.trustees\[0\]\.display: unknown field ru$",
    ),
    (
        "display text empty",
        _setter(("registrars", 0, "display", "uk"), " "),
        r"^manifest\.registrars\[0\]\.display\.uk: want non-empty text$",
    ),
    (
        "display text too long",
        _setter(("witnesses", 0, "display", "en"), "x" * 201),
        r"^manifest\.witnesses\[0\]\.display\.en: text longer than 200 characters$",
    ),
    (
        "display as plain text",
        _setter(("witnesses", 0, "display"), "Observer 1"),
        r"^manifest\.witnesses\[0\]\.display: want a table \(object\), got str$",
    ),
    (
        "display text a number",
        _setter(("registrars", 1, "display"), {"uk": 1, "en": "Abroad"}),
        r"^manifest\.registrars\[1\]\.display\.uk: want non-empty text$",
    ),
    (
        "display null",
        _setter(("trustees", 1, "display"), None),
        r"^manifest\.trustees\[1\]\.display: want a table \(object\), got NoneType$",
    ),
    (
        "witnesses object",
        _setter(("witnesses",), {}),
        r"^manifest\.witnesses: want a list, got dict",
    ),
    # board
    (
        "witness key as board",
        _setter(("board", "key"), WITNESS.verifier().to_text()),
        r"^manifest\.board\.key: key type 0x04, want 0x01$",
    ),
    (
        "board key id",
        lambda m: _set(m, ("board", "key"), _wrong_key_id(m["board"]["key"])),
        r"^manifest\.board\.key: verifier key 'referendum-board': key id .* does not match",
    ),
    (
        "board key too long",
        lambda m: _set(m, ("board", "key"), m["board"]["key"] + "AAAA"),
        r"^manifest\.board\.key: verifier key 'referendum-board': want canonical base64",
    ),
    ("board extra", _setter(("board", "url"), "x"), r"^manifest\.board: unknown field url$"),
    ("board missing key", _setter(("board",), {}), r"^manifest\.board: missing key$"),
    ("board text", _setter(("board",), _OTHER_BOARD), r"^manifest\.board: want a table"),
    # keys that are not text
    ("non-text key", _setter((1,), 1), r"^manifest: unknown field 1$"),
    (
        "mixed keys",
        _do(_setter((1,), 1), _setter((None,), 1)),
        r"^manifest: unknown field 1, None$",
    ),
]


def _wrong_key_id(text: str) -> str:
    name, key_id, blob = text.split("+", 2)
    return f"{name}+{(int(key_id, 16) ^ 1):08x}+{blob}"


@pytest.mark.parametrize(("mutate", "says"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_rule_has_a_failing_case(mutate: Mutation, says: str) -> None:
    value = manifest_json()
    mutate(value)
    with pytest.raises(ManifestError, match=says):
        Manifest.from_json(value)


def test_registrars_serve_every_region_unless_they_list_some() -> None:
    value = manifest_json()
    m = Manifest.from_json(value)
    assert m.registrar("cec").regions == ("north", "south")  # no member: every region
    assert [g.id for g in m.co_issuers("north")] == ["cec", "abroad"]
    desk = Ed25519Key.generate(SeededRandom("north desk")).public.hex()
    value["registrars"].append(
        {"id": "north-desk", "name": "North desk", "signing_key": desk, "regions": ["north"]}
    )
    value["registrars"][1]["regions"] = ["south"]
    bound = Manifest.from_json(value)
    assert bound.registrar("abroad").regions == ("south",)
    assert bound.registrar("cec").regions == ("north", "south")
    assert [g.id for g in bound.co_issuers("north")] == ["cec", "north-desk"]
    assert [g.id for g in bound.co_issuers("south")] == ["cec", "abroad"]
    assert bound.to_json()["registrars"][1]["regions"] == ["south"]
    assert "regions" not in bound.to_json()["registrars"][0]  # nothing is filled in
    assert bound.fingerprint != m.fingerprint
    # Listing every region serves the same regions, but it is another canonical form.
    del value["registrars"][2]
    value["registrars"][1]["regions"] = ["south", "north"]
    listed = Manifest.from_json(value)
    assert listed.registrar("abroad").regions == ("south", "north")
    assert listed.fingerprint not in (m.fingerprint, bound.fingerprint)


def test_every_region_is_served_by_codes_per_voter_registrars() -> None:
    value = manifest_json()
    assert Manifest.from_json(value).codes_per_voter == 2
    assert not Manifest.from_json(value).rehearsal
    value["registrars"][1]["regions"] = ["south"]
    with pytest.raises(
        ManifestError,
        match=r"^manifest.codes_per_voter: region 'north' is served by 1 registrar \(cec\), "
        "want 2$",
    ):
        Manifest.from_json(value)
    value["codes_per_voter"] = 1
    with pytest.raises(ManifestError, match="region 'south' is served by 2 registrars"):
        Manifest.from_json(value)
    del value["registrars"][1]
    rehearsal = Manifest.from_json(value)
    assert rehearsal.rehearsal and rehearsal.codes_per_voter == 1
    for bad in (0, 5, "2", True, None):
        value["codes_per_voter"] = bad
        with pytest.raises(ManifestError, match=r"manifest\.codes_per_voter"):
            Manifest.from_json(value)
    del value["codes_per_voter"]
    with pytest.raises(ManifestError, match="codes_per_voter"):
        Manifest.from_json(value)


def test_a_registrar_block_in_toml_may_list_regions() -> None:
    # A rehearsal (one registrar per region): cec serves three oblasts, abroad kherson.
    others = '["donetsk", "luhansk", "zaporizhzhia"]'
    text = (
        _toml()
        .replace('id = "abroad"', 'id = "abroad"\nregions = ["kherson"]', 1)
        .replace('id = "cec"', f'id = "cec"\nregions = {others}', 1)
        .replace("codes_per_voter = 2", "codes_per_voter = 1", 1)
    )
    assert text != _toml()
    m = load_manifest_toml(text, BOARD.verifier())
    assert m.registrar("abroad").regions == ("kherson",)
    assert m.registrar("cec").regions == ("donetsk", "luhansk", "zaporizhzhia")
    assert [g.id for g in m.co_issuers("kherson")] == ["abroad"]


def test_display_names_are_optional_and_part_of_the_fingerprint() -> None:
    value = manifest_json()
    with_names = Manifest.from_json(value)
    for entry in (value["trustees"][0], value["registrars"][0], value["witnesses"][0]):
        del entry["display"]
    without = Manifest.from_json(value)
    assert without.trustee(1).display is None and without.witnesses[0].display is None
    assert without.trustee(1).name == with_names.trustee(1).name == "Trustee 1"
    assert without.fingerprint != with_names.fingerprint
    assert "display" not in without.to_json()["trustees"][0]  # nothing is filled in


def test_display_names_in_toml_blocks() -> None:
    display = {"uk": 'Спостерігач "ОБСЄ"', "ru": "Наблюдатель ОБСЕ", "en": "OSCE observer"}
    block = key_block("witnesses", [("name", "observer-1"), ("key", WITNESS.verifier().to_text())])
    shown = key_block(
        "witnesses",
        [("name", "observer-1"), ("key", WITNESS.verifier().to_text()), ("display", display)],
    )
    assert 'display = { uk = "Спостерігач \\"ОБСЄ\\"", ru = ' in shown
    m = load_manifest_toml(render([*blocks()[:-1], shown]), BOARD.verifier())
    assert m.witnesses[0].display == display
    assert m.to_json()["witnesses"][0]["display"] == display
    # A display table needs every language of the manifest (uk, ru, en here).
    partial = shown.replace(', en = "OSCE observer"', "")
    assert partial != shown
    with pytest.raises(ManifestError, match=r"^manifest\.witnesses\[0\]\.display: missing en$"):
        load_manifest_toml(render([*blocks()[:-1], partial]), BOARD.verifier())
    assert (
        "display"
        not in load_manifest_toml(render([*blocks()[:-1], block]), BOARD.verifier()).to_json()[
            "witnesses"
        ][0]
    )


@pytest.mark.parametrize("value", [None, [], "manifest", 1, [manifest_json()]])
def test_not_an_object(value: Any) -> None:
    with pytest.raises(ManifestError, match=r"^manifest: want a table \(object\)"):
        Manifest.from_json(value)


def test_edges_that_are_allowed() -> None:
    value = manifest_json()
    value["witnesses"] = []
    value["policy"][0]["at_least"] = 3
    value["id"] = "a"
    value["languages"] = ["uk", "en", "crh"]
    for path in _text_paths(value):
        if path[-1] in ("uk", "en"):
            _get(value, path[:-1])["crh"] = "Qırım"
    value["questions"][1]["min_choices"] = 3
    value["questions"][1]["max_choices"] = 3
    value["questions"][0]["options"] = [_option(f"o{i}") for i in range(64)]
    for o in value["questions"][0]["options"]:
        o["text"]["crh"] = "x"
    value["questions"][0]["min_choices"] = 1
    value["questions"][0]["max_choices"] = 64
    value["trustees"][0]["name"] = "x" * 200
    value["title"]["uk"] = "я" * 4000
    m = Manifest.from_json(value)
    assert (
        m.witnesses == ()
        and m.policy.clauses[0].threshold == 3
        and len(m.question("status").options) == 64
    )


# --- only ManifestError, whatever the input --------------------------------------------------

_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(["uk", "en", "status", "yes", "north", "2027-03-01T06:00:00Z", "", "a" * 70]),
)
_JSON_LIKE = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=60)
@given(_JSON_LIKE)
def test_random_values_raise_only_manifest_error(value: Any) -> None:
    with pytest.raises(ManifestError, match=r"^manifest"):
        Manifest.from_json(value)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*path, i))
    return found


_PATHS = _paths(manifest_json())[1:]


@pytest.mark.parametrize(
    "hostile", [None, True, -1, 1.5, "", "\udc00", [], ["x"], [{}], {}, {"": []}]
)
def test_every_field_replaced_by_a_hostile_value_raises_only_manifest_error(hostile: Any) -> None:
    for path in _PATHS:
        value = manifest_json()
        _set(value, path, copy.deepcopy(hostile))
        try:
            Manifest.from_json(value)
        except ManifestError as exc:
            assert str(exc).startswith("manifest"), path
        else:  # the one place where such a value is valid: no witnesses
            assert (path, hostile) == (("witnesses",), []), path


def test_a_non_text_key_in_any_object_raises_manifest_error() -> None:
    objects = [p for p in [(), *_PATHS] if isinstance(_get(manifest_json(), p), dict)]
    for path in objects:
        for key in (1, None, ("a",)):
            value = manifest_json()
            _get(value, path)[key] = "x"
            with pytest.raises(ManifestError, match=r"^manifest.*: unknown field"):
                Manifest.from_json(value)


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    value = manifest_json()
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(value)[1:] if p] or [("id",)]
        path = draw(st.sampled_from(paths))
        parent = _get(value, path[:-1])
        action = draw(st.sampled_from(["replace", "delete", "add", "copy", "swap"]))
        if action == "replace":
            parent[path[-1]] = draw(_JSON_LIKE)
        elif action == "delete":
            parent.pop(path[-1])
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=6))] = draw(_JSON_LIKE)
        elif action == "add":
            parent.append(draw(_JSON_LIKE))
        elif action == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        elif action == "swap" and isinstance(parent, list) and len(parent) > 1:
            parent.reverse()
    return value


@settings(max_examples=120)
@given(_mutated())
def test_mutations_of_a_valid_manifest_raise_only_manifest_error(value: dict[str, Any]) -> None:
    try:
        m = Manifest.from_json(value)
    except ManifestError as exc:
        assert str(exc).startswith("manifest")
        return
    # What was accepted is valid: its canonical form reads back to the same manifest.
    assert Manifest.from_json(parse_json(m.canonical)).fingerprint == m.fingerprint


# --- the TOML form -------------------------------------------------------------------------


def _toml(template: str = TEMPLATE) -> str:
    return render(blocks(), template)


def test_the_template_with_key_blocks_loads() -> None:
    m = load_manifest_toml(_toml(), BOARD.verifier())
    assert m.id == "oblasts-2027"
    assert m.languages == ("uk", "ru", "en")
    assert [r.id for r in m.regions] == [r for r, _ in REGIONS]
    assert [q.id for q in m.ballot_style("kherson")] == ["status"]
    assert [o.id for o in m.question("status").options] == ["ukraine", "russia"]
    assert m.question("status").options[0].text["uk"] == "Україна"
    assert [t.index for t in m.trustees] == [1, 2, 3] and m.policy.clauses[0].threshold == 3
    assert [r.id for r in m.registrars] == ["cec", "abroad"]
    assert m.board_key == BOARD.verifier()
    value = m.to_json()
    assert value["format"] == FORMAT
    assert value["board"] == {"key": BOARD.verifier().to_text()}
    assert [t["index"] for t in value["trustees"]] == [1, 2, 3]
    # What init writes (canonical JSON) reads back to the same referendum.
    assert Manifest.from_json(parse_json(m.canonical)).fingerprint == m.fingerprint


def test_the_template_alone_lacks_keys() -> None:
    with pytest.raises(ManifestError, match=r"^manifest: missing trustees, registrars$"):
        load_manifest_toml(TEMPLATE, BOARD.verifier())


def test_witnesses_may_be_left_out_of_the_toml() -> None:
    text = render(blocks()[:-1])
    assert load_manifest_toml(text, BOARD.verifier()).witnesses == ()


def test_the_board_key_changes_the_fingerprint() -> None:
    other = SigningKey.generate("referendum-board", BOARD_KEY, SeededRandom(1)).verifier()
    one = load_manifest_toml(_toml(), BOARD.verifier()).fingerprint
    assert load_manifest_toml(_toml(), other).fingerprint != one


@pytest.mark.parametrize(
    ("opens", "closes"),
    [
        ("2027-03-01T06:00:00Z", "2027-03-14T18:00:00Z"),
        ("2027-03-01 06:00:00Z", "2027-03-14 18:00:00z"),
        ("2027-03-01T06:00:00+00:00", "2027-03-14T18:00:00-00:00"),
        ("2027-03-01T06:00:00.000Z", "2027-03-14T18:00:00Z"),
    ],
)
def test_toml_datetimes_and_strings_give_the_same_fingerprint(opens: str, closes: str) -> None:
    want = load_manifest_toml(_toml(), BOARD.verifier())
    text = TEMPLATE.replace('opens = "2027-03-01T06:00:00Z"', f"opens = {opens}")
    text = text.replace('closes = "2027-03-14T18:00:00Z"', f"closes = {closes}")
    assert text != TEMPLATE
    got = load_manifest_toml(_toml(text), BOARD.verifier())
    assert (got.opens, got.closes) == (want.opens, want.closes)
    assert got.fingerprint == want.fingerprint


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            ("opens = ", "opens = 2027-03-01T06:00:00"),
            r"^manifest\.voting\.opens: give the time in UTC",
        ),
        (("opens = ", "opens = 2027-03-01T08:00:00+02:00"), r"^manifest\.voting\.opens: .* UTC"),
        (("opens = ", "opens = 2027-03-01T06:00:00.5Z"), r"^manifest\.voting\.opens: .* whole sec"),
        (("opens = ", "opens = 2027-03-01"), r"^manifest\.voting\.opens: 2027-03-01 — give times"),
        (("opens = ", "opens = 06:00:00"), r"^manifest\.voting\.opens: 06:00:00 — give times"),
        (("at_least = 3", "at_least = 3.0"), r"^manifest\.policy\[0\]\.at_least: 3\.0 — numbers"),
        (("min_choices = 1", "min_choices = 1e0"), r"^manifest\.questions\[0\]\.min_choices: 1\.0"),
        (
            ("languages = [", 'format = "referendum-manifest/2"\nlanguages = ['),
            r"format is added by",
        ),
        (("[voting]", "[board]\nkey = 'x'\n[voting]"), r"board is added by"),
        (('name = "Trustee 2"', 'name = "Trustee 2"\nindex = 2'), r"trustees\[1\]: index comes"),
        (('id = "oblasts-2027"', 'id = "oblasts-2027"\nid = "x"'), r"^manifest TOML: "),
        (("policy = [", "policy = "), r"^manifest TOML: "),
        (
            ('en = "Ukraine"', 'en = "Ukraine", de = "Ukraine"'),
            r"options\[0\]\.text: unknown field de",
        ),
        (("at_least = 3", "at_least = 4"), r"^manifest\.policy\[0\]\.at_least: 4 is outside"),
        (('id = "oblasts-2027"', 'id = "oblasts_2027"'), r"^manifest\.id: 'oblasts_2027' is not"),
    ],
)
def test_toml_mistakes_name_the_field(change: tuple[str, str], says: str) -> None:
    old, new = change
    text = _toml()
    if old == "opens = ":
        old, new = 'opens = "2027-03-01T06:00:00Z"', new
    assert old in text
    with pytest.raises(ManifestError, match=says):
        load_manifest_toml(text.replace(old, new, 1), BOARD.verifier())


@settings(max_examples=50)
@given(st.text(max_size=60))
def test_random_toml_raises_only_manifest_error(text: str) -> None:
    with pytest.raises(ManifestError):
        load_manifest_toml(text, BOARD.verifier())


@settings(max_examples=40)
@given(st.integers(0, 10_000), st.sampled_from(["", "x", "=", "[", "]", '"', "\n", "1.5", "{"]))
def test_damaged_toml_raises_only_manifest_error(position: int, insert: str) -> None:
    text = _toml()
    position %= len(text)
    damaged = text[:position] + insert + text[position + 1 :]
    try:
        load_manifest_toml(damaged, BOARD.verifier())
    except ManifestError as exc:
        assert str(exc).startswith("manifest")


def test_key_blocks_quote_what_toml_needs_quoted() -> None:
    block = key_block(
        "registrars", [("id", "cec"), ("name", 'The "CEC" \\ Kyiv'), ("signing_key", "0")]
    )
    assert 'name = "The \\"CEC\\" \\\\ Kyiv"' in block
    cec = block.replace('"0"', f'"{REGISTRAR_KEYS["cec"].public.hex()}"')
    text = render([*blocks()[:3], cec, *blocks()[4:]])
    assert load_manifest_toml(text, BOARD.verifier()).registrar("cec").name == 'The "CEC" \\ Kyiv'


def test_witness_quorum_and_min_counted_take_their_defaults_when_absent() -> None:
    one = Manifest.from_json(manifest_json())
    assert (one.witness_quorum, one.min_counted) == (1, 0)
    value = manifest_json()
    second = SigningKey.generate("observer-2", WITNESS_KEY, SeededRandom("w2"))
    third = SigningKey.generate("observer-3", WITNESS_KEY, SeededRandom("w3"))
    value["witnesses"] += [
        {"name": "Observer 2", "key": second.verifier().to_text()},
        {"name": "Observer 3", "key": third.verifier().to_text()},
    ]
    assert Manifest.from_json(value).witness_quorum == 2  # a majority of three
    value["witnesses"] = []
    assert Manifest.from_json(value).witness_quorum == 0
    value = manifest_json()
    value["witness_quorum"], value["min_counted"] = 1, 10
    written = Manifest.from_json(value)
    assert (written.witness_quorum, written.min_counted) == (1, 10)
    # Written with its default value, it is another manifest: the fingerprint is of bytes.
    assert written.fingerprint != Manifest.from_json(manifest_json()).fingerprint


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("witness_quorum", 0, r"manifest\.witness_quorum: 0 is outside 1\.\.1"),
        ("witness_quorum", 2, r"manifest\.witness_quorum: 2 is outside 1\.\.1"),
        ("witness_quorum", True, r"manifest\.witness_quorum: want an integer, got bool"),
        ("witness_quorum", "1", r"manifest\.witness_quorum: want an integer, got str"),
        ("min_counted", -1, r"manifest\.min_counted: -1 is outside 0\.\."),
        ("min_counted", False, r"manifest\.min_counted: want an integer, got bool"),
        ("min_counted", 1.5, r"manifest\.min_counted: want an integer, got float"),
    ],
)
def test_witness_quorum_and_min_counted_refuse_what_is_not_a_count(
    field: str, value: Any, says: str
) -> None:
    manifest = manifest_json()
    manifest[field] = value
    with pytest.raises(ManifestError, match=says):
        Manifest.from_json(manifest)


def test_a_witness_quorum_needs_witnesses() -> None:
    value = manifest_json()
    value["witnesses"] = []
    value["witness_quorum"] = 1
    with pytest.raises(ManifestError, match=r"witness_quorum: the manifest names no witness"):
        Manifest.from_json(value)


def test_a_policy_over_groups_and_ceremony_deadlines_from_toml() -> None:
    text = _toml().replace(
        'policy = [{ at_least = 3, of = ["trustees"] }]',
        'policy = [{ at_least = 2, of = ["trustees", "observers"] },'
        ' { at_least = 1, of = ["observers"] }]',
    )
    text = text.replace(
        'name = "Trustee 3"\ngroup = "trustees"', 'name = "Trustee 3"\ngroup = "observers"'
    )
    text += (
        "\n[ceremony]\ncommitment = 2027-02-20T00:00:00Z\nshares = 2027-02-21T00:00:00Z\n"
        "check = 2027-02-22T00:00:00Z\nreveal = 2027-02-23T00:00:00Z\n"
        'confirm = "2027-03-01T06:00:00Z"\n'
    )
    m = load_manifest_toml(text, BOARD.verifier())
    first, second = m.policy.clauses
    assert (first.threshold, first.members) == (2, (1, 2, 3))
    assert (second.number, second.threshold, second.members) == (2, 1, (3,))
    assert m.policy.met_by([1, 3]) and not m.policy.met_by([1, 2])
    assert [c.number for c in m.policy.unmet([1, 2])] == [2]
    assert m.policy.clauses_of(3) == (first, second) and m.policy.clauses_of(1) == (first,)
    assert m.deadlines["commitment"] == "2027-02-20T00:00:00Z"
    assert m.deadlines["confirm"] == m.opens  # no later than voting opens: equal is allowed
    assert m.to_json()["ceremony"]["check"] == "2027-02-22T00:00:00Z"


def test_the_demo_names_every_trustee_registrar_and_witness_in_its_three_languages() -> None:
    rng = SeededRandom("demo-display")
    keys = [TrusteeKeys.generate(rng) for _ in TRUSTEES]
    witnesses = [SigningKey.generate(n, WITNESS_KEY, rng) for n in ("observer-osce", "observer-un")]
    text = manifest_text(keys, [Ed25519Key.generate(rng) for _ in REGISTRARS], witnesses, rng)
    m = load_manifest_toml(text, BOARD.verifier())
    entries = [*m.trustees, *m.registrars, *m.witnesses]
    assert len(entries) == 11  # 7 trustees, 2 registrars, 2 witnesses
    for entry in entries:
        assert entry.display is not None and set(entry.display) == {"uk", "ru", "en"}
    assert m.trustee(5).display == {
        "uk": "Спостерігач ОБСЄ",
        "ru": "Наблюдатель ОБСЕ",
        "en": "OSCE observer",
    }
    # Every party's Ukrainian and Russian names differ from each other and from the others'.
    assert len({e.display["uk"] for e in entries if e.display}) == 11
    assert len({e.display["ru"] for e in entries if e.display}) == 11
