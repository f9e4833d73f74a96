"""Our known-answer files (vectors/elgamal, vectors/proofs) against the code.

Each proof case says what must happen: want_err null (verifies), "decode" (a value is
rejected when read) or "invalid" (reads fine, fails verification).
"""

import json
from pathlib import Path

import pytest

from referendum.elgamal import Ciphertext, decrypt, discrete_log, encrypt, sum_ciphertexts
from referendum.group import RISTRETTO255 as G
from referendum.group import GroupError, element_from_hex, scalar_from_hex
from referendum.proofs import (
    ChallengeResponse,
    InvalidProof,
    ProofContext,
    RangeProof,
    verify_equal_logs,
    verify_range,
    verify_schnorr,
)

VECTORS = Path(__file__).resolve().parents[2] / "vectors"


def _load(name):
    return json.loads((VECTORS / name).read_text())


def _bound(items):
    out = []
    for item in items:
        ((kind, value),) = item.items()
        out.append(bytes.fromhex(value) if kind == "bytes" else value)
    return tuple(out)


def _verify_schnorr(ctx, st, proof, bound):
    public = element_from_hex(G, st["public"], "public")
    verify_schnorr(ctx, public, ChallengeResponse.from_json(G, proof), bound_to=bound)


def _verify_chaum_pedersen(ctx, st, proof, bound):
    a, b, x, y = (element_from_hex(G, st[k], k) for k in ("base_a", "base_b", "value_x", "value_y"))
    verify_equal_logs(ctx, a, b, x, y, ChallengeResponse.from_json(G, proof), bound_to=bound)


def _verify_range(ctx, st, proof, bound):
    key = element_from_hex(G, st["public_key"], "public_key")
    ct = Ciphertext.from_json(G, st["ciphertext"])
    verify_range(ctx, key, ct, st["lo"], st["hi"], RangeProof.from_json(G, proof), bound_to=bound)


VERIFIERS = {
    "proofs/schnorr.json": _verify_schnorr,
    "proofs/chaum_pedersen.json": _verify_chaum_pedersen,
    "proofs/range.json": _verify_range,
}

PROOF_CASES = [
    pytest.param(name, case, id=f"{name}:{case['desc']}")
    for name in VERIFIERS
    for case in _load(name)["cases"]
]


@pytest.mark.parametrize(("name", "case"), PROOF_CASES)
def test_proof_vector(name, case):
    ctx = ProofContext(G, bytes.fromhex(case["fingerprint"]))
    try:
        VERIFIERS[name](ctx, case["statement"], case["proof"], _bound(case["bound_to"]))
        outcome = None
    except GroupError:
        outcome = "decode"
    except InvalidProof:
        outcome = "invalid"
    assert outcome == case["want_err"]


def test_every_proof_file_has_valid_and_both_kinds_of_invalid_cases():
    for name in VERIFIERS:
        kinds = {case["want_err"] for case in _load(name)["cases"]}
        assert kinds == {None, "decode", "invalid"}, name


ELGAMAL = _load("elgamal/encrypt.json")


@pytest.mark.parametrize("case", ELGAMAL["encryptions"], ids=lambda c: c["desc"])
def test_encryption_with_fixed_nonce(case):
    key = element_from_hex(G, ELGAMAL["public_key"], "public_key")
    nonce = scalar_from_hex(G, case["nonce"], "nonce")
    ct = encrypt(G, key, case["m"], nonce)
    assert ct.to_json() == {"alpha": case["alpha"], "beta": case["beta"]}
    secret = scalar_from_hex(G, ELGAMAL["secret_key"], "secret_key")
    assert discrete_log(G, decrypt(ct, secret), 1000) == case["m"]


def test_public_key_matches_secret():
    secret = scalar_from_hex(G, ELGAMAL["secret_key"], "secret_key")
    assert (G.generator**secret).to_bytes().hex() == ELGAMAL["public_key"]


def test_homomorphic_sum_vector():
    first = [
        Ciphertext.from_json(G, {k: c[k] for k in ("alpha", "beta")})
        for c in ELGAMAL["encryptions"][:3]
    ]
    expected = ELGAMAL["sum_of_first_three"]
    assert sum_ciphertexts(G, first).to_json() == {
        "alpha": expected["alpha"],
        "beta": expected["beta"],
    }
