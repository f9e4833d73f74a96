"""The operator's fork attack on one voter's secrecy, and what stops it (issue 11, item 1).

The operator keeps a copy of its board from just after a target voter's ballot, closes
voting on that copy (so a region's tally holds the target's ballot alone), serves it at
the board's URL, gets the witness that saw no further to co-sign it, and asks the
trustees to decrypt. Each party is its own process with its own folder, over real HTTP.
What stops it: the manifest's quorum of witnesses (the other witness has seen the real
board and refuses, with a proof of equivocation), a trustee's memory of the one board
state it decrypts, and the manifest's minimum of counted ballots per region.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from test_parties_over_http import block, free_port, run, serve, stop

from manifest_fixtures import voting_now
from referendum.board import EquivocationProof
from referendum.demo_manifest import TEMPLATE
from referendum.manifest import Manifest


def serve_at(board: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return serve(board, log, port)[0]


def _parties(root: Path, extra: str = "") -> tuple[list[Path], Path, list[Path], Path, str]:
    trustees = [root / f"trustee-{n}" for n in (1, 2, 3)]
    blocks = [
        block(run("trustee", "keygen", "--dir", str(d), "--name", f"Trustee {n}"))
        for n, d in enumerate(trustees, 1)
    ]
    registrar = root / "registrar"
    blocks.append(
        block(run("credentials", "keygen", "--dir", str(registrar), "--id", "cec", "--name", "C"))
    )
    witnesses = [root / f"witness-{n}" for n in (1, 2)]
    blocks += [
        block(run("witness", "keygen", "--dir", str(w), "--name", f"observer-{n}"))
        for n, w in enumerate(witnesses, 1)
    ]
    manifest = root / "manifest.toml"
    text = voting_now(
        TEMPLATE.replace(
            'at_least = 3, of = ["trustees"] }]', 'at_least = 2, of = ["trustees"] }]' + extra
        ).replace("codes_per_voter = 2", "codes_per_voter = 1")  # one registrar: a rehearsal
    )
    manifest.write_text(text + "\n" + "\n".join(blocks))
    board = root / "operator" / "board"
    out = run("init", str(manifest), "--election", str(board)).stdout
    fingerprint = re.search(r"fingerprint ([0-9a-f]{64})", out).group(1)
    return trustees, registrar, witnesses, board, fingerprint


def _codes(sheet: Path) -> list[str]:
    return [x.split(",")[2] for x in sheet.read_text().splitlines() if not x.startswith("#")]


def test_a_fork_shown_to_one_witness_is_not_decrypted_and_convicts_the_board(
    tmp_path: Path,
) -> None:
    trustees, registrar, witnesses, board, fp = _parties(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    at = ["--board", url, "--fingerprint", fp]
    log = tmp_path / "serve.log"
    server = serve_at(board, port, log)
    try:
        for step in ("commit", "shares", "check", "confirm"):
            for d in trustees:
                run("trustee", step, "--dir", str(d), *at)
        sheets = {}
        for region in ("donetsk", "luhansk", "kherson", "zaporizhzhia"):
            sheets[region] = registrar / f"{region}.txt"
            run("credentials", "issue", "--dir", str(registrar), *at, "--region", region,
                "--count", "3", "--out", str(sheets[region]))  # fmt: skip
        run("open", "--election", str(board))
        target = _codes(sheets["kherson"])[0]
        run("vote", *at, "--code", target, "--choice", "status=russia")
        # Witness 1 co-signs just after the target's ballot, and sees nothing later.
        run("witness", "cosign", "--dir", str(witnesses[0]), *at)
        fork = tmp_path / "operator" / "fork"
        shutil.copytree(board, fork)  # the operator keeps this copy
        for code in _codes(sheets["donetsk"]) + _codes(sheets["kherson"])[1:]:
            run("vote", *at, "--code", code, "--choice", "status=ukraine")
        run("witness", "cosign", "--dir", str(witnesses[1]), *at)
    finally:
        stop(server)

    # The fork: voting closed with the target's ballot alone in kherson, served at the
    # board's URL.
    run("tally", "close", "--early", "--election", str(fork))
    server = serve_at(fork, port, log)
    try:
        fooled = run("witness", "cosign", "--dir", str(witnesses[0]), *at)
        assert "co-signed the board at size" in fooled.stdout  # it saw nothing later
        refused = run("witness", "cosign", "--dir", str(witnesses[1]), *at, ok=False)
        assert refused.returncode == 1, refused.stderr
        assert "equivocat" in refused.stderr or "rewrote its history" in refused.stderr
        manifest = Manifest.from_json(json.loads((board / "manifest.json").read_text()))
        proof = witnesses[1] / "equivocation.json"
        assert proof.exists(), refused.stderr
        EquivocationProof.from_json(proof.read_text()).verify(manifest.board_key)
        decrypt = run("trustee", "decrypt", "--dir", str(trustees[0]), *at, ok=False)
        assert decrypt.returncode == 2
        assert (
            "co-signed by 1 of the 2 witnesses the manifest requires (observer-1)" in decrypt.stderr
        )
        assert not (trustees[0] / "decrypted.json").exists()
    finally:
        stop(server)

    # Back on the real board, the fooled witness now holds two histories the board signed.
    server = serve_at(board, port, log)
    try:
        caught = run("witness", "cosign", "--dir", str(witnesses[0]), *at, ok=False)
        assert caught.returncode == 1, caught.stderr
        evidence = witnesses[0] / "equivocation.json"
        assert evidence.exists(), caught.stderr
        EquivocationProof.from_json(evidence.read_text()).verify(manifest.board_key)
        # The trustee who synced the fork refuses the real board too: it names why.
        again = run("trustee", "decrypt", "--dir", str(trustees[0]), *at, ok=False)
        assert again.returncode == 1
        assert "equivocated" in again.stderr or "rewrote its history" in again.stderr
    finally:
        stop(server)


def test_a_trustee_decrypts_one_board_state_and_a_region_of_one_is_refused(
    tmp_path: Path,
) -> None:
    """Rehearsal folders (one machine): even with every witness fooled, a trustee who
    decrypted the fork refuses the real board's tally, naming the first; and with the
    manifest's min_counted, no trustee decrypts a region of a single ballot."""
    trustees, registrar, witnesses, board, _ = _parties(tmp_path, "\nmin_counted = 2")
    at = ["--election", str(board)]
    for step in ("commit", "shares", "check", "confirm"):
        for d in trustees:
            run("trustee", step, "--dir", str(d), *at)
    sheets = {}
    for region in ("donetsk", "luhansk", "kherson", "zaporizhzhia"):
        sheets[region] = registrar / f"{region}.txt"
        run("credentials", "issue", "--dir", str(registrar), *at, "--region", region,
            "--count", "3", "--out", str(sheets[region]))  # fmt: skip
    run("open", *at)
    codes = _codes(sheets["kherson"])
    run("vote", *at, "--code", codes[0], "--choice", "status=russia")
    run("vote", *at, "--code", codes[1], "--choice", "status=ukraine")
    fork = tmp_path / "operator" / "fork"
    shutil.copytree(board, fork)
    run("vote", *at, "--code", codes[2], "--choice", "status=ukraine")
    # Every witness is fooled: each co-signs the fork, then (its memory of it lost) the
    # real board; only the trustee's own memory is left to stop a second decryption.
    kept = {w: (w / "witness.json").read_bytes() for w in witnesses}
    for b in (fork, board):
        run("tally", "close", "--early", "--election", str(b))
        for w in witnesses:
            (w / "witness.json").write_bytes(kept[w])
            run("witness", "cosign", "--dir", str(w), "--election", str(b))
    first = run("trustee", "decrypt", "--dir", str(trustees[0]), "--election", str(fork))
    assert "decryption shares posted" in first.stdout
    second = run("trustee", "decrypt", "--dir", str(trustees[0]), *at, ok=False)
    assert second.returncode == 1
    assert "already decrypted another state of this board" in second.stderr

    # A real board where one region counted a single ballot.
    root = tmp_path / "small"
    root.mkdir()
    trustees, registrar, witnesses, board, _ = _parties(root, "\nmin_counted = 2")
    at = ["--election", str(board)]
    for step in ("commit", "shares", "check", "confirm"):
        for d in trustees:
            run("trustee", step, "--dir", str(d), *at)
    for region in ("donetsk", "luhansk", "kherson", "zaporizhzhia"):
        run("credentials", "issue", "--dir", str(registrar), *at, "--region", region,
            "--count", "3", "--out", str(registrar / f"{region}.txt"))  # fmt: skip
    run("open", *at)
    for code in _codes(registrar / "donetsk.txt")[:2]:
        run("vote", *at, "--code", code, "--choice", "status=ukraine")
    run("vote", *at, "--code", _codes(registrar / "luhansk.txt")[0], "--choice", "status=russia")
    run("tally", "close", "--early", *at)
    for w in witnesses:
        run("witness", "cosign", "--dir", str(w), *at)
    few = run("trustee", "decrypt", "--dir", str(trustees[0]), *at, ok=False)
    assert few.returncode == 2
    assert "luhansk (1) counted fewer than the 2 ballots the manifest requires" in few.stderr
