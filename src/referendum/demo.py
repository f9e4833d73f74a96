"""`referendum demo`: the parts built so far, run together on real data.

Five trustees generate a joint key (each deals a Shamir polynomial with Feldman
commitments and Schnorr proofs); simulated voters in the four regions encrypt a yes/no
choice with a disjunctive proof per option and a range proof on the sum; every ballot
goes on the bulletin board (SQLite by default); witnesses co-sign the checkpoint; every
ballot is read back and its proofs verified; the tally is summed homomorphically per
region and decrypted by four of the five trustees, each share checked by its
Chaum-Pedersen proof; the decrypted counts are compared with the simulated votes.

The ballot layout used here is a stand-in: the ballot format, credentials, signatures,
re-voting, Benaloh challenges and the election record come with the end-to-end
referendum (docs/protocol.md Part III, to be written).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .board import (
    BOARD_KEY,
    WITNESS_KEY,
    Log,
    LogStore,
    PostgresStore,
    SigningKey,
    SqliteStore,
    StoreUnavailableError,
    Witness,
    verify_checkpoint,
    verify_entry_inclusion,
)
from .elgamal import (
    Ciphertext,
    combine_partial_decryptions,
    discrete_log,
    encrypt,
    partial_decrypt,
    sum_ciphertexts,
)
from .group import RISTRETTO255 as G
from .group import Element, RandomSource, Scalar, SeededRandom, element_from_hex, system_random
from .proofs import (
    ChallengeResponse,
    ProofContext,
    RangeProof,
    prove_disjunctive,
    prove_equal_logs,
    prove_range,
    prove_schnorr,
    verify_disjunctive,
    verify_equal_logs,
    verify_range,
    verify_schnorr,
)
from .sharing import Polynomial, joint_public_key, joint_public_share, share_for, verify_share

__all__ = ["run_demo"]

REGIONS = ("Donetsk", "Luhansk", "Kherson", "Zaporizhzhia")
OPTIONS = ("Ukraine", "Russia")
TRUSTEES = (
    "Ukrainian parliament delegate",
    "Russian government delegate",
    "OSCE observer",
    "UN observer",
    "Council of Europe observer",
)
QUORUM = 3
ABSENT = 4  # the trustee who does not come to the count
_BATCH = 500


@dataclass(frozen=True)
class _Trustee:
    index: int
    name: str
    share: Scalar  # s_i = sum_d f_d(i): never leaves this trustee in a real referendum


def _canonical(doc: object) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


class _Progress:
    """A one-line progress bar on stderr (redrawn on a terminal, printed once elsewhere)."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self._tty = sys.stderr.isatty()
        self._start = self._last = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self._tty and (now - self._last > 0.1 or self.done == self.total):
            self._last = now
            filled = int(30 * self.done / max(self.total, 1))
            bar = "#" * filled + "." * (30 - filled)
            sys.stderr.write(f"\r  {self.label:10} [{bar}] {self.done:,}/{self.total:,}")
            sys.stderr.flush()

    def finish(self) -> float:
        elapsed = time.monotonic() - self._start
        if self._tty:
            sys.stderr.write("\n")
        return elapsed


def _key_generation(
    log: Log, ctx: ProofContext, rng: RandomSource
) -> tuple[Element, list[_Trustee], dict[int, Element]]:
    """Each trustee deals a polynomial; everyone checks every share and proof."""
    degree = QUORUM - 1
    polynomials = {
        d: Polynomial.random(G, G.random_scalar(rng), degree, rng)
        for d in range(1, len(TRUSTEES) + 1)
    }
    commitment_lists: list[tuple[Element, ...]] = []
    for d, poly in polynomials.items():
        commitments = poly.commitments(G)
        proofs = [
            prove_schnorr(ctx, a_j, bound_to=("dealer", d, j), rng=rng)
            for j, a_j in enumerate(poly.coefficients)
        ]
        log.append(
            "ceremony.commitments",
            _canonical(
                {
                    "dealer": d,
                    "commitments": [c.to_bytes().hex() for c in commitments],
                    "proofs": [p.to_json() for p in proofs],
                }
            ),
        )
    # Everyone reads the commitments back from the board and checks them.
    for entry in log.entries():
        doc = json.loads(entry.payload)
        d = doc["dealer"]
        commitments = tuple(
            element_from_hex(G, c, f"dealer {d} commitment") for c in doc["commitments"]
        )
        for j, (c_j, proof) in enumerate(zip(commitments, doc["proofs"], strict=True)):
            verify_schnorr(
                ctx, c_j, ChallengeResponse.from_json(G, proof), bound_to=("dealer", d, j)
            )
        commitment_lists.append(commitments)
    trustees = []
    for i, name in enumerate(TRUSTEES, start=1):
        received = {d: share_for(poly, i) for d, poly in polynomials.items()}
        for d, share in received.items():
            verify_share(G, i, share, commitment_lists[d - 1], dealer=d)
        total = sum(received.values(), start=G.scalar_from_int(0))
        trustees.append(_Trustee(i, name, total))
    public_shares = {t.index: joint_public_share(G, t.index, commitment_lists) for t in trustees}
    return joint_public_key(G, commitment_lists), trustees, public_shares


