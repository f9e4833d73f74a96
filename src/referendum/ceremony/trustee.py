"""One trustee's side of the key ceremony: its keys, its secrets, its five steps (section 11).

The lead's CLI runs one step per command and keeps a TrusteeState between commands as
JSON (to_json / from_json). The state holds secrets (the polynomial, the received shares,
the final share x_j) and never leaves the trustee's machine; every message it makes is
public and signed with the trustee's Ed25519 key (section 8.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from referendum.canonical import is_json_int

from ..group import RISTRETTO255, GroupError, RandomSource, Scalar, system_random
from ..group import scalar_from_hex as _scalar_from_hex
from ..manifest import Manifest
from ..proofs import ChallengeResponse, ProofContext, prove_schnorr
from ..sharing import (
    Polynomial,
    ShareVerificationError,
    joint_public_key,
    joint_public_share,
    verify_share,
)
from ..signing import Ed25519Key, sign_message
from .board import (
    KIND_CHECK,
    KIND_COMMITMENT,
    KIND_CONFIRM,
    KIND_REVEAL,
    KIND_SHARES,
    CeremonyBoard,
    unanswered_text,
)
from .sealed import BOX_KEY_SIZE, SealedBoxError, box_keypair, box_public_key, open_sealed, seal

__all__ = ["KEYS_FORMAT", "STATE_FORMAT", "TrusteeKeys", "TrusteeState"]

KEYS_FORMAT: Final = "referendum-trustee-keys/1"
STATE_FORMAT: Final = "referendum-trustee-state/1"

_G: Final = RISTRETTO255
_HEX: Final = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class TrusteeKeys:
    """A trustee's Ed25519 signing key and X25519 box key pair (section 11.1).

    box_secret is the X25519 secret key; like the signing seed it is never printed.
    """

    signing: Ed25519Key
    box_secret: bytes = field(repr=False)
    box_public: bytes = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.signing, Ed25519Key):
            raise TypeError("signing must be an Ed25519Key")
        if not isinstance(self.box_secret, bytes) or len(self.box_secret) != BOX_KEY_SIZE:
            raise ValueError("a box secret key is 32 bytes")
        object.__setattr__(self, "box_public", box_public_key(self.box_secret))

    @classmethod
    def generate(cls, rng: RandomSource = system_random) -> TrusteeKeys:
        """Gives back fresh keys drawn from rng (signing seed first, then box seed)."""
        signing = Ed25519Key.generate(rng)
        _, secret = box_keypair(rng(BOX_KEY_SIZE))
        return cls(signing, secret)

    def public_json(self) -> dict[str, str]:
        """Gives back the manifest's trustee keys: {"signing_key", "encryption_key"} (hex)."""
        return {"signing_key": self.signing.public.hex(), "encryption_key": self.box_public.hex()}

    def open(self, sealed: bytes) -> bytes:
        """Gives back the plaintext of a sealed box to this trustee; SealedBoxError if none."""
        return open_sealed(sealed, self.box_public, self.box_secret)

    def to_json(self) -> dict[str, Any]:
        """Gives back the secret key file form (section 11.8): format, signing_seed, box_secret."""
        return {
            "format": KEYS_FORMAT,
            "signing_seed": self.signing.seed.hex(),
            "box_secret": self.box_secret.hex(),
        }

    @classmethod
    def from_json(cls, value: Any, where: str = "trustee keys") -> TrusteeKeys:
        """Gives back the keys a to_json value holds; ValueError naming the field."""
        _fields(value, ("format", "signing_seed", "box_secret"), where)
        if value["format"] != KEYS_FORMAT:
            raise ValueError(f"{where}.format: {value['format']!r}, want {KEYS_FORMAT!r}")
        seed = _hex_bytes(value["signing_seed"], 32, f"{where}.signing_seed")
        secret = _hex_bytes(value["box_secret"], BOX_KEY_SIZE, f"{where}.box_secret")
        return cls(Ed25519Key(seed), secret)


