"""vectors/ballots/ballots.json against the code: ballots, spoiled ballots, tracking codes.

want_err null: verifies; "decode": rejected as it is read (structure, hex form, encoding);
"invalid": reads fine (check_ballot_fields passes) and a check fails. A spoiled ballot's
inner ballot is unsigned and the whole payload is signed as kind "spoiled" (12.5).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from referendum.ballot import (
    BallotError,
    check_ballot_fields,
    encrypt_ballot,
    tracking_code,
    verify_ballot,
    verify_spoiled,
)
from referendum.elgamal import decrypt, discrete_log
from referendum.group import RISTRETTO255 as G
from referendum.group import SeededRandom, element_from_hex, scalar_from_hex
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key

DOC = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "ballots" / "ballots.json").read_text()
)
MANIFEST = Manifest.from_json(DOC["manifest"])
KEY = element_from_hex(G, DOC["public_key"], "public_key")
SECRET = scalar_from_hex(G, DOC["secret_key"], "secret_key")


# What the error message says for each fails_at category of the file.
FAILS_AT = {
    "structure": r"(missing|unknown) field|want \d+ to \d+ items",
    "encoding": r"lowercase hex|not canonical|not a canonical",
    "signature": r"ballot: signature does not verify",
    "spoiled signature": r"spoiled: signature does not verify",
    "ballot style": r"ballot questions are|is not in the manifest|selections, want|branches, want",
    "selection proof": r"option \d+: range proof",
    "sum proof": r"sum_proof: range proof",
    "reveal": r"encrypting vote \d with the revealed nonce",
}


def test_fingerprint_and_key() -> None:
    assert MANIFEST.fingerprint.hex() == DOC["fingerprint"]
    assert G.generator**SECRET == KEY


@pytest.mark.parametrize("case", DOC["ballots"], ids=lambda c: c["desc"])
def test_ballot_case(case: dict[str, Any]) -> None:
    payload = case["payload"]
    if case["want_err"] is None:
        ballot = verify_ballot(MANIFEST, KEY, payload, "vector")
        assert ballot.tracking_hash.hex() == case["tracking_hash"]
        assert tracking_code(ballot.tracking_hash) == case["tracking_code"]
        votes = {
            q: list(
                MANIFEST.question(q).full_choices(
                    discrete_log(G, decrypt(ct, SECRET), 1) for ct in cts
                )
            )
            for q, cts in ballot.selections.items()
        }
        assert votes == case["choices"]
        return
    with pytest.raises(BallotError, match=FAILS_AT[case["fails_at"]]):
        verify_ballot(MANIFEST, KEY, payload, "vector")
    if case["want_err"] == "invalid":
        check_ballot_fields(payload, "vector")


@pytest.mark.parametrize(
    "case", [c for c in DOC["ballots"] if c["want_err"] is None], ids=lambda c: c["desc"]
)
def test_encryption_is_reproduced_byte_for_byte(case: dict[str, Any]) -> None:
    prepared = encrypt_ballot(
        MANIFEST,
        KEY,
        case["region"],
        case["choices"],
        Ed25519Key(bytes.fromhex(case["credential_seed"])),
        SeededRandom(case["rng_seed"]),
    )
    assert prepared.payload == case["payload"]
    assert prepared.tracking_code == case["tracking_code"]


@pytest.mark.parametrize(
    "case", [c for c in DOC["spoiled"] if c["want_err"] is None], ids=lambda c: c["desc"]
)
def test_challenge_is_reproduced_byte_for_byte(case: dict[str, Any]) -> None:
    prepared = encrypt_ballot(
        MANIFEST,
        KEY,
        case["region"],
        case["choices"],
        Ed25519Key(bytes.fromhex(case["credential_seed"])),
        SeededRandom(case["rng_seed"]),
    )
    assert prepared.spoiled_payload() == case["payload"]
    assert prepared.tracking_code == case["tracking_code"]


def test_every_kind_of_case_is_present() -> None:
    assert {c["want_err"] for c in DOC["ballots"]} == {None, "decode", "invalid"}
    assert {c["want_err"] for c in DOC["spoiled"]} == {None, "decode", "invalid"}
    assert {c.get("fails_at") for c in DOC["spoiled"]} == {
        None,
        "reveal",
        "spoiled signature",
        "structure",
    }


@pytest.mark.parametrize("case", DOC["spoiled"], ids=lambda c: c["desc"])
def test_spoiled_case(case: dict[str, Any]) -> None:
    if case["want_err"] is None:
        ballot, choices = verify_spoiled(MANIFEST, KEY, case["payload"], "vector")
        assert {q: list(v) for q, v in choices.items()} == case["choices"]
        assert ballot.tracking_hash.hex() == case["tracking_hash"]
        assert "signature" not in case["payload"]["ballot"]
    else:
        with pytest.raises(BallotError, match=FAILS_AT[case["fails_at"]]):
            verify_spoiled(MANIFEST, KEY, case["payload"], "vector")