def _ballot(
    ctx: ProofContext, key: Element, region: str, voter: int, choice: int, rng: RandomSource
) -> bytes:
    """A ballot: one encrypted 0/1 per option, a 0-or-1 proof each, a proof they sum to 1."""
    nonces = [G.random_scalar(rng) for _ in OPTIONS]
    selections = [encrypt(G, key, int(k == choice), r) for k, r in enumerate(nonces)]
    proofs = [
        prove_disjunctive(ctx, key, ct, int(k == choice), r, bound_to=(region, voter, k), rng=rng)
        for k, (ct, r) in enumerate(zip(selections, nonces, strict=True))
    ]
    total_nonce = sum(nonces[1:], start=nonces[0])
    total = sum_ciphertexts(G, selections)
    sum_proof = prove_range(
        ctx, key, total, 1, total_nonce, 1, 1, bound_to=(region, voter), rng=rng
    )
    return _canonical(
        {
            "region": region,
            "voter": voter,
            "selections": [ct.to_json() for ct in selections],
            "proofs": [p.to_json() for p in proofs],
            "sum_proof": sum_proof.to_json(),
        }
    )


def _check_ballot(ctx: ProofContext, key: Element, payload: bytes) -> tuple[str, list[Ciphertext]]:
    doc = json.loads(payload)
    region, voter = doc["region"], doc["voter"]
    selections = [Ciphertext.from_json(G, ct) for ct in doc["selections"]]
    for k, (ct, proof) in enumerate(zip(selections, doc["proofs"], strict=True)):
        bound = (region, voter, k)
        verify_disjunctive(ctx, key, ct, RangeProof.from_json(G, proof), bound_to=bound)
    total = sum_ciphertexts(G, selections)
    proof = RangeProof.from_json(G, doc["sum_proof"])
    verify_range(ctx, key, total, 1, 1, proof, bound_to=(region, voter))
    return region, selections


def _open_store(store_url: str | None, folder: Path) -> tuple[LogStore, str]:
    if store_url and store_url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(store_url), store_url
    path = Path(store_url) if store_url else folder / "board.sqlite3"
    return SqliteStore(path), f"SQLite at {path}"


def _voters(count: int) -> Iterator[tuple[str, int]]:
    for voter in range(count):
        yield REGIONS[voter % len(REGIONS)], voter


