"""Ballot checks run in worker processes: the verifier's one embarrassingly parallel part."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from referendum.ballot import verify_ballot, verify_spoiled
from referendum.errors import VerificationError
from referendum.group import RISTRETTO255 as G
from referendum.group import Element
from referendum.manifest import Manifest
from referendum.replay import PreChecked

__all__ = ["check_batch", "check_in_pool", "check_one", "init_worker"]

_manifest: Manifest | None = None
_key: Element | None = None


def init_worker(manifest_json: dict[str, Any], key: bytes) -> None:
    """Sets up a worker process with the manifest and the election key."""
    global _manifest, _key
    _manifest = Manifest.from_json(manifest_json)
    _key = G.element(key)


def check_one(
    manifest: Manifest, key: Element, kind: str, payload: Any, where: str
) -> PreChecked | str:
    """Gives back the checked ballot, or the message of the check that failed."""
    try:
        if kind == "ballot":
            return verify_ballot(manifest, key, payload, where)
        return verify_spoiled(manifest, key, payload, where)
    except VerificationError as exc:
        return str(exc)


def check_batch(items: list[tuple[str, Any, str]]) -> list[PreChecked | str]:
    """Gives back check_one for each (kind, payload, where) in a worker process."""
    if _manifest is None or _key is None:  # pragma: no cover - init_worker always runs first
        raise RuntimeError("worker not initialised")
    return [check_one(_manifest, _key, kind, payload, where) for kind, payload, where in items]


def check_in_pool(
    pool: ProcessPoolExecutor, items: Sequence[tuple[str, Any, str]], size: int = 128
) -> list[PreChecked | str]:
    """Gives back check_one's result for each (kind, payload, where), in order, from pool.

    The pool's workers must have run init_worker; items go out in chunks of size.
    """
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    return [result for checked in pool.map(check_batch, chunks) for result in checked]
