"""POST /api/board/messages and /api/board/cosignatures, and GET checkpoint?size=
(docs/protocol.md 16.4): what the board takes from parties other than voters, and that a
refused message appends nothing."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from referendum import demo
from referendum.board import WITNESS_KEY, SigningKey, parse_signed_checkpoint, verify_checkpoint
from referendum.board.checkpoint import sign_checkpoint
from referendum.board.entry import Entry
from referendum.board.merkle import verify_inclusion
from referendum.canonical import canonical_json
from referendum.ceremony import TrusteeKeys
from referendum.credentials import issue_credentials
from referendum.election import Election
from referendum.server.app import create_app
from referendum.server.problems import TYPE_BASE
from referendum.signing import Ed25519Key

JSON = {"Content-Type": "application/json"}


class Board:
    def __init__(
        self, folder: Path, client: TestClient, registrars: list[Ed25519Key], witness: Any
    ) -> None:
        self.folder = folder
        self.client = client
        self.registrars = registrars  # demo.REGISTRARS' keys: they co-issue every region
        self.witness = witness

    def size(self) -> int:
        with Election.open(self.folder) as e:
            return e.log.size()

    def post(self, body: Any, path: str = "/api/board/messages") -> Any:
        return self.client.post(path, content=json.dumps(body), headers=JSON)


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Board]:
    """A board in phase prepare: the key ceremony done, no credential yet."""
    folder = tmp_path / "board"
    run = demo._Run(io.StringIO(), "messages-tests")
    keys = [TrusteeKeys.generate(run.sub_rng(f"t{i}")) for i in range(len(demo.TRUSTEES))]
    registrars = [Ed25519Key.generate(run.sub_rng(f"r/{rid}")) for rid, _ in demo.REGISTRARS]
    witness = SigningKey.generate("observer-1", WITNESS_KEY, run.sub_rng("w"))
    text = demo._manifest_text(run, keys, registrars, [witness])
    with Election.create(folder, text, rng=run.sub_rng("board")) as election:
        demo.ceremony_on_a_clock(run, election, keys, [witness])
    app = create_app(folder)
    try:
        with TestClient(app) as client:
            yield Board(folder, client, registrars, witness)
    finally:
        app.state.close()


def _slug(response: Any, status: int, slug: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == TYPE_BASE + slug, body
    detail: str = body["detail"]
    return detail


def _batches(board: Board, count: int = 3) -> list[dict[str, Any]]:
    """Gives back the first registrar's batches for the first region, once both
    registrars' commitments are on the board (protocol.md 10.4)."""
    with Election.open(board.folder) as e:
        manifest = e.manifest
    region = manifest.regions[0].id
    issued = [
        issue_credentials(manifest, r.id, key, region, count)
        for r, key in zip(manifest.co_issuers(region), board.registrars, strict=True)
    ]
    for i in issued:
        assert board.post({"kind": "credentials.commit", "payload": i.commit}).status_code == 201
    return issued[0].batches(board.registrars[0], [i.commit["digest"] for i in issued])


def test_a_signed_credential_batch_is_appended_with_its_inclusion_proof(board: Board) -> None:
    batch = _batches(board)[0]
    before = board.size()
    r = board.post({"kind": "credentials", "payload": batch})
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"index", "kind", "checkpoint", "inclusion_proof"}
    assert body["index"] == before and body["kind"] == "credentials"
    with Election.open(board.folder) as e:
        checkpoint = verify_checkpoint(body["checkpoint"], e.manifest.board_key)
        entry = Entry(e.manifest.id, before, "credentials", canonical_json(batch))
    assert checkpoint.size == before + 1
    proof = [bytes.fromhex(h) for h in body["inclusion_proof"]]
    verify_inclusion(entry.leaf_hash(), before, checkpoint.size, proof, checkpoint.root)
    assert board.size() == before + 1


@pytest.mark.parametrize(
    ("body", "status", "slug", "says"),
    [
        ({"kind": "ballot.x", "payload": {}}, 400, "unknown-kind", "want one of"),
        ({"kind": "voting.open", "payload": {}}, 403, "operator-only", "operator"),
        ({"kind": "results", "payload": {}}, 403, "operator-only", "operator"),
        ({"kind": "decryption", "payload": {}}, 409, "wrong-phase", "not accepted in phase"),
        ({"kind": 5, "payload": {}}, 400, "bad-structure", "kind: want text"),
        ({"kind": "credentials"}, 400, "bad-structure", "exactly kind, payload"),
        ([], 400, "bad-structure", "exactly kind, payload"),
    ],
)
def test_a_refused_message_names_why_and_appends_nothing(
    board: Board, body: Any, status: int, slug: str, says: str
) -> None:
    before = board.size()
    assert says in _slug(board.post(body), status, slug)
    assert board.size() == before


