"""Voter credentials: typed codes, the signing keys they derive, and the public roll.

docs/protocol.md section 10. A registrar prints one code per voter: 19 random Crockford
base32 characters (95 bits) and a Damm check character over GF(32). The code derives an
Ed25519 key bound to the referendum's fingerprint; the board carries only the public keys,
in signed "credentials" batches per region closed by a signed "credentials.close".
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from referendum.canonical import is_json_int
from referendum.codes import ALPHABET, CodeError, check_value, fold, read_values
from referendum.derived import ROLL, Index, MemoryIndex
from referendum.errors import VerificationError
from referendum.group import RandomSource, system_random, transcript
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key, public_key_from_hex, sign_message, verify_message

__all__ = [
    "BATCH_SIZE",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "KIND_BATCH",
    "KIND_CLOSE",
    "CredentialCodeError",
    "CredentialError",
    "CredentialRoll",
    "check_character",
    "credential_key",
    "format_code",
    "generate_code",
    "issue_credentials",
    "normalize_code",
]

CODE_ALPHABET: Final = ALPHABET  # Crockford base32
CODE_LENGTH: Final = 20
DATA_LENGTH: Final = 19
GROUP_SIZE: Final = 5
BATCH_SIZE: Final = 1000
KIND_BATCH: Final = "credentials"
KIND_CLOSE: Final = "credentials.close"
TAG_CREDENTIAL: Final = "credential"

_VALUE = {c: i for i, c in enumerate(CODE_ALPHABET)}
_IGNORED = frozenset(" -")
_WHAT: Final = "the credential code"

_BATCH_FIELDS = ("batch", "keys", "region", "registrar", "signature")
_CLOSE_FIELDS = ("batches", "count", "region", "registrar", "signature")


class CredentialCodeError(CodeError):
    """A typed credential code is malformed; the message says how (section 10.2.3).

    reason is "character" (a character not used in codes), "length" (not 20 characters)
    or "check" (the check character does not match: something is mistyped).
    """


class CredentialError(VerificationError):
    """A credentials board message breaks a rule of section 10.5; the message says where."""


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


def credential_key(fingerprint: bytes, code: str) -> Ed25519Key:
    """Gives back the Ed25519 key a code derives in referendum fp (section 10.3)."""
    if not isinstance(fingerprint, bytes) or len(fingerprint) != 32:
        raise ValueError("the fingerprint is 32 bytes")
    return _derive(fingerprint, normalize_code(code))


def _derive(fingerprint: bytes, canonical: str) -> Ed25519Key:
    digest = hashlib.sha512(transcript(TAG_CREDENTIAL, fingerprint, canonical))
    return Ed25519Key(digest.digest()[:32])


# --- issuing -----------------------------------------------------------------------------


def issue_credentials(
    manifest: Manifest,
    registrar_id: str,
    registrar_key: Ed25519Key,
    region_id: str,
    count: int,
    rng: RandomSource = system_random,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Gives back (codes, payloads) for count voters of a region (section 10.4).

    codes are printed forms in the order of the public keys; payloads are the signed
    "credentials" batches 0, 1, ... of BATCH_SIZE keys, then one "credentials.close".
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
            f"(it serves {', '.join(registrar.regions)})"
        )
    if registrar_key.public != registrar.signing_key:
        raise ValueError(f"the key given is not registrar {registrar_id!r}'s signing key")
    fp = manifest.fingerprint
    codes: list[str] = []
    publics: list[bytes] = []
    seen: set[bytes] = set()
    while len(codes) < count:
        canonical = _random_canonical(rng)
        public = _derive(fp, canonical).public
        if public in seen:  # never happens with 95 random bits; the roll would reject it
            continue
        seen.add(public)
        codes.append(_printed(canonical))
        publics.append(public)
    payloads: list[dict[str, Any]] = []
    for batch, start in enumerate(range(0, count, BATCH_SIZE)):
        body = {
            "registrar": registrar_id,
            "region": region_id,
            "batch": batch,
            "keys": [k.hex() for k in publics[start : start + BATCH_SIZE]],
        }
        payloads.append(sign_message(registrar_key, fp, KIND_BATCH, body))
    close = {
        "registrar": registrar_id,
        "region": region_id,
        "batches": len(payloads),
        "count": count,
    }
    payloads.append(sign_message(registrar_key, fp, KIND_CLOSE, close))
    return codes, payloads


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


class CredentialRoll:
    """The public credential list, rebuilt from board messages in board order (section 10.5)."""

    def __init__(self, manifest: Manifest, index: Index | None = None) -> None:
        self._manifest = manifest
        self._fingerprint = manifest.fingerprint
        self._region_ids = tuple(r.id for r in manifest.regions)
        self._region_index = {rid: i for i, rid in enumerate(self._region_ids)}
        # One row per voter (millions): key bytes -> region number, in the ROLL space.
        self._keys: Index = index if index is not None else MemoryIndex()
        n = len(self._region_ids)
        self._batches = [0] * n
        self._counts = [0] * n
        self._registrars: list[str | None] = [None] * n
        self._closed = [False] * n

    def add(self, kind: str, payload: dict[str, Any], where: str) -> None:
        """Gives back None once a "credentials" or "credentials.close" message is applied.

        Every rule of section 10.5 is checked before anything changes, so a rejected
        message leaves the roll as it was. Raises CredentialError starting with where.
        """
        if kind == KIND_BATCH:
            self._add_batch(payload, where)
        elif kind == KIND_CLOSE:
            self._add_close(payload, where)
        else:
            raise CredentialError(f"{where}: {kind!r} is not a credentials message")

    def _authenticate(self, kind: str, payload: dict[str, Any], where: str) -> tuple[str, str, int]:
        """Gives back (registrar, region, region index) of a signed message, checked."""
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
        if self._closed[index]:
            raise CredentialError(f"{where}: region {region_id!r} is already closed")
        owner = self._registrars[index]
        if owner is not None and owner != registrar_id:
            raise CredentialError(
                f"{where}: region {region_id!r} is registered by {owner!r}, "
                f"not by registrar {registrar_id!r}"
            )
        return registrar_id, region_id, index

    def _add_batch(self, payload: Any, where: str) -> None:
        payload = _fields(payload, _BATCH_FIELDS, where)
        batch = _count(payload["batch"], "batch", where, 0)
        keys = payload["keys"]
        if not isinstance(keys, list):
            raise CredentialError(f"{where}: keys must be a list, got {type(keys).__name__}")
        registrar_id, region_id, index = self._authenticate(KIND_BATCH, payload, where)
        here = f"{where}: region {region_id!r} batch {batch}"
        if batch != self._batches[index]:
            raise CredentialError(f"{here}: want batch {self._batches[index]} next")
        if not 1 <= len(keys) <= BATCH_SIZE:
            raise CredentialError(f"{here}: has {len(keys)} keys, want 1 to {BATCH_SIZE}")
        publics: dict[bytes, int] = {}
        for i, text in enumerate(keys):
            try:
                public = public_key_from_hex(text, f"{here}: keys[{i}]")
            except ValueError as exc:
                raise CredentialError(str(exc)) from None
            if public in publics:
                raise CredentialError(f"{here}: keys[{i}] {text} repeats keys[{publics[public]}]")
            publics[public] = i
        registered = self._keys.get_many(ROLL, list(publics))
        for public, i in publics.items():
            other = registered.get(public)
            if other is not None:
                raise CredentialError(
                    f"{here}: keys[{i}] {keys[i]} is already registered "
                    f"in region {self._region_ids[int.from_bytes(other, 'big')]!r}"
                )
        number = index.to_bytes(2, "big")
        for public in publics:
            self._keys.put(ROLL, public, number)
        self._batches[index] += 1
        self._counts[index] += len(publics)
        self._registrars[index] = registrar_id

    def _add_close(self, payload: Any, where: str) -> None:
        payload = _fields(payload, _CLOSE_FIELDS, where)
        batches = _count(payload["batches"], "batches", where, 1)
        count = _count(payload["count"], "count", where, 1)
        _, region_id, index = self._authenticate(KIND_CLOSE, payload, where)
        here = f"{where}: closing region {region_id!r}"
        if self._batches[index] == 0:
            raise CredentialError(f"{here}: no batch was posted")
        if batches != self._batches[index]:
            raise CredentialError(f"{here}: says {batches} batches, {self._batches[index]} posted")
        if count != self._counts[index]:
            raise CredentialError(f"{here}: says {count} keys, {self._counts[index]} posted")
        self._closed[index] = True

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
            "batches": list(self._batches),
            "counts": list(self._counts),
            "registrars": list(self._registrars),
            "closed": list(self._closed),
        }

    def restore(self, value: dict[str, Any]) -> None:
        """Takes the counters back from snapshot()."""
        self._batches = list(value["batches"])
        self._counts = list(value["counts"])
        self._registrars = list(value["registrars"])
        self._closed = list(value["closed"])

    def is_closed(self, region_id: str) -> bool:
        """Gives back whether the region's credentials.close was accepted; KeyError if unknown."""
        return self._closed[self._index(region_id)]

    def count(self, region_id: str) -> int:
        """Gives back how many keys the region has so far; KeyError for an unknown region."""
        return self._counts[self._index(region_id)]

    def all_closed(self) -> bool:
        """Gives back whether every region of the manifest is closed (section 10.5)."""
        return all(self._closed)
