"""Ballots: encryption, proofs, tracking codes, signatures and Benaloh challenges.

docs/protocol.md section 12. A voter's device encrypts one 0/1 per option of every
question on the region's ballot (all but the last option when the question asks for
exactly k choices: the last follows from the others), proves each encrypts 0 or 1 (a
disjunctive proof) and, where those proofs do not already imply it, that each question's
sum lies in its bounds (a range proof), shows the
tracking code, and only then, once the voter has chosen, signs with the voter's
credential: either the ballot to cast (kind "ballot") or, for a Benaloh challenge, the
unsigned ballot together with every nonce (kind "spoiled"). So nothing a challenge sends
is ever signed as a cast ballot. Every proof is bound to the credential, the region and
the question (and the option), so no part of one ballot verifies inside another.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

from .canonical import JsonFormatError, canonical_json, is_json_int
from .codes import ALPHABET, CodeError, check_value, fold, read_values
from .elgamal import Ciphertext, encrypt, sum_ciphertexts
from .errors import VerificationError
from .group import (
    RISTRETTO255,
    Element,
    GroupError,
    RandomSource,
    Scalar,
    element_from_hex,
    scalar_from_hex,
    system_random,
    transcript,
)
from .manifest import Manifest, Question
from .proofs import (
    InvalidProof,
    ProofContext,
    RangeProof,
    prove_disjunctive,
    prove_range,
    verify_disjunctive,
    verify_range,
)
from .signing import SignatureInvalid, Signer, sign_message, verify_message

__all__ = [
    "KIND_BALLOT",
    "KIND_SPOILED",
    "TAG_TRACKING_CODE",
    "TRACKING_CHECK_START",
    "TRACKING_CODE_LENGTH",
    "TRACKING_DATA_LENGTH",
    "TRACKING_HASH_SIZE",
    "BallotError",
    "CheckedBallot",
    "PreparedBallot",
    "TrackingCodeError",
    "check_ballot_fields",
    "check_spoiled_fields",
    "encrypt_ballot",
    "normalize_tracking_code",
    "read_ballot",
    "read_spoiled",
    "tracking_code",
    "tracking_hash",
    "tracking_range",
    "verify_ballot",
    "verify_spoiled",
]

KIND_BALLOT: Final = "ballot"
KIND_SPOILED: Final = "spoiled"
TAG_TRACKING_CODE: Final = "tracking-code"
TRACKING_HASH_SIZE: Final = 32
#: Characters of a tracking code without its hyphens: 19 data (95 bits of h) and a check.
TRACKING_CODE_LENGTH: Final = 20
TRACKING_DATA_LENGTH: Final = 19
#: The tracking code's Damm fold starts here, a credential code's at 0 (12.4, 10.2.2).
TRACKING_CHECK_START: Final = 1

_G: Final = RISTRETTO255
_HEX: Final = frozenset("0123456789abcdef")
_IGNORED: Final = frozenset(" \t\n\r\v\f-")  # what a person may type between characters
_MAX_ITEMS: Final = 64  # manifest limit on questions and options; range proof width limit

_BODY_FIELDS: Final = frozenset({"region", "credential", "questions"})
_BALLOT_FIELDS: Final = _BODY_FIELDS | {"signature"}
_QUESTION_FIELDS: Final = frozenset({"question", "selections", "sum_proof"})
_SELECTION_FIELDS: Final = frozenset({"alpha", "beta", "proof"})
_PAIR_FIELDS: Final = frozenset({"c", "v"})
_SPOILED_FIELDS: Final = frozenset({"ballot", "reveal", "signature"})
_REVEAL_FIELDS: Final = frozenset({"question", "selections"})
_OPENING_FIELDS: Final = frozenset({"vote", "nonce"})


#: Why an exactly-k question has one selection fewer than options (section 12.2).
_EXACT_NOTE: Final = " (exactly k chosen: the last option is not encrypted)"


class BallotError(VerificationError):
    """A ballot or spoiled ballot fails a check; the message says where and what."""


class TrackingCodeError(CodeError):
    """A typed tracking code is malformed or mistyped (12.4); reason as CodeError's."""


