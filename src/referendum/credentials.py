"""Voter credentials: typed codes, the keys they make, and the public roll.

docs/protocol.md section 10. Each registrar serving a region prints one code per voter:
19 random Crockford base32 characters (95 bits) and a Damm check character over GF(32).
A code derives a *part*, a scalar a and its point A = a*B on edwards25519, bound to the
referendum's fingerprint. A voter's credential key is the sum of the parts of the codes
of every co-issuer of the region (manifest.codes_per_voter of them): x = sum a, P = x*B,
and the ballot is an ordinary Ed25519 signature under P made with x. The board carries
only the parts, committed to before any is shown (so no registrar can choose its parts
to cancel another's) and summed by the board and every verifier into the roll's keys.
"""

from __future__ import annotations

import ctypes
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pysodium

from referendum.canonical import is_json_int
from referendum.codes import ALPHABET, CodeError, check_value, fold, read_values
from referendum.derived import PARTS, ROLL, Index, MemoryIndex
from referendum.errors import VerificationError
from referendum.group import RandomSource, system_random, transcript
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key, sign_message, verify_message

__all__ = [
    "BATCH_SIZE",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "KIND_BATCH",
    "KIND_CLOSE",
    "KIND_COMMIT",
    "CredentialCodeError",
    "CredentialError",
    "CredentialKey",
    "CredentialRoll",
    "Issued",
    "check_character",
    "credential_key",
    "credential_part",
    "format_code",
    "generate_code",
    "issue_credentials",
    "normalize_code",
    "roll_digest",
    "sign_batches",
]

CODE_ALPHABET: Final = ALPHABET  # Crockford base32
CODE_LENGTH: Final = 20
DATA_LENGTH: Final = 19
GROUP_SIZE: Final = 5
BATCH_SIZE: Final = 1000
KIND_COMMIT: Final = "credentials.commit"
KIND_BATCH: Final = "credentials"
KIND_CLOSE: Final = "credentials.close"
TAG_PART: Final = "credential-part"
TAG_NONCE: Final = "credential-nonce"
TAG_DIGEST: Final = "credentials-digest"

_VALUE = {c: i for i, c in enumerate(CODE_ALPHABET)}
_IGNORED = frozenset(" -")
_WHAT: Final = "the credential code"

_COMMIT_FIELDS = ("count", "digest", "region", "registrar", "signature")
_BATCH_FIELDS = ("batch", "commitments", "keys", "region", "registrar", "signature")
_CLOSE_FIELDS = ("batches", "count", "region", "registrar", "signature")

_POINT: Final = 32
_IDENTITY: Final = b"\x01" + bytes(31)  # the neutral element's encoding
_ZERO: Final = bytes(32)
_START: Final = bytes(32)  # the digest chain's value before batch 0 (10.4)


class CredentialCodeError(CodeError):
    """A typed credential code is malformed; the message says how (section 10.2.3).

    reason is "character" (a character not used in codes), "length" (not 20 characters),
    "check" (the check character does not match: something is mistyped), "same" (the
    same code typed for two parts) or "count" (not as many codes as the region needs).
    part is which of the voter's codes (1, 2, ...) is wrong, or None for a single code.
    """

    def __init__(
        self,
        message: str,
        reason: str,
        char: str | None = None,
        position: int | None = None,
        part: int | None = None,
    ) -> None:
        super().__init__(message, reason, char, position)
        self.part = part


class CredentialError(VerificationError):
    """A credentials board message breaks a rule of section 10.5; the message says where."""


# --- libsodium's edwards25519 operations (each call one primitive, constant time) ------

_lib = pysodium.sodium
_buf = ctypes.create_string_buffer


def _reduce(wide: bytes) -> bytes:
    out = _buf(32)
    _lib.crypto_core_ed25519_scalar_reduce(out, wide)
    return out.raw


def _scalar_add(x: bytes, y: bytes) -> bytes:
    out = _buf(32)
    _lib.crypto_core_ed25519_scalar_add(out, x, y)
    return out.raw


def _scalar_mul(x: bytes, y: bytes) -> bytes:
    out = _buf(32)
    _lib.crypto_core_ed25519_scalar_mul(out, x, y)
    return out.raw


