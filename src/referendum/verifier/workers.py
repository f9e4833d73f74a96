"""Ballot checks run in worker processes: the verifier's one embarrassingly parallel part.

The same functions run in a local ProcessPoolExecutor (init_worker, check_batch) and on
the workers of a Dask cluster (verifier/cluster.py: a worker plugin calls set_context,
tasks call check_packed_in_context). A worker holds the manifest and election key it was given
once; each task carries only (kind, payload, where) triples.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

from referendum.ballot import verify_ballot, verify_spoiled
from referendum.errors import VerificationError
from referendum.group import RISTRETTO255 as G
from referendum.group import Element
from referendum.manifest import Manifest
from referendum.replay import PreChecked

__all__ = [
    "Checked",
    "Checker",
    "ClusterError",
    "LocalChecker",
    "check_batch",
    "check_in_context",
    "check_in_pool",
    "check_one",
    "check_packed_in_context",
    "context_name",
    "drop_context",
    "init_worker",
    "set_context",
]


class ClusterError(Exception):
    """A Dask cluster cannot be reached or started; the message says which and why."""


class Checked(Protocol):
    """A batch's results to come (a future of any engine)."""

    def result(self) -> list[PreChecked | str]: ...


class Checker(Protocol):
    """An engine that checks batches of (kind, payload, where): LocalChecker, or
    verifier.cluster.ClusterChecker."""

    def submit(self, items: list[tuple[str, Any, str]]) -> Checked: ...

    def close(self) -> None: ...


_manifest: Manifest | None = None
_key: Element | None = None
#: context_name -> (manifest, election key): a worker of a shared cluster may serve
#: several verifications at once (threads of one process, too).
_contexts: dict[str, tuple[Manifest, Element]] = {}


def context_name(fingerprint: bytes, key: bytes) -> str:
    """Gives back the name a worker keeps one (manifest, election key) under."""
    return f"referendum-verifier-{fingerprint.hex()[:16]}-{key.hex()[:16]}"


def init_worker(manifest_json: dict[str, Any], key: bytes) -> None:
    """Sets up a worker process with the manifest and the election key."""
    global _manifest, _key
    _manifest = Manifest.from_json(manifest_json)
    _key = G.element(key)


def set_context(manifest_json: dict[str, Any], key: bytes) -> str:
    """Keeps the manifest and election key in this worker; gives back their name."""
    manifest = Manifest.from_json(manifest_json)
    name = context_name(manifest.fingerprint, key)
    _contexts[name] = (manifest, G.element(key))
    return name


def drop_context(name: str) -> None:
    """Forgets what set_context kept under name."""
    _contexts.pop(name, None)


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


def check_in_context(name: str, items: list[tuple[str, Any, str]]) -> list[PreChecked | str]:
    """Gives back check_one for each (kind, payload, where) under the context name."""
    context = _contexts.get(name)
    if context is None:
        raise RuntimeError(f"worker has no verifier context {name}")
    manifest, key = context
    return [check_one(manifest, key, kind, payload, where) for kind, payload, where in items]


def check_packed_in_context(name: str, packed: bytes) -> list[PreChecked | str]:
    """check_in_context for items pickled by the verifier's own client (a cluster's task):
    one bytes argument, which Dask passes through as it is instead of walking every
    ballot's fields for futures, as it does with nested arguments (measured: about 70 us
    per ballot in the verifying process, docs/performance.md)."""
    items: list[tuple[str, Any, str]] = pickle.loads(packed)  # noqa: S301 - our own client's
    return check_in_context(name, items)


def check_in_pool(
    pool: ProcessPoolExecutor, items: Sequence[tuple[str, Any, str]], size: int = 128
) -> list[PreChecked | str]:
    """Gives back check_one's result for each (kind, payload, where), in order, from pool.

    The pool's workers must have run init_worker; items go out in chunks of size.
    """
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    return [result for checked in pool.map(check_batch, chunks) for result in checked]


class _Lazy:
    """Checks its batch in this process when its result is first asked for."""

    def __init__(self, manifest: Manifest, key: Element, items: list[tuple[str, Any, str]]):
        self._args = (manifest, key, items)
        self._value: list[PreChecked | str] | None = None

    def result(self) -> list[PreChecked | str]:
        if self._value is None:
            manifest, key, items = self._args
            self._value = [check_one(manifest, key, k, p, w) for k, p, w in items]
        return self._value


class LocalChecker:
    """Checks batches of ballots on this machine: in a pool of `jobs` processes, or in
    this process when jobs is 1 (at the time result() is asked for)."""

    def __init__(self, manifest: Manifest, key: Element, jobs: int) -> None:
        self._manifest, self._key = manifest, key
        self._pool: ProcessPoolExecutor | None = None
        if jobs > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=jobs,
                initializer=init_worker,
                initargs=(manifest.to_json(), key.to_bytes()),
            )

    def submit(self, items: list[tuple[str, Any, str]]) -> Checked:
        """Gives back a future of check_one's results for items, in order."""
        if self._pool is None:
            return _Lazy(self._manifest, self._key, items)
        return self._pool.submit(check_batch, items)

    def close(self) -> None:
        """Stops the workers; batches not yet checked are dropped."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
