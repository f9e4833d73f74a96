"""The operator's board: what it accepts, what it refuses, and that reopening changes nothing."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import pytest

from referendum import demo
from referendum.ballot import BallotError, encrypt_ballot
from referendum.board import WITNESS_KEY, SigningKey
from referendum.ceremony import TrusteeKeys
from referendum.credentials import credential_key
from referendum.election import Election, ElectionError
from referendum.errors import VerificationError
from referendum.group import SeededRandom
from referendum.replay import BoardRuleError
from referendum.signing import Ed25519Key


@pytest.fixture(scope="module")
def voting(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    """A board in phase voting: ceremony done, 8 credentials, voting open."""
    folder = tmp_path_factory.mktemp("election") / "board"
    run = demo._Run(io.StringIO(), "election-tests")
    keys = [TrusteeKeys.generate(run.sub_rng(f"t{i}")) for i in range(len(demo.TRUSTEES))]
    registrars = [Ed25519Key.generate(run.sub_rng(f"r/{rid}")) for rid, _ in demo.REGISTRARS]
    witness = SigningKey.generate("observer-1", WITNESS_KEY, run.sub_rng("w"))
    text = demo._manifest_text(run, keys, registrars, [witness])
    with Election.create(folder, text, rng=run.sub_rng("board")) as election:
        demo.ceremony_on_a_clock(run, election, keys, [witness])
        election.clock = _in_period(election)
        people = demo._credentials(run, election, registrars, 8)
        election.open_voting()
    return folder, people


@pytest.fixture
def board(voting: tuple[Path, list[Any]], tmp_path: Path) -> tuple[Path, list[Any]]:
    import shutil

    shutil.copytree(voting[0], tmp_path / "board")
    return tmp_path / "board", voting[1]


def _in_period(election: Election, hours: float = 1) -> Any:
    """A clock that reads `hours` after the manifest's opening time."""
    import datetime as dt

    opens = dt.datetime.strptime(election.manifest.opens, "%Y-%m-%dT%H:%M:%SZ")
    moment = opens.replace(tzinfo=dt.UTC) + dt.timedelta(hours=hours)
    return lambda: moment


def _open(folder: Path, hours: float = 1) -> Election:
    election = Election.open(folder)
    election.clock = _in_period(election, hours)
    return election


def _ballot(election: Election, voter: Any, choice: int, seed: int) -> dict[str, Any]:
    m = election.manifest
    key = credential_key(m.fingerprint, voter.codes)
    vector = [1, 0] if choice == 0 else [0, 1]
    assert election.state.public_key is not None
    prepared = encrypt_ballot(
        m, election.state.public_key, voter.region, {"status": vector}, key, SeededRandom(seed)
    )
    return prepared.payload


def test_a_cast_after_reopening_is_checked_in_full(board: tuple[Path, list[Any]]) -> None:
    folder, people = board
    with _open(folder) as election:
        election.post("ballot", _ballot(election, people[0], 0, 1))
    with _open(folder) as election:  # replays the store without re-proving
        assert election.state.counts.ballots == 1
        size = election.log.size()
        bad = _ballot(election, people[1], 1, 2)
        bad["questions"][0]["selections"][0]["proof"][0]["c"] = "00" * 32
        with pytest.raises(BallotError):
            election.post("ballot", bad)
        assert election.log.size() == size
        assert election.state.size == size


def test_a_repeated_ballot_is_refused_after_reopening(board: tuple[Path, list[Any]]) -> None:
    folder, people = board
    with _open(folder) as election:
        payload = _ballot(election, people[2], 1, 3)
        election.post("ballot", payload)
    with (
        _open(folder) as election,
        pytest.raises(BoardRuleError, match="repeats the ballot of board entry"),
    ):
        election.post("ballot", copy.deepcopy(payload))


def test_a_refused_entry_in_a_batch_appends_nothing(board: tuple[Path, list[Any]]) -> None:
    folder, people = board
    with _open(folder) as election:
        size = election.log.size()
        good = _ballot(election, people[3], 0, 4)
        forged = _ballot(election, people[4], 0, 5)
        forged["credential"] = Ed25519Key(b"\x05" * 32).public.hex()
        with pytest.raises(VerificationError):
            election.post_many([("ballot", good, None), ("ballot", forged, None)])
        assert election.log.size() == size
        assert election.state.size == size
        election.post("ballot", good)  # the state was rolled back, so the good one still goes in
        assert election.state.counts.ballots == 1


def test_out_of_phase_entries_are_refused(board: tuple[Path, list[Any]]) -> None:
    folder, _ = board
    with _open(folder) as election:
        with pytest.raises(BoardRuleError, match="not accepted in phase 'voting'"):
            election.post("tally", {"region": "donetsk"})
        with pytest.raises(BoardRuleError, match="unknown entry kind"):
            election.post("ballots", {})
        with pytest.raises(BoardRuleError, match="says 3 ballots, the board has 0"):
            election.post("voting.close", {"ballots": 3, "spoiled": 0})


def test_a_folder_that_is_not_a_board(tmp_path: Path) -> None:
    with pytest.raises(ElectionError, match="not a referendum folder"):
        Election.open(tmp_path)
    (tmp_path / "x").write_text("")
    with pytest.raises(ElectionError, match="not empty"):
        Election.create(tmp_path, "")