# --- tracking codes --------------------------------------------------------------------


def tracking_hash(fingerprint: bytes, payload: Mapping[str, Any]) -> bytes:
    """Gives back h = SHA-512(transcript("tracking-code", fp, canonical body))[:32] (12.4).

    The body is payload without its "signature" field, so the hash is known before the
    ballot is signed and does not depend on the signature's bytes.
    """
    body = {k: v for k, v in payload.items() if k != "signature"}
    data = transcript(TAG_TRACKING_CODE, fingerprint, canonical_json(body, "ballot"))
    return hashlib.sha512(data).digest()[:TRACKING_HASH_SIZE]


def tracking_code(h: bytes) -> str:
    """Gives back the code a person reads and types: 19 Crockford base32 characters of h
    and a check character (12.4).

    The first 95 bits of h, most significant first, then the Damm check character folded
    from 1 (so no credential code is a valid tracking code), in 5 groups of 4 joined by "-".
    """
    if not isinstance(h, bytes) or len(h) != TRACKING_HASH_SIZE:
        raise ValueError(f"a tracking hash is {TRACKING_HASH_SIZE} bytes")
    bits = int.from_bytes(h[:12], "big") >> 1  # 96 bits, keep the top 95
    values = [
        (bits >> (5 * (TRACKING_DATA_LENGTH - 1 - i))) & 31 for i in range(TRACKING_DATA_LENGTH)
    ]
    values.append(check_value(values, TRACKING_CHECK_START))
    chars = "".join(ALPHABET[v] for v in values)
    return "-".join(chars[i : i + 4] for i in range(0, TRACKING_CODE_LENGTH, 4))


def normalize_tracking_code(text: str) -> str:
    """Gives back the 20 characters of a typed tracking code, without hyphens (12.4).

    Ignores white space and hyphens; reads lower case as upper case, O as 0, I and L as 1
    and a Cyrillic look-alike as its Latin letter (10.2.3). TrackingCodeError otherwise,
    with reason "character", "length" or "check" (a typing mistake: the code names no
    ballot, whether or not a ballot is missing).
    """
    try:
        values = read_values(text, "the tracking code", _IGNORED, TRACKING_CODE_LENGTH)
    except CodeError as exc:
        raise TrackingCodeError(str(exc), exc.reason, exc.char, exc.position) from None
    if fold(values, TRACKING_CHECK_START) != 0:
        raise TrackingCodeError(
            "a character is mistyped: the tracking code's check character does not match",
            "check",
        )
    return "".join(ALPHABET[v] for v in values)


def tracking_range(text: str) -> tuple[bytes, bytes]:
    """Gives back the tracking hashes [low, high) a typed tracking code names (12.4): those
    whose first 95 bits are its data characters. TrackingCodeError for a malformed code."""
    key = 0
    for ch in normalize_tracking_code(text)[:TRACKING_DATA_LENGTH]:
        key = key * 32 + ALPHABET.index(ch)
    shift = 8 * TRACKING_HASH_SIZE - 5 * TRACKING_DATA_LENGTH  # 161 bits below the data
    low = (key << shift).to_bytes(TRACKING_HASH_SIZE, "big")
    after = (key + 1) << shift
    # Past the last code, a 33-byte bound sorts above every 32-byte hash.
    high = after.to_bytes(TRACKING_HASH_SIZE, "big") if after < 1 << 256 else b"\xff" * 33
    return low, high