def _base(scalar: bytes) -> bytes:
    out = _buf(32)
    if _lib.crypto_scalarmult_ed25519_base_noclamp(out, scalar) != 0:
        raise ValueError("a credential scalar is zero")  # probability 2^-252
    return out.raw


def _valid_point(point: bytes) -> bool:
    # canonical, on the curve, in the prime-order subgroup, not of small order (10.5)
    return bool(_lib.crypto_core_ed25519_is_valid_point(point) == 1)


def _add(p: bytes, q: bytes) -> bytes:
    out = _buf(32)
    if _lib.crypto_core_ed25519_add(out, p, q) != 0:
        raise ValueError("not a point")  # the roll validates every part before adding
    return out.raw


# --- codes -------------------------------------------------------------------------------


def check_character(data: str) -> str:
    """Gives back the Damm check character for canonical data characters (section 10.2.2)."""
    try:
        values = [_VALUE[c] for c in data]
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not a canonical code character") from None
    return CODE_ALPHABET[check_value(values)]


def _printed(canonical: str) -> str:
    return "-".join(canonical[i : i + GROUP_SIZE] for i in range(0, CODE_LENGTH, GROUP_SIZE))


def _random_canonical(rng: RandomSource) -> str:
    # 12 bytes give 96 bits; dropping the lowest leaves 95 uniform bits, 5 per character,
    # so every character is uniform without any modulo reduction.
    bits = int.from_bytes(rng(12), "big") >> 1
    values = [(bits >> (5 * (DATA_LENGTH - 1 - i))) & 31 for i in range(DATA_LENGTH)]
    values.append(check_value(values))
    return "".join(CODE_ALPHABET[v] for v in values)


def format_code(code: str) -> str:
    """Gives back a code in its printed form: 4 groups of 5 joined by "-" (section 10.2.1)."""
    return _printed(normalize_code(code))


def generate_code(rng: RandomSource = system_random) -> str:
    """Gives back a fresh code in printed form, "XXXXX-XXXXX-XXXXX-XXXXX" (section 10.2.1)."""
    return _printed(_random_canonical(rng))


def normalize_code(text: str) -> str:
    """Gives back the 20 canonical characters of a typed code (section 10.2.3).

    Spaces and hyphens are ignored, lower case reads as upper case, O as 0, I and L as 1,
    a Cyrillic look-alike as its Latin letter (codes.LOOKALIKES).
    Raises CredentialCodeError for a character not used in codes (named with its position
    in text, counting from 1), a wrong length, or a check character that does not match.
    """
    try:
        values = read_values(text, _WHAT, _IGNORED, CODE_LENGTH)
    except CodeError as exc:
        raise CredentialCodeError(str(exc), exc.reason, exc.char, exc.position) from None
    if fold(values) != 0:
        raise CredentialCodeError(
            "a character is mistyped: the credential code's check character does not match",
            "check",
        )
    return "".join(CODE_ALPHABET[v] for v in values)


def _part_scalar(fingerprint: bytes, canonical: str) -> bytes:
    digest = hashlib.sha512(transcript(TAG_PART, fingerprint, canonical)).digest()
    return _reduce(digest)


def _fp(fingerprint: bytes) -> bytes:
    if not isinstance(fingerprint, bytes) or len(fingerprint) != 32:
        raise ValueError("the fingerprint is 32 bytes")
    return fingerprint


def credential_part(fingerprint: bytes, code: str) -> bytes:
    """Gives back the part A = a*B a code contributes in referendum fp (section 10.3).

    Raises CredentialCodeError for a mistyped code (10.2.3).
    """
    return _base(_part_scalar(_fp(fingerprint), normalize_code(code)))


