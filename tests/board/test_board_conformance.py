"""The store conformance suite: every test runs on SQLite and on PostgreSQL.

docs/protocol.md, section 7.5. Uses the spec/store fixtures of conftest.py (a fresh
SQLite file or a fresh PostgreSQL schema per test).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import uuid
from collections import Counter

import pytest
from board_stores import StoreSpec, child_command

from referendum.board import (
    BOARD_KEY,
    BoardVerificationError,
    EncodingError,
    Entry,
    GroupCommitWriter,
    Log,
    LogNotFoundError,
    LogStore,
    PostgresStore,
    RootMismatchError,
    SigningKey,
    StoreCorruptionError,
    StoreUnavailableError,
    verify_checkpoint,
    verify_consistency,
    verify_entry_inclusion,
)
from referendum.board.merkle import CompactRange, leaf_hash
from referendum.board.store import PAGE_SIZE

BOARD = SigningKey("board", BOARD_KEY, bytes(32))


def _name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def _items(n: int, tag: str = "p") -> list[tuple[str, bytes]]:
    return [("test.entry", f"{tag}{i}".encode()) for i in range(n)]


def test_append_and_read(store: LogStore) -> None:
    log = Log(store, _name())
    assert log.size() == 0
    e = log.append("ballot", b'{"x":1}')
    assert e == Entry(log.name, 0, "ballot", b'{"x":1}')
    batch = log.append_many(_items(PAGE_SIZE + 5))
    assert [x.index for x in batch] == list(range(1, PAGE_SIZE + 6))
    assert log.size() == PAGE_SIZE + 6
    assert list(log.entries()) == [e, *batch]
    assert list(log.entries(3, 7)) == batch[2:6]
    assert log.entry(PAGE_SIZE) == batch[PAGE_SIZE - 1]
    with pytest.raises(ValueError):
        log.entry(PAGE_SIZE + 6)
    assert log.append_many([]) == []


def test_roots_and_proofs_match_an_in_memory_tree(store: LogStore) -> None:
    log = Log(store, _name())
    tree = CompactRange()
    roots = [tree.root()]
    for chunk in (1, 2, 5, 1, 13, 40, 7):
        for e in log.append_many(_items(chunk, f"c{chunk}-")):
            tree.append(e.leaf_hash())
            roots.append(tree.root())
    n = log.size()
    for size in range(n + 1):
        assert log.root(size) == roots[size]
    cp = verify_checkpoint(log.sign(BOARD).to_text(), BOARD.verifier())
    assert (cp.size, cp.root) == (n, roots[n])
    for e in log.entries():
        verify_entry_inclusion(e, log.inclusion_proof(e.index), cp)
    for m in range(1, n + 1):
        verify_consistency(m, n, roots[m], roots[n], log.consistency_proof(m))
    assert log.audit() == cp


def test_logs_are_isolated(store: LogStore) -> None:
    a, b = Log(store, _name()), Log(store, _name())
    a.append_many(_items(5, "a"))
    b.append_many(_items(3, "b"))
    assert (a.size(), b.size()) == (5, 3)
    assert [e.payload for e in b.entries()] == [b"b0", b"b1", b"b2"]
    assert a.root() != b.root()
    a.audit()
    b.audit()
    store.drop_log(a.name)
    with pytest.raises(LogNotFoundError):
        Log(store, a.name, create=False)
    assert b.size() == 3


def test_unknown_log_and_bad_input(store: LogStore) -> None:
    with pytest.raises(LogNotFoundError):
        store.size("no-such-log")
    with pytest.raises(LogNotFoundError):
        store.append_many("no-such-log", _items(1))
    log = Log(store, _name())
    log.append("ok", b"1")
    with pytest.raises(EncodingError):
        log.append_many([("ok", b"2"), ("Bad Kind", b"3")])
    assert log.size() == 1  # the whole batch was rolled back
    log.append("ok", b"2")
    log.audit()


def test_reopen_after_close(spec: StoreSpec) -> None:
    name = _name()
    s = spec.open()
    log = Log(s, name)
    log.append_many(_items(37))
    before = log.sign(BOARD)
    s.close()
    s = spec.open()
    try:
        log = Log(s, name, create=False)
        assert log.checkpoint() == before.checkpoint
        log.append("after", b"reopen")
        verify_consistency(37, 38, before.checkpoint.root, log.root(), log.consistency_proof(37))
        assert log.audit().size == 38
    finally:
        s.close()


def test_group_commit_writer(store: LogStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    name = _name()
    with GroupCommitWriter(store, name, max_batch=50) as writer:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda i: writer.append("w", b"%d" % i), range(400)))
        with pytest.raises(EncodingError):
            writer.submit("Bad Kind", b"")
    assert sorted(e.index for e in got) == list(range(400))
    log = Log(store, name)
    stored = {e.index: e for e in log.entries()}
    assert all(stored[e.index] == e for e in got)
    log.audit()
    with pytest.raises(RuntimeError):
        writer.submit("w", b"late")


def test_concurrent_appender_processes(spec: StoreSpec) -> None:
    name = _name()
    with _opened(spec) as s:
        Log(s, name)
    procs = [
        subprocess.Popen(child_command(spec, name, mode, "60"), stdout=subprocess.PIPE, text=True)
        for mode in ("single", "batch", "single", "batch")
    ]
    acks: list[tuple[int, str]] = []
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        acks += [(int(i), payload) for i, payload in (line.split() for line in out.splitlines())]
    assert len(acks) == 240
    assert sorted(i for i, _ in acks) == list(range(240))  # gapless, no duplicates
    with _opened(spec) as s:
        log = Log(s, name, create=False)
        stored = {e.index: e.payload.decode() for e in log.entries()}
        assert stored == dict(acks)
        assert Counter(stored.values()).most_common(1)[0][1] == 1
        log.audit()


def _run_and_kill(spec: StoreSpec, name: str, wanted: int) -> dict[int, str]:
    """Starts an appender, SIGKILLs it after wanted acknowledgements; gives back all acks."""
    proc = subprocess.Popen(
        child_command(spec, name, "batch", "0"), stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    acks: dict[int, str] = {}
    while len(acks) < wanted:
        line = proc.stdout.readline()
        assert line, "the writer process died early"
        i, payload = line.split()
        acks[int(i)] = payload
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    for line in rest.splitlines():  # acknowledged before the kill, read after it
        i, payload = line.split()
        acks[int(i)] = payload
    assert proc.returncode == -signal.SIGKILL
    return acks


def test_sigkill_during_appends(spec: StoreSpec) -> None:
    name = _name()
    with _opened(spec) as s:
        Log(s, name)
    acks: dict[int, str] = {}
    for wanted in (150, 40, 300):  # three kills, at different points of the log
        acks |= _run_and_kill(spec, name, wanted)
        with _opened(spec) as s:
            log = Log(s, name, create=False)
            cp = log.audit()  # consistent: every stored node matches the entries
            # A COMMIT the killed client had already sent may still land on the server
            # after we looked (PostgreSQL finishes it without the client), so an entry
            # can appear late and the acknowledged indexes can have a gap. What must hold:
            # every acknowledged entry survived, and the log itself has no gap.
            assert cp.size >= max(acks) + 1
            stored = {e.index: e.payload.decode() for e in log.entries()}
            assert len(stored) >= cp.size
            assert sorted(stored) == list(range(len(stored)))
            assert all(stored[i] == p for i, p in acks.items())
            acks |= stored
    with _opened(spec) as s:
        log = Log(s, name, create=False)
        log.append("after", b"kill")
        verify_consistency(
            cp.size, cp.size + 1, cp.root, log.root(), log.consistency_proof(cp.size)
        )
        log.audit()


_WHERE_LOG = "log_id = (SELECT id FROM board_log WHERE name = ?)"


@pytest.mark.parametrize(
    ("statements", "changed"),
    [
        ([f"UPDATE board_entry SET payload = ? WHERE idx = 11 AND {_WHERE_LOG}"], [11]),
        ([f"UPDATE board_entry SET kind = 'other' WHERE idx = 11 AND {_WHERE_LOG}"], [11]),
        (  # reorder: entries 3 and 4 trade places
            [
                f"UPDATE board_entry SET idx = -1 WHERE idx = 3 AND {_WHERE_LOG}",
                f"UPDATE board_entry SET idx = 3 WHERE idx = 4 AND {_WHERE_LOG}",
                f"UPDATE board_entry SET idx = 4 WHERE idx = -1 AND {_WHERE_LOG}",
            ],
            [3, 4],
        ),
    ],
    ids=["payload", "kind", "reorder"],
)
def test_tampered_entry_fails_against_signed_checkpoint(
    spec: StoreSpec, statements: list[str], changed: list[int]
) -> None:
    name = _name()
    with _opened(spec) as s:
        log = Log(s, name)
        log.append_many(_items(20))
        signed = log.sign(BOARD).to_text()
    for statement in statements:
        params = (b"forged", name) if "payload = ?" in statement else (name,)
        spec.raw_execute(statement, params)
    with _opened(spec) as s:
        log = Log(s, name, create=False)
        cp = verify_checkpoint(signed, BOARD.verifier())
        for i in range(cp.size):
            entry, proof = log.entry(i), log.inclusion_proof(i, cp.size)
            if i in changed:
                with pytest.raises(RootMismatchError):
                    verify_entry_inclusion(entry, proof, cp)
            else:
                verify_entry_inclusion(entry, proof, cp)
        with pytest.raises(StoreCorruptionError):
            log.audit()


@pytest.mark.parametrize(
    ("level", "idx", "leaf"),
    [
        (2, 1, 0),  # an inner node on leaf 0's path
        (0, 0, 1),  # a stored leaf hash, the sibling of leaf 1
        (4, 0, 17),  # the root's left half, on leaf 17's path
    ],
)
def test_tampered_node_fails_against_signed_checkpoint(
    spec: StoreSpec, level: int, idx: int, leaf: int
) -> None:
    name = _name()
    with _opened(spec) as s:
        log = Log(s, name)
        log.append_many(_items(20))
        cp = log.checkpoint()
    spec.raw_execute(
        "UPDATE board_node SET hash = ? WHERE level = ? AND idx = ? AND log_id = "
        "(SELECT id FROM board_log WHERE name = ?)",
        (leaf_hash(b"forged"), level, idx, name),
    )
    with _opened(spec) as s:
        log = Log(s, name, create=False)
        with pytest.raises(RootMismatchError):
            verify_entry_inclusion(log.entry(leaf), log.inclusion_proof(leaf, cp.size), cp)
        with pytest.raises(StoreCorruptionError):
            log.audit()
        if level == 4:  # a border node: the board cannot even reproduce its own checkpoint
            assert log.root() != cp.root


def test_deleted_entry_is_detected(spec: StoreSpec) -> None:
    name = _name()
    with _opened(spec) as s:
        Log(s, name).append_many(_items(10))
    spec.raw_execute(
        "DELETE FROM board_entry WHERE idx = 4 AND log_id = "
        "(SELECT id FROM board_log WHERE name = ?)",
        (name,),
    )
    with _opened(spec) as s:
        log = Log(s, name, create=False)
        with pytest.raises(StoreCorruptionError, match="entry 4"):
            list(log.entries())
        with pytest.raises(BoardVerificationError):
            log.audit()


class _opened:
    """Opens a store from a spec and closes it on exit."""

    def __init__(self, spec: StoreSpec) -> None:
        self.store = spec.open()

    def __enter__(self) -> LogStore:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def test_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailableError, match=r"cannot connect to PostgreSQL") as caught:
        PostgresStore("postgresql://postgres:secret@127.0.0.1:1/test")
    assert "REFERENDUM_DATABASE_URL" in str(caught.value)
    assert "secret" not in str(caught.value)


def test_writer_reports_store_failures() -> None:
    class Broken:
        def create_log(self, name: str) -> None:
            pass

        def append_many(self, name: str, items: object) -> int:
            raise StoreUnavailableError("database went away")

    with GroupCommitWriter(Broken(), "log") as writer:  # type: ignore[arg-type]
        futures = [writer.submit("k", b"%d" % i) for i in range(5)]
        for f in futures:
            with pytest.raises(StoreUnavailableError):
                f.result(timeout=10)


def test_the_writer_lock_lets_one_writer_at_a_time(spec: StoreSpec, store: LogStore) -> None:
    """Two connections to one board (two processes or machines): the second writer waits
    until the first lets go; another log's lock is independent (section 7.5.2)."""
    name = _name()
    store.create_log(name)
    other = spec.open()
    holding = threading.Event()
    got: list[str] = []

    def second() -> None:
        with other.writer_lock(name):
            got.append("second")

    try:
        with store.writer_lock(name):
            with other.writer_lock(_name()):  # another log: not held up
                got.append("other log")
            thread = threading.Thread(target=second)
            thread.start()
            holding.wait(0.5)  # time for the second writer to (wrongly) get in
            got.append("first done")
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert got == ["other log", "first done", "second"]
        with store.writer_lock(name):  # released: taken again at once
            pass
    finally:
        other.close()