# --- encryption ------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedBallot:
    """What a voting device holds after encrypting: the unsigned ballot and its secrets.

    body: the ballot without its signature (12.2); the tracking hash and code are of it,
    so the device shows them before the voter chooses. Nothing is signed until then:
    `payload` signs the ballot to cast, `spoiled_payload()` the challenge (12.5). choices
    (the vote: one 0/1 per option), nonces (one r per encrypted selection, section 12.2)
    and the credential key are never printed.
    """

    body: dict[str, Any]
    tracking_hash: bytes
    tracking_code: str
    fingerprint: bytes = field(repr=False)
    choices: dict[str, tuple[int, ...]] = field(repr=False)
    nonces: dict[str, tuple[Scalar, ...]] = field(repr=False)
    _credential: Signer = field(repr=False, compare=False)

    @cached_property
    def payload(self) -> dict[str, Any]:
        """Gives back the "ballot" payload to cast: the body signed as kind "ballot" (12.2).

        Signed on first use, that is when the voter casts; a challenge never makes it.
        """
        body = copy.deepcopy(self.body)  # the caller may change what it is given
        return sign_message(self._credential, self.fingerprint, KIND_BALLOT, body)

    def spoiled_payload(self) -> dict[str, Any]:
        """Gives back the "spoiled" payload: body and every (vote, nonce), signed (12.5).

        The inner ballot carries no signature, so no part of a challenge can be cast.
        """
        reveal = [
            {
                "question": q["question"],
                "selections": [
                    {"vote": vote, "nonce": r.to_bytes().hex()}
                    for vote, r in zip(
                        self.choices[q["question"]][: len(self.nonces[q["question"]])],
                        self.nonces[q["question"]],
                        strict=True,
                    )
                ],
            }
            for q in self.body["questions"]
        ]
        body = {"ballot": copy.deepcopy(self.body), "reveal": reveal}
        return sign_message(self._credential, self.fingerprint, KIND_SPOILED, body)


def _is_bit(value: object) -> bool:
    return is_json_int(value) and value in (0, 1)


def _clean_choices(
    style: Sequence[Question], region_id: str, choices: Mapping[str, Sequence[int]]
) -> dict[str, tuple[int, ...]]:
    wanted = [q.id for q in style]
    for qid in choices:
        if qid not in wanted:
            raise ValueError(f"question {qid!r} is not on the ballot of region {region_id}")
    clean: dict[str, tuple[int, ...]] = {}
    for q in style:
        if q.id not in choices:
            raise ValueError(f"no choices given for question {q.id}")
        votes = tuple(choices[q.id])
        if len(votes) != len(q.options):
            raise ValueError(
                f"question {q.id}: {len(votes)} choices given, it has {len(q.options)} options"
            )
        for o, vote in enumerate(votes):
            if not _is_bit(vote):
                raise ValueError(f"question {q.id} option {o}: a choice is 0 or 1, got {vote!r}")
        if not q.min_choices <= sum(votes) <= q.max_choices:
            raise ValueError(
                f"question {q.id}: {sum(votes)} options chosen, "
                f"allowed {q.min_choices} to {q.max_choices}"
            )
        clean[q.id] = votes
    return clean


def encrypt_ballot(
    manifest: Manifest,
    public_key: Element,
    region_id: str,
    choices: Mapping[str, Sequence[int]],
    credential: Signer,
    rng: RandomSource = system_random,
) -> PreparedBallot:
    """Gives back the encrypted and proved ballot for choices, not yet signed (12.2).

    choices maps every question on region_id's ballot to one 0/1 per option. ValueError
    names the region, question or option that is wrong. credential signs later, when the
    voter casts (PreparedBallot.payload) or challenges (PreparedBallot.spoiled_payload).
    """
    try:
        style = manifest.ballot_style(region_id)
    except KeyError:
        raise ValueError(f"region {region_id!r} is not in the manifest") from None
    if public_key.is_identity():
        raise ValueError("the election public key must not be the identity")
    clean = _clean_choices(style, region_id, choices)
    ctx = ProofContext(_G, manifest.fingerprint)
    cred = credential.public
    questions: list[dict[str, Any]] = []
    nonces: dict[str, tuple[Scalar, ...]] = {}
    for q in style:
        selections: list[dict[str, Any]] = []
        cts: list[Ciphertext] = []
        rs: list[Scalar] = []
        votes = clean[q.id][: q.encrypted]
        for o, vote in enumerate(votes):
            r = _G.random_scalar(rng)
            ct = encrypt(_G, public_key, vote, r)
            proof = prove_disjunctive(
                ctx, public_key, ct, vote, r, bound_to=(cred, region_id, q.id, o), rng=rng
            )
            selections.append({**ct.to_json(), "proof": proof.to_json()})
            cts.append(ct)
            rs.append(r)
        sum_proof: list[dict[str, str]] = []
        if q.needs_sum_proof:
            lo, hi = q.sum_range
            sum_proof = prove_range(
                ctx,
                public_key,
                sum_ciphertexts(_G, cts),
                sum(votes),
                sum(rs[1:], start=rs[0]),
                lo,
                hi,
                bound_to=(cred, region_id, q.id),
                rng=rng,
            ).to_json()
        questions.append({"question": q.id, "selections": selections, "sum_proof": sum_proof})
        nonces[q.id] = tuple(rs)
    body = {"region": region_id, "credential": cred.hex(), "questions": questions}
    h = tracking_hash(manifest.fingerprint, body)
    return PreparedBallot(
        body=body,
        tracking_hash=h,
        tracking_code=tracking_code(h),
        fingerprint=manifest.fingerprint,
        choices=clean,
        nonces=nonces,
        _credential=credential,
    )


