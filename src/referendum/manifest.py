"""The referendum's definition, its canonical JSON form and its fingerprint.

docs/protocol.md section 9. Organisers write the manifest as TOML; `referendum init` adds
the board's key and keeps it as canonical JSON, the first entry of the board. The
fingerprint fp = SHA-512(transcript("manifest", canonical_json(manifest)))[:32] is bound
into every proof, signature and tracking code of the referendum.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from referendum.board.errors import EncodingError
from referendum.board.keys import BOARD_KEY, WITNESS_KEY, VerifierKey, parse_verifier_key
from referendum.canonical import canonical_json, is_json_int
from referendum.group import transcript
from referendum.policy import Clause, Policy
from referendum.proofs.range import MAX_RANGE_WIDTH
from referendum.signing import public_key_from_hex

__all__ = [
    "CEREMONY_STEPS",
    "FORMAT",
    "Manifest",
    "ManifestError",
    "Option",
    "Question",
    "Region",
    "Registrar",
    "Trustee",
    "Witness",
    "load_manifest_toml",
]

FORMAT = "referendum-manifest/3"
#: The key ceremony's steps, in order; the manifest's `ceremony` gives each a deadline.
CEREMONY_STEPS = ("commitment", "shares", "check", "reveal", "confirm")
MAX_CLAUSES = 16
#: The most codes a voter types to make one credential (codes_per_voter, section 9.2.2).
MAX_CODES = 4
TAG_MANIFEST = "manifest"
FINGERPRINT_SIZE = 32
MAX_TEXT = 4000
MAX_ITEMS = 64

_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
# The referendum id is also the board's log id (section 7.2.1), which has no '_'.
_REFERENDUM_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
# [0-9], not \d: \d (and strptime) would take other scripts' digits, such as "٢٠٢٧".
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


class ManifestError(ValueError):
    """The manifest breaks a rule of section 9; the message names the field."""


Texts = Mapping[str, str]
#: The longest *name* (section 9.2.1): a trustee's, registrar's or witness's name, and
#: each text of its display names.
MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    text: Texts


@dataclass(frozen=True, slots=True)
class Question:
    """A question; its encrypted form on a ballot is section 12.2's.

    When the voter must choose exactly k options (min_choices = max_choices = k) the
    last option's choice follows from the others (k minus their sum), so a ballot
    encrypts only the first `encrypted` options and the count derives the last one.
    """

    id: str
    text: Texts
    options: tuple[Option, ...]
    min_choices: int
    max_choices: int

    @property
    def exact(self) -> bool:
        """True when the voter chooses exactly min_choices = max_choices options."""
        return self.min_choices == self.max_choices

    @property
    def encrypted(self) -> int:
        """The number of selections a ballot encrypts: all options, or all but the last."""
        return len(self.options) - 1 if self.exact else len(self.options)

    @property
    def sum_range(self) -> tuple[int, int]:
        """The bounds (lo, hi) on the sum of the encrypted selections (section 12.2)."""
        if self.exact:
            return max(0, self.min_choices - 1), min(self.min_choices, self.encrypted)
        return self.min_choices, self.max_choices

    @property
    def needs_sum_proof(self) -> bool:
        """False when the selections' 0/1 proofs already imply sum_range: [0, encrypted]."""
        return self.sum_range != (0, self.encrypted)

    def full_choices(self, selected: Iterable[int]) -> tuple[int, ...]:
        """Gives back one 0/1 per option from the encrypted selections' values."""
        votes = tuple(selected)
        if self.exact:
            return (*votes, self.min_choices - sum(votes))
        return votes


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    name: Texts
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Trustee:
    """Trustee number index (1..n) of a group: Ed25519 signing key, X25519 sealed-box key."""

    index: int
    name: str
    group: str
    signing_key: bytes
    encryption_key: bytes
    #: The name per manifest language for pages (section 9.2.2), or None: show `name`.
    display: Texts | None = None


