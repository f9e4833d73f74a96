"""The verifier is independent: verifying a record loads no server, store or database code."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from referendum.demo import run_demo

FORBIDDEN = (
    "referendum.board.log",
    "referendum.board.store",
    "referendum.board.sqlite",
    "referendum.board.postgres",
    "referendum.board.writer",
    "referendum.board._sql",
    "referendum.election",
    "referendum.commands",
    "referendum.demo",
    "sqlite3",
    "psycopg",
)

SCRIPT = """
import json, sys
from referendum.verifier import verify_record
report = verify_record(sys.argv[1], jobs=1, progress=False)
print(json.dumps({"ok": report.results is not None, "modules": sorted(sys.modules)}))
"""


def test_verifying_a_record_imports_no_server_or_store_code(tmp_path: Path) -> None:
    record = tmp_path / "record"
    assert run_demo(voters=4, seed="isolation", record=str(record), jobs=1, out=io.StringIO()) == 0
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(record)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["ok"] is True
    loaded = [m for m in result["modules"] if m.startswith(FORBIDDEN)]
    assert loaded == []
    assert "referendum.verifier.check" in result["modules"]  # the check ran in this process