def test_a_batch_the_rules_refuse_is_a_422_naming_the_rule(board: Board) -> None:
    batch = _batches(board)[0]
    forged = copy.deepcopy(batch)
    forged["keys"][0] = forged["keys"][1]  # a repeated key, signature no longer matches
    before = board.size()
    detail = _slug(board.post({"kind": "credentials", "payload": forged}), 422, "message-refused")
    assert "board entry" in detail
    assert board.size() == before
    assert board.post({"kind": "credentials", "payload": batch}).status_code == 201
    again = _slug(board.post({"kind": "credentials", "payload": batch}), 422, "message-refused")
    assert "want batch 1 next" in again
    assert board.size() == before + 1


def test_not_json_and_wrong_media_type(board: Board) -> None:
    r = board.client.post("/api/board/messages", content=b"{", headers=JSON)
    _slug(r, 400, "not-json")
    r = board.client.post(
        "/api/board/messages", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 415


def test_checkpoint_at_a_size(board: Board) -> None:
    size = board.size()
    body = board.client.get(f"/api/board/checkpoint?size={size - 1}").json()
    signed = parse_signed_checkpoint(body["checkpoint"])
    assert signed.checkpoint.size == size - 1 == body["size"]
    with Election.open(board.folder) as e:
        assert signed.checkpoint.root == e.log.root(size - 1)
    _slug(board.client.get(f"/api/board/checkpoint?size={size + 1}"), 400, "bad-parameter")


def test_cosignatures_are_kept_only_when_they_verify_on_this_boards_tree(board: Board) -> None:
    c = board.client
    # The ceremony's closes were co-signed; what the board holds now must not change.
    before = c.get("/api/board/checkpoint").json()["cosigned"]
    with Election.open(board.folder) as e:
        signed = e.signed_checkpoint()
        key = e.key
        other = sign_checkpoint(
            type(signed.checkpoint)(signed.checkpoint.origin, signed.checkpoint.size, b"\1" * 32),
            key,
        )
    _slug(
        board.post({"checkpoint": "not a checkpoint"}, "/api/board/cosignatures"),
        400,
        "bad-checkpoint",
    )
    # the board's own signature alone is no co-signature
    detail = _slug(
        board.post({"checkpoint": signed.to_text()}, "/api/board/cosignatures"),
        422,
        "cosignature-refused",
    )
    assert "no signature by a witness" in detail
    # a witness co-signed another tree of this size, which the board also signed
    forged = other.with_signature(board.witness)
    detail = _slug(
        board.post({"checkpoint": forged.to_text()}, "/api/board/cosignatures"),
        422,
        "cosignature-refused",
    )
    assert "not this board's" in detail
    assert c.get("/api/board/checkpoint").json()["cosigned"] == before
    # a stranger's key under the witness's name
    stranger = SigningKey.generate("observer-1", WITNESS_KEY)
    _slug(
        board.post(
            {"checkpoint": signed.with_signature(stranger).to_text()}, "/api/board/cosignatures"
        ),
        422,
        "cosignature-refused",
    )
    good = signed.with_signature(board.witness)
    r = board.post({"checkpoint": good.to_text()}, "/api/board/cosignatures")
    assert r.status_code == 201, r.text
    kept = parse_signed_checkpoint(c.get("/api/board/checkpoint").json()["cosigned"])
    assert kept.checkpoint == signed.checkpoint
    assert {s.name for s in kept.signatures} == {key.name, "observer-1"}


def test_a_later_cosignature_of_the_same_tree_is_kept_beside_the_first(board: Board) -> None:
    """GET /api/board/cosigned hands out the first co-signature of a tree (its early time
    is evidence); with latest=1 the later one a witness made of the unchanged board."""
    c = board.client
    with Election.open(board.folder) as e:
        signed = e.signed_checkpoint()
    size = signed.checkpoint.size
    for when in (1_900_000_000, 1_900_000_100):
        line = signed.with_signature(board.witness, now=when)
        r = board.post({"checkpoint": line.to_text()}, "/api/board/cosignatures")
        assert r.status_code == 201, r.text

    def times(query: str) -> list[int]:
        texts = c.get(f"/api/board/cosigned?from={size}{query}").json()["checkpoints"]
        (kept,) = [parse_signed_checkpoint(t) for t in texts]
        return [s.timestamp for s in kept.signatures if s.timestamp is not None]

    assert times("") == [1_900_000_000]
    assert times("&latest=1") == [1_900_000_100]
    assert times("&latest=0") == [1_900_000_000]
    _slug(c.get(f"/api/board/cosigned?from={size}&latest=2"), 400, "bad-parameter")