class TrusteeState:
    """What trustee `index` knows between ceremony steps (section 11.8).

    Mutable on purpose: check_message and confirm_message record what they learn
    (the shares that verified, the final share), and the CLI saves the state after each.
    """

    def __init__(
        self,
        *,
        keys: TrusteeKeys,
        index: int,
        fingerprint: bytes,
        polynomial: Polynomial,
        commitment_proof: ChallengeResponse,
        received: dict[int, Scalar] | None = None,
        complained: tuple[int, ...] | None = None,
        final: Scalar | None = None,
    ) -> None:
        self.keys: Final = keys
        self.index: Final = index
        self.fingerprint: Final = fingerprint
        self._polynomial = polynomial
        self._commitment_proof = commitment_proof
        self._received = received
        self._complained = complained
        self._final = final

    def __repr__(self) -> str:
        return f"TrusteeState(index={self.index}, fingerprint={self.fingerprint.hex()[:16]}...)"

    @classmethod
    def new(
        cls, manifest: Manifest, keys: TrusteeKeys, rng: RandomSource = system_random
    ) -> TrusteeState:
        """Gives back a fresh state: the trustee's index, its polynomial f_i, its proof (11.2).

        ValueError when keys are not a trustee's keys in manifest.
        """
        index = next(
            (t.index for t in manifest.trustees if t.signing_key == keys.signing.public), None
        )
        if index is None:
            raise ValueError(f"these keys are not a trustee's in referendum {manifest.id}")
        if manifest.trustee(index).encryption_key != keys.box_public:
            raise ValueError(
                f"trustee {index}: the manifest's encryption_key is not this box key's"
            )
        polynomial = Polynomial.random(_G, _G.random_scalar(rng), manifest.quorum - 1, rng)
        ctx = ProofContext(_G, manifest.fingerprint)
        proof = prove_schnorr(ctx, polynomial.coefficients[0], bound_to=[index], rng=rng)
        return cls(
            keys=keys,
            index=index,
            fingerprint=manifest.fingerprint,
            polynomial=polynomial,
            commitment_proof=proof,
        )

    # --- the five steps ---------------------------------------------------------------

    def commitment_message(self, manifest: Manifest) -> dict[str, Any]:
        """Gives back the signed ceremony.commitment payload (section 11.2)."""
        self._check_manifest(manifest)
        body = {
            "trustee": self.index,
            "commitments": [c.to_bytes().hex() for c in self._polynomial.commitments(_G)],
            "proof": self._commitment_proof.to_json(),
        }
        return self._sign(KIND_COMMITMENT, body)

    def shares_message(
        self, manifest: Manifest, rng: RandomSource = system_random
    ) -> dict[str, Any]:
        """Gives back the signed ceremony.shares payload: s_ij sealed to each j != i (11.3)."""
        self._check_manifest(manifest)
        shares = []
        for t in manifest.trustees:
            if t.index == self.index:
                continue
            s_ij = self._polynomial.evaluate(t.index)
            try:
                sealed = seal(s_ij.to_bytes(), t.encryption_key, rng)
            except SealedBoxError as exc:
                raise ValueError(f"trustee {t.index}'s encryption_key: {exc}") from None
            shares.append({"to": t.index, "sealed": sealed.hex()})
        return self._sign(KIND_SHARES, {"trustee": self.index, "shares": shares})

    def check_message(self, manifest: Manifest, board: CeremonyBoard) -> dict[str, Any]:
        """Gives back the signed ceremony.check payload, complaining about bad shares (11.4).

        Opens each dealer's sealed share, checks it against the dealer's commitments and
        remembers the ones that verify. ValueError when the board is not at this step.
        """
        self._check_board(manifest, board)
        if board.phase() in ("commit", "share"):
            raise ValueError(f"not time to check yet: {_waiting(board)}")
        received: dict[int, Scalar] = {}
        complaints: list[dict[str, Any]] = []
        for dealer, sealed in sorted(board.sealed_for(self.index).items()):
            share, reason = self._open_share(board, dealer, sealed)
            if share is None:
                complaints.append({"against": dealer, "reason": reason})
            else:
                received[dealer] = share
        self._received = received
        self._complained = tuple(c["against"] for c in complaints)
        return self._sign(KIND_CHECK, {"trustee": self.index, "complaints": complaints})

    def reveal_messages(self, manifest: Manifest, board: CeremonyBoard) -> list[dict[str, Any]]:
        """Gives back a signed ceremony.reveal payload per unanswered complaint (11.5).

        Empty when nobody complained or every complaint is answered. ValueError before
        all checks are in.
        """
        self._check_board(manifest, board)
        if board.phase() in ("commit", "share", "check"):
            raise ValueError(f"not time to reveal yet: {_waiting(board)}")
        pending = [
            j for j in board.complaints_against(self.index) if board.revealed(self.index, j) is None
        ]
        return [
            self._sign(
                KIND_REVEAL,
                {
                    "trustee": self.index,
                    "to": j,
                    "share": self._polynomial.evaluate(j).to_bytes().hex(),
                },
            )
            for j in pending
        ]

    def confirm_message(
        self, manifest: Manifest, board: CeremonyBoard, rng: RandomSource = system_random
    ) -> dict[str, Any]:
        """Gives back the signed ceremony.confirm payload and keeps x_j as final_share (11.6).

        QUAL is the board's (qualify, section 11.5). ValueError when it is not time (a
        check is missing, or a complaint has no reveal yet) or the board does not match
        this state; CeremonyError when |QUAL| < k.
        """
        self._check_board(manifest, board)
        if self._received is None or self._complained is None:
            raise ValueError(f"trustee {self.index}: run the check step before confirming")
        if board.phase() in ("commit", "share", "check"):
            raise ValueError(f"not time to confirm yet: {_waiting(board)}")
        if sorted(board.complaints_by(self.index)) != list(self._complained):
            raise ValueError(
                f"trustee {self.index}: the board holds a different check than this state made"
            )
        pending = board.pending_reveals()
        if pending:
            # The board refuses the confirm too (11.7): QUAL waits for every answer.
            raise ValueError(
                f"trustee {self.index}: not time to confirm yet: {unanswered_text(pending)}"
            )
        qualification = board.qualification()
        qualification.require_quorum(manifest.quorum, f"trustee {self.index}")
        qual = qualification.qualified
        x = _G.scalar_from_int(0)
        for dealer in qual:
            x = x + self._share_from(board, dealer)
        dealers = [board.commitments(d) for d in qual]
        public_key = joint_public_key(_G, dealers)
        public_share = joint_public_share(_G, self.index, dealers)
        if _G.generator**x != public_share:
            raise ValueError(f"trustee {self.index}: x_j does not match K_j; the state is broken")
        ctx = ProofContext(_G, self.fingerprint)
        proof = prove_schnorr(ctx, x, bound_to=[self.index], rng=rng)
        self._final = x
        body = {
            "trustee": self.index,
            "qualified": list(qual),
            "public_key": public_key.to_bytes().hex(),
            "public_share": public_share.to_bytes().hex(),
            "proof": proof.to_json(),
        }
        return self._sign(KIND_CONFIRM, body)

    @property
    def final_share(self) -> Scalar:
        """x_j, this trustee's share of the joint secret; ValueError before confirm."""
        if self._final is None:
            raise ValueError(f"trustee {self.index} has not confirmed: no final share yet")
        return self._final

    # --- helpers ----------------------------------------------------------------------

    def _sign(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        return sign_message(self.keys.signing, self.fingerprint, kind, body)

    def _check_manifest(self, manifest: Manifest) -> None:
        if manifest.fingerprint != self.fingerprint:
            raise ValueError(
                f"trustee {self.index}: this state belongs to another referendum "
                f"(fingerprint {self.fingerprint.hex()[:16]}..., not {manifest.id}'s)"
            )
        if manifest.trustee(self.index).signing_key != self.keys.signing.public:
            raise ValueError(f"trustee {self.index}: the manifest lists another signing key")
        if manifest.quorum != self._polynomial.threshold:
            raise ValueError(
                f"trustee {self.index}: quorum {manifest.quorum}, but the state's polynomial "
                f"has {self._polynomial.threshold} coefficients"
            )

    def _check_board(self, manifest: Manifest, board: CeremonyBoard) -> None:
        self._check_manifest(manifest)
        if board.manifest.fingerprint != self.fingerprint:
            raise ValueError(f"trustee {self.index}: the board is another referendum's")
        try:
            posted = board.commitments(self.index)
        except KeyError:
            raise ValueError(
                f"trustee {self.index}: post your commitment first ({_waiting(board)})"
            ) from None
        if posted != self._polynomial.commitments(_G):
            raise ValueError(
                f"trustee {self.index}: the board holds other commitments than this state's "
                "polynomial (a state file from another run?)"
            )

    def _open_share(
        self, board: CeremonyBoard, dealer: int, sealed: bytes
    ) -> tuple[Scalar | None, str]:
        try:
            plaintext = self.keys.open(sealed)
        except SealedBoxError:
            return None, "the sealed box does not open"
        try:
            share = _G.scalar(plaintext)
        except GroupError:
            return None, "the sealed box does not hold a canonical scalar"
        try:
            verify_share(_G, self.index, share, board.commitments(dealer), dealer=dealer)
        except ShareVerificationError:
            return None, "the share does not match the dealer's commitments"
        return share, ""

    def _share_from(self, board: CeremonyBoard, dealer: int) -> Scalar:
        if dealer == self.index:
            return self._polynomial.evaluate(self.index)
        revealed = board.revealed(dealer, self.index)
        if revealed is not None:
            # Only a dealer whose reveal verified is in QUAL, so the revealed share is good.
            return revealed
        if self._received is not None and dealer in self._received:
            return self._received[dealer]
        raise ValueError(f"trustee {self.index}: no good share from qualified dealer {dealer}")

    # --- JSON -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Gives back the state file form (section 11.8); it holds secrets."""
        check: dict[str, Any] | None = None
        if self._received is not None and self._complained is not None:
            check = {
                "received": [
                    {"from": d, "share": s.to_bytes().hex()}
                    for d, s in sorted(self._received.items())
                ],
                "complained": list(self._complained),
            }
        return {
            "format": STATE_FORMAT,
            "keys": self.keys.to_json(),
            "index": self.index,
            "fingerprint": self.fingerprint.hex(),
            "coefficients": [a.to_bytes().hex() for a in self._polynomial.coefficients],
            "commitment_proof": self._commitment_proof.to_json(),
            "check": check,
            "final_share": None if self._final is None else self._final.to_bytes().hex(),
        }

    @classmethod
    def from_json(cls, value: Any, where: str = "trustee state") -> TrusteeState:
        """Gives back the state a to_json value holds; ValueError naming the broken field."""
        _fields(value, _STATE_FIELDS, where)
        if value["format"] != STATE_FORMAT:
            raise ValueError(f"{where}.format: {value['format']!r}, want {STATE_FORMAT!r}")
        keys = TrusteeKeys.from_json(value["keys"], f"{where}.keys")
        index = _index(value["index"], f"{where}.index")
        fingerprint = _hex_bytes(value["fingerprint"], 32, f"{where}.fingerprint")
        raw = _list(value["coefficients"], f"{where}.coefficients")
        if not raw:
            raise ValueError(f"{where}.coefficients: want at least one coefficient")
        coefficients = tuple(
            _scalar_from_hex(_G, a, f"{where}.coefficients[{t}]") for t, a in enumerate(raw)
        )
        proof = ChallengeResponse.from_json(
            _G, value["commitment_proof"], f"{where}.commitment_proof"
        )
        received, complained = _check_from_json(value["check"], f"{where}.check")
        final = value["final_share"]
        return cls(
            keys=keys,
            index=index,
            fingerprint=fingerprint,
            polynomial=Polynomial(coefficients),
            commitment_proof=proof,
            received=received,
            complained=complained,
            final=None if final is None else _scalar_from_hex(_G, final, f"{where}.final_share"),
        )


_STATE_FIELDS: Final = (
    "format",
    "keys",
    "index",
    "fingerprint",
    "coefficients",
    "commitment_proof",
    "check",
    "final_share",
)


def _check_from_json(
    value: Any, where: str
) -> tuple[dict[int, Scalar] | None, tuple[int, ...] | None]:
    if value is None:
        return None, None
    _fields(value, ("received", "complained"), where)
    received: dict[int, Scalar] = {}
    for t, entry in enumerate(_list(value["received"], f"{where}.received")):
        at = f"{where}.received[{t}]"
        _fields(entry, ("from", "share"), at)
        dealer = _index(entry["from"], f"{at}.from")
        if dealer in received:
            raise ValueError(f"{at}.from: dealer {dealer} appears twice")
        received[dealer] = _scalar_from_hex(_G, entry["share"], f"{at}.share")
    complained = [
        _index(x, f"{where}.complained[{t}]")
        for t, x in enumerate(_list(value["complained"], f"{where}.complained"))
    ]
    if complained != sorted(set(complained)):
        raise ValueError(f"{where}.complained: want ascending trustee numbers without repeats")
    return received, tuple(complained)


def _waiting(board: CeremonyBoard) -> str:
    noun = {
        "commit": "commitments",
        "share": "shares",
        "check": "checks",
        "reveal": "reveals",
        "confirm": "confirms",
    }.get(board.phase())
    if noun is None:
        return "the ceremony is complete"
    return f"waiting for {noun} from trustees {', '.join(map(str, board.waiting_for()))}"


def _fields(value: Any, names: Sequence[str], where: str) -> None:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: want an object, got {type(value).__name__}")
    missing = [f for f in names if f not in value]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    extra = sorted(str(f) for f in value if f not in names)
    if extra:
        raise ValueError(f"{where}: unknown field {', '.join(extra)}")


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: want a list, got {type(value).__name__}")
    return value


def _index(value: Any, where: str) -> int:
    if not is_json_int(value) or value < 1:
        raise ValueError(f"{where}: want a trustee number (a positive integer)")
    return value


def _hex_bytes(value: Any, size: int, where: str) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * size or not _HEX.issuperset(value):
        raise ValueError(f"{where}: want {2 * size} lowercase hex digits")
    return bytes.fromhex(value)
