"""Writes our known-answer files under vectors/: ElGamal with fixed nonces and every proof.

Run: .venv/bin/python scripts/make_vectors.py   (rewrites vectors/elgamal/ and vectors/proofs/)

The files are committed and then fixed: tests/vectors/test_crypto_vectors.py checks the
code against them, and the browser booth will check its JavaScript against the same
files. Rerun this only when the protocol changes, and say so in the commit. Each case has
`desc` and `want_err`: null for a valid case, "decode" when a value must be rejected on
decoding, "invalid" when decoding succeeds and verification must fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from referendum.elgamal import Ciphertext, encrypt
from referendum.group import ORDER, RISTRETTO255, Element, Scalar, SeededRandom
from referendum.proofs import (
    ProofContext,
    prove_equal_logs,
    prove_range,
    prove_schnorr,
)

G = RISTRETTO255
ROOT = Path(__file__).resolve().parent.parent / "vectors"
FINGERPRINT = bytes.fromhex("f1" * 32)
OTHER_FINGERPRINT = bytes.fromhex("f2" * 32)
BOUND = [{"bytes": b"ballot-42".hex()}, {"int": 7}]
NON_CANONICAL_POINT = "ff" * 32  # field element above p: rejected by RFC 9496 decoding


def hx(value: Element | Scalar) -> str:
    return value.to_bytes().hex()


def non_canonical(value: Scalar) -> str:
    """The same scalar plus the group order: fits 32 bytes, must not decode."""
    return (int(value) + ORDER).to_bytes(32, "little").hex()


def bumped(value: str) -> str:
    return hx(Scalar(bytes.fromhex(value)) + Scalar.from_int(1))


def elgamal_vectors() -> dict[str, Any]:
    rng = SeededRandom("vectors/elgamal")
    s = G.random_scalar(rng)
    K = G.generator**s
    cases = []
    for m in (0, 1, 2, 5, 1000):
        r = G.random_scalar(rng)
        ct = encrypt(G, K, m, r)
        cases.append({"desc": f"encrypt {m}", "m": m, "nonce": hx(r), **ct.to_json()})
    total = [c for c in cases if c["m"] in (0, 1, 2)]
    product = Ciphertext(G.identity, G.identity)
    for c in total:
        product = product * Ciphertext.from_json(G, {"alpha": c["alpha"], "beta": c["beta"]})
    return {
        "description": "Exponential ElGamal (protocol.md 4.1, 4.2): (g^r, g^m K^r) with fixed r",
        "secret_key": hx(s),
        "public_key": hx(K),
        "encryptions": cases,
        "sum_of_first_three": {"m": 3, **product.to_json()},
    }


def _statement_cases(
    kind: str, valid: dict[str, Any], decoy_proofs: dict[str, Any]
) -> list[dict[str, Any]]:
    """The valid case, then one corrupted case per way a proof can be wrong."""
    cases = [{"desc": f"valid {kind}", "want_err": None, **valid}]
    for desc, change, err in decoy_proofs.values():
        cases.append({"desc": desc, "want_err": err, **valid, **change})
    return cases


def _pair_corruptions(proof: dict[str, str], where: str = "proof") -> dict[str, Any]:
    return {
        "c": (
            f"{where}.c increased by one",
            {"proof": {**proof, "c": bumped(proof["c"])}},
            "invalid",
        ),
        "v": (
            f"{where}.v increased by one",
            {"proof": {**proof, "v": bumped(proof["v"])}},
            "invalid",
        ),
        "swap": (
            f"{where}.c and {where}.v swapped",
            {"proof": {"c": proof["v"], "v": proof["c"]}},
            "invalid",
        ),
        "noncanonical": (
            f"{where}.v encoded as v + l (not canonical)",
            {"proof": {**proof, "v": non_canonical(Scalar(bytes.fromhex(proof["v"])))}},
            "decode",
        ),
        "context": (
            "made for another election fingerprint",
            {"fingerprint": OTHER_FINGERPRINT.hex()},
            "invalid",
        ),
        "bound": ("bound to other values", {"bound_to": [{"int": 8}]}, "invalid"),
    }


def schnorr_vectors() -> dict[str, Any]:
    rng = SeededRandom("vectors/schnorr")
    ctx = ProofContext(G, FINGERPRINT)
    x = G.random_scalar(rng)
    proof = prove_schnorr(ctx, x, bound_to=_bound_items(), rng=rng).to_json()
    base = {"fingerprint": FINGERPRINT.hex(), "bound_to": BOUND}
    valid = {**base, "statement": {"public": hx(G.generator**x)}, "proof": proof}
    other = G.generator ** G.random_scalar(rng)
    corruptions = _pair_corruptions(proof)
    corruptions["key"] = ("another public key", {"statement": {"public": hx(other)}}, "invalid")
    corruptions["identity"] = (
        "public key is the identity",
        {"statement": {"public": hx(G.identity)}},
        "invalid",
    )
    corruptions["point"] = (
        "public key not a canonical encoding",
        {"statement": {"public": NON_CANONICAL_POINT}},
        "decode",
    )
    return {
        "description": "Schnorr proofs of knowledge (protocol.md 5.3)",
        "cases": _statement_cases("schnorr", valid, corruptions),
    }


def chaum_pedersen_vectors() -> dict[str, Any]:
    rng = SeededRandom("vectors/chaum-pedersen")
    ctx = ProofContext(G, FINGERPRINT)
    x = G.random_scalar(rng)
    a, b = G.generator, G.generator ** G.random_scalar(rng)
    proof = prove_equal_logs(ctx, a, b, x, bound_to=_bound_items(), rng=rng).to_json()
    statement = {"base_a": hx(a), "base_b": hx(b), "value_x": hx(a**x), "value_y": hx(b**x)}
    valid = {"fingerprint": FINGERPRINT.hex(), "bound_to": BOUND, "statement": statement}
    valid["proof"] = proof
    corruptions = _pair_corruptions(proof)
    corruptions["swap_xy"] = (
        "statement values X and Y swapped",
        {
            "statement": {
                **statement,
                "value_x": statement["value_y"],
                "value_y": statement["value_x"],
            }
        },
        "invalid",
    )
    corruptions["swap_ab"] = (
        "statement bases A and B swapped",
        {"statement": {**statement, "base_a": statement["base_b"], "base_b": statement["base_a"]}},
        "invalid",
    )
    corruptions["wrong_y"] = (
        "value Y is B^(x+1)",
        {"statement": {**statement, "value_y": hx(b ** (x + Scalar.from_int(1)))}},
        "invalid",
    )
    corruptions["identity"] = (
        "value Y is the identity",
        {"statement": {**statement, "value_y": hx(G.identity)}},
        "invalid",
    )
    return {
        "description": "Chaum-Pedersen proofs of equal discrete logs (protocol.md 5.4)",
        "cases": _statement_cases("chaum-pedersen", valid, corruptions),
    }


def range_vectors() -> dict[str, Any]:
    rng = SeededRandom("vectors/range")
    ctx = ProofContext(G, FINGERPRINT)
    K = G.generator ** G.random_scalar(rng)
    cases: list[dict[str, Any]] = []
    for m, lo, hi in ((0, 0, 1), (1, 0, 1), (1, 1, 1), (2, 0, 3), (3, 1, 3)):
        r = G.random_scalar(rng)
        ct = encrypt(G, K, m, r)
        proof = prove_range(ctx, K, ct, m, r, lo, hi, bound_to=_bound_items(), rng=rng)
        valid = {
            "fingerprint": FINGERPRINT.hex(),
            "bound_to": BOUND,
            "statement": {"public_key": hx(K), "ciphertext": ct.to_json(), "lo": lo, "hi": hi},
            "proof": proof.to_json(),
        }
        name = f"range [{lo}, {hi}] holding {m}"
        cases.append({"desc": f"valid {name}", "want_err": None, **valid})
        branches = proof.to_json()
        first = branches[0]
        corrupt = [
            (
                "branch 0 c increased by one",
                [{**first, "c": bumped(first["c"])}, *branches[1:]],
                "invalid",
            ),
            (
                "branch 0 v increased by one",
                [{**first, "v": bumped(first["v"])}, *branches[1:]],
                "invalid",
            ),
            (
                "branch 0 v not canonical",
                [{**first, "v": non_canonical(Scalar(bytes.fromhex(first["v"])))}, *branches[1:]],
                "decode",
            ),
        ]
        if len(branches) > 1:
            corrupt.append(("branches reversed", branches[::-1], "invalid"))
            corrupt.append(("last branch dropped", branches[:-1], "invalid"))
        for desc, changed, err in corrupt:
            cases.append({"desc": f"{name}: {desc}", "want_err": err, **valid, "proof": changed})
        if hi > lo:
            cases.append(
                {
                    "desc": f"{name}: verified against [{lo}, {hi - 1}]",
                    "want_err": "invalid",
                    **valid,
                    "statement": {**valid["statement"], "hi": hi - 1},
                    "proof": branches[:-1],
                }
            )
        cases.append(
            {
                "desc": f"{name}: made for another election fingerprint",
                "want_err": "invalid",
                **valid,
                "fingerprint": OTHER_FINGERPRINT.hex(),
            }
        )
    # A ciphertext of 2 with a proof of [0, 1] made for the ciphertext of 1 under the same nonce.
    r = G.random_scalar(rng)
    ct1, ct2 = encrypt(G, K, 1, r), encrypt(G, K, 2, r)
    proof = prove_range(ctx, K, ct1, 1, r, 0, 1, bound_to=_bound_items(), rng=rng)
    cases.append(
        {
            "desc": "ciphertext of 2 with the [0, 1] proof of the ciphertext of 1",
            "want_err": "invalid",
            "fingerprint": FINGERPRINT.hex(),
            "bound_to": BOUND,
            "statement": {"public_key": hx(K), "ciphertext": ct2.to_json(), "lo": 0, "hi": 1},
            "proof": proof.to_json(),
        }
    )
    return {
        "description": "Range and disjunctive (lo=0, hi=1) proofs (protocol.md 5.5)",
        "cases": cases,
    }


def _bound_items() -> tuple[bytes | int, ...]:
    return decode_bound(BOUND)


def decode_bound(items: list[dict[str, Any]]) -> tuple[bytes | int | str, ...]:
    """The bound values of a vector file: [{"bytes": hex} | {"int": n} | {"str": s}]."""
    out: list[bytes | int | str] = []
    for item in items:
        ((kind, value),) = item.items()
        out.append(bytes.fromhex(value) if kind == "bytes" else value)
    return tuple(out)


def write(name: str, doc: dict[str, Any]) -> None:
    path = ROOT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT.parent)}")


if __name__ == "__main__":
    write("elgamal/encrypt.json", elgamal_vectors())
    write("proofs/schnorr.json", schnorr_vectors())
    write("proofs/chaum_pedersen.json", chaum_pedersen_vectors())
    write("proofs/range.json", range_vectors())
