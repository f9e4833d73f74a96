"""DiskIndex and SpillIndex answer every Index question as MemoryIndex does."""

from __future__ import annotations

import random
from pathlib import Path

from referendum.derived import LATEST, ROLL, SEEN, DiskIndex, Index, MemoryIndex, SpillIndex


def _replay(rng: random.Random, indexes: list[Index], steps: int) -> None:
    keys = [rng.randbytes(32) for _ in range(300)]
    for _ in range(steps):
        space = rng.choice((ROLL, SEEN, LATEST))
        key = rng.choice(keys)
        op = rng.random()
        if op < 0.5:
            value = rng.randbytes(rng.choice((2, 8, 72)))
            for index in indexes:
                index.put(space, key, value)
        elif op < 0.8:
            answers = [index.get(space, key) for index in indexes]
            assert all(a == answers[0] for a in answers), answers
        elif op < 0.9:
            some = rng.sample(keys, 5)
            many = [index.get_many(space, some) for index in indexes]
            assert all(a == many[0] for a in many)
        else:
            low = rng.randbytes(1)
            high = bytes([min(255, low[0] + 30)])
            answers = [index.first(space, low, high) for index in indexes]
            assert all(a == answers[0] for a in answers)


def test_disk_and_spill_indexes_answer_as_memory(tmp_path: Path) -> None:
    disk = DiskIndex(tmp_path, buffer=7)  # small buffer: reads hit held rows and the file
    spill = SpillIndex(100, tmp_path)
    _replay(random.Random(5), [MemoryIndex(), disk, spill], 3000)
    assert spill.disk is not None  # it moved to disk on the way
    assert len(list(tmp_path.iterdir())) == 2
    assert disk.disk_bytes() > 0
    disk.close()
    spill.close()
    assert list(tmp_path.iterdir()) == []


def test_a_small_spill_index_stays_in_memory(tmp_path: Path) -> None:
    spill = SpillIndex(1000, tmp_path)
    spill.put(ROLL, b"k" * 32, b"\x00\x01")
    assert spill.get(ROLL, b"k" * 32) == b"\x00\x01"
    assert spill.disk is None and list(tmp_path.iterdir()) == []
    spill.close()