@dataclass(frozen=True, slots=True)
class CredentialKey:
    """A voter's credential key: the scalar x (never printed) and P = x*B (section 10.3).

    sign gives Ed25519 signatures under P (RFC 8032's verification equation), so ballots
    are checked like every other signed message (8.2.4).
    """

    fingerprint: bytes = field(repr=False)
    scalar: bytes = field(repr=False)
    public: bytes = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.scalar, bytes) or len(self.scalar) != 32:
            raise ValueError("a credential scalar is 32 bytes")
        object.__setattr__(self, "scalar", _reduce(self.scalar + bytes(32)))  # x mod l
        object.__setattr__(self, "public", _base(self.scalar))

    def sign(self, message: bytes) -> bytes:
        """Gives back the 64-byte signature R || S of message (section 10.3)."""
        nonce = hashlib.sha512(transcript(TAG_NONCE, self.fingerprint, self.scalar, message))
        r = _reduce(nonce.digest())
        big_r = _base(r)
        h = _reduce(hashlib.sha512(big_r + self.public + message).digest())
        return big_r + _scalar_add(r, _scalar_mul(h, self.scalar))


def credential_key(fingerprint: bytes, codes: str | Sequence[str]) -> CredentialKey:
    """Gives back the credential key of a voter's codes in referendum fp (section 10.3).

    codes: one typed code per co-issuer of the voter's region, in any order (a single
    text for a rehearsal referendum's one code). Raises CredentialCodeError naming the
    part (1, 2, ...) that is mistyped, or "same" when a code is typed twice.
    """
    fp = _fp(fingerprint)
    typed = [codes] if isinstance(codes, str) else list(codes)
    if not typed:
        raise CredentialCodeError("no credential code was given", "count")
    canonical: list[str] = []
    for number, text in enumerate(typed, start=1):
        try:
            canonical.append(normalize_code(text))
        except CredentialCodeError as exc:
            if len(typed) == 1:
                raise
            raise CredentialCodeError(
                f"code {number}: {exc}", exc.reason, exc.char, exc.position, number
            ) from None
        first = canonical.index(canonical[-1]) + 1
        if first != number:
            raise CredentialCodeError(
                f"code {number} is code {first} again: type the code of each letter once",
                "same",
                part=number,
            )
    x = _ZERO
    for code in canonical:
        x = _scalar_add(x, _part_scalar(fp, code))
    return CredentialKey(fp, x)


def roll_digest(fingerprint: bytes, region: str, registrar: str, batches: Sequence[bytes]) -> str:
    """Gives back the digest a registrar commits to for its batches of parts (10.4):
    batches[b] is batch b's parts concatenated."""
    h = _START
    for b, keys in enumerate(batches):
        h = _chain(fingerprint, region, registrar, b, h, keys)
    return h.hex()


def _chain(fp: bytes, region: str, registrar: str, batch: int, h: bytes, keys: bytes) -> bytes:
    return hashlib.sha256(transcript(TAG_DIGEST, fp, region, registrar, batch, h, keys)).digest()