@dataclass(frozen=True, slots=True)
class Registrar:
    """A registrar: its id, name, Ed25519 signing key, and the region ids it may register.

    regions is every region of the manifest, in manifest order, when the manifest's entry
    has no regions member (section 9.2.2).
    """

    id: str
    name: str
    signing_key: bytes
    regions: tuple[str, ...]
    #: The name per manifest language for pages (section 9.2.2), or None: show `name`.
    display: Texts | None = None


@dataclass(frozen=True, slots=True)
class Witness:
    name: str
    key: VerifierKey
    #: The name per manifest language for pages (section 9.2.2), or None: show `name`.
    display: Texts | None = None


@dataclass(frozen=True)
class Manifest:
    """A validated manifest; build it with from_json (section 9.2)."""

    id: str
    languages: tuple[str, ...]
    title: Texts
    opens: str
    closes: str
    questions: tuple[Question, ...]
    regions: tuple[Region, ...]
    trustees: tuple[Trustee, ...]
    #: Who must take part in a decryption (section 9.2.2): clauses over trustee groups.
    policy: Policy
    registrars: tuple[Registrar, ...]
    #: How many codes make one voter's credential (section 10): every region is served by
    #: exactly this many registrars, each contributing one code. 1 is the single-registrar
    #: rehearsal mode, in which the one registrar could vote for abstainers.
    codes_per_voter: int
    witnesses: tuple[Witness, ...]
    board_key: VerifierKey
    #: How many of the witnesses must co-sign a tree before trustees decrypt it and on
    #: the record's last checkpoint (section 14.2, 15.2): the manifest's witness_quorum,
    #: by default a majority of the witnesses (0 when there is none).
    witness_quorum: int
    #: Trustees refuse to decrypt a region with fewer counted ballots, save none (14.2).
    min_counted: int
    #: The key ceremony's deadlines (section 11.7): step -> time, every step of
    #: CEREMONY_STEPS, or {} when the manifest has no `ceremony` (no step closes early).
    deadlines: Mapping[str, str]
    #: The web booth the manifest names (section 16.6): `sha256:<hex>` of its build's
    #: listing, or None when it names none.
    booth: str | None
    _json: dict[str, Any] = field(repr=False, compare=False)

    @cached_property
    def canonical(self) -> bytes:
        """Gives back the canonical JSON bytes of the manifest (section 8.1)."""
        return canonical_json(self._json)

    @cached_property
    def fingerprint(self) -> bytes:
        """Gives back fp, the 32-byte election fingerprint (section 9.3)."""
        return hashlib.sha512(transcript(TAG_MANIFEST, self.canonical)).digest()[:32]

    def to_json(self) -> dict[str, Any]:
        """Gives back the manifest as a JSON object (a fresh copy)."""
        copy: dict[str, Any] = _deep_copy(self._json)
        return copy

    def question(self, question_id: str) -> Question:
        """Gives back the question with this id; KeyError if there is none."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"no question {question_id!r} in referendum {self.id}")

    def region(self, region_id: str) -> Region:
        """Gives back the region with this id; KeyError if there is none."""
        for r in self.regions:
            if r.id == region_id:
                return r
        raise KeyError(f"no region {region_id!r} in referendum {self.id}")

    def ballot_style(self, region_id: str) -> tuple[Question, ...]:
        """Gives back the questions on region_id's ballot, in ballot order."""
        return tuple(self.question(q) for q in self.region(region_id).questions)

    def trustee(self, index: int) -> Trustee:
        """Gives back trustee number index (1..n); KeyError if there is none."""
        if not 1 <= index <= len(self.trustees):
            raise KeyError(f"no trustee {index} in referendum {self.id}")
        return self.trustees[index - 1]

    def registrar(self, registrar_id: str) -> Registrar:
        """Gives back the registrar with this id; KeyError if there is none."""
        for r in self.registrars:
            if r.id == registrar_id:
                return r
        raise KeyError(f"no registrar {registrar_id!r} in referendum {self.id}")

    def co_issuers(self, region_id: str) -> tuple[Registrar, ...]:
        """Gives back the registrars whose codes make a voter's credential in region_id,
        in manifest order (section 10.1); KeyError for an unknown region."""
        self.region(region_id)
        return tuple(r for r in self.registrars if region_id in r.regions)

    @property
    def rehearsal(self) -> bool:
        """Gives back whether one registrar alone issues each credential (section 9.2.2)."""
        return self.codes_per_voter == 1

    @classmethod
    def from_json(cls, value: Any) -> Manifest:
        """Gives back the Manifest that value describes; ManifestError naming the field."""
        return _parse(value)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


