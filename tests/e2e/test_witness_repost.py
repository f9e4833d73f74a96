"""A witness whose co-signature did not reach the board (kept in its folder, then the
post failed: a restart, a 503) hands it over again at its next step."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from test_parties_over_http import run, serve, stop

from referendum.board import parse_signed_checkpoint
from referendum.derived import COSIGNED
from referendum.server.demo import prepare_demo


def _names(url: str) -> set[str]:
    text = httpx.get(f"{url}/api/board/checkpoint").json()["cosigned"]
    return set() if text is None else {s.name for s in parse_signed_checkpoint(text).signatures}


def test_a_cosignature_lost_on_its_way_is_posted_again(tmp_path: Path) -> None:
    demo = prepare_demo(tmp_path / "demo", voters=8, say=lambda _: None)
    server, url = serve(demo.election, tmp_path / "serve.log")
    try:
        at = ["--board", url, "--fingerprint", demo.fingerprint]
        witness = demo.folder / "witness-1"
        run("witness", "cosign", "--dir", str(witness), *at)
        name = "observer-osce"
        assert name in _names(url)
        # The board loses what it was handed (as if the post had failed).
        with sqlite3.connect(demo.election / "board.sqlite") as db:
            db.execute("DELETE FROM board_index WHERE space = ?", (COSIGNED,))
        assert _names(url) == set()
        out = run("witness", "cosign", "--dir", str(witness), *at).stdout
        assert "already co-signed" in out
        assert name in _names(url)
    finally:
        stop(server)


def test_a_party_reads_no_answer_larger_than_its_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from referendum import replica

    demo = prepare_demo(tmp_path / "demo", voters=8, say=lambda _: None)
    server, url = serve(demo.election, tmp_path / "serve.log")
    try:
        client = replica.BoardClient(url)
        assert len(client.manifest_bytes()) > 100
        monkeypatch.setattr(replica, "MAX_ANSWER", 100)
        with pytest.raises(replica.BoardUnreachable, match="larger than 100 bytes"):
            client.manifest_bytes()
        client.close()
    finally:
        stop(server)
