"""`referendum demo` end to end: real crypto, real board, both stores, bad input."""

import re
import subprocess
import sys

from referendum.board import PostgresStore
from referendum.cli import main

CLI = [sys.executable, "-m", "referendum.cli"]


def _table(output: str) -> dict[str, list[int]]:
    rows = re.findall(
        r"^  (Donetsk|Luhansk|Kherson|Zaporizhzhia)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)$", output, re.M
    )
    return {r[0]: [int(x.replace(",", "")) for x in r[1:]] for r in rows}


def test_demo_counts_every_ballot_on_sqlite(capsys, tmp_path):
    assert main(["demo", "--voters", "41", "--seed", "t1", "--store", str(tmp_path / "b.db")]) == 0
    out = capsys.readouterr().out
    table = _table(out)
    assert set(table) == {"Donetsk", "Luhansk", "Kherson", "Zaporizhzhia"}
    assert sum(row[2] for row in table.values()) == 41
    assert all(row[0] + row[1] == row[2] for row in table.values())
    assert "The decrypted counts equal the simulated votes" in out
    assert (tmp_path / "b.db").exists()


def test_demo_is_reproducible_with_a_seed(capsys, tmp_path):
    main(["demo", "--voters", "12", "--seed", "same", "--store", str(tmp_path / "a.db")])
    first = _table(capsys.readouterr().out)
    main(["demo", "--voters", "12", "--seed", "same", "--store", str(tmp_path / "b.db")])
    assert _table(capsys.readouterr().out) == first


def test_demo_on_postgresql(capsys):
    url = "postgresql://postgres@127.0.0.1:5432/test"
    assert main(["demo", "--voters", "9", "--seed", "pg", "--store", url]) == 0
    out = capsys.readouterr().out
    name = re.search(r"board: log (\S+) on", out).group(1)
    assert sum(row[2] for row in _table(out).values()) == 9
    store = PostgresStore(url)
    try:
        assert store.size(name) == 5 + 9  # five dealers' commitments, then the ballots
    finally:
        store.drop_log(name)
        store.close()


def test_demo_refuses_a_non_positive_voter_count():
    proc = subprocess.run([*CLI, "demo", "--voters", "0"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "referendum demo: --voters must be at least 1"


def test_demo_refuses_a_non_integer_voter_count():
    proc = subprocess.run([*CLI, "demo", "--voters", "many"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "invalid int value: 'many'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_demo_names_an_unusable_store(tmp_path):
    missing = tmp_path / "no" / "such" / "folder" / "board.db"
    proc = subprocess.run(
        [*CLI, "demo", "--voters", "3", "--store", str(missing)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("referendum demo: cannot open SQLite database")
    assert "Traceback" not in proc.stderr