# --- issuing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """One registrar's issue of one region's credentials (section 10.4).

    codes: the printed codes, slot by slot (slot n is the n-th voter of the region's
    register, the same voter in every co-issuer's list); parts: their points, in the same
    order; commit and close: the signed payloads to post first and last. The batches of
    parts are signed only once every co-issuer's commitment is on the board, because each
    names those commitments (batches()).
    """

    fingerprint: bytes = field(repr=False)
    registrar: str
    region: str
    codes: list[str] = field(repr=False)
    parts: list[bytes] = field(repr=False)
    commit: dict[str, Any]
    close: dict[str, Any]

    def batches(self, key: Ed25519Key, commitments: Sequence[str]) -> list[dict[str, Any]]:
        """Gives back the signed "credentials" batches of the parts, each naming the
        co-issuers' committed digests in the manifest's order (section 10.4)."""
        return sign_batches(
            key, self.fingerprint, self.registrar, self.region, self.parts, commitments
        )


def sign_batches(
    key: Ed25519Key,
    fingerprint: bytes,
    registrar: str,
    region: str,
    parts: Sequence[bytes],
    commitments: Sequence[str],
) -> list[dict[str, Any]]:
    """Gives back the signed "credentials" batches of parts (section 10.4)."""
    return [
        sign_message(
            key,
            fingerprint,
            KIND_BATCH,
            {
                "registrar": registrar,
                "region": region,
                "batch": b,
                "commitments": list(commitments),
                "keys": [k.hex() for k in parts[i : i + BATCH_SIZE]],
            },
        )
        for b, i in enumerate(range(0, len(parts), BATCH_SIZE))
    ]


def issue_credentials(
    manifest: Manifest,
    registrar_id: str,
    registrar_key: Ed25519Key,
    region_id: str,
    count: int,
    rng: RandomSource = system_random,
) -> Issued:
    """Gives back this registrar's codes, parts, and signed commitment and close for count
    voters (10.4).

    Raises ValueError for count < 1, an unknown region or registrar, a region the
    registrar does not serve (the roll would refuse it), or a key that is not the
    registrar's.
    """
    if not is_json_int(count) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    try:
        manifest.region(region_id)
        registrar = manifest.registrar(registrar_id)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    if region_id not in registrar.regions:
        raise ValueError(
            f"registrar {registrar_id!r} does not serve region {region_id!r} "
            f"(it serves {', '.join(registrar.regions) or 'no region'})"
        )
    if registrar_key.public != registrar.signing_key:
        raise ValueError(f"the key given is not registrar {registrar_id!r}'s signing key")
    fp = manifest.fingerprint
    codes: list[str] = []
    parts: list[bytes] = []
    seen: set[bytes] = set()
    while len(codes) < count:
        canonical = _random_canonical(rng)
        scalar = _part_scalar(fp, canonical)
        if scalar == _ZERO:  # probability 2^-252
            continue
        part = _base(scalar)
        if part in seen:  # never happens with 95 random bits
            continue
        seen.add(part)
        codes.append(_printed(canonical))
        parts.append(part)
    chunks = [b"".join(parts[i : i + BATCH_SIZE]) for i in range(0, count, BATCH_SIZE)]
    head = {"registrar": registrar_id, "region": region_id}
    commit = {**head, "count": count, "digest": roll_digest(fp, region_id, registrar_id, chunks)}
    close = {**head, "batches": len(chunks), "count": count}
    return Issued(
        fp,
        registrar_id,
        region_id,
        codes,
        parts,
        sign_message(registrar_key, fp, KIND_COMMIT, commit),
        sign_message(registrar_key, fp, KIND_CLOSE, close),
    )


# --- the roll ----------------------------------------------------------------------------


def _fields(payload: Any, want: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise CredentialError(f"{where}: want an object, got {type(payload).__name__}")
    missing = [k for k in want if k not in payload]
    if missing:
        raise CredentialError(f"{where}: missing field {', '.join(missing)}")
    extra = sorted(set(payload) - set(want))
    if extra:
        raise CredentialError(f"{where}: unknown field {', '.join(map(str, extra))}")
    return payload


def _text(value: Any, field: str, where: str) -> str:
    if not isinstance(value, str):
        raise CredentialError(f"{where}: {field} must be text, got {type(value).__name__}")
    return value


def _count(value: Any, field: str, where: str, low: int) -> int:
    if not is_json_int(value):
        raise CredentialError(f"{where}: {field} must be an integer, got {type(value).__name__}")
    if value < low:
        raise CredentialError(f"{where}: {field} is {value}, want at least {low}")
    return value


def _batches(count: int) -> int:
    return -(-count // BATCH_SIZE)


class CredentialRoll:
    """The public credential list, rebuilt from board messages in board order (section 10.5).

    Per region and co-issuer (position p in the region's co-issuers): the committed count
    and digest, the batches posted, the digest chain so far, and whether it closed. Per
    region: how many slots are complete (their keys in ROLL) and whether it is closed.
    """

    def __init__(self, manifest: Manifest, index: Index | None = None) -> None:
        self._manifest = manifest
        self._fingerprint = manifest.fingerprint
        self._region_ids = tuple(r.id for r in manifest.regions)
        self._region_index = {rid: i for i, rid in enumerate(self._region_ids)}
        self._issuers = tuple(
            tuple(g.id for g in manifest.co_issuers(rid)) for rid in self._region_ids
        )
        # One row per voter (millions): key bytes -> region number, in the ROLL space.
        self._keys: Index = index if index is not None else MemoryIndex()
        self.restore(
            {
                "committed": [[0] * len(g) for g in self._issuers],
                "digests": [[""] * len(g) for g in self._issuers],
                "posted": [[0] * len(g) for g in self._issuers],
                "chains": [[_START.hex()] * len(g) for g in self._issuers],
                "issuer_closed": [[False] * len(g) for g in self._issuers],
                "counts": [0] * len(self._issuers),
            }
        )

    def add(self, kind: str, payload: dict[str, Any], where: str) -> None:
        """Gives back None once a credentials.commit, credentials or credentials.close
        message is applied.

        Every rule of section 10.5 is checked before anything changes, so a rejected
        message leaves the roll as it was. Raises CredentialError starting with where.
        """
        if kind == KIND_COMMIT:
            self._add_commit(payload, where)
        elif kind == KIND_BATCH:
            self._add_batch(payload, where)
        elif kind == KIND_CLOSE:
            self._add_close(payload, where)
        else:
            raise CredentialError(f"{where}: {kind!r} is not a credentials message")

    def _authenticate(self, kind: str, payload: dict[str, Any], where: str) -> tuple[int, int]:
        """Gives back (region index, co-issuer position) of a signed message, checked
        (rules 3-6 of 10.5)."""
        registrar_id = _text(payload["registrar"], "registrar", where)
        region_id = _text(payload["region"], "region", where)
        try:
            registrar = self._manifest.registrar(registrar_id)
        except KeyError:
            raise CredentialError(
                f"{where}: no registrar {registrar_id!r} in the manifest"
            ) from None
        what = f"{where}: {kind} of registrar {registrar_id!r} for region {region_id!r}"
        try:
            verify_message(registrar.signing_key, self._fingerprint, kind, payload, what)
        except VerificationError as exc:
            raise CredentialError(str(exc)) from None
        except ValueError as exc:  # a value canonical JSON cannot encode
            raise CredentialError(f"{what}: {exc}") from None
        index = self._region_index.get(region_id)
        if index is None:
            raise CredentialError(f"{where}: no region {region_id!r} in the manifest")
        if region_id not in registrar.regions:
            raise CredentialError(
                f"{where}: registrar {registrar_id!r} does not serve region {region_id!r}"
            )
        return index, self._issuers[index].index(registrar_id)

    def _here(self, where: str, index: int, p: int) -> str:
        return f"{where}: registrar {self._issuers[index][p]!r}, region {self._region_ids[index]!r}"

    def _add_commit(self, payload: Any, where: str) -> None:
        payload = _fields(payload, _COMMIT_FIELDS, where)
        count = _count(payload["count"], "count", where, 1)
        digest = _text(payload["digest"], "digest", where)
        index, p = self._authenticate(KIND_COMMIT, payload, where)
        here = self._here(where, index, p)
        if self._committed[index][p] and any(self._posted[index]):
            raise CredentialError(
                f"{here}: already committed, and parts of the region are on the board"
            )
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise CredentialError(f"{here}: digest must be 64 lowercase hex digits")
        for q, other in enumerate(self._committed[index]):
            if q != p and other and other != count:
                raise CredentialError(
                    f"{here}: commits to {count} voters, registrar "
                    f"{self._issuers[index][q]!r} to {other}"
                )
        self._committed[index][p] = count
        self._digests[index][p] = digest

    def _add_batch(self, payload: Any, where: str) -> None:
        payload = _fields(payload, _BATCH_FIELDS, where)
        batch = _count(payload["batch"], "batch", where, 0)
        keys = payload["keys"]
        if not isinstance(keys, list):
            raise CredentialError(f"{where}: keys must be a list, got {type(keys).__name__}")
        named = payload["commitments"]
        if not isinstance(named, list):
            raise CredentialError(
                f"{where}: commitments must be a list, got {type(named).__name__}"
            )
        index, p = self._authenticate(KIND_BATCH, payload, where)
        here = self._here(where, index, p)
        if self._issuer_closed[index][p]:
            raise CredentialError(f"{here}: already closed")
        waiting = [
            g for g, c in zip(self._issuers[index], self._committed[index], strict=False) if not c
        ]
        if waiting:
            raise CredentialError(
                f"{here}: waiting for {', '.join(map(repr, waiting))} to commit"
                " (no part is posted before every co-issuer committed)"
            )
        if named != self._digests[index]:
            raise CredentialError(
                f"{here}: the batch names commitments {', '.join(map(str, named))}, the board"
                f" holds {', '.join(self._digests[index])} (parts are revealed only against"
                " the commitments on this board)"
            )
        here = f"{here} batch {batch}"
        posted = self._posted[index][p]
        if batch != posted:
            raise CredentialError(f"{here}: want batch {posted} next")
        count = self._committed[index][p]
        if batch >= _batches(count):
            raise CredentialError(f"{here}: {count} voters fill {_batches(count)} batches")
        want = min(BATCH_SIZE, count - BATCH_SIZE * batch)
        if len(keys) != want:
            raise CredentialError(f"{here}: has {len(keys)} keys, want {want}")
        parts: list[bytes] = []
        for i, text in enumerate(keys):
            part = _point_hex(text)
            if part is None:
                raise CredentialError(f"{here}: keys[{i}] is not 64 lowercase hex digits")
            if not _valid_point(part):
                raise CredentialError(
                    f"{here}: keys[{i}] {text} is not a part: want a canonical point of the"
                    " prime-order group, not of small order"
                )
            parts.append(part)
        # The running sums of the co-issuers that posted this batch before (PARTS).
        slot_key = index.to_bytes(2, "big") + batch.to_bytes(4, "big")
        others = [q for q in range(len(self._issuers[index])) if q != p]
        before = [q for q in others if self._posted[index][q] > batch]
        sums = parts
        if before:
            stored = self._keys.get(PARTS, slot_key)
            if stored is None or len(stored) != _POINT * want:  # the index lost a row
                raise CredentialError(f"{here}: the running sums of this batch are missing")
            sums = [_add(stored[i * _POINT : (i + 1) * _POINT], s) for i, s in enumerate(parts)]
        complete = len(before) == len(others)
        if complete:
            self._check_new_keys(sums, keys, here)
        # Every check passed: apply.
        chain = bytes.fromhex(self._chains[index][p])
        self._chains[index][p] = _chain(
            self._fingerprint,
            self._region_ids[index],
            self._issuers[index][p],
            batch,
            chain,
            b"".join(parts),
        ).hex()
        self._posted[index][p] += 1
        if complete:
            number = index.to_bytes(2, "big")
            for key in sums:
                self._keys.put(ROLL, key, number)
            self._counts[index] += len(sums)
        else:
            self._keys.put(PARTS, slot_key, b"".join(sums))

    def _check_new_keys(self, sums: list[bytes], keys: list[str], here: str) -> None:
        """Raises CredentialError when a completed slot's key is the identity, repeats in
        the batch, or is registered already (rule 12 of 10.5)."""
        first: dict[bytes, int] = {}
        for i, key in enumerate(sums):
            if key == _IDENTITY:
                raise CredentialError(f"{here}: slot keys[{i}]: the parts sum to the identity")
            if key in first:
                raise CredentialError(
                    f"{here}: slot keys[{i}] sums to the key of slot keys[{first[key]}]"
                )
            first[key] = i
        registered = self._keys.get_many(ROLL, list(first))
        for key, i in first.items():
            other = registered.get(key)
            if other is not None:
                raise CredentialError(
                    f"{here}: slot keys[{i}] sums to {key.hex()}, already registered "
                    f"in region {self._region_ids[int.from_bytes(other, 'big')]!r}"
                )

    def _add_close(self, payload: Any, where: str) -> None:
        payload = _fields(payload, _CLOSE_FIELDS, where)
        batches = _count(payload["batches"], "batches", where, 1)
        count = _count(payload["count"], "count", where, 1)
        index, p = self._authenticate(KIND_CLOSE, payload, where)
        here = self._here(where, index, p)
        committed = self._committed[index][p]
        if not committed:
            raise CredentialError(f"{here}: closes without a commitment")
        if self._issuer_closed[index][p]:
            raise CredentialError(f"{here}: already closed")
        posted = self._posted[index][p]
        if batches != posted:
            raise CredentialError(
                f"{here}: says {batches} batch{'es' if batches != 1 else ''}, {posted} posted"
            )
        if posted != _batches(committed):
            raise CredentialError(
                f"{here}: {posted} batches posted, its {committed} voters fill "
                f"{_batches(committed)}"
            )
        if count != committed:
            raise CredentialError(f"{here}: says {count} voters, committed to {committed}")
        if self._chains[index][p] != self._digests[index][p]:
            raise CredentialError(
                f"{here}: the parts posted are not those committed to (digest "
                f"{self._chains[index][p]}, committed {self._digests[index][p]})"
            )
        self._issuer_closed[index][p] = True

    def _index(self, region_id: str) -> int:
        index = self._region_index.get(region_id)
        if index is None:
            raise KeyError(f"no region {region_id!r} in referendum {self._manifest.id}")
        return index

    def region_of(self, public_key: bytes) -> str | None:
        """Gives back the region of a registered credential key, or None (section 10.5)."""
        number = self._keys.get(ROLL, public_key)
        return None if number is None else self._region_ids[int.from_bytes(number, "big")]

    def snapshot(self) -> dict[str, Any]:
        """Gives back the roll's counters per region (its keys stay in the index)."""
        return {
            "committed": [list(r) for r in self._committed],
            "digests": [list(r) for r in self._digests],
            "posted": [list(r) for r in self._posted],
            "chains": [list(r) for r in self._chains],
            "issuer_closed": [list(r) for r in self._issuer_closed],
            "counts": list(self._counts),
        }

    def restore(self, value: dict[str, Any]) -> None:
        """Takes the counters back from snapshot()."""
        self._committed: list[list[int]] = [list(r) for r in value["committed"]]
        self._digests: list[list[str]] = [list(r) for r in value["digests"]]
        self._posted: list[list[int]] = [list(r) for r in value["posted"]]
        self._chains: list[list[str]] = [list(r) for r in value["chains"]]
        self._issuer_closed: list[list[bool]] = [list(r) for r in value["issuer_closed"]]
        self._counts: list[int] = list(value["counts"])

    def is_closed(self, region_id: str) -> bool:
        """Gives back whether every co-issuer of the region closed it; KeyError if unknown."""
        return all(self._issuer_closed[self._index(region_id)])

    def count(self, region_id: str) -> int:
        """Gives back how many complete keys the region has so far; KeyError if unknown."""
        return self._counts[self._index(region_id)]

    def committed(self, region_id: str) -> dict[str, int]:
        """Gives back co-issuer id -> the voters it committed to (0: not yet), for the
        region; KeyError if unknown."""
        index = self._index(region_id)
        return dict(zip(self._issuers[index], self._committed[index], strict=True))

    def posted(self, region_id: str, registrar_id: str) -> tuple[str | None, int, bool]:
        """Gives back (the digest it committed to or None, batches posted, closed) of a
        co-issuer in a region; KeyError if either is unknown or the registrar does not
        serve the region."""
        index = self._index(region_id)
        try:
            p = self._issuers[index].index(registrar_id)
        except ValueError:
            raise KeyError(
                f"registrar {registrar_id!r} does not serve region {region_id!r}"
            ) from None
        digest = self._digests[index][p] if self._committed[index][p] else None
        return digest, self._posted[index][p], self._issuer_closed[index][p]

    def commitments(self, region_id: str) -> list[str]:
        """Gives back the co-issuers' committed digests for the region, in manifest order
        ("" for one that has not committed); KeyError for an unknown region."""
        return list(self._digests[self._index(region_id)])

    def not_closed_by(self, region_id: str) -> list[str]:
        """Gives back the co-issuers of the region that have not closed it, in manifest
        order; KeyError for an unknown region."""
        index = self._index(region_id)
        closed = zip(self._issuers[index], self._issuer_closed[index], strict=True)
        return [g for g, c in closed if not c]

    def all_closed(self) -> bool:
        """Gives back whether every region of the manifest is closed (section 10.5)."""
        return all(all(r) for r in self._issuer_closed)


def _point_hex(text: Any) -> bytes | None:
    """Gives back the 32 bytes that 64 lowercase hex digits encode, else None."""
    if not isinstance(text, str) or len(text) != 2 * _POINT:
        return None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    return raw if raw.hex() == text else None
