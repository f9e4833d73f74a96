"""The benchmark scripts still run (a smoke run on small sizes; no timing is asserted)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_crypto_benchmark_prints_every_operation_with_its_ratio():
    out = _run("benchmarks/crypto.py", "--quick")
    for operation in (
        "encrypt (m = 1)",
        "verify schnorr",
        "verify chaum-pedersen",
        "verify disjunctive (0 or 1)",
        "verify range [0, 4]",
    ):
        line = next(line for line in out.splitlines() if line.startswith(operation))
        assert len(line.split()) >= 3, line


def test_board_benchmark_runs_on_both_stores():
    out = _run(
        "benchmarks/board.py",
        "--sizes",
        "100,1000",
        "--proofs",
        "20",
        "--appends",
        "50",
        "--threads",
        "4",
    )
    assert "[sqlite] durable appends" in out
    assert "[postgres] durable appends" in out


def test_referendum_benchmark_prints_every_part_on_both_stores():
    out = _run("benchmarks/whole_referendum.py", "--quick")
    for heading in (
        "[ballot] one core",
        "[sqlite] casting",
        "[postgresql] casting",
        "[verifier] verify_record",
        "[verifier] where jobs=1 time goes",
    ):
        assert heading in out, heading
    assert out.count("ratio pool of 2 / jobs=1:") == 2
    for part in ("ballot checks", "board rules", "canonical re-encoding", "Merkle leaf hashes"):
        line = next(line for line in out.splitlines() if line.strip().startswith(part))
        assert line.rstrip().endswith("%"), line


def test_browser_benchmark_times_the_booth_in_chromium_beside_python():
    out = _run("benchmarks/browser_booth.py", "--ballots", "2", "--repeats", "1")
    line = next(line for line in out.splitlines() if line.startswith("encrypt and prove (best"))
    chromium_ms, python_ms, ratio = (float(x) for x in line.split()[-3:])
    assert chromium_ms > 0 and python_ms > 0 and ratio > 0
    assert "goal: encrypt and prove <= 50 ms:" in out


def test_casting_benchmark_compares_worker_counts_over_http():
    out = _run("benchmarks/casting_service.py", "--voters", "6", "--clients", "2")
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["1", "2"]
    assert all(float(value) > 0 for row in rows for value in row[1:])
    assert "ratio workers=2 / workers=1:" in out


def test_replica_benchmark_compares_a_small_and_a_large_board():
    out = _run(
        "benchmarks/replica.py",
        "--entries", "1500", "--small", "300", "--voters", "1000", "--tail", "50", "--repeat", "1",
    )  # fmt: skip
    assert "[build] large: 1,500 entries" in out
    assert "ratio" in out


def test_million_benchmark_runs_every_stage_on_a_small_board(tmp_path):
    figures = tmp_path / "figures.json"
    out = _run(
        "benchmarks/million.py",
        "--ballots", "300", "--cast-sample", "50", "--clients", "4",
        "--dir", str(tmp_path / "board"), "--json", str(figures),
    )  # fmt: skip
    for stage in ("[build]", "[serve]", "[command]", "[cast]", "[sync]", "[count]", "[verify]"):
        assert stage in out, stage
    assert "results equal the votes made" in out
    assert "| stage | figure | value | per ballot | at 5,000,000 ballots | grows |" in out
    report = json.loads(figures.read_text())
    assert report["ballots"] == 350  # 300 built, 50 cast over HTTP
    assert {f["stage"] for f in report["figures"]} >= {"build", "cast", "verify"}
    # The board is kept and reused: a measurement stage runs again without a build.
    again = _run("benchmarks/million.py", "--ballots", "300", "--dir", str(tmp_path / "board"),
                 "--stages", "build,command")  # fmt: skip
    assert "reusing the complete board" in again


def test_policy_benchmark_compares_the_plain_and_the_group_policy():
    out = _run("benchmarks/policy_cost.py", "--rounds", "1")
    rows = {line.split("  ")[0]: line.split() for line in out.splitlines()}
    for name in ("ceremony s", "decrypt: board check ms/trustee", "decryption KB/neutral"):
        row = rows[name]
        assert float(row[-1]) > 0, row  # the ratio, groups over plain
    # The neutral trustees decrypt for both clauses: their messages are larger.
    assert float(rows["decryption KB/neutral"][-1]) > 1.2