def test_the_device_checks_the_receipt(board: tuple[Path, list[Any]]) -> None:
    from dataclasses import replace

    from referendum.receipt import ReceiptCheckError, check_receipt

    folder, people = board
    with _open(folder) as election:
        payload = _ballot(election, people[5], 1, 6)
        entry = election.post("ballot", payload)
        other = election.post("ballot", _ballot(election, people[6], 0, 7))
        receipt = election.receipt(entry, _hash(election, payload))
        m = election.manifest
    check_receipt(m, "ballot", payload, receipt)
    bad = {
        "index": replace(receipt, index=other.index),
        "proof": replace(receipt, inclusion_proof=receipt.inclusion_proof[::-1]),
        "kind": receipt,
        "signature": replace(receipt, checkpoint=_resized(receipt.checkpoint)),
        "hash": replace(receipt, tracking_hash=bytes(32)),
    }
    for what, wrong in bad.items():
        kind = "spoiled" if what == "kind" else "ballot"
        sent = {"ballot": payload, "reveal": []} if kind == "spoiled" else payload
        with pytest.raises(ReceiptCheckError):
            check_receipt(m, kind, sent, wrong)


def _resized(text: str) -> str:
    origin, size, rest = text.split("\n", 2)
    return f"{origin}\n{int(size) + 1}\n{rest}"


def _hash(election: Election, payload: dict[str, Any]) -> bytes:
    from referendum.ballot import tracking_hash

    return tracking_hash(election.manifest.fingerprint, payload)


def test_the_voting_period_is_enforced(board: tuple[Path, list[Any]]) -> None:
    folder, people = board
    with _open(folder, hours=-1) as election:  # an hour before opening
        size = election.log.size()
        with pytest.raises(ElectionError, match=r"voting opens at 2027-03-01T06:00:00Z"):
            election.post("ballot", _ballot(election, people[7], 0, 8))
        assert election.log.size() == size
    with (
        _open(folder, hours=24 * 14) as election,  # after closing
        pytest.raises(ElectionError, match=r"voting closed at 2027-03-14T18:00:00Z"),
    ):
        election.post("ballot", _ballot(election, people[7], 0, 8))
    with _open(folder) as election:  # during voting: closing needs early=True
        with pytest.raises(ElectionError, match=r"voting closes at .*--early"):
            election.close_voting()
        assert election.state.phase == "voting"
        election.close_voting(early=True)
        assert election.state.phase == "decrypting"


def test_a_trustee_opening_the_board_re_checks_what_the_operator_stored(
    board: tuple[Path, list[Any]],
) -> None:
    import json
    import sqlite3

    folder, people = board
    with _open(folder) as election:
        entry = election.post("ballot", _ballot(election, people[0], 0, 11))
        election.post("ballot", _ballot(election, people[1], 1, 12))
    # The operator (or whoever holds its disk) edits a stored ballot's proof.
    db = sqlite3.connect(folder / "board.sqlite")
    (raw,) = db.execute("SELECT payload FROM board_entry WHERE idx = ?", (entry.index,)).fetchone()
    payload = json.loads(raw)
    payload["questions"][0]["selections"][0]["proof"][0]["c"] = "00" * 32
    db.execute(
        "UPDATE board_entry SET payload = ? WHERE idx = ?",
        (json.dumps(payload, sort_keys=True, separators=(",", ":")).encode(), entry.index),
    )
    db.commit()
    db.close()
    with Election.open(folder) as election:  # the operator's own replay trusts its store
        assert election.state.counts.ballots == 2
    with pytest.raises(VerificationError, match=rf"board entry {entry.index} \(ballot\)"):
        Election.open(folder, check=True)  # a trustee's does not


@pytest.mark.parametrize(
    ("where", "in_memory"),
    [("snapshot", 100_000), ("roll", 100_000), ("added", 100_000), ("roll", 3), ("added", 3)],
)
def test_a_full_re_check_catches_a_derived_state_altered_in_the_store(
    board: tuple[Path, list[Any]], where: str, in_memory: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored state is a cache: a party that re-checks the board compares it with what
    the entries give, totals and keyed maps alike (docs/protocol.md 7.5.5)."""
    import json
    import sqlite3

    folder, people = board
    with _open(folder) as election:
        election.post("ballot", _ballot(election, people[0], 0, 21))
    db = sqlite3.connect(folder / "board.sqlite")
    if where == "snapshot":  # one ballot's count moved to another region's total
        (raw,) = db.execute("SELECT snapshot FROM board_state").fetchone()
        snapshot = json.loads(raw)
        region = next(r for r, v in snapshot["box"].items() if v["counted"])
        other = next(r for r in snapshot["box"] if r != region)
        snapshot["box"][region]["counted"] -= 1
        snapshot["box"][other]["counted"] += 1
        db.execute("UPDATE board_state SET snapshot = ?", (json.dumps(snapshot).encode(),))
    elif where == "added":  # a credential the entries never registered
        db.execute(
            "INSERT INTO board_index (log_id, space, key, value) SELECT log_id, 1,"
            " CAST(x'ff' || substr(key, 2) AS BLOB), value FROM board_index WHERE space = 1 LIMIT 1"
        )
    else:  # a registered credential moved to another region
        db.execute(
            "UPDATE board_index SET value = CASE WHEN value = x'0000' THEN x'0001'"
            " ELSE x'0000' END WHERE space = 1 AND key = (SELECT min(key) FROM board_index"
            " WHERE space = 1)"
        )
    db.commit()
    db.close()
    # in_memory 3: the re-check's rows move to a temporary file at once (SpillIndex).
    monkeypatch.setattr("referendum.election._CHECK_IN_MEMORY", in_memory)
    with Election.open(folder) as election:  # the operator's own open reads its state
        assert election.state.counts.ballots == 1
    with pytest.raises(VerificationError, match="the store was altered"):
        Election.open(folder, check=True)
