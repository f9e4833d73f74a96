"""The verifier on a Dask cluster and with its state on disk: the same report, the same
first failure, as the local pool with its state in memory (docs/protocol.md 15.2).

One small demo record (with re-votes and challenges); one real distributed.LocalCluster of
two worker processes for the module (the verifier is given its scheduler's address, as
`referendum verify --scheduler` does); the CLI test starts its own (--local-cluster).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")

from referendum import demo  # noqa: E402
from referendum.canonical import canonical_json  # noqa: E402
from referendum.cli import main  # noqa: E402
from referendum.errors import VerificationError  # noqa: E402
from referendum.verifier import check, verify_record  # noqa: E402

Lines = list[dict[str, Any]]


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cluster") / "record"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "CHALLENGE", 0.25)
        mp.setattr(demo, "REVOTE", 0.25)
        status = demo.run_demo(voters=24, seed="cluster", record=str(folder), jobs=1)
    assert status == 0
    return folder


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _read(folder: Path) -> Lines:
    return [json.loads(x) for x in (folder / "board.jsonl").read_text().splitlines()]


def _write(folder: Path, lines: Lines) -> None:
    text = "".join(canonical_json(x).decode() + "\n" for x in lines)
    (folder / "board.jsonl").write_text(text)


def _forge_signature(line: dict[str, Any]) -> None:
    """Breaks a ballot's signature: a check only the workers run (verify_ballot)."""
    payload = line["payload"]
    sig = payload["signature"]
    payload["signature"] = sig[:-1] + ("0" if sig[-1] != "0" else "1")


def _failure(folder: Path, **options: Any) -> str:
    with pytest.raises(VerificationError) as info:
        verify_record(folder, progress=False, **options)
    return str(info.value)


def test_the_cluster_gives_the_local_pools_report(record: Path, scheduler: str) -> None:
    local = verify_record(record, jobs=2, progress=False).to_json()
    assert local["counts"]["ballot"] > 0 and local["counts"]["spoiled"] > 0
    with distributed.Client(scheduler) as client, distributed.get_task_stream(client) as ts:
        remote = verify_record(record, scheduler=scheduler, progress=False).to_json()
    assert remote == local
    # The ballots were checked on the cluster's workers, not in this process.
    assert any(t["key"].startswith("check_packed_in_context") for t in ts.data)
    assert local["results"] is not None


def test_a_tampered_ballot_fails_the_same_way_on_the_cluster(
    record: Path, scheduler: str, tmp_path: Path
) -> None:
    copy = tmp_path / "record"
    shutil.copytree(record, copy)
    lines = _read(copy)
    votes = [i for i, x in enumerate(lines) if x["kind"] == "ballot"]
    # Two broken ballots: the first in file order is the one reported, whichever batch
    # a worker finishes first.
    for at in (votes[3], votes[-2]):
        _forge_signature(lines[at])
    _write(copy, lines)
    message = _failure(copy, jobs=1)
    at = votes[3]
    assert message.startswith(f"board.jsonl line {at + 1}: board entry {at} ("), message
    assert "signature" in message
    assert _failure(copy, jobs=2) == message
    assert _failure(copy, scheduler=scheduler) == message


def test_the_state_on_disk_gives_the_same_verdict(
    record: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = verify_record(record, jobs=1, progress=False, state="memory").to_json()
    disk = verify_record(record, jobs=1, progress=False, state="disk", state_dir=tmp_path)
    assert disk.to_json() == memory
    # In the default mode the state moves to disk once it passes the limit (here, at
    # once: a few dozen rows), with the same verdict; the file is removed at the end.
    monkeypatch.setattr(check, "STATE_IN_MEMORY", 10)
    spilled = verify_record(record, jobs=1, progress=False, state_dir=tmp_path)
    assert spilled.to_json() == memory
    assert list(tmp_path.iterdir()) == []


def test_a_repeated_ballot_is_found_in_the_state_on_disk(
    record: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "record"
    shutil.copytree(record, copy)
    lines = _read(copy)
    ballots = [i for i, x in enumerate(lines) if x["kind"] == "ballot"]
    at = ballots[-1]
    lines[at]["payload"] = lines[ballots[0]]["payload"]  # a replayed ballot, still signed
    _write(copy, lines)
    message = _failure(copy, jobs=1, state="memory")
    assert f"repeats the ballot of board entry {ballots[0]}" in message
    assert _failure(copy, jobs=1, state="disk", state_dir=tmp_path) == message
    monkeypatch.setattr(check, "STATE_IN_MEMORY", 10)
    assert _failure(copy, jobs=1) == message


def test_challenged_ballots_past_the_limit_are_counted_not_listed(
    record: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = verify_record(record, jobs=1, progress=False)
    assert len(full.spoiled) == full.counts["spoiled"] >= 2
    assert "spoiled_omitted" not in full.to_json()
    monkeypatch.setattr(check, "SPOILED_SHOWN", 1)
    short = verify_record(record, jobs=1, progress=False)
    assert short.spoiled == full.spoiled[:1]
    assert short.to_json()["spoiled_omitted"] == full.counts["spoiled"] - 1


def test_the_cli_on_a_local_cluster_prints_what_the_pool_prints(
    record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(record), "--jobs", "2", "--json"]) == 0
    pool = capsys.readouterr().out
    assert main(["verify", str(record), "--local-cluster", "2", "--json"]) == 0
    assert capsys.readouterr().out == pool
    assert main(["verify", str(record), "--no-progress", "--state", "disk"]) == 0
    text = capsys.readouterr().out
    assert main(["verify", str(record), "--no-progress", "--local-cluster", "2"]) == 0
    assert capsys.readouterr().out == text


def test_the_cli_refuses_a_cluster_with_jobs(
    record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(record), "--jobs", "2", "--local-cluster", "2"]) == 2
    assert "--jobs" in capsys.readouterr().err
