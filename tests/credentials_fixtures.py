"""A small manifest with two registrars and three regions, for the credentials tests.

Each voter's credential is co-issued by two registrars (codes_per_voter = 2): reg-a serves
every region (its entry has no regions member); reg-b serves south and north only, so it
may not register east; reg-c serves east only.
"""

from __future__ import annotations

from typing import Any

from referendum.board.keys import BOARD_KEY, SigningKey
from referendum.group import SeededRandom
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key

__all__ = ["REGIONS", "REGISTRAR_KEYS", "REGISTRAR_REGIONS", "make_manifest"]

_rng = SeededRandom("credentials-fixtures")
REGISTRAR_KEYS = {"reg-a": Ed25519Key.generate(_rng), "reg-b": Ed25519Key.generate(_rng)}
REGISTRAR_KEYS["reg-c"] = Ed25519Key.generate(_rng)
_TRUSTEE_KEYS = [Ed25519Key.generate(_rng) for _ in range(3)]
_BOARD = SigningKey.generate("board", BOARD_KEY, _rng).verifier().to_text()
REGIONS = ("north", "south", "east")
#: The regions member of each registrar's manifest entry (None: no member, every region).
REGISTRAR_REGIONS: dict[str, list[str] | None] = {
    "reg-a": None,
    "reg-b": ["south", "north"],
    "reg-c": ["east"],
}


def _texts(text: str) -> dict[str, str]:
    return {"en": text}


def _registrar(rid: str, key: Ed25519Key) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": rid, "name": f"Registrar {rid}", "signing_key": key.public.hex()}
    regions = REGISTRAR_REGIONS[rid]
    if regions is not None:
        entry["regions"] = list(regions)
    return entry


def make_manifest(referendum_id: str = "cred-test") -> Manifest:
    """Gives back a valid manifest; its id changes the fingerprint."""
    value: dict[str, Any] = {
        "format": "referendum-manifest/3",
        "id": referendum_id,
        "languages": ["en"],
        "title": _texts("Credentials test"),
        "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T18:00:00Z"},
        "questions": [
            {
                "id": "q1",
                "text": _texts("Yes or no?"),
                "options": [
                    {"id": "yes", "text": _texts("Yes")},
                    {"id": "no", "text": _texts("No")},
                ],
                "min_choices": 1,
                "max_choices": 1,
            }
        ],
        "regions": [{"id": r, "name": _texts(r.title()), "questions": ["q1"]} for r in REGIONS],
        "trustees": [
            {
                "index": i + 1,
                "name": f"Trustee {i + 1}",
                "group": "trustees",
                "signing_key": key.public.hex(),
                "encryption_key": bytes([i + 1] * 32).hex(),
            }
            for i, key in enumerate(_TRUSTEE_KEYS)
        ],
        "policy": [{"at_least": 2, "of": ["trustees"]}],
        "registrars": [_registrar(rid, key) for rid, key in REGISTRAR_KEYS.items()],
        "codes_per_voter": 2,
        "witnesses": [],
        "board": {"key": _BOARD},
    }
    return Manifest.from_json(value)
