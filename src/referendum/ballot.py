"""Ballots: encryption, proofs, tracking codes, signatures and Benaloh challenges.

docs/protocol.md section 12. A voter's device encrypts one 0/1 per option of every
question on the region's ballot, proves each encrypts 0 or 1 (a disjunctive proof) and
that each question's sum lies in [min_choices, max_choices] (a range proof), shows the
tracking code, and then either signs and casts the ballot with the voter's credential or
spoils it by revealing every nonce (a Benaloh challenge). Every proof is bound to the
credential, the region and the question (and the option), so no part of one ballot
verifies inside another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from .canonical import JsonFormatError, canonical_json
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
from .signing import Ed25519Key, SignatureInvalid, sign_message, verify_message

__all__ = [
    "KIND_BALLOT",
    "KIND_SPOILED",
    "TAG_TRACKING_CODE",
    "TRACKING_CODE_LENGTH",
    "TRACKING_HASH_SIZE",
    "BallotError",
    "CheckedBallot",
    "PreparedBallot",
    "check_ballot_fields",
    "encrypt_ballot",
    "normalize_tracking_code",
    "read_ballot",
    "read_spoiled",
    "tracking_code",
    "tracking_hash",
    "verify_ballot",
    "verify_spoiled",
]

KIND_BALLOT: Final = "ballot"
KIND_SPOILED: Final = "spoiled"
TAG_TRACKING_CODE: Final = "tracking-code"
TRACKING_HASH_SIZE: Final = 32
#: Characters of a tracking code without its hyphens (5 bits each: 100 bits).
TRACKING_CODE_LENGTH: Final = 20

_G: Final = RISTRETTO255
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Crockford's decoding rule: letters a reader may confuse with digits map to them.
_CONFUSABLE: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})
_HEX: Final = frozenset("0123456789abcdef")
_IGNORED: Final = frozenset(" \t\n\r\v\f-")  # what a person may type between characters
_MAX_ITEMS: Final = 64  # manifest limit on questions and options; range proof width limit

_BALLOT_FIELDS: Final = frozenset({"region", "credential", "questions", "signature"})
_QUESTION_FIELDS: Final = frozenset({"question", "selections", "sum_proof"})
_SELECTION_FIELDS: Final = frozenset({"alpha", "beta", "proof"})
_PAIR_FIELDS: Final = frozenset({"c", "v"})
_SPOILED_FIELDS: Final = frozenset({"ballot", "reveal"})
_REVEAL_FIELDS: Final = frozenset({"question", "selections"})
_OPENING_FIELDS: Final = frozenset({"vote", "nonce"})


class BallotError(VerificationError):
    """A ballot or spoiled ballot fails a check; the message says where and what."""


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
    """Gives back the code a person reads aloud: 20 Crockford base32 characters of h (12.4).

    The first 100 bits of h, most significant first, in 5 groups of 4 joined by "-".
    """
    if not isinstance(h, bytes) or len(h) != TRACKING_HASH_SIZE:
        raise ValueError(f"a tracking hash is {TRACKING_HASH_SIZE} bytes")
    bits = int.from_bytes(h[:13], "big") >> 4  # 104 bits, keep the top 100
    chars = "".join(
        _CROCKFORD[(bits >> (5 * (TRACKING_CODE_LENGTH - 1 - i))) & 31]
        for i in range(TRACKING_CODE_LENGTH)
    )
    return "-".join(chars[i : i + 4] for i in range(0, TRACKING_CODE_LENGTH, 4))


def normalize_tracking_code(text: str) -> str:
    """Gives back the 20 characters of a typed tracking code, without hyphens (12.4).

    Ignores case, spaces and hyphens, reads O as 0 and I, L as 1; ValueError otherwise.
    """
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("a tracking code is ASCII text")
    compact = "".join(ch for ch in text if ch not in _IGNORED)
    compact = compact.upper().translate(_CONFUSABLE)
    if len(compact) != TRACKING_CODE_LENGTH:
        raise ValueError(
            f"a tracking code has {TRACKING_CODE_LENGTH} characters, got {len(compact)}"
        )
    bad = sorted(set(compact) - set(_CROCKFORD))
    if bad:
        raise ValueError(f"a tracking code has no character {', '.join(bad)}")
    return compact


# --- encryption ------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedBallot:
    """What a voting device holds after encrypting: the signed ballot and its secrets.

    payload: the signed "ballot" payload (12.2). choices and nonces (one r per option,
    never shown) are what a Benaloh challenge reveals.
    """

    payload: dict[str, Any]
    tracking_hash: bytes
    tracking_code: str
    choices: dict[str, tuple[int, ...]]
    nonces: dict[str, tuple[Scalar, ...]] = field(repr=False)

    def spoiled_payload(self) -> dict[str, Any]:
        """Gives back the "spoiled" payload: the ballot and every (vote, nonce) (12.5)."""
        reveal = [
            {
                "question": q["question"],
                "selections": [
                    {"vote": vote, "nonce": r.to_bytes().hex()}
                    for vote, r in zip(
                        self.choices[q["question"]], self.nonces[q["question"]], strict=True
                    )
                ],
            }
            for q in self.payload["questions"]
        ]
        return {"ballot": self.payload, "reveal": reveal}


def _is_bit(value: object) -> bool:
    return type(value) is int and value in (0, 1)


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
    credential: Ed25519Key,
    rng: RandomSource = system_random,
) -> PreparedBallot:
    """Gives back the encrypted, proved and signed ballot for choices (section 12.2).

    choices maps every question on region_id's ballot to one 0/1 per option. ValueError
    names the region, question or option that is wrong.
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
        for o, vote in enumerate(clean[q.id]):
            r = _G.random_scalar(rng)
            ct = encrypt(_G, public_key, vote, r)
            proof = prove_disjunctive(
                ctx, public_key, ct, vote, r, bound_to=(cred, region_id, q.id, o), rng=rng
            )
            selections.append({**ct.to_json(), "proof": proof.to_json()})
            cts.append(ct)
            rs.append(r)
        r_sum = sum(rs[1:], start=rs[0])
        sum_proof = prove_range(
            ctx,
            public_key,
            sum_ciphertexts(_G, cts),
            sum(clean[q.id]),
            r_sum,
            q.min_choices,
            q.max_choices,
            bound_to=(cred, region_id, q.id),
            rng=rng,
        )
        questions.append(
            {"question": q.id, "selections": selections, "sum_proof": sum_proof.to_json()}
        )
        nonces[q.id] = tuple(rs)
    body = {"region": region_id, "credential": cred.hex(), "questions": questions}
    h = tracking_hash(manifest.fingerprint, body)
    return PreparedBallot(
        payload=sign_message(credential, manifest.fingerprint, KIND_BALLOT, body),
        tracking_hash=h,
        tracking_code=tracking_code(h),
        choices=clean,
        nonces=nonces,
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


def check_ballot_fields(payload: Any, where: str) -> None:
    """None when payload has the shape of a ballot (12.2); BallotError naming the field.

    Only structure, types and hex forms: no manifest, no group operation, no signature.
    """
    top = _fields(payload, _BALLOT_FIELDS, f"{where}: ballot")
    _text(top["region"], f"{where}: ballot region")
    _hex(top["credential"], 32, f"{where}: ballot credential")
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
        _pairs(q["sum_proof"], f"{w} sum_proof", 1, _MAX_ITEMS)


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
        if len(q["selections"]) != len(question.options):
            raise BallotError(
                f"{w}: {len(q['selections'])} selections, the question has "
                f"{len(question.options)} options"
            )
        width = question.max_choices - question.min_choices + 1
        if len(q["sum_proof"]) != width:
            raise BallotError(
                f"{w} sum_proof: {len(q['sum_proof'])} branches, want {width} "
                f"(choices {question.min_choices} to {question.max_choices})"
            )


def verify_ballot(
    manifest: Manifest, public_key: Element, payload: Any, where: str
) -> CheckedBallot:
    """Gives back the checked ballot when every rule of section 12.3 holds.

    Raises BallotError naming where, the question and the option. Does not check that
    the credential is registered: the caller does (section 13).
    """
    check_ballot_fields(payload, where)
    region_id = payload["region"]
    try:
        style = manifest.ballot_style(region_id)
    except KeyError:
        raise BallotError(f"{where}: ballot region {region_id!r} is not in the manifest") from None
    _check_style(payload, style, where)
    credential = bytes.fromhex(payload["credential"])
    fp = manifest.fingerprint
    try:
        verify_message(credential, fp, KIND_BALLOT, payload, f"{where}: ballot")
    except SignatureInvalid as exc:
        raise BallotError(str(exc)) from None
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
        w = f"{where}: ballot question {question.id}"
        try:
            sum_proof = RangeProof.from_json(_G, q["sum_proof"], "sum_proof")
            verify_range(
                ctx,
                public_key,
                sum_ciphertexts(_G, cts),
                question.min_choices,
                question.max_choices,
                sum_proof,
                bound_to=(credential, region_id, question.id),
            )
        except (GroupError, InvalidProof) as exc:
            raise BallotError(f"{w}: sum_proof: {exc}") from None
        selections[question.id] = tuple(cts)
    try:
        h = tracking_hash(fp, payload)
    except JsonFormatError as exc:  # unreachable after check_ballot_fields; kept as a guard
        raise BallotError(f"{where}: ballot: {exc}") from None
    return CheckedBallot(region_id, credential, h, selections)


def read_ballot(manifest: Manifest, payload: Any, where: str) -> CheckedBallot:
    """Gives back a ballot's parts without checking its signature or proofs.

    Only for a board operator replaying its own store, whose every entry passed
    verify_ballot on the way in (section 13); a verifier never uses it. Structure,
    ballot style and encodings are still checked (BallotError).
    """
    check_ballot_fields(payload, where)
    try:
        style = manifest.ballot_style(payload["region"])
    except KeyError:
        raise BallotError(f"{where}: ballot region {payload['region']!r} is unknown") from None
    _check_style(payload, style, where)
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


def read_spoiled(
    manifest: Manifest, payload: Any, where: str
) -> tuple[CheckedBallot, dict[str, tuple[int, ...]]]:
    """Gives back a spoiled ballot and its revealed votes without re-checking them.

    The counterpart of read_ballot for `spoiled` entries (operator replay only).
    """
    top = _fields(payload, _SPOILED_FIELDS, f"{where}: spoiled")
    ballot = read_ballot(manifest, top["ballot"], f"{where}: spoiled")
    choices: dict[str, tuple[int, ...]] = {}
    for item in _list(top["reveal"], f"{where}: spoiled reveal", 1, _MAX_ITEMS):
        _fields(item, _REVEAL_FIELDS, f"{where}: spoiled reveal")
        choices[item["question"]] = tuple(int(o["vote"]) for o in item["selections"])
    return ballot, choices


def verify_spoiled(
    manifest: Manifest, public_key: Element, payload: Any, where: str
) -> tuple[CheckedBallot, dict[str, tuple[int, ...]]]:
    """Gives back the spoiled ballot and its revealed choices once they check (12.5).

    The inner ballot must verify as a cast one would, and every revealed (vote, nonce)
    must re-encrypt to its selection. BallotError naming where, question and option.
    """
    top = _fields(payload, _SPOILED_FIELDS, f"{where}: spoiled")
    ballot = verify_ballot(manifest, public_key, top["ballot"], f"{where}: spoiled")
    style = manifest.ballot_style(ballot.region)
    reveal = _list(top["reveal"], f"{where}: spoiled reveal", len(style), len(style))
    choices: dict[str, tuple[int, ...]] = {}
    for qi, (item, question) in enumerate(zip(reveal, style, strict=True)):
        _fields(item, _REVEAL_FIELDS, f"{where}: spoiled reveal[{qi}]")
        if item["question"] != question.id:
            raise BallotError(
                f"{where}: spoiled reveal[{qi}]: question {item['question']!r}, want {question.id}"
            )
        n = len(question.options)
        w = f"{where}: spoiled question {question.id}"
        openings = _list(item["selections"], f"{w} selections", n, n)
        votes: list[int] = []
        for o, (opening, ct) in enumerate(
            zip(openings, ballot.selections[question.id], strict=True)
        ):
            _fields(opening, _OPENING_FIELDS, f"{w} option {o}")
            vote = opening["vote"]
            if not _is_bit(vote):
                raise BallotError(f"{w} option {o}: vote must be 0 or 1, got {vote!r}")
            try:
                nonce = scalar_from_hex(_G, opening["nonce"], "nonce")
                opened = encrypt(_G, public_key, vote, nonce)
            except GroupError as exc:
                raise BallotError(f"{w} option {o}: {exc}") from None
            if opened != ct:
                raise BallotError(
                    f"{w} option {o}: encrypting vote {vote} with the revealed nonce "
                    "does not give the ballot's ciphertext"
                )
            votes.append(vote)
        choices[question.id] = tuple(votes)
    return ballot, choices
