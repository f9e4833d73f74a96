"""`referendum demo` end to end: a whole referendum, verified, on both stores; bad input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from referendum.board import PostgresStore
from referendum.cli import main
from referendum.verifier import verify_record

CLI = [sys.executable, "-m", "referendum.cli"]
PG = "postgresql://postgres@127.0.0.1:5432/test"
ROW = re.compile(r"^(\w+) Oblast: ([\d,]+) of ([\d,]+) voters", re.M)


def _regions(output: str) -> dict[str, tuple[int, int]]:
    return {
        m[0]: (int(m[1].replace(",", "")), int(m[2].replace(",", ""))) for m in ROW.findall(output)
    }


def test_demo_runs_a_verified_referendum(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    record = tmp_path / "record"
    assert main(["demo", "--voters", "40", "--seed", "t1", "--record", str(record)]) == 0
    out = capsys.readouterr().out
    regions = _regions(out)
    assert set(regions) == {"Donetsk", "Luhansk", "Kherson", "Zaporizhzhia"}
    assert sum(eligible for _, eligible in regions.values()) == 40
    assert "The verified counts equal the simulated votes" in out
    assert "trustee 4 stayed away" in out
    report = verify_record(record, jobs=1, progress=False)
    assert report.results is not None and report.results.trustees == (2, 3, 4, 5, 6)
    assert report.results.quorums == ((2, 3, 4, 5), (5, 6))  # trustee 1 stayed away


def test_demo_is_reproducible_with_a_seed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    main(["demo", "--voters", "12", "--seed", "same", "--record", str(tmp_path / "a")])
    first = capsys.readouterr().out
    main(["demo", "--voters", "12", "--seed", "same", "--record", str(tmp_path / "b")])
    second = capsys.readouterr().out
    assert _regions(first) == _regions(second)
    fingerprint = re.compile(r"fingerprint ([0-9a-f]{64})")
    assert fingerprint.findall(first) == fingerprint.findall(second)
    a = (tmp_path / "a" / "board.jsonl").read_bytes()
    assert a == (tmp_path / "b" / "board.jsonl").read_bytes()


def test_demo_on_postgresql(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        main(
            [
                "demo",
                "--voters",
                "9",
                "--seed",
                "pg",
                "--store",
                PG,
                "--record",
                str(tmp_path / "r"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    name = re.search(r"board created: log (\S+) on", out).group(1)
    store = PostgresStore(PG)
    try:
        entries = len((tmp_path / "r" / "board.jsonl").read_text().splitlines())
        assert store.size(name) == entries
    finally:
        store.drop_log(name)
        store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--voters", "3"], "referendum demo: error: --voters must be at least 4 (one per oblast)"),
        (["--voters", "many"], "argument --voters: invalid int value: 'many'"),
        (["--jobs", "0"], "referendum demo: error: --jobs must be at least 1"),
        (["--store", "/tmp/x.db"], "--store takes a postgresql:// URL"),
        (["--store", "postgresql://nobody@127.0.0.1:1/none"], "cannot reach the store"),
    ],
)
def test_demo_refuses_bad_options(args: list[str], message: str) -> None:
    proc = subprocess.run([*CLI, "demo", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_demo_refuses_a_record_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    proc = subprocess.run(
        [*CLI, "demo", "--voters", "4", "--record", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "exists and is not empty" in proc.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"