def run_demo(voters: int = 10_000, seed: str | None = None, store_url: str | None = None) -> int:
    """Runs the demo and gives back the exit status (0 when the count is confirmed)."""
    if voters < 1:
        print("referendum demo: --voters must be at least 1", file=sys.stderr)
        return 2
    rng: RandomSource = SeededRandom(seed) if seed is not None else system_random
    folder = Path(tempfile.mkdtemp(prefix="referendum-demo-"))
    try:
        store, where = _open_store(store_url, folder)
    except StoreUnavailableError as exc:
        print(f"referendum demo: {exc}", file=sys.stderr)
        return 2
    run_id = os.urandom(4).hex() if seed is None else SeededRandom(f"run|{seed}")(4).hex()
    log = Log(store, f"demo-{run_id}")
    ctx = ProofContext(G, SeededRandom(f"fingerprint|{run_id}")(32))
    print("referendum demo: the cryptographic core and the bulletin board on real data")
    print(f"  board: log {log.name} on {where}")

    started = time.monotonic()
    key, trustees, public_shares = _key_generation(log, ctx, rng)
    print(
        f"1. key generation: {len(TRUSTEES)} trustees, quorum {QUORUM}; "
        f"{len(TRUSTEES) ** 2} shares checked against Feldman commitments, "
        f"{len(TRUSTEES) * QUORUM} Schnorr proofs checked"
    )
    print(f"   joint public key {key.to_bytes().hex()}")

    choices: dict[str, list[int]] = {r: [0] * len(OPTIONS) for r in REGIONS}
    bar = _Progress("casting", voters)
    batch: list[tuple[str, bytes]] = []
    for region, voter in _voters(voters):
        choice = rng(1)[0] % len(OPTIONS)
        choices[region][choice] += 1
        batch.append(("ballot", _ballot(ctx, key, region, voter, choice, rng)))
        if len(batch) == _BATCH:
            log.append_many(batch)
            bar.advance(len(batch))
            batch = []
    if batch:
        log.append_many(batch)
        bar.advance(len(batch))
    seconds = bar.finish()
    print(f"2. casting: {voters:,} ballots encrypted, proved and appended in {seconds:.1f} s")

    board_key = SigningKey.generate("board.demo", BOARD_KEY, rng)
    signed = log.sign(board_key)
    for name in ("witness.osce", "witness.un"):
        witness = Witness(SigningKey.generate(name, WITNESS_KEY, rng), board_key.verifier())
        signed = witness.cosign(signed)
    checkpoint = verify_checkpoint(signed, board_key.verifier())
    sample = log.entry(log.size() // 2)
    verify_entry_inclusion(sample, log.inclusion_proof(sample.index, checkpoint.size), checkpoint)
    print(
        f"3. board: checkpoint of {checkpoint.size:,} entries signed and co-signed by 2 "
        f"witnesses; inclusion of entry {sample.index:,} verified"
    )

    sums: dict[str, list[list[Ciphertext]]] = {r: [[] for _ in OPTIONS] for r in REGIONS}
    bar = _Progress("verifying", voters)
    for entry in log.entries(0, checkpoint.size):
        if entry.kind != "ballot":
            continue
        region, selections = _check_ballot(ctx, key, entry.payload)
        for k, ct in enumerate(selections):
            sums[region][k].append(ct)
        bar.advance()
    seconds = bar.finish()
    print(
        f"4. verification: every ballot read back from the board, "
        f"all proofs valid ({seconds:.1f} s)"
    )

    present = [t for t in trustees if t.index != ABSENT]
    absent_name = TRUSTEES[ABSENT - 1]
    results: dict[str, list[int]] = {}
    for region in REGIONS:
        counted = len(sums[region][0])
        results[region] = []
        for k in range(len(OPTIONS)):
            total = sum_ciphertexts(G, sums[region][k])
            shares: dict[int, Element] = {}
            for t in present:
                share = partial_decrypt(total, t.share)
                bound = (region, k, t.index)
                proof = prove_equal_logs(
                    ctx, G.generator, total.alpha, t.share, bound_to=bound, rng=rng
                )
                verify_equal_logs(
                    ctx,
                    G.generator,
                    total.alpha,
                    public_shares[t.index],
                    share,
                    proof,
                    bound_to=bound,
                )
                shares[t.index] = share
            results[region].append(
                discrete_log(G, combine_partial_decryptions(G, total, shares), counted)
            )
    print(
        f"5. tally: {len(present)} of {len(TRUSTEES)} trustees decrypted ({absent_name} absent); "
        f"{len(present) * len(REGIONS) * len(OPTIONS)} decryption shares checked"
    )

    print()
    print(f"  {'region':14}" + "".join(f"{o:>10}" for o in OPTIONS) + f"{'ballots':>10}")
    for region in REGIONS:
        row = results[region]
        print(f"  {region:14}" + "".join(f"{n:>10,}" for n in row) + f"{sum(row):>10,}")
    print()
    store.close()
    elapsed = time.monotonic() - started
    if results != choices:
        print(
            "referendum demo: the decrypted counts differ from the simulated votes", file=sys.stderr
        )
        return 1
    print(
        f"The decrypted counts equal the simulated votes ({elapsed:.1f} s in all). "
        "Votes are random, simulated; they say nothing about any real opinion."
    )
    return 0
