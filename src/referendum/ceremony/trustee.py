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
from ..sharing import Polynomial, ShareVerificationError, verify_share
from ..signing import Ed25519Key, sign_message
from ._errors import CeremonyError
from .board import (
    KIND_CHECK,
    KIND_COMMITMENT,
    KIND_CONFIRM,
    KIND_REVEAL,
    KIND_SHARES,
    CeremonyBoard,
)
from .sealed import BOX_KEY_SIZE, SealedBoxError, box_keypair, box_public_key, open_sealed, seal

__all__ = ["KEYS_FORMAT", "STATE_FORMAT", "TrusteeKeys", "TrusteeState"]

KEYS_FORMAT: Final = "referendum-trustee-keys/1"
STATE_FORMAT: Final = "referendum-trustee-state/2"

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

    One secret polynomial per clause of the policy the trustee belongs to, and once it
    has confirmed (or computed them later from the board) its final shares x_jc. Mutable
    on purpose: confirm_message and final_shares_from record the final shares, and the
    CLI saves the state after each step.
    """

    def __init__(
        self,
        *,
        keys: TrusteeKeys,
        index: int,
        fingerprint: bytes,
        polynomials: dict[int, Polynomial],
        proofs: dict[int, ChallengeResponse],
        final: dict[int, Scalar] | None = None,
    ) -> None:
        if sorted(polynomials) != sorted(proofs):
            raise ValueError("a trustee state needs one commitment proof per polynomial")
        self.keys: Final = keys
        self.index: Final = index
        self.fingerprint: Final = fingerprint
        self._polynomials = dict(sorted(polynomials.items()))
        self._proofs = proofs
        self._final = final

    def __repr__(self) -> str:
        return f"TrusteeState(index={self.index}, fingerprint={self.fingerprint.hex()[:16]}...)"

    @classmethod
    def new(
        cls, manifest: Manifest, keys: TrusteeKeys, rng: RandomSource = system_random
    ) -> TrusteeState:
        """Gives back a fresh state: the trustee's index and, per clause c of its, the
        polynomial f_ic of degree t_c - 1 and its Schnorr proof (11.2).

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
        ctx = ProofContext(_G, manifest.fingerprint)
        polynomials: dict[int, Polynomial] = {}
        proofs: dict[int, ChallengeResponse] = {}
        for clause in manifest.policy.clauses_of(index):
            f = Polynomial.random(_G, _G.random_scalar(rng), clause.threshold - 1, rng)
            polynomials[clause.number] = f
            proofs[clause.number] = prove_schnorr(
                ctx, f.coefficients[0], bound_to=[index, clause.number], rng=rng
            )
        return cls(
            keys=keys,
            index=index,
            fingerprint=manifest.fingerprint,
            polynomials=polynomials,
            proofs=proofs,
        )

    # --- the five steps ---------------------------------------------------------------

    def commitment_message(self, manifest: Manifest) -> dict[str, Any]:
        """Gives back the signed ceremony.commitment payload (section 11.2)."""
        self._check_manifest(manifest)
        clauses = [
            {
                "clause": c,
                "commitments": [x.to_bytes().hex() for x in f.commitments(_G)],
                "proof": self._proofs[c].to_json(),
            }
            for c, f in self._polynomials.items()
        ]
        return self._sign(KIND_COMMITMENT, {"trustee": self.index, "clauses": clauses})

    def shares_message(
        self, manifest: Manifest, rng: RandomSource = system_random
    ) -> dict[str, Any]:
        """Gives back the signed ceremony.shares payload: f_ic(j) sealed to every other
        member j of each of the trustee's clauses c (11.3)."""
        self._check_manifest(manifest)
        shares = []
        for clause in manifest.policy.clauses_of(self.index):
            f = self._polynomials[clause.number]
            for j in clause.members:
                if j == self.index:
                    continue
                key = manifest.trustee(j).encryption_key
                try:
                    sealed = seal(f.evaluate(j).to_bytes(), key, rng)
                except SealedBoxError as exc:
                    raise ValueError(f"trustee {j}'s encryption_key: {exc}") from None
                shares.append({"clause": clause.number, "to": j, "sealed": sealed.hex()})
        return self._sign(KIND_SHARES, {"trustee": self.index, "shares": shares})

    def check_message(self, manifest: Manifest, board: CeremonyBoard) -> dict[str, Any]:
        """Gives back the signed ceremony.check payload, complaining about bad shares (11.4).

        Opens every sealed share dealt to this trustee and checks it against its dealer's
        commitments. ValueError when the shares step has not closed yet.
        """
        self._check_board(manifest, board)
        if not board.closed("shares"):
            raise ValueError(f"not time to check yet: {_waiting(board)}")
        complaints: list[dict[str, Any]] = []
        for (c, dealer), sealed in sorted(board.sealed_for(self.index).items()):
            share, reason = self._open_share(board, c, dealer, sealed)
            if share is None:
                complaints.append({"clause": c, "against": dealer, "reason": reason})
        return self._sign(KIND_CHECK, {"trustee": self.index, "complaints": complaints})

    def reveal_messages(self, manifest: Manifest, board: CeremonyBoard) -> list[dict[str, Any]]:
        """Gives back a signed ceremony.reveal payload per unanswered complaint against
        this trustee (11.5); empty when there is none."""
        self._check_board(manifest, board)
        return [
            self._sign(
                KIND_REVEAL,
                {
                    "trustee": self.index,
                    "clause": c,
                    "to": j,
                    "share": self._polynomials[c].evaluate(j).to_bytes().hex(),
                },
            )
            for c, i, j in board.pending_reveals()
            if i == self.index
        ]

    def confirm_message(
        self, manifest: Manifest, board: CeremonyBoard, rng: RandomSource = system_random
    ) -> dict[str, Any]:
        """Gives back the signed ceremony.confirm payload and keeps the final shares (11.6).

        ValueError when the reveal step has not closed or a qualified dealer's share for
        this trustee is bad; CeremonyError when the ceremony failed.
        """
        self._check_board(manifest, board)
        if not board.closed("reveal"):
            raise ValueError(f"trustee {self.index}: not time to confirm yet: {_waiting(board)}")
        if board.failed is not None:
            raise CeremonyError(f"trustee {self.index}: {board.failed}")
        finals = self.final_shares_from(manifest, board)
        ctx = ProofContext(_G, self.fingerprint)
        qualified = board.qualified
        shares = board.public_shares
        clauses = [
            {
                "clause": c,
                "qualified": list(qualified[c]),
                "public_share": shares[(c, self.index)].to_bytes().hex(),
                "proof": prove_schnorr(ctx, x, bound_to=[self.index, c], rng=rng).to_json(),
            }
            for c, x in finals.items()
        ]
        body = {
            "trustee": self.index,
            "public_key": board.joint_key().to_bytes().hex(),
            "clauses": clauses,
        }
        return self._sign(KIND_CONFIRM, body)

    def final_shares_from(self, manifest: Manifest, board: CeremonyBoard) -> dict[int, Scalar]:
        """Gives back clause -> x_jc, from the board once QUAL is decided, and keeps them.

        x_jc is the sum over QUAL_c of the dealers' shares for this trustee: its own
        f_jc(j) when it dealt, a revealed share, or the share sealed to it. A trustee
        absent from the ceremony computes them the same way when it comes to the count
        (section 11.9). ValueError naming the dealer when a sealed share is bad: that
        dealer cheated this trustee, which then cannot take part in that clause.
        """
        self._check_manifest(manifest)
        if board.manifest.fingerprint != self.fingerprint:
            raise ValueError(f"trustee {self.index}: the board is another referendum's")
        self._check_own_commitments(board)
        qualified = board.qualified
        public = board.public_shares
        sealed = board.sealed_for(self.index)
        finals: dict[int, Scalar] = {}
        for clause in manifest.policy.clauses_of(self.index):
            c = clause.number
            x = _G.scalar_from_int(0)
            for dealer in qualified[c]:
                if dealer == self.index:
                    x = x + self._polynomials[c].evaluate(self.index)
                    continue
                revealed = board.revealed(c, dealer, self.index)
                if revealed is not None:
                    x = x + revealed  # only a dealer whose reveal verified is in QUAL_c
                    continue
                share, reason = self._open_share(board, c, dealer, sealed[(c, dealer)])
                if share is None:
                    raise ValueError(
                        f"trustee {self.index}: qualified dealer {dealer}'s clause {c} share"
                        f" for you is bad ({reason}); it was not complained about in time, so"
                        f" you cannot take part in clause {c}: tell the observers"
                    )
                x = x + share
            if _G.generator**x != public[(c, self.index)]:
                raise ValueError(
                    f"trustee {self.index}: x_{self.index},{c} does not match the public share"
                    " the commitments give; the state is broken"
                )
            finals[c] = x
        self._final = finals
        return dict(finals)

    @property
    def final_shares(self) -> dict[int, Scalar]:
        """Clause -> x_jc, this trustee's shares of the clauses' secrets; ValueError
        before they are known (confirm_message or final_shares_from)."""
        if self._final is None:
            raise ValueError(f"trustee {self.index} has no final shares yet")
        return dict(self._final)

    @property
    def has_final_shares(self) -> bool:
        """True once the final shares are known."""
        return self._final is not None

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
        want = {c.number: c.threshold for c in manifest.policy.clauses_of(self.index)}
        have = {c: f.threshold for c, f in self._polynomials.items()}
        if want != have:
            raise ValueError(
                f"trustee {self.index}: the policy gives clauses and thresholds {want}, but"
                f" the state's polynomials have {have}"
            )

    def _check_board(self, manifest: Manifest, board: CeremonyBoard) -> None:
        self._check_manifest(manifest)
        if board.manifest.fingerprint != self.fingerprint:
            raise ValueError(f"trustee {self.index}: the board is another referendum's")
        self._check_own_commitments(board)

    def _check_own_commitments(self, board: CeremonyBoard) -> None:
        if self.index not in board.committed():
            return  # absent from step 1: a recipient only
        for c, f in self._polynomials.items():
            if board.commitments(self.index, c) != f.commitments(_G):
                raise ValueError(
                    f"trustee {self.index}: the board holds other commitments than this"
                    " state's polynomials (a state file from another run?)"
                )

    def _open_share(
        self, board: CeremonyBoard, c: int, dealer: int, sealed: bytes
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
            verify_share(_G, self.index, share, board.commitments(dealer, c), dealer=dealer)
        except ShareVerificationError:
            return None, "the share does not match the dealer's commitments"
        return share, ""

    # --- JSON -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Gives back the state file form (section 11.8); it holds secrets."""
        return {
            "format": STATE_FORMAT,
            "keys": self.keys.to_json(),
            "index": self.index,
            "fingerprint": self.fingerprint.hex(),
            "clauses": [
                {
                    "clause": c,
                    "coefficients": [a.to_bytes().hex() for a in f.coefficients],
                    "commitment_proof": self._proofs[c].to_json(),
                }
                for c, f in self._polynomials.items()
            ],
            "final_shares": None
            if self._final is None
            else [
                {"clause": c, "share": x.to_bytes().hex()} for c, x in sorted(self._final.items())
            ],
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
        polynomials: dict[int, Polynomial] = {}
        proofs: dict[int, ChallengeResponse] = {}
        for t, entry in enumerate(_list(value["clauses"], f"{where}.clauses")):
            at = f"{where}.clauses[{t}]"
            _fields(entry, ("clause", "coefficients", "commitment_proof"), at)
            c = _index(entry["clause"], f"{at}.clause")
            if c in polynomials:
                raise ValueError(f"{at}.clause: clause {c} appears twice")
            raw = _list(entry["coefficients"], f"{at}.coefficients")
            if not raw:
                raise ValueError(f"{at}.coefficients: want at least one coefficient")
            polynomials[c] = Polynomial(
                tuple(_scalar_from_hex(_G, a, f"{at}.coefficients[{u}]") for u, a in enumerate(raw))
            )
            proofs[c] = ChallengeResponse.from_json(
                _G, entry["commitment_proof"], f"{at}.commitment_proof"
            )
        final: dict[int, Scalar] | None = None
        if value["final_shares"] is not None:
            final = {}
            for t, entry in enumerate(_list(value["final_shares"], f"{where}.final_shares")):
                at = f"{where}.final_shares[{t}]"
                _fields(entry, ("clause", "share"), at)
                c = _index(entry["clause"], f"{at}.clause")
                if c in final:
                    raise ValueError(f"{at}.clause: clause {c} appears twice")
                final[c] = _scalar_from_hex(_G, entry["share"], f"{at}.share")
        return cls(
            keys=keys,
            index=index,
            fingerprint=fingerprint,
            polynomials=polynomials,
            proofs=proofs,
            final=final,
        )


_STATE_FIELDS: Final = ("format", "keys", "index", "fingerprint", "clauses", "final_shares")


def _waiting(board: CeremonyBoard) -> str:
    noun = {
        "commit": "commitments",
        "share": "shares",
        "check": "checks",
        "reveal": "reveals",
        "confirm": "confirms",
    }.get(board.phase())
    if noun is None:
        return f"the ceremony is {board.phase()}"
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