# --- validation ------------------------------------------------------------------------


def _obj(
    value: Any, where: str, required: Sequence[str], optional: Sequence[str] = ()
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ManifestError(f"{where}: want a table (object), got {type(value).__name__}")
    missing = [k for k in required if k not in value]
    if missing:
        raise ManifestError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(str(k) for k in set(value) - set(required) - set(optional))
    if unknown:
        raise ManifestError(f"{where}: unknown field {', '.join(unknown)}")
    return value


def _str(value: Any, where: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"{where}: want non-empty text")
    if len(value) > limit:
        raise ManifestError(f"{where}: text longer than {limit} characters")
    return value


def _id(value: Any, where: str) -> str:
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        raise ManifestError(f"{where}: {value!r} is not an id (1-63 of a-z 0-9 _ -)")
    return value


def _int(value: Any, where: str, lo: int, hi: int) -> int:
    if not is_json_int(value):
        raise ManifestError(f"{where}: want an integer, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise ManifestError(f"{where}: {value} is outside {lo}..{hi}")
    return value


def _list(value: Any, where: str, lo: int = 1, hi: int = MAX_ITEMS) -> list[Any]:
    if not isinstance(value, list):
        raise ManifestError(f"{where}: want a list, got {type(value).__name__}")
    if not lo <= len(value) <= hi:
        raise ManifestError(f"{where}: want {lo} to {hi} items, got {len(value)}")
    return value


def _texts(
    value: Any, where: str, languages: Sequence[str], limit: int = MAX_TEXT
) -> dict[str, str]:
    obj = _obj(value, where, languages)
    return {lang: _str(obj[lang], f"{where}.{lang}", limit) for lang in languages}


def _display(entry: dict[str, Any], where: str, languages: Sequence[str]) -> dict[str, str] | None:
    """Gives back an entry's display names (section 9.2.2), or None when it has none."""
    if "display" not in entry:
        return None
    return _texts(entry["display"], f"{where}.display", languages, MAX_NAME)


def _unique(ids: Sequence[Any], where: str) -> None:
    seen: set[Any] = set()
    for x in ids:
        if x in seen:
            shown = x.hex() if isinstance(x, bytes) else repr(x)  # a key as the manifest writes it
            raise ManifestError(f"{where}: {shown} appears twice")
        seen.add(x)


def _key_hex(value: Any, where: str) -> bytes:
    try:
        return public_key_from_hex(value, where)
    except ValueError as exc:
        raise ManifestError(str(exc)) from None


def _verifier_key(value: Any, where: str, key_type: int) -> VerifierKey:
    if not isinstance(value, str):
        raise ManifestError(f"{where}: want a verifier key text name+id+base64")
    try:
        key = parse_verifier_key(value)
    except EncodingError as exc:
        raise ManifestError(f"{where}: {exc}") from None
    if key.key_type != key_type:
        raise ManifestError(f"{where}: key type 0x{key.key_type:02x}, want 0x{key_type:02x}")
    return key


def _time(value: Any, where: str) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() != dt.timedelta(0):
            raise ManifestError(f"{where}: give the time in UTC, ending in Z")
        if value.microsecond:
            raise ManifestError(f"{where}: give the time in whole seconds")
        value = value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if not isinstance(value, str) or _TIME.fullmatch(value) is None:
        raise ManifestError(f"{where}: want a UTC time like 2027-03-01T06:00:00Z")
    try:
        dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ManifestError(f"{where}: {value} is not a real date and time") from None
    return value


_BOOTH_HASH = re.compile(r"sha256:[0-9a-f]{64}")

_TOP = (
    "format",
    "id",
    "languages",
    "title",
    "voting",
    "questions",
    "regions",
    "trustees",
    "policy",
    "registrars",
    "codes_per_voter",
    "witnesses",
    "board",
)


#: Optional top-level fields (section 9.2.2); absent, each takes its default.
_TOP_OPTIONAL = ("witness_quorum", "min_counted", "ceremony", "booth")


def _parse(value: Any) -> Manifest:
    top = _obj(value, "manifest", _TOP, _TOP_OPTIONAL)
    if top["format"] != FORMAT:
        raise ManifestError(f"manifest.format: {top['format']!r}, want {FORMAT!r}")
    rid = top["id"]
    if not isinstance(rid, str) or _REFERENDUM_ID.fullmatch(rid) is None:
        raise ManifestError(f"manifest.id: {rid!r} is not a referendum id (1-63 of a-z 0-9 -)")
    languages = _list(top["languages"], "manifest.languages", 1, 16)
    for i, lang in enumerate(languages):
        if not isinstance(lang, str) or _LANGUAGE.fullmatch(lang) is None:
            raise ManifestError(f"manifest.languages[{i}]: {lang!r} is not a language code")
    _unique(languages, "manifest.languages")
    title = _texts(top["title"], "manifest.title", languages)
    voting = _obj(top["voting"], "manifest.voting", ("opens", "closes"))
    opens = _time(voting["opens"], "manifest.voting.opens")
    closes = _time(voting["closes"], "manifest.voting.closes")
    if closes <= opens:
        raise ManifestError("manifest.voting: closes must be after opens")

    questions = []
    for qi, q in enumerate(_list(top["questions"], "manifest.questions")):
        w = f"manifest.questions[{qi}]"
        qo = _obj(q, w, ("id", "text", "options", "min_choices", "max_choices"))
        options = []
        for oi, o in enumerate(_list(qo["options"], f"{w}.options", 2)):
            ow = f"{w}.options[{oi}]"
            oo = _obj(o, ow, ("id", "text"))
            options.append(
                Option(_id(oo["id"], f"{ow}.id"), _texts(oo["text"], f"{ow}.text", languages))
            )
        _unique([o.id for o in options], f"{w}.options")
        lo = _int(qo["min_choices"], f"{w}.min_choices", 0, len(options))
        hi = _int(qo["max_choices"], f"{w}.max_choices", max(lo, 1), len(options))
        if hi - lo + 1 > MAX_RANGE_WIDTH:
            raise ManifestError(f"{w}: at most {MAX_RANGE_WIDTH} choice counts are supported")
        questions.append(
            Question(
                _id(qo["id"], f"{w}.id"),
                _texts(qo["text"], f"{w}.text", languages),
                tuple(options),
                lo,
                hi,
            )
        )
    _unique([q.id for q in questions], "manifest.questions")
    question_ids = {q.id for q in questions}

    regions = []
    for ri, r in enumerate(_list(top["regions"], "manifest.regions")):
        w = f"manifest.regions[{ri}]"
        ro = _obj(r, w, ("id", "name", "questions"))
        qs = _list(ro["questions"], f"{w}.questions")
        for qi, q in enumerate(qs):
            if not isinstance(q, str) or q not in question_ids:
                raise ManifestError(f"{w}.questions[{qi}]: no question {q!r}")
        _unique(qs, f"{w}.questions")
        regions.append(
            Region(_id(ro["id"], f"{w}.id"), _texts(ro["name"], f"{w}.name", languages), tuple(qs))
        )
    _unique([r.id for r in regions], "manifest.regions")

    trustees = []
    for ti, t in enumerate(_list(top["trustees"], "manifest.trustees")):
        w = f"manifest.trustees[{ti}]"
        to = _obj(t, w, ("index", "name", "group", "signing_key", "encryption_key"), ("display",))
        index = _int(to["index"], f"{w}.index", ti + 1, ti + 1)
        trustees.append(
            Trustee(
                index,
                _str(to["name"], f"{w}.name", MAX_NAME),
                _id(to["group"], f"{w}.group"),
                _key_hex(to["signing_key"], f"{w}.signing_key"),
                _key_hex(to["encryption_key"], f"{w}.encryption_key"),
                _display(to, w, languages),
            )
        )
    _unique([t.signing_key for t in trustees], "manifest.trustees signing keys")
    _unique([t.encryption_key for t in trustees], "manifest.trustees encryption keys")
    policy = _policy(top["policy"], trustees)
    deadlines = _deadlines(top["ceremony"], opens) if "ceremony" in top else {}

    registrars = []
    for gi, g in enumerate(_list(top["registrars"], "manifest.registrars")):
        w = f"manifest.registrars[{gi}]"
        go = _obj(g, w, ("id", "name", "signing_key"), ("regions", "display"))
        registrars.append(
            Registrar(
                _id(go["id"], f"{w}.id"),
                _str(go["name"], f"{w}.name", MAX_NAME),
                _key_hex(go["signing_key"], f"{w}.signing_key"),
                _served(go, w, [r.id for r in regions]),
                _display(go, w, languages),
            )
        )
    _unique([g.id for g in registrars], "manifest.registrars")
    # Co-issuers must be different parties: one key cannot stand for two registrars, nor
    # for a trustee (section 10.1).
    _unique([g.signing_key for g in registrars], "manifest.registrars signing keys")
    trustee_keys = {t.signing_key for t in trustees}
    for gi, g in enumerate(registrars):
        if g.signing_key in trustee_keys:
            raise ManifestError(
                f"manifest.registrars[{gi}].signing_key: the signing key of a trustee"
            )
    codes_per_voter = _int(top["codes_per_voter"], "manifest.codes_per_voter", 1, MAX_CODES)
    for region in regions:
        serving = [g.id for g in registrars if region.id in g.regions]
        if len(serving) != codes_per_voter:
            had = f"{len(serving)} registrar{'' if len(serving) == 1 else 's'}"
            raise ManifestError(
                f"manifest.codes_per_voter: region {region.id!r} is served by {had}"
                f" ({', '.join(serving) or 'none'}), want {codes_per_voter}"
            )

    witnesses = []
    for wi, x in enumerate(_list(top["witnesses"], "manifest.witnesses", 0)):
        w = f"manifest.witnesses[{wi}]"
        xo = _obj(x, w, ("name", "key"), ("display",))
        witnesses.append(
            Witness(
                _str(xo["name"], f"{w}.name", MAX_NAME),
                _verifier_key(xo["key"], f"{w}.key", WITNESS_KEY),
                _display(xo, w, languages),
            )
        )
    _unique([x.key.name for x in witnesses], "manifest.witnesses key names")
    if "witness_quorum" in top:
        if not witnesses:
            raise ManifestError("manifest.witness_quorum: the manifest names no witness")
        witness_quorum = _int(top["witness_quorum"], "manifest.witness_quorum", 1, len(witnesses))
    else:
        witness_quorum = len(witnesses) // 2 + 1 if witnesses else 0
    min_counted = _int(top.get("min_counted", 0), "manifest.min_counted", 0, 2**31)

    # The web booth's hash (section 16.6).
    booth = top.get("booth")
    if booth is not None and (not isinstance(booth, str) or _BOOTH_HASH.fullmatch(booth) is None):
        raise ManifestError(
            f"manifest.booth: {str(booth)[:80]!r}, want sha256: and 64 lowercase hex digits"
        )

    board = _obj(top["board"], "manifest.board", ("key",))
    board_key = _verifier_key(board["key"], "manifest.board.key", BOARD_KEY)
    try:
        canonical_json(top, "manifest")
    except ValueError as exc:
        raise ManifestError(str(exc)) from None
    return Manifest(
        id=rid,
        languages=tuple(languages),
        title=title,
        opens=opens,
        closes=closes,
        questions=tuple(questions),
        regions=tuple(regions),
        trustees=tuple(trustees),
        policy=policy,
        registrars=tuple(registrars),
        codes_per_voter=codes_per_voter,
        witnesses=tuple(witnesses),
        board_key=board_key,
        witness_quorum=witness_quorum,
        min_counted=min_counted,
        deadlines=deadlines,
        booth=booth,
        _json=_deep_copy(top),
    )


def _policy(value: Any, trustees: Sequence[Trustee]) -> Policy:
    """Gives back the policy of manifest.policy (section 9.2.2); ManifestError naming it."""
    groups = {t.group for t in trustees}
    clauses: list[Clause] = []
    for ci, c in enumerate(_list(value, "manifest.policy", 1, MAX_CLAUSES)):
        w = f"manifest.policy[{ci}]"
        co = _obj(c, w, ("at_least", "of"))
        named = _list(co["of"], f"{w}.of")
        for gi, g in enumerate(named):
            if _id(g, f"{w}.of[{gi}]") not in groups:
                raise ManifestError(f"{w}.of[{gi}]: no trustee is in group {g!r}")
        _unique(named, f"{w}.of")
        members = tuple(t.index for t in trustees if t.group in named)
        threshold = _int(co["at_least"], f"{w}.at_least", 1, len(members))
        clauses.append(Clause(ci + 1, threshold, tuple(named), members))
    seen: dict[frozenset[str], int] = {}
    for c in clauses:
        first = seen.setdefault(frozenset(c.groups), c.number)
        if first != c.number:
            raise ManifestError(
                f"manifest.policy[{c.number - 1}].of: clause {first} names the same groups"
                f" ({', '.join(sorted(c.groups))})"
            )
    return Policy(tuple(clauses))


def _deadlines(value: Any, opens: str) -> dict[str, str]:
    """Gives back step -> deadline of manifest.ceremony (section 9.2.2): strictly
    increasing in step order, the last no later than voting opens."""
    obj = _obj(value, "manifest.ceremony", CEREMONY_STEPS)
    deadlines = {step: _time(obj[step], f"manifest.ceremony.{step}") for step in CEREMONY_STEPS}
    for before, after in itertools.pairwise(CEREMONY_STEPS):
        if deadlines[after] <= deadlines[before]:
            raise ManifestError(f"manifest.ceremony.{after}: must be after {before}")
    if deadlines["confirm"] > opens:
        raise ManifestError("manifest.ceremony.confirm: must not be after voting opens")
    return deadlines


def _served(registrar: dict[str, Any], where: str, region_ids: Sequence[str]) -> tuple[str, ...]:
    """Gives back the region ids a registrar entry lists; every region when it lists none."""
    if "regions" not in registrar:
        return tuple(region_ids)
    served = _list(registrar["regions"], f"{where}.regions")
    for i, rid in enumerate(served):
        if not isinstance(rid, str) or rid not in region_ids:
            raise ManifestError(f"{where}.regions[{i}]: no region {rid!r}")
    _unique(served, f"{where}.regions")
    return tuple(served)


def load_manifest_toml(text: str, board_key: VerifierKey) -> Manifest:
    """Gives back the Manifest an organiser's TOML describes, with the board's key added.

    The TOML has every field of section 9.2 but format, board and the trustees' index
    (taken from their order). Raises ManifestError naming the field.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"manifest TOML: {exc}") from None
    for name in ("format", "board"):
        if name in raw:
            raise ManifestError(f"manifest TOML: {name} is added by `referendum init`")
    raw = _jsonable(raw, "manifest")
    voting = raw.get("voting")
    if isinstance(voting, dict):
        for k in ("opens", "closes"):
            if k in voting:
                voting[k] = _time(voting[k], f"manifest.voting.{k}")
    ceremony = raw.get("ceremony")
    if isinstance(ceremony, dict):
        for k in CEREMONY_STEPS:
            if k in ceremony:
                ceremony[k] = _time(ceremony[k], f"manifest.ceremony.{k}")
    trustees = raw.get("trustees")
    if isinstance(trustees, list):
        for i, t in enumerate(trustees):
            if isinstance(t, dict):
                if "index" in t:
                    raise ManifestError(f"manifest.trustees[{i}]: index comes from the order")
                t["index"] = i + 1
    raw["format"] = FORMAT
    raw["board"] = {"key": board_key.to_text()}
    raw.setdefault("witnesses", [])
    return _parse(raw)


def _jsonable(value: Any, where: str) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, float):
        raise ManifestError(f"{where}: {value} — numbers must be integers")
    if isinstance(value, dt.date | dt.time) and not isinstance(value, dt.datetime):
        raise ManifestError(f"{where}: {value} — give times as 2027-03-01T06:00:00Z")
    return value