# --- verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedBallot:
    """A ballot whose structure, proofs and signature verified (section 12.3).

    The credential is the voter's Ed25519 public key; whether it is registered for the
    region is for the caller to check.
    """

    region: str
    credential: bytes
    tracking_hash: bytes
    #: question id -> the encrypted selections (Question.encrypted of them), in order.
    selections: dict[str, tuple[Ciphertext, ...]]


def _fields(value: Any, wanted: frozenset[str], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BallotError(f"{where}: want an object, got {type(value).__name__}")
    missing = sorted(wanted - set(value))
    if missing:
        raise BallotError(f"{where}: missing field {', '.join(missing)}")
    extra = sorted(str(k) for k in set(value) - wanted)
    if extra:
        raise BallotError(f"{where}: unknown field {', '.join(extra)}")
    return value


def _list(value: Any, where: str, lo: int, hi: int) -> list[Any]:
    if not isinstance(value, list):
        raise BallotError(f"{where}: want a list, got {type(value).__name__}")
    if not lo <= len(value) <= hi:
        raise BallotError(f"{where}: want {lo} to {hi} items, got {len(value)}")
    return value


def _hex(value: Any, size: int, where: str) -> None:
    if not isinstance(value, str) or len(value) != 2 * size or not _HEX.issuperset(value):
        raise BallotError(f"{where}: want {2 * size} lowercase hex digits")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise BallotError(f"{where}: want non-empty text")
    return value


def _pairs(value: Any, where: str, lo: int, hi: int) -> None:
    for j, pair in enumerate(_list(value, where, lo, hi)):
        _fields(pair, _PAIR_FIELDS, f"{where}[{j}]")
        _hex(pair["c"], 32, f"{where}[{j}].c")
        _hex(pair["v"], 32, f"{where}[{j}].v")


def _check_fields(payload: Any, where: str, *, signed: bool) -> None:
    top = _fields(payload, _BALLOT_FIELDS if signed else _BODY_FIELDS, f"{where}: ballot")
    _text(top["region"], f"{where}: ballot region")
    _hex(top["credential"], 32, f"{where}: ballot credential")
    if signed:
        _hex(top["signature"], 64, f"{where}: ballot signature")
    for qi, q in enumerate(_list(top["questions"], f"{where}: ballot questions", 1, _MAX_ITEMS)):
        _fields(q, _QUESTION_FIELDS, f"{where}: ballot questions[{qi}]")
        qid = _text(q["question"], f"{where}: ballot questions[{qi}].question")
        w = f"{where}: ballot question {qid}"
        for o, sel in enumerate(_list(q["selections"], f"{w} selections", 1, _MAX_ITEMS)):
            _fields(sel, _SELECTION_FIELDS, f"{w} option {o}")
            _hex(sel["alpha"], 32, f"{w} option {o} alpha")
            _hex(sel["beta"], 32, f"{w} option {o} beta")
            _pairs(sel["proof"], f"{w} option {o} proof", 2, 2)
        _pairs(q["sum_proof"], f"{w} sum_proof", 0, _MAX_ITEMS)


def check_ballot_fields(payload: Any, where: str) -> None:
    """None when payload has the shape of a ballot (12.2); BallotError naming the field.

    Only structure, types and hex forms: no manifest, no group operation, no signature.
    """
    _check_fields(payload, where, signed=True)


def check_spoiled_fields(payload: Any, where: str) -> None:
    """None when payload has the shape of a challenge (12.5); BallotError naming the field.

    Only structure, types and hex forms, as check_ballot_fields: the inner ballot is an
    unsigned body, and the reveal a list of questions each with {vote, nonce} objects.
    """
    w = f"{where}: spoiled"
    top = _fields(payload, _SPOILED_FIELDS, w)
    _hex(top["signature"], 64, f"{w} signature")
    _check_fields(top["ballot"], w, signed=False)
    for qi, item in enumerate(_list(top["reveal"], f"{w} reveal", 1, _MAX_ITEMS)):
        _fields(item, _REVEAL_FIELDS, f"{w} reveal[{qi}]")
        _text(item["question"], f"{w} reveal[{qi}].question")
        for o, opening in enumerate(
            _list(item["selections"], f"{w} reveal[{qi}].selections", 1, _MAX_ITEMS)
        ):
            wo = f"{w} reveal[{qi}].selections[{o}]"
            _fields(opening, _OPENING_FIELDS, wo)
            if not is_json_int(opening["vote"]):
                raise BallotError(f"{wo}.vote: want the integer 0 or 1")
            _hex(opening["nonce"], 32, f"{wo}.nonce")


def _check_style(payload: dict[str, Any], style: Sequence[Question], where: str) -> None:
    got = [q["question"] for q in payload["questions"]]
    want = [q.id for q in style]
    if got != want:
        raise BallotError(
            f"{where}: ballot questions are {', '.join(got)}; region "
            f"{payload['region']} has {', '.join(want)}"
        )
    for q, question in zip(payload["questions"], style, strict=True):
        w = f"{where}: ballot question {question.id}"
        if len(q["selections"]) != question.encrypted:
            raise BallotError(
                f"{w}: {len(q['selections'])} selections, want {question.encrypted} for"
                f" {len(question.options)} options{_EXACT_NOTE if question.exact else ''}"
            )
        lo, hi = question.sum_range
        width = hi - lo + 1 if question.needs_sum_proof else 0
        if len(q["sum_proof"]) != width:
            raise BallotError(
                f"{w} sum_proof: {len(q['sum_proof'])} branches, want {width} "
                + (
                    f"(selected {lo} to {hi})"
                    if width
                    else "(the selections' own proofs bound their sum)"
                )
            )


def _check_body(
    manifest: Manifest, payload: Any, where: str, *, signed: bool
) -> tuple[Question, ...]:
    """Gives back the ballot style once steps 1-3 of 12.3 hold (signed: cast ballot)."""
    _check_fields(payload, where, signed=signed)
    region_id = payload["region"]
    try:
        style = manifest.ballot_style(region_id)
    except KeyError:
        raise BallotError(f"{where}: ballot region {region_id!r} is not in the manifest") from None
    _check_style(payload, style, where)
    return style


def _check_signature(public: bytes, fp: bytes, kind: str, payload: Any, what: str) -> None:
    try:
        verify_message(public, fp, kind, payload, what)
    except SignatureInvalid as exc:
        raise BallotError(str(exc)) from None


def _verify_proofs(
    manifest: Manifest,
    public_key: Element,
    payload: dict[str, Any],
    style: Sequence[Question],
    where: str,
) -> CheckedBallot:
    """Gives back the checked ballot once steps 5-6 of 12.3 hold for a body of style."""
    region_id = payload["region"]
    credential = bytes.fromhex(payload["credential"])
    fp = manifest.fingerprint
    ctx = ProofContext(_G, fp)
    selections: dict[str, tuple[Ciphertext, ...]] = {}
    for q, question in zip(payload["questions"], style, strict=True):
        cts: list[Ciphertext] = []
        for o, sel in enumerate(q["selections"]):
            w = f"{where}: ballot question {question.id} option {o}"
            try:
                ct = Ciphertext(
                    element_from_hex(_G, sel["alpha"], "alpha"),
                    element_from_hex(_G, sel["beta"], "beta"),
                )
                proof = RangeProof.from_json(_G, sel["proof"], "proof")
                verify_disjunctive(
                    ctx,
                    public_key,
                    ct,
                    proof,
                    bound_to=(credential, region_id, question.id, o),
                )
            except (GroupError, InvalidProof) as exc:
                raise BallotError(f"{w}: {exc}") from None
            cts.append(ct)
        if question.needs_sum_proof:
            lo, hi = question.sum_range
            try:
                sum_proof = RangeProof.from_json(_G, q["sum_proof"], "sum_proof")
                verify_range(
                    ctx,
                    public_key,
                    sum_ciphertexts(_G, cts),
                    lo,
                    hi,
                    sum_proof,
                    bound_to=(credential, region_id, question.id),
                )
            except (GroupError, InvalidProof) as exc:
                raise BallotError(
                    f"{where}: ballot question {question.id}: sum_proof: {exc}"
                ) from None
        selections[question.id] = tuple(cts)
    try:
        h = tracking_hash(fp, payload)
    except JsonFormatError as exc:  # unreachable after _check_fields; kept as a guard
        raise BallotError(f"{where}: ballot: {exc}") from None
    return CheckedBallot(region_id, credential, h, selections)


def verify_ballot(
    manifest: Manifest,
    public_key: Element,
    payload: Any,
    where: str,
    *,
    signature_checked: bool = False,
) -> CheckedBallot:
    """Gives back the checked ballot when every rule of section 12.3 holds.

    Raises BallotError naming where, the question and the option. Does not check that
    the credential is registered: the caller does (section 13). signature_checked: the
    caller has itself verified this very payload's signature as kind "ballot" (step 4),
    so it is not verified twice (the casting service checks it before the rate limit).
    """
    style = _check_body(manifest, payload, where, signed=True)
    if not signature_checked:
        credential = bytes.fromhex(payload["credential"])
        _check_signature(credential, manifest.fingerprint, KIND_BALLOT, payload, f"{where}: ballot")
    return _verify_proofs(manifest, public_key, payload, style, where)


def _read_body(manifest: Manifest, payload: Any, where: str, *, signed: bool) -> CheckedBallot:
    """Gives back a ballot's parts, checking structure, style and encodings only."""
    _check_body(manifest, payload, where, signed=signed)
    selections: dict[str, tuple[Ciphertext, ...]] = {}
    try:
        for q in payload["questions"]:
            selections[q["question"]] = tuple(
                Ciphertext(
                    element_from_hex(_G, sel["alpha"], "alpha"),
                    element_from_hex(_G, sel["beta"], "beta"),
                )
                for sel in q["selections"]
            )
    except GroupError as exc:
        raise BallotError(f"{where}: ballot: {exc}") from None
    credential = bytes.fromhex(payload["credential"])
    h = tracking_hash(manifest.fingerprint, payload)
    return CheckedBallot(payload["region"], credential, h, selections)


def read_ballot(manifest: Manifest, payload: Any, where: str) -> CheckedBallot:
    """Gives back a ballot's parts without checking its signature or proofs.

    Only for a board operator replaying its own store, whose every entry passed
    verify_ballot on the way in (section 13); a verifier never uses it. Structure,
    ballot style and encodings are still checked (BallotError).
    """
    return _read_body(manifest, payload, where, signed=True)


def read_spoiled(
    manifest: Manifest, payload: Any, where: str
) -> tuple[CheckedBallot, dict[str, tuple[int, ...]]]:
    """Gives back a spoiled ballot and its revealed votes without re-checking them.

    The counterpart of read_ballot for `spoiled` entries (operator replay only): the
    inner ballot is the unsigned body (12.5); signatures, proofs and nonces are not checked.
    """
    w = f"{where}: spoiled"
    top = _fields(payload, _SPOILED_FIELDS, w)
    ballot = _read_body(manifest, top["ballot"], w, signed=False)
    choices: dict[str, tuple[int, ...]] = {}
    for item in _list(top["reveal"], f"{w} reveal", 1, _MAX_ITEMS):
        _fields(item, _REVEAL_FIELDS, f"{w} reveal")
        votes = tuple(int(o["vote"]) for o in item["selections"])
        choices[item["question"]] = manifest.question(item["question"]).full_choices(votes)
    return ballot, choices


def _read_reveal(
    reveal: Any, style: Sequence[Question], where: str
) -> dict[str, list[tuple[int, Scalar]]]:
    """Gives back each question's (vote, nonce) pairs once their form is right (12.5)."""
    items = _list(reveal, f"{where}: spoiled reveal", len(style), len(style))
    openings: dict[str, list[tuple[int, Scalar]]] = {}
    for qi, (item, question) in enumerate(zip(items, style, strict=True)):
        _fields(item, _REVEAL_FIELDS, f"{where}: spoiled reveal[{qi}]")
        if item["question"] != question.id:
            raise BallotError(
                f"{where}: spoiled reveal[{qi}]: question {item['question']!r}, want {question.id}"
            )
        n = question.encrypted
        w = f"{where}: spoiled question {question.id}"
        pairs: list[tuple[int, Scalar]] = []
        for o, opening in enumerate(_list(item["selections"], f"{w} selections", n, n)):
            _fields(opening, _OPENING_FIELDS, f"{w} option {o}")
            vote = opening["vote"]
            if not _is_bit(vote):
                raise BallotError(f"{w} option {o}: vote must be 0 or 1, got {vote!r}")
            try:
                nonce = scalar_from_hex(_G, opening["nonce"], "nonce")
            except GroupError as exc:
                raise BallotError(f"{w} option {o}: {exc}") from None
            if nonce.is_zero():
                raise BallotError(f"{w} option {o}: nonce must not be zero")
            pairs.append((vote, nonce))
        openings[question.id] = pairs
    return openings


def verify_spoiled(
    manifest: Manifest,
    public_key: Element,
    payload: Any,
    where: str,
    *,
    signature_checked: bool = False,
) -> tuple[CheckedBallot, dict[str, tuple[int, ...]]]:
    """Gives back the spoiled ballot and its revealed choices once they check (12.5).

    The inner ballot is an unsigned body that must pass every other check of 12.3; the
    whole payload must be signed by the body's credential as kind "spoiled"; every
    revealed (vote, nonce) must re-encrypt to its selection. BallotError naming where,
    question and option. signature_checked: as verify_ballot's, for kind "spoiled".
    """
    w = f"{where}: spoiled"
    top = _fields(payload, _SPOILED_FIELDS, w)
    _hex(top["signature"], 64, f"{w} signature")
    body = top["ballot"]
    style = _check_body(manifest, body, w, signed=False)
    openings = _read_reveal(top["reveal"], style, where)
    if not signature_checked:
        credential = bytes.fromhex(body["credential"])
        _check_signature(credential, manifest.fingerprint, KIND_SPOILED, top, w)
    ballot = _verify_proofs(manifest, public_key, body, style, w)
    choices: dict[str, tuple[int, ...]] = {}
    for question in style:
        wq = f"{where}: spoiled question {question.id}"
        cts = ballot.selections[question.id]
        for o, ((vote, nonce), ct) in enumerate(zip(openings[question.id], cts, strict=True)):
            if encrypt(_G, public_key, vote, nonce) != ct:
                raise BallotError(
                    f"{wq} option {o}: encrypting vote {vote} with the revealed nonce "
                    "does not give the ballot's ciphertext"
                )
        choices[question.id] = question.full_choices(vote for vote, _ in openings[question.id])
    return ballot, choices
