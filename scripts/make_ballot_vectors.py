"""Writes vectors/ballots/ballots.json: ballots, tracking codes and Benaloh challenges.

Run: .venv/bin/python scripts/make_ballot_vectors.py   (rewrites vectors/ballots/ballots.json)

A fixed manifest, a fixed election key and seeded random sources give a few valid ballots
(with their tracking hashes and codes), spoiled ballots (signed as kind "spoiled", with an
unsigned inner ballot), and corrupted ballots and spoiled ballots with want_err: null for
a valid case, "decode" when a value is rejected as it is read (structure, field set, hex
form, non-canonical encoding), "invalid" when it reads fine and a check fails (signature,
proof, ballot style, reveal). The file is committed and then fixed:
tests/vectors/test_ballot_vectors.py checks the code against it, and the browser booth
will check its JavaScript against it. Rerun only when the protocol changes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from referendum.ballot import encrypt_ballot
from referendum.board.keys import BOARD_KEY, SigningKey
from referendum.group import ORDER, RISTRETTO255, SeededRandom
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key, sign_message

G = RISTRETTO255
OUT = Path(__file__).resolve().parent.parent / "vectors" / "ballots" / "ballots.json"


def _texts(text: str) -> dict[str, str]:
    return {"en": text}


def manifest_json() -> dict[str, Any]:
    rng = SeededRandom("vectors/ballots/manifest")
    trustees = [Ed25519Key.generate(rng) for _ in range(3)]
    registrar = Ed25519Key.generate(rng)
    board = SigningKey.generate("board.vectors", BOARD_KEY, rng).verifier().to_text()
    return {
        "format": "referendum-manifest/3",
        "id": "ballot-vectors",
        "languages": ["en"],
        "title": _texts("Ballot test vectors"),
        "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T18:00:00Z"},
        "questions": [
            {
                "id": "bridge",
                "text": _texts("Build the bridge?"),
                "options": [{"id": o, "text": _texts(o)} for o in ("yes", "no")],
                "min_choices": 1,
                "max_choices": 1,
            },
            {
                "id": "parks",
                "text": _texts("Which parks get new trees (up to two)?"),
                "options": [{"id": o, "text": _texts(o)} for o in ("north", "river", "hill")],
                "min_choices": 0,
                "max_choices": 2,
            },
            {
                "id": "seats",
                "text": _texts("Elect exactly two of three"),
                "options": [{"id": o, "text": _texts(o)} for o in ("ana", "bohdan", "chen")],
                "min_choices": 2,
                "max_choices": 2,
            },
            {
                "id": "extras",
                "text": _texts("Which services (any)?"),
                "options": [{"id": o, "text": _texts(o)} for o in ("bus", "clinic")],
                "min_choices": 0,
                "max_choices": 2,
            },
        ],
        "regions": [
            {"id": "city", "name": _texts("City"), "questions": ["bridge", "parks"]},
            {"id": "valley", "name": _texts("Valley"), "questions": ["bridge"]},
            {"id": "hills", "name": _texts("Hills"), "questions": ["seats", "extras"]},
        ],
        "trustees": [
            {
                "index": i + 1,
                "name": f"Trustee {i + 1}",
                "group": "trustees",
                "signing_key": key.public.hex(),
                "encryption_key": bytes([i + 1] * 32).hex(),
            }
            for i, key in enumerate(trustees)
        ],
        "policy": [{"at_least": 2, "of": ["trustees"]}],
        "registrars": [{"id": "reg", "name": "Registrar", "signing_key": registrar.public.hex()}],
        "codes_per_voter": 1,
        "witnesses": [],
        "board": {"key": board},
    }


VALID = [
    (
        "city ballot: bridge yes, parks north and hill",
        "city",
        1,
        {"bridge": [1, 0], "parks": [1, 0, 1]},
    ),
    ("city ballot: bridge no, parks left blank", "city", 2, {"bridge": [0, 1], "parks": [0, 0, 0]}),
    ("valley ballot: bridge no", "valley", 3, {"bridge": [0, 1]}),
    (
        "hills ballot: seats ana and chen (last option not encrypted), extras clinic",
        "hills",
        4,
        {"seats": [1, 0, 1], "extras": [0, 1]},
    ),
]


# Which check rejects each corrupted ballot (section 12.3's order: structure, hex forms,
# ballot style, signature, then decoding and proofs option by option, then the sum proof).
FAILS_AT = {
    "missing signature": "structure",
    "extra top-level field": "structure",
    "uppercase hex in a ciphertext": "encoding",
    "non-canonical group element": "encoding",
    "non-canonical scalar (c + l) in a proof": "encoding",
    "selection proof with three branches": "structure",
    "signature changed": "signature",
    "ciphertext changed, not re-signed": "signature",
    "ciphertext from another ballot, re-signed": "selection proof",
    "selections of a question swapped, re-signed": "selection proof",
    "sum proof from another ballot of the same credential, re-signed": "sum proof",
    "region changed to one with another ballot style, re-signed": "ballot style",
    "region not in the manifest, re-signed": "ballot style",
    "questions out of order, re-signed": "ballot style",
    "a question left out, re-signed": "ballot style",
    "exactly-one question with its last option encrypted too, re-signed": "ballot style",
    "sum proof on a question whose selections bound the sum, re-signed": "ballot style",
    "sum proof left out where it is needed, re-signed": "ballot style",
    "a challenged ballot cast with the spoiled signature (a board's forgery)": "signature",
}


def _credential_seed(voter: int) -> bytes:
    return SeededRandom(f"vectors/ballots/credential/{voter}")(32)


def _rng_seed(voter: int, extra: str = "") -> str:
    return f"vectors/ballots/ballot/{voter}{extra}"


def _resign(
    payload: dict[str, Any], seed: bytes, fp: bytes, kind: str = "ballot"
) -> dict[str, Any]:
    body = {k: v for k, v in payload.items() if k != "signature"}
    return sign_message(Ed25519Key(seed), fp, kind, body)


def main() -> None:
    value = manifest_json()
    manifest = Manifest.from_json(value)
    fp = manifest.fingerprint
    secret = G.random_scalar(SeededRandom("vectors/ballots/key"))
    public_key = G.generator**secret

    cases: list[dict[str, Any]] = []
    prepared = {}
    for desc, region, voter, choices in VALID:
        seed = _credential_seed(voter)
        ballot = encrypt_ballot(
            manifest, public_key, region, choices, Ed25519Key(seed), SeededRandom(_rng_seed(voter))
        )
        prepared[voter] = ballot
        cases.append(
            {
                "desc": desc,
                "want_err": None,
                "region": region,
                "choices": choices,
                "credential_seed": seed.hex(),
                "rng_seed": _rng_seed(voter),
                "tracking_hash": ballot.tracking_hash.hex(),
                "tracking_code": ballot.tracking_code,
                "payload": ballot.payload,
            }
        )

    base = prepared[1].payload
    seed1 = _credential_seed(1)
    other = encrypt_ballot(
        manifest,
        public_key,
        "city",
        {"bridge": [1, 0], "parks": [1, 0, 1]},
        Ed25519Key(seed1),
        SeededRandom(_rng_seed(1, "/again")),
    ).payload

    def corrupt(
        desc: str, err: str, change: Callable[[dict[str, Any]], None], resign: bool
    ) -> None:
        p = copy.deepcopy(base)
        change(p)
        cases.append(
            {
                "desc": desc,
                "want_err": err,
                "fails_at": FAILS_AT[desc],
                "payload": _resign(p, seed1, fp) if resign else p,
            }
        )

    def non_canonical_scalar(p: dict[str, Any]) -> None:
        pair = p["questions"][1]["selections"][0]["proof"][0]
        n = int.from_bytes(bytes.fromhex(pair["c"]), "little") + ORDER
        pair["c"] = n.to_bytes(32, "little").hex()

    def set_credential(p: dict[str, Any]) -> None:
        p["credential"] = Ed25519Key(_credential_seed(2)).public.hex()

    def swap(p: dict[str, Any]) -> None:
        sel = p["questions"][1]["selections"]
        sel[0], sel[2] = sel[2], sel[0]

    corrupt("missing signature", "decode", lambda p: p.pop("signature"), False)
    corrupt("extra top-level field", "decode", lambda p: p.update(note="x"), True)
    corrupt(
        "uppercase hex in a ciphertext",
        "decode",
        lambda p: p["questions"][0]["selections"][0].update(
            alpha=base["questions"][0]["selections"][0]["alpha"].upper()
        ),
        True,
    )
    corrupt(
        "non-canonical group element",
        "decode",
        lambda p: p["questions"][0]["selections"][0].update(beta="ff" * 32),
        True,
    )
    corrupt("non-canonical scalar (c + l) in a proof", "decode", non_canonical_scalar, True)
    corrupt(
        "selection proof with three branches",
        "decode",
        lambda p: p["questions"][0]["selections"][0]["proof"].append(
            p["questions"][0]["selections"][0]["proof"][0]
        ),
        True,
    )
    corrupt(
        "signature changed",
        "invalid",
        lambda p: p.update(
            signature=("1" if p["signature"][0] == "0" else "0") + p["signature"][1:]
        ),
        False,
    )
    corrupt(
        "ciphertext changed, not re-signed",
        "invalid",
        lambda p: p["questions"][0]["selections"][0].update(
            alpha=other["questions"][0]["selections"][0]["alpha"]
        ),
        False,
    )
    corrupt(
        "ciphertext from another ballot, re-signed",
        "invalid",
        lambda p: p["questions"][0]["selections"][0].update(
            alpha=other["questions"][0]["selections"][0]["alpha"]
        ),
        True,
    )
    corrupt("selections of a question swapped, re-signed", "invalid", swap, True)
    corrupt(
        "sum proof from another ballot of the same credential, re-signed",
        "invalid",
        lambda p: p["questions"][1].update(sum_proof=other["questions"][1]["sum_proof"]),
        True,
    )
    corrupt(
        "region changed to one with another ballot style, re-signed",
        "invalid",
        lambda p: p.update(region="valley"),
        True,
    )
    corrupt(
        "region not in the manifest, re-signed", "invalid", lambda p: p.update(region="moon"), True
    )
    corrupt(
        "questions out of order, re-signed", "invalid", lambda p: p["questions"].reverse(), True
    )
    corrupt("a question left out, re-signed", "invalid", lambda p: p["questions"].pop(), True)
    corrupt(
        "exactly-one question with its last option encrypted too, re-signed",
        "invalid",
        lambda p: p["questions"][0]["selections"].append(other["questions"][0]["selections"][0]),
        True,
    )
    corrupt(
        "sum proof on a question whose selections bound the sum, re-signed",
        "invalid",
        lambda p: p["questions"][0].update(sum_proof=other["questions"][1]["sum_proof"][:1]),
        True,
    )
    corrupt(
        "sum proof left out where it is needed, re-signed",
        "invalid",
        lambda p: p["questions"][1].update(sum_proof=[]),
        True,
    )
    moved = copy.deepcopy(base)
    set_credential(moved)
    cases.append(
        {
            "desc": "ballot re-signed by another credential (proofs are bound to the first)",
            "want_err": "invalid",
            "fails_at": "selection proof",
            "payload": _resign(moved, _credential_seed(2), fp),
        }
    )

    spoiled_ok = prepared[2].spoiled_payload()
    seed2 = _credential_seed(2)
    # What a board holding the challenge would append as a cast ballot: rule 12.5 makes it
    # fail, since nothing in a spoiled payload is signed as kind "ballot".
    cases.append(
        {
            "desc": "a challenged ballot cast with the spoiled signature (a board's forgery)",
            "want_err": "invalid",
            "fails_at": "signature",
            "payload": {**spoiled_ok["ballot"], "signature": spoiled_ok["signature"]},
        }
    )
    spoiled: list[dict[str, Any]] = [
        {
            "desc": "spoiled city ballot",
            "want_err": None,
            "region": "city",
            "choices": prepared[2].choices,
            "credential_seed": seed2.hex(),
            "rng_seed": _rng_seed(2),
            "tracking_hash": prepared[2].tracking_hash.hex(),
            "tracking_code": prepared[2].tracking_code,
            "payload": spoiled_ok,
        }
    ]

    spoiled.append(
        {
            "desc": "spoiled hills ballot (the reveal opens the encrypted selections only)",
            "want_err": None,
            "region": "hills",
            "choices": prepared[4].choices,
            "credential_seed": _credential_seed(4).hex(),
            "rng_seed": _rng_seed(4),
            "tracking_hash": prepared[4].tracking_hash.hex(),
            "tracking_code": prepared[4].tracking_code,
            "payload": prepared[4].spoiled_payload(),
        }
    )

    def spoil(
        desc: str, err: str, fails_at: str, change: Callable[[dict[str, Any]], None], seed: bytes
    ) -> None:
        s = copy.deepcopy(spoiled_ok)
        change(s)
        payload = _resign(s, seed, fp, "spoiled") if seed else s
        spoiled.append({"desc": desc, "want_err": err, "fails_at": fails_at, "payload": payload})

    def wrong_vote(s: dict[str, Any]) -> None:
        s["reveal"][0]["selections"][0]["vote"] = 1

    def wrong_nonces(s: dict[str, Any]) -> None:
        sel = s["reveal"][1]["selections"]
        sel[0]["nonce"], sel[2]["nonce"] = sel[2]["nonce"], sel[0]["nonce"]

    def signed_inner(s: dict[str, Any]) -> None:
        s["ballot"]["signature"] = prepared[2].payload["signature"]

    spoil(
        "spoiled ballot revealing a wrong vote, re-signed", "invalid", "reveal", wrong_vote, seed2
    )
    spoil(
        "spoiled ballot revealing wrong nonces, re-signed", "invalid", "reveal", wrong_nonces, seed2
    )
    spoil(
        "spoiled ballot revealing a wrong vote, not re-signed",
        "invalid",
        "spoiled signature",
        wrong_vote,
        b"",
    )
    spoil(
        "spoiled ballot signed by another credential",
        "invalid",
        "spoiled signature",
        lambda s: None,
        _credential_seed(1),
    )
    spoil(
        "spoiled ballot whose inner ballot carries the cast signature, re-signed",
        "decode",
        "structure",
        signed_inner,
        seed2,
    )
    as_ballot = copy.deepcopy(spoiled_ok)
    spoiled.append(
        {
            "desc": "spoiled ballot signed as kind ballot instead of spoiled",
            "want_err": "invalid",
            "fails_at": "spoiled signature",
            "payload": _resign(as_ballot, seed2, fp, "ballot"),
        }
    )

    doc = {
        "description": (
            "Ballots (protocol.md section 12): encryption with seeded randomness, tracking "
            "codes, signatures, Benaloh challenges; corrupted ballots with want_err"
        ),
        "manifest": value,
        "fingerprint": fp.hex(),
        "secret_key": secret.to_bytes().hex(),
        "public_key": public_key.to_bytes().hex(),
        "ballots": cases,
        "spoiled": spoiled,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT} ({len(cases)} ballot cases, {len(spoiled)} spoiled)")


if __name__ == "__main__":
    main()
