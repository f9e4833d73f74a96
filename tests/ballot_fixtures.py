"""A manifest with several ballot styles and a 3-of-5 election key, for ballot and tally tests.

The key is shared with referendum.sharing directly (each trustee deals a polynomial and
the shares are summed), standing in for the key ceremony.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from referendum.board.keys import BOARD_KEY, SigningKey
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, Scalar, SeededRandom
from referendum.manifest import Manifest
from referendum.sharing import Polynomial, joint_public_key, joint_public_share, share_for
from referendum.signing import Ed25519Key

__all__ = [
    "QUESTIONS",
    "REGIONS",
    "TRUSTEE_KEYS",
    "TRUSTEE_NAMES",
    "ElectionKey",
    "credential",
    "election_key",
    "make_manifest",
]

TRUSTEE_NAMES = ("Ada", "Brook", "Cyd", "Dana", "Eli")
_rng = SeededRandom("ballot-fixtures")
TRUSTEE_KEYS = tuple(Ed25519Key.generate(_rng) for _ in TRUSTEE_NAMES)
_REGISTRAR = Ed25519Key.generate(_rng)
_BOARD = SigningKey.generate("board", BOARD_KEY, _rng).verifier().to_text()


def _texts(text: str) -> dict[str, str]:
    return {"en": text}


def _question(qid: str, options: tuple[str, ...], lo: int, hi: int) -> dict[str, Any]:
    return {
        "id": qid,
        "text": _texts(f"Question {qid}?"),
        "options": [{"id": o, "text": _texts(o.title())} for o in options],
        "min_choices": lo,
        "max_choices": hi,
    }


# status: pick exactly one of three; budget: up to two of four (blank allowed);
# council: two or three of three.
QUESTIONS = (
    _question("status", ("yes", "no", "abstain"), 1, 1),
    _question("budget", ("parks", "roads", "schools", "transit"), 0, 2),
    _question("council", ("ana", "ben", "chloe"), 2, 3),
)
# north: one question; south: two; east: two in another order; west: never votes.
REGIONS = {
    "north": ("status",),
    "south": ("status", "budget"),
    "east": ("council", "budget"),
    "west": ("status",),
}


@cache
def make_manifest(referendum_id: str = "ballot-test", quorum: int = 3) -> Manifest:
    """Gives back the test manifest; its id changes the fingerprint."""
    value: dict[str, Any] = {
        "format": "referendum-manifest/3",
        "id": referendum_id,
        "languages": ["en"],
        "title": _texts("Ballot test"),
        "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T18:00:00Z"},
        "questions": list(QUESTIONS),
        "regions": [
            {"id": r, "name": _texts(r.title()), "questions": list(qs)} for r, qs in REGIONS.items()
        ],
        "trustees": [
            {
                "index": i + 1,
                "name": name,
                "group": "trustees",
                "signing_key": key.public.hex(),
                "encryption_key": bytes([i + 1] * 32).hex(),
            }
            for i, (name, key) in enumerate(zip(TRUSTEE_NAMES, TRUSTEE_KEYS, strict=True))
        ],
        "policy": [{"at_least": quorum, "of": ["trustees"]}],
        "registrars": [{"id": "reg", "name": "Registrar", "signing_key": _REGISTRAR.public.hex()}],
        "codes_per_voter": 1,
        "witnesses": [],
        "board": {"key": _BOARD},
    }
    return Manifest.from_json(value)


@dataclass(frozen=True)
class ElectionKey:
    """The joint key K, each trustee's final share s_i and public share K_i."""

    public_key: Element
    secret: Scalar
    shares: dict[int, Scalar]
    public_shares: dict[int, Element]


@cache
def election_key(seed: str = "election-key", n: int = 5, k: int = 3) -> ElectionKey:
    """Gives back a k-of-n key dealt by every trustee, as the ceremony would."""
    rng = SeededRandom(seed)
    polys = [Polynomial.random(G, G.random_scalar(rng), k - 1, rng) for _ in range(n)]
    commitments = [p.commitments(G) for p in polys]
    shares: dict[int, Scalar] = {}
    for i in range(1, n + 1):
        s_i = G.scalar_from_int(0)
        for p in polys:
            s_i = s_i + share_for(p, i)
        shares[i] = s_i
    secret = G.scalar_from_int(0)
    for p in polys:
        secret = secret + p.coefficients[0]
    return ElectionKey(
        public_key=joint_public_key(G, commitments),
        secret=secret,
        shares=shares,
        public_shares={i: joint_public_share(G, i, commitments) for i in shares},
    )


def credential(n: int | str) -> Ed25519Key:
    """Gives back voter n's credential key (deterministic)."""
    return Ed25519Key(SeededRandom(f"credential-{n}")(32))
