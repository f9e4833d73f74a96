"""Cost of the cryptographic core, per operation, beside the floor of raw libsodium calls.

Run: .venv/bin/python benchmarks/crypto.py [--quick]

For encryption and every verification the "floor" is the same sequence of libsodium
calls the operation cannot avoid (scalar multiplications, additions, scalar additions),
made directly on byte strings with nothing else around them; the ratio is ours / floor.
Hashing, decoding checks and Python bookkeeping are what the ratio measures. Each
figure is the best of several repeats, to damp the noise of a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import platform
import sys
import timeit
from collections.abc import Callable

import pysodium

from referendum.elgamal import encrypt
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, SeededRandom, _sodium
from referendum.proofs import (
    ProofContext,
    prove_disjunctive,
    prove_equal_logs,
    prove_range,
    prove_schnorr,
    verify_disjunctive,
    verify_equal_logs,
    verify_range,
    verify_schnorr,
)


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.machine()


def best_us(fn: Callable[[], object], number: int, repeat: int) -> float:
    """The fastest of `repeat` runs of `number` calls, in microseconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    args = parser.parse_args()
    number, repeat = (20, 2) if args.quick else (300, 7)

    rng = SeededRandom("benchmark")
    ctx = ProofContext(G, bytes(32))
    g = G.generator
    s = G.random_scalar(rng)
    K = g**s
    r = G.random_scalar(rng)
    ct = encrypt(G, K, 1, r)
    x = G.random_scalar(rng)
    schnorr = prove_schnorr(ctx, x, rng=rng)
    X = g**x
    share = ct.alpha**s
    cp = prove_equal_logs(ctx, g, ct.alpha, s, rng=rng)
    disj = prove_disjunctive(ctx, K, ct, 1, r, rng=rng)
    ct3 = encrypt(G, K, 3, r)
    rng4 = prove_range(ctx, K, ct3, 3, r, 0, 4, rng=rng)

    # Raw byte strings for the floors.
    gb, Kb, rb, sb = g.to_bytes(), K.to_bytes(), r.to_bytes(), s.to_bytes()
    ab, bb = ct.alpha.to_bytes(), ct.beta.to_bytes()
    Xb, shb = X.to_bytes(), share.to_bytes()
    base, var, add, sub = (
        _sodium.scalarmult_base,
        _sodium.scalarmult,
        _sodium.add,
        _sodium.sub,
    )
    scalar_add = _sodium.scalar_add

    def floor_encrypt() -> None:
        base(rb)
        add(gb, var(rb, Kb))

    def floor_schnorr() -> None:
        c, v = schnorr.c.to_bytes(), schnorr.v.to_bytes()
        add(base(v), var(c, Xb))

    def floor_cp() -> None:
        c, v = cp.c.to_bytes(), cp.v.to_bytes()
        add(base(v), var(c, Kb))
        add(var(v, ab), var(c, shb))

    def floor_range(proof_branches: tuple[object, ...], beta: bytes) -> Callable[[], None]:
        pairs = [(b.c.to_bytes(), b.v.to_bytes()) for b in proof_branches]  # type: ignore[attr-defined]
        g_powers = [G.g_pow_int(j).to_bytes() for j in range(len(pairs))]  # cached in ours too

        def run() -> None:
            total = bytes(32)
            for j, (c, v) in enumerate(pairs):
                add(base(v), var(c, ab))
                shifted_beta = beta if j == 0 else sub(beta, g_powers[j])
                add(var(v, Kb), var(c, shifted_beta))
                total = scalar_add(total, c)

        return run

    rows: list[tuple[str, float, float | None]] = []

    def measure(name: str, ours: Callable[[], object], floor: Callable[[], object] | None) -> None:
        mine = best_us(ours, number, repeat)
        rows.append((name, mine, best_us(floor, number, repeat) if floor else None))

    measure("base multiplication g^x", lambda: g**x, lambda: base(rb))
    measure("variable-base multiplication K^x", lambda: K**x, lambda: var(rb, Kb))
    measure("addition (group operation)", lambda: K * X, lambda: add(Kb, Xb))
    measure("decode element (validate)", lambda: Element(Kb), None)
    measure(
        "pysodium base multiplication (comparison)",
        lambda: pysodium.crypto_scalarmult_ristretto255_base(sb),
        lambda: base(sb),
    )
    measure(
        "pysodium variable-base (comparison)",
        lambda: pysodium.crypto_scalarmult_ristretto255(sb, Kb),
        lambda: var(sb, Kb),
    )
    measure("encrypt (m = 1)", lambda: encrypt(G, K, 1, r), floor_encrypt)
    measure("prove schnorr", lambda: prove_schnorr(ctx, x, rng=rng), None)
    measure("verify schnorr", lambda: verify_schnorr(ctx, X, schnorr), floor_schnorr)
    measure("prove chaum-pedersen", lambda: prove_equal_logs(ctx, g, ct.alpha, s, rng=rng), None)
    measure(
        "verify chaum-pedersen",
        lambda: verify_equal_logs(ctx, g, ct.alpha, K, share, cp),
        floor_cp,
    )
    measure(
        "prove disjunctive (0 or 1)", lambda: prove_disjunctive(ctx, K, ct, 1, r, rng=rng), None
    )
    measure(
        "verify disjunctive (0 or 1)",
        lambda: verify_disjunctive(ctx, K, ct, disj),
        floor_range(disj.branches, bb),
    )
    measure("prove range [0, 4]", lambda: prove_range(ctx, K, ct3, 3, r, 0, 4, rng=rng), None)
    measure(
        "verify range [0, 4]",
        lambda: verify_range(ctx, K, ct3, 0, 4, rng4),
        floor_range(rng4.branches, ct3.beta.to_bytes()),
    )

    print(f"# {_cpu()}, Python {sys.version.split()[0]}, libsodium {_sodium.version()}")
    print(f"# best of {repeat} runs of {number} calls each")
    print(f"{'operation':42} {'us/op':>9} {'floor us':>9} {'ratio':>6}")
    for name, mine, floor in rows:
        floor_text = f"{floor:9.1f}" if floor is not None else f"{'':9}"
        ratio = f"{mine / floor:6.2f}" if floor is not None else ""
        print(f"{name:42} {mine:9.1f} {floor_text} {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
