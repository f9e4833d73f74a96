# Ukrainian texts: the Cyrillic letters are meant.
# ruff: noqa: RUF001
"""A valid manifest (two languages, two questions, two regions) and its keys, for tests.

manifest_json() gives a fresh JSON object every call, so a test can mutate it freely;
trustee 1, registrar cec and the witness have display names, the others none;
toml_key_blocks() gives the keygen blocks that make demo_manifest.TEMPLATE loadable.
Every key comes from a fixed seed, so fingerprints are the same on every run.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pysodium

from referendum.board.keys import BOARD_KEY, WITNESS_KEY, SigningKey
from referendum.demo_manifest import key_block
from referendum.group import SeededRandom
from referendum.signing import Ed25519Key

__all__ = [
    "BOARD",
    "REGISTRAR_KEYS",
    "TRUSTEE_KEYS",
    "WITNESS",
    "box_public",
    "manifest_json",
    "toml_key_blocks",
]

_rng = SeededRandom("manifest-fixtures")
TRUSTEE_KEYS = [(Ed25519Key.generate(_rng), _rng(32)) for _ in range(3)]
REGISTRAR_KEYS = {"cec": Ed25519Key.generate(_rng), "abroad": Ed25519Key.generate(_rng)}
BOARD = SigningKey.generate("referendum-board", BOARD_KEY, _rng)
WITNESS = SigningKey.generate("observer-1", WITNESS_KEY, _rng)


def box_public(secret: bytes) -> bytes:
    """Gives back the X25519 public key of a 32-byte secret (a trustee's encryption key)."""
    public: bytes = pysodium.crypto_scalarmult_curve25519_base(secret)
    return public


_VALUE: dict[str, Any] = {
    "format": "referendum-manifest/3",
    "id": "test-2027",
    "languages": ["uk", "en"],
    "title": {"uk": "Тестовий референдум", "en": "Test referendum"},
    "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-14T18:00:00Z"},
    "questions": [
        {
            "id": "status",
            "text": {"uk": "Чи згодні ви?", "en": "Do you agree?"},
            "options": [
                {"id": "yes", "text": {"uk": "Так", "en": "Yes"}},
                {"id": "no", "text": {"uk": "Ні", "en": "No"}},
            ],
            "min_choices": 1,
            "max_choices": 1,
        },
        {
            "id": "priorities",
            "text": {"uk": "Оберіть до двох", "en": "Choose up to two"},
            "options": [
                {"id": "roads", "text": {"uk": "Дороги", "en": "Roads"}},
                {"id": "schools", "text": {"uk": "Школи", "en": "Schools"}},
                {"id": "water", "text": {"uk": "Вода", "en": "Water"}},
            ],
            "min_choices": 0,
            "max_choices": 2,
        },
    ],
    "regions": [
        {"id": "north", "name": {"uk": "Північ", "en": "North"}, "questions": ["status"]},
        {
            "id": "south",
            "name": {"uk": "Південь", "en": "South"},
            "questions": ["priorities", "status"],
        },
    ],
    "trustees": [
        {
            "index": i,
            "name": f"Trustee {i}",
            "group": "trustees",
            "signing_key": key.public.hex(),
            "encryption_key": box_public(secret).hex(),
        }
        for i, (key, secret) in enumerate(TRUSTEE_KEYS, 1)
    ],
    "policy": [{"at_least": 2, "of": ["trustees"]}],
    "registrars": [
        {"id": rid, "name": f"Registrar {rid}", "signing_key": key.public.hex()}
        for rid, key in REGISTRAR_KEYS.items()
    ],
    "codes_per_voter": 2,
    "witnesses": [
        {
            "name": "Observer 1",
            "key": WITNESS.verifier().to_text(),
            "display": {"uk": "Спостерігач 1", "en": "Observer 1"},
        }
    ],
    "board": {"key": BOARD.verifier().to_text()},
}
# Display names (protocol.md 9.2.2) on one trustee and one registrar: the others have none.
_VALUE["trustees"][0]["display"] = {"uk": "Довірена особа 1", "en": "Trustee 1"}
_VALUE["registrars"][0]["display"] = {"uk": "ЦВК", "en": "CEC"}


def manifest_json() -> dict[str, Any]:
    """Gives back a fresh copy of the valid manifest object."""
    value: dict[str, Any] = copy.deepcopy(_VALUE)
    return value


def toml_key_blocks() -> list[str]:
    """Gives back the trustee, registrar and witness TOML blocks of the fixture's keys."""
    blocks = [
        key_block(
            "trustees",
            [
                ("name", t["name"]),
                ("group", t["group"]),
                ("signing_key", t["signing_key"]),
                ("encryption_key", t["encryption_key"]),
            ],
        )
        for t in _VALUE["trustees"]
    ]
    blocks += [
        key_block(
            "registrars", [("id", r["id"]), ("name", r["name"]), ("signing_key", r["signing_key"])]
        )
        for r in _VALUE["registrars"]
    ]
    blocks += [
        key_block("witnesses", [("name", w["name"]), ("key", w["key"])])
        for w in _VALUE["witnesses"]
    ]
    return blocks


def voting_now(manifest: str) -> str:
    """manifest (the demo template's TOML) with a voting period around now, so the board
    accepts ballots today and `tally close` needs --early."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    opens = (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    closes = (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = manifest.replace('opens = "2027-03-01T06:00:00Z"', f'opens = "{opens}"')
    return manifest.replace('closes = "2027-03-14T18:00:00Z"', f'closes = "{closes}"')
