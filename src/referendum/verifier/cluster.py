"""Ballot checks on a Dask cluster (`distributed`): the verifier's workers, elsewhere.

docs/protocol.md section 15.2 step 4.2: the ballot checks depend on nothing but the
manifest and the election key, so they may run anywhere; only their reporting is in board
order, which stays with verify_record. The workers run the very functions of the local
pool (verifier/workers.py): a worker plugin gives each worker, once, the manifest and the
key (workers that join later get them too), and each task carries one batch of (kind,
payload, where). This module is imported only when a cluster is asked for.
"""

from __future__ import annotations

import logging
import os
import pickle
from typing import Any

import dask
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin

from referendum.group import Element
from referendum.manifest import Manifest
from referendum.verifier.workers import (
    Checked,
    ClusterError,
    check_packed_in_context,
    context_name,
    drop_context,
    set_context,
)

__all__ = ["ClusterChecker", "ClusterError"]

#: How long to wait for a scheduler to answer, and for a LocalCluster's workers.
_CONNECT = "30s"
#: distributed keeps the last N messages of each connection for debugging (default
#: 1000): here each is a batch of ballots, so 1000 of them would hold hundreds of MB in
#: the client and the LocalCluster's scheduler (measured: docs/performance.md).
#: And a LocalCluster's scheduler hands each worker every batch at once rather than one
#: at a time: this process is busy applying the board's rules, so a worker that waited
#: for its next batch would wait on it.
_CONFIG = {
    "distributed.admin.low-level-log-length": 8,
    "distributed.scheduler.worker-saturation": float("inf"),
}


class _Context(WorkerPlugin):
    """Hands a worker the manifest and election key (set_context) as it joins."""

    def __init__(self, manifest_json: dict[str, Any], key: bytes) -> None:
        self.manifest_json = manifest_json
        self.key = key
        self.name: str | None = None

    def setup(self, worker: Any) -> None:
        self.name = set_context(self.manifest_json, self.key)

    def teardown(self, worker: Any) -> None:
        if self.name is not None:
            drop_context(self.name)


class ClusterChecker:
    """Checks batches of ballots on a Dask cluster: the scheduler at `scheduler`, or a
    distributed.LocalCluster of `workers` processes (default: cores) started here."""

    def __init__(
        self,
        manifest: Manifest,
        key: Element,
        *,
        scheduler: str | None = None,
        workers: int | None = None,
    ) -> None:
        self._cluster: LocalCluster | None = None
        # Read when the client, scheduler and workers are made (a LocalCluster's workers
        # are handed this process's configuration).
        self._config = dask.config.set(_CONFIG)
        try:
            if scheduler is None:
                self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # no fixed port: another cluster may hold 8787
                    silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster, timeout=_CONNECT)  # type: ignore[no-untyped-call]
            else:
                self._client = Client(scheduler, timeout=_CONNECT)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, RuntimeError) as exc:
            self._close_cluster()
            self._config.__exit__(None, None, None)  # type: ignore[no-untyped-call]
            where = f"the Dask scheduler at {scheduler}" if scheduler else "a LocalCluster"
            raise ClusterError(f"cannot reach {where}: {exc}") from None
        self._name = context_name(manifest.fingerprint, key.to_bytes())
        self._client.register_plugin(_Context(manifest.to_json(), key.to_bytes()), self._name)

    def submit(self, items: list[tuple[str, Any, str]]) -> Checked:
        """Gives back a future of check_one's results for items, in order."""
        packed = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        future: Checked = self._client.submit(
            check_packed_in_context, self._name, packed, pure=False
        )
        return future

    def close(self) -> None:
        """Forgets the context on a shared cluster's workers; stops a LocalCluster."""
        try:
            if self._cluster is None:
                self._client.unregister_worker_plugin(self._name)  # type: ignore[no-untyped-call]
        finally:
            self._client.close()  # type: ignore[no-untyped-call]
            self._close_cluster()
            self._config.__exit__(None, None, None)  # type: ignore[no-untyped-call]

    def _close_cluster(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
