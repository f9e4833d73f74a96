"""The API tests, run on each store: test_api.py (SQLite), test_api_postgres.py.

Each test gets a `served` fixture (a Served: a TestClient on its own copy of the demo
election, in voting) from the module that collects ApiCases.
"""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from server_fixtures import JSON, Served, post, prepare, receipt_of, resign

from referendum.board.checkpoint import parse_signed_checkpoint, verify_checkpoint
from referendum.board.entry import Entry
from referendum.board.merkle import verify_consistency, verify_inclusion
from referendum.canonical import canonical_json, parse_json
from referendum.election import Election
from referendum.manifest import Manifest
from referendum.receipt import check_receipt
from referendum.server.problems import MEDIA_TYPE, TYPE_BASE
from referendum.server.service import CACHE_FOLDER, RECORD_MAX_AGE
from referendum.verifier import verify_record

CLI = [sys.executable, "-m", "referendum.cli"]


def problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    """The problem document of response, once it has the status, media type and slug."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == status and body["title"] and body["detail"]
    if slug is not None:
        assert body["type"] == TYPE_BASE + slug, body
    return body


class ApiCases:
    """Every endpoint's answers, errors included, on one store."""

    # -- the referendum -----------------------------------------------------------------------

    def test_election(self, served: Served) -> None:
        r = served.client.get("/api/election")
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {"id", "fingerprint", "phase", "public_key", "size", "voting"}
        m = served.manifest
        assert body["id"] == m.id == served.demo.referendum
        assert body["fingerprint"] == m.fingerprint.hex() == served.demo.fingerprint
        assert body["phase"] == "voting"
        assert body["public_key"] == served.key.to_bytes().hex()
        assert body["voting"] == {"opens": m.opens, "closes": m.closes}
        with Election.open(served.folder) as election:
            assert body["size"] == election.log.size()

    def test_manifest_bytes_give_the_fingerprint(self, served: Served) -> None:
        r = served.client.get("/api/manifest")
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        manifest = Manifest.from_json(parse_json(r.content))
        assert manifest.canonical == r.content
        assert manifest.fingerprint.hex() == served.demo.fingerprint

    def test_credentials(self, served: Served) -> None:
        from referendum.credentials import credential_key

        region, code = served.fresh()[0]
        public = credential_key(served.manifest.fingerprint, code).public.hex()
        r = served.client.get(f"/api/credentials/{public}")
        assert r.status_code == 200
        assert r.json() == {"credential": public, "region": region}
        problem(
            served.client.get(f"/api/credentials/{'ab' * 32}"), 404, "credential-not-registered"
        )
        for bad in (public.upper(), public[:-1], public + "0", "zz" * 32):
            problem(served.client.get(f"/api/credentials/{bad}"), 400, "bad-credential")

    # -- casting -------------------------------------------------------------------------------

    def test_a_cast_ballot_gets_a_receipt_that_checks(self, served: Served) -> None:
        voter = served.fresh()[0]
        prepared = prepare(served.manifest, served.key, voter, 1)
        size = served.size()
        r = post(served.client, "/api/ballots", prepared.payload)
        assert r.status_code == 201, r.text
        receipt = receipt_of(r.json())
        assert receipt.index == size
        assert receipt.tracking_code == prepared.tracking_code
        check_receipt(served.manifest, "ballot", prepared.payload, receipt)
        assert served.size() == size + 1
        # Looked up by its code (as typed: any case, no dashes, O for 0), or by its hash.
        code = prepared.tracking_code
        sloppy = code.replace("-", " ").lower().replace("0", "o")
        for key in (code, sloppy, prepared.tracking_hash.hex()):
            found = served.client.get(f"/api/receipts/{key}")
            assert found.status_code == 200, found.text
            body = found.json()
            assert set(body) == {"kind", "index", "payload", "latest", "receipt"}
            assert body["kind"] == "ballot" and body["index"] == receipt.index
            assert body["payload"] == prepared.payload
            assert body["latest"] is None  # told only once voting has closed
            check_receipt(served.manifest, "ballot", body["payload"], receipt_of(body["receipt"]))

    def test_challenge_then_cast(self, served: Served) -> None:
        voter = served.fresh()[1]
        challenged = prepare(served.manifest, served.key, voter, 0, seed="challenge")
        spoiled = challenged.spoiled_payload()
        r = post(served.client, "/api/challenges", spoiled)
        assert r.status_code == 201, r.text
        first = receipt_of(r.json())
        check_receipt(served.manifest, "spoiled", spoiled, first)
        cast = prepare(served.manifest, served.key, voter, 0, seed="cast")
        r = post(served.client, "/api/ballots", cast.payload)
        assert r.status_code == 201, r.text
        check_receipt(served.manifest, "ballot", cast.payload, receipt_of(r.json()))
        found = served.client.get(f"/api/receipts/{challenged.tracking_code}").json()
        assert (found["kind"], found["index"], found["latest"]) == ("spoiled", first.index, False)
        assert found["payload"] == spoiled
        # The challenged body can never be cast: its tracking code is on the board.
        again = post(served.client, "/api/ballots", challenged.payload)
        problem(again, 409, "repeated-ballot")
        # During voting the lookup does not tell a re-vote: the earlier ballot and the
        # later one both answer latest null (which counts is told after voting.close).
        revote = prepare(served.manifest, served.key, voter, 1, seed="revote")
        assert post(served.client, "/api/ballots", revote.payload).status_code == 201
        for ballot in (cast, revote):
            found = served.client.get(f"/api/receipts/{ballot.tracking_code}").json()
            assert (found["kind"], found["latest"]) == ("ballot", None)

    def test_a_replayed_ballot_is_refused(self, served: Served) -> None:
        prepared = prepare(served.manifest, served.key, served.fresh()[2])
        assert post(served.client, "/api/ballots", prepared.payload).status_code == 201
        size = served.size()
        body = problem(
            post(served.client, "/api/ballots", prepared.payload), 409, "repeated-ballot"
        )
        assert f"board entry {size - 1}" in body["detail"]
        assert served.size() == size

    def test_credentials_not_on_the_roll_or_in_another_region(self, served: Served) -> None:
        m = served.manifest
        region, code = served.fresh("donetsk")[0]
        wrong = prepare(m, served.key, ("luhansk", code))  # a donetsk voter, luhansk's ballot
        body = problem(post(served.client, "/api/ballots", wrong.payload), 403, "wrong-region")
        assert "registered in donetsk" in body["detail"]
        from referendum.credentials import generate_code
        from referendum.group import SeededRandom

        unissued = generate_code(SeededRandom("a code nobody was given"))
        stranger = prepare(m, served.key, ("donetsk", unissued))
        body = problem(
            post(served.client, "/api/ballots", stranger.payload), 403, "credential-not-registered"
        )
        assert stranger.payload["credential"][:16] in body["detail"]
        challenge = prepare(m, served.key, ("luhansk", code)).spoiled_payload()
        problem(post(served.client, "/api/challenges", challenge), 403, "wrong-region")
        assert region == "donetsk"

    def test_a_tampered_ballot_is_refused_and_nothing_appended(self, served: Served) -> None:
        m = served.manifest
        voter = served.fresh()[3]
        prepared = prepare(m, served.key, voter)
        size = served.size()
        proof = copy.deepcopy(prepared.payload)
        # The voter's own device adding a sum proof the yes/no question has none of
        # (protocol.md 12.2: exactly one choice, so only option 0 is encrypted).
        proof["questions"][0]["sum_proof"] = [{"c": "00" * 32, "v": "00" * 32}]
        proof = resign(m, voter[1], proof)
        body = problem(post(served.client, "/api/ballots", proof), 422, "ballot-invalid")
        assert "sum_proof: 1 branches, want 0" in body["detail"]
        selection = copy.deepcopy(prepared.payload)
        selection["questions"][0]["selections"][0]["proof"][1]["v"] = "01" * 32
        selection = resign(m, voter[1], selection)
        body = problem(post(served.client, "/api/ballots", selection), 422, "ballot-invalid")
        assert "question status option 0" in body["detail"]
        signed = copy.deepcopy(prepared.payload)
        signed["signature"] = "00" * 64
        body = problem(post(served.client, "/api/ballots", signed), 422, "ballot-invalid")
        assert "signature" in body["detail"]
        region = dict(prepared.payload, region="crimea")
        body = problem(post(served.client, "/api/ballots", region), 422, "ballot-invalid")
        assert "crimea" in body["detail"]
        spoiled = prepared.spoiled_payload()
        spoiled["reveal"][0]["selections"][0]["vote"] = (
            1 - spoiled["reveal"][0]["selections"][0]["vote"]
        )
        body = problem(post(served.client, "/api/challenges", spoiled), 422, "challenge-invalid")
        assert "signature" in body["detail"]
        assert served.size() == size

    def test_malformed_requests(self, served: Served) -> None:
        c = served.client
        prepared = prepare(served.manifest, served.key, served.fresh()[4])
        good = json.dumps(prepared.payload)
        for body, slug in (
            (b"not json", "not-json"),
            (b'{"a": 1, "a": 2}', "not-json"),
            (b'{"a": 1.5}', "not-json"),
            (b"\xff\xfe", "not-json"),
            (b"[" * 100_000 + b"]" * 100_000, None),
            (b"[]", "bad-structure"),
            (b"{}", "bad-structure"),
            (good.replace('"region"', '"regions"').encode(), "bad-structure"),
            (good.replace('"signature": "', '"signature": "A').encode(), "bad-structure"),
        ):
            for path in ("/api/ballots", "/api/challenges"):
                r = c.post(path, content=body, headers=JSON)
                assert r.status_code in (400, 413), r.text
                if slug is not None:
                    problem(r, 400, slug)
        spoiled = prepared.spoiled_payload()
        spoiled["ballot"]["signature"] = "00" * 64
        problem(post(c, "/api/challenges", spoiled), 400, "bad-structure")
        problem(post(c, "/api/challenges", prepared.payload), 400, "bad-structure")
        problem(post(c, "/api/ballots", prepared.spoiled_payload()), 400, "bad-structure")
        for headers in (
            {},
            {"Content-Type": "text/plain"},
            {"Content-Type": "application/json; charset=latin-1"},
        ):
            r = c.post("/api/ballots", content=good.encode(), headers=headers)
            problem(r, 415, "unsupported-media-type")
        r = c.post(
            "/api/ballots",
            content=good.encode(),
            headers={"Content-Type": "Application/JSON; charset=UTF-8"},
        )
        assert r.status_code == 201, r.text

    def test_a_body_over_the_limit_is_refused_unread(self, served: Served) -> None:
        limit = served.app.state.body_limit
        prepared = prepare(served.manifest, served.key, served.fresh()[5])
        spoiled = canonical_json(prepared.spoiled_payload())
        assert len(spoiled) * 2 < limit < 100_000  # generous, but bounded by the manifest
        size = served.size()
        padded = spoiled[:-1] + b" " * (limit + 1 - len(spoiled)) + b"}"
        body = problem(
            served.client.post("/api/challenges", content=padded, headers=JSON),
            413,
            "body-too-large",
        )
        assert str(limit) in body["detail"]

        def chunks() -> Any:  # no Content-Length: refused while streaming
            yield padded[: limit // 2]
            yield padded[limit // 2 :]

        r = served.client.post("/api/challenges", content=chunks(), headers=JSON)
        problem(r, 413, "body-too-large")
        r = served.client.post(
            "/api/ballots", content=b"{}", headers={**JSON, "Content-Length": "x1"}
        )
        assert r.status_code == 400
        assert served.size() == size
        ok = served.client.post("/api/challenges", content=spoiled, headers=JSON)
        assert ok.status_code == 201

    def test_the_rate_limit_per_credential(self, served: Served) -> None:
        m = served.manifest
        voter, other = served.fresh()[6], served.fresh()[7]
        forged = {**prepare(m, served.key, voter, seed="rate").payload, "signature": "00" * 64}
        for _ in range(15):  # junk under the voter's public key costs the voter nothing
            body = problem(post(served.client, "/api/ballots", forged), 422)
            assert "signature does not verify" in body["detail"]
        # The voter's own requests spend the allowance, refused ones too (each cost a proof
        # check): here a ballot whose selection proof is another ballot's, signed again.
        lying = copy.deepcopy(prepare(m, served.key, voter, seed="rate").payload)
        lying["questions"][0]["selections"][0]["proof"] = prepare(
            m, served.key, voter, seed="other"
        ).payload["questions"][0]["selections"][0]["proof"]
        lying = resign(m, voter[1], lying)
        for _ in range(10):
            body = problem(post(served.client, "/api/ballots", lying), 422)
            assert "range proof" in body["detail"]
        r = post(served.client, "/api/ballots", prepare(m, served.key, voter).payload)
        body = problem(r, 429, "rate-limited")
        assert r.headers["retry-after"] == "6"  # 10 a minute: one more every 6 s
        assert "10 ballots or challenges per 60 s" in body["detail"]
        challenge = prepare(m, served.key, voter, seed="c").spoiled_payload()
        problem(post(served.client, "/api/challenges", challenge), 429)  # the same bucket
        r = post(served.client, "/api/ballots", prepare(m, served.key, other).payload)
        assert r.status_code == 201  # another credential is not held up
        served.clock[0] += 5
        problem(post(served.client, "/api/ballots", prepare(m, served.key, voter).payload), 429)
        served.clock[0] += 1
        r = post(served.client, "/api/ballots", prepare(m, served.key, voter).payload)
        assert r.status_code == 201, r.text

    def test_outside_the_voting_period(self, served: Served) -> None:
        prepared = prepare(served.manifest, served.key, served.fresh()[8])
        served.set_clock(-2)
        body = problem(post(served.client, "/api/ballots", prepared.payload), 409)
        assert body["type"].endswith("outside-voting-period")
        assert "voting opens at" in body["detail"]
        served.set_clock(24 * 31)
        body = problem(post(served.client, "/api/ballots", prepared.payload), 409)
        assert "voting closed at" in body["detail"]
        served.set_clock(0)
        assert post(served.client, "/api/ballots", prepared.payload).status_code == 201

    # -- the board -----------------------------------------------------------------------------

    def test_checkpoint(self, served: Served) -> None:
        m = served.manifest
        body = served.client.get("/api/board/checkpoint").json()
        assert set(body) == {"checkpoint", "size", "root", "cosigned"}
        checkpoint = verify_checkpoint(body["checkpoint"], m.board_key)
        assert checkpoint.origin == m.id
        assert (checkpoint.size, checkpoint.root.hex()) == (body["size"], body["root"])
        cosigned = parse_signed_checkpoint(body["cosigned"])
        cosigned.verify(m.board_key)
        for witness in m.witnesses:
            cosigned.verify(witness.key)
        assert cosigned.checkpoint == checkpoint  # the template was co-signed last

    def test_entries(self, served: Served) -> None:
        c = served.client
        size = served.size()
        body = c.get("/api/board/entries").json()
        assert body["size"] == size and len(body["entries"]) == size
        assert [e["index"] for e in body["entries"]] == list(range(size))
        assert body["entries"][0]["kind"] == "manifest"
        assert body["entries"][0]["payload"] == served.manifest.to_json()
        page = c.get("/api/board/entries?start=3&limit=2").json()["entries"]
        assert [e["index"] for e in page] == [3, 4]
        # A page also ends with the entry that brings its payloads to the byte bound
        # (protocol.md 16.4), and holds at least one entry.
        sizes = [len(canonical_json(e["payload"])) for e in body["entries"][:3]]
        bound = "referendum.server.service.PAGE_BYTES"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(bound, sizes[0] + sizes[1])
            page = c.get("/api/board/entries?limit=10").json()
            assert [e["index"] for e in page["entries"]] == [0, 1] and page["size"] == size
            patch.setattr(bound, sizes[0] + sizes[1] + 1)
            page = c.get("/api/board/entries?limit=10").json()["entries"]
            assert [e["index"] for e in page] == [0, 1, 2]
            patch.setattr(bound, 1)
            page = c.get("/api/board/entries?start=2&limit=10").json()["entries"]
            assert [e["index"] for e in page] == [2]
        assert c.get(f"/api/board/entries?start={size}").json() == {"size": size, "entries": []}
        assert c.get("/api/board/entries?start=99999999").json()["entries"] == []
        for query in (
            "start=-1",
            "start=x",
            "start=01",
            "start=1.0",
            "limit=0",
            "limit=1001",
            "start=1&start=2",
            "start=" + "9" * 17,
        ):
            problem(c.get(f"/api/board/entries?{query}"), 400, "bad-parameter")

    def test_inclusion_and_consistency_proofs(self, served: Served) -> None:
        c = served.client
        m = served.manifest
        size = served.size()
        root = bytes.fromhex(c.get("/api/board/checkpoint").json()["root"])
        entries = c.get("/api/board/entries").json()["entries"]
        for index in (0, 5, size - 1):
            body = c.get(f"/api/board/inclusion?index={index}&size={size}").json()
            assert (body["index"], body["size"]) == (index, size)
            e = entries[index]
            leaf = Entry(m.id, index, e["kind"], canonical_json(e["payload"])).leaf_hash()
            verify_inclusion(leaf, index, size, [bytes.fromhex(h) for h in body["proof"]], root)
        assert c.get("/api/board/inclusion?index=0").json()["size"] == size
        with Election.open(served.folder) as election:
            old_root = election.log.root(7)
        body = c.get(f"/api/board/consistency?first=7&second={size}").json()
        assert (body["first"], body["second"]) == (7, size)
        verify_consistency(7, size, old_root, root, [bytes.fromhex(h) for h in body["proof"]])
        assert c.get("/api/board/consistency?first=7").json()["proof"] == body["proof"]
        assert c.get(f"/api/board/consistency?first={size}").json()["proof"] == []
        for query in (
            "inclusion?index=0&size=0",
            f"inclusion?index={size}&size={size}",
            f"inclusion?index=0&size={size + 1}",
            "inclusion?size=3",
            "inclusion?index=a",
            "consistency?first=0&second=3",
            "consistency?first=4&second=3",
            f"consistency?first=1&second={size + 1}",
            "consistency?second=3",
        ):
            problem(c.get(f"/api/board/{query}"), 400, "bad-parameter")

    def test_receipt_lookup_errors(self, served: Served) -> None:
        c = served.client
        # A well-formed code (its check character matches) of no ballot: not found.
        problem(c.get("/api/receipts/0000-0000-0000-0000-000C"), 404, "unknown-tracking-code")
        problem(c.get(f"/api/receipts/{'00' * 32}"), 404, "unknown-tracking-code")
        # A mistyped or malformed code: a typo, told apart from a missing ballot.
        for bad, why in (
            ("0000-0000-0000-0000-0000", "check character does not match"),
            ("0000-0000-0000-0000-00C0", "check character does not match"),
            ("UUUU-0000-0000-0000-000C", "character 1 ('U')"),
            ("1234", "has 4 characters, want 20"),
            ("0000-0000-0000-0000-00000", "has 21 characters, want 20"),
            ("é", "character 1 ('é')"),
            ("DMW26-KC3CR-TH92P-3B9B9", "check character does not match"),  # a credential code
        ):
            body = problem(c.get(f"/api/receipts/{bad}"), 400, "tracking-code-typo")
            assert why in body["detail"] and "check it against the receipt" in body["detail"]
        # Typed with a Cyrillic look-alike (capital es for C): read as the code, not found.
        problem(c.get("/api/receipts/0000-0000-0000-0000-000\u0421"), 404, "unknown-tracking-code")

    def test_results_and_record_before_and_after_counting(self, served: Served) -> None:
        c = served.client
        problem(c.get("/api/results"), 409, "not-counted")
        prepared = prepare(served.manifest, served.key, served.fresh()[9], 1)
        assert post(c, "/api/ballots", prepared.payload).status_code == 201
        # The demo's own count.sh: real commands, on the folder, while the app is live.
        script = served.folder.parent / "count.sh"
        proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert "results (confirmed by this verifier)" in proc.stdout
        assert c.get("/api/election").json()["phase"] == "done"
        r = c.get("/api/results")
        assert r.status_code == 200
        body = r.json()
        assert body["index"] == served.size() - 1
        donetsk = served.manifest.regions[0].id
        results = body["results"]
        assert results["trustees"] == [1, 3, 5, 6] and results["rejected"] == []
        assert results["quorums"] == [[1, 3, 5, 6], [5, 6]]  # count.sh: trustees 1, 3, 5, 6
        assert results["regions"][0]["region"] == donetsk
        assert sum(x["counted"] for x in results["regions"]) == served.demo.voted + 1
        problem(post(c, "/api/ballots", prepared.payload), 409, "voting-not-open")
        self._check_record(served, results)
        self._check_record(served, results)  # cached: the same again

    @staticmethod
    def _check_record(served: Served, results: dict[str, Any]) -> None:
        r = served.client.get("/api/record")
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/zip"
        name = f"{served.manifest.id}-record"
        assert r.headers["content-disposition"] == f'attachment; filename="{name}.zip"'
        where = served.folder.parent / f"unzipped-{len(list(served.folder.parent.iterdir()))}"
        with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
            assert all(n.startswith(f"{name}/") for n in archive.namelist())
            archive.extractall(where)
        report = verify_record(
            where / name, fingerprint=served.manifest.fingerprint, jobs=1, progress=False
        )
        assert report.results is not None
        assert json.loads((where / name / "results.json").read_text()) == results

    def test_record_while_voting(self, served: Served) -> None:
        r = served.client.get("/api/record")
        assert r.status_code == 200
        where = served.folder.parent / "unzipped"
        zipfile.ZipFile(io.BytesIO(r.content)).extractall(where)
        (record,) = where.iterdir()
        report = verify_record(record, jobs=1, progress=False)  # co-signed at this size
        assert report.results is None and report.phase == "voting"

    def test_record_while_voting_is_not_exported_again_for_every_ballot(
        self, served: Served
    ) -> None:
        c = served.client
        first = c.get("/api/record").content
        cast = prepare(served.manifest, served.key, served.fresh()[11])
        assert post(c, "/api/ballots", cast.payload).status_code == 201
        assert c.get("/api/record").content == first  # the export of a moment ago
        for old in (served.folder / CACHE_FOLDER).glob("*.zip"):
            past = time.time() - RECORD_MAX_AGE - 1
            os.utime(old, (past, past))
        newer = c.get("/api/record").content
        with zipfile.ZipFile(io.BytesIO(first)) as a, zipfile.ZipFile(io.BytesIO(newer)) as b:
            [name_a] = [n for n in a.namelist() if n.endswith("/board.jsonl")]
            [name_b] = [n for n in b.namelist() if n.endswith("/board.jsonl")]
            before, after = a.read(name_a).splitlines(), b.read(name_b).splitlines()
        assert len(after) == len(before) + 1

    # -- operators and other workers -----------------------------------------------------------

    def test_an_operator_command_while_the_app_is_live(self, served: Served) -> None:
        c = served.client
        before = served.size()
        voter = served.fresh()[10]
        superseded = prepare(served.manifest, served.key, voter, 0, seed="superseded")
        assert post(c, "/api/ballots", superseded.payload).status_code == 201
        before = served.size()
        first = prepare(served.manifest, served.key, voter)
        assert post(c, "/api/ballots", first.payload).status_code == 201
        assert c.get(f"/api/receipts/{superseded.tracking_code}").json()["latest"] is None
        proc = subprocess.run(
            [*CLI, "tally", "close", "--early", "--election", str(served.folder)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert f"voting closed at board entry {before + 1}" in proc.stdout
        body = c.get("/api/election").json()
        assert body["phase"] == "decrypting"
        assert body["size"] == before + 2 + len(served.manifest.regions)
        late = prepare(served.manifest, served.key, served.fresh()[11])
        problem(post(c, "/api/ballots", late.payload), 409, "voting-not-open")
        assert served.size() == body["size"]
        # After voting.close the counted ballots are fixed, and the lookup tells them.
        found = c.get(f"/api/receipts/{first.tracking_code}").json()
        assert found["latest"] is True
        assert c.get(f"/api/receipts/{superseded.tracking_code}").json()["latest"] is False

    def test_two_workers_on_one_folder(self, served: Served) -> None:
        from starlette.testclient import TestClient

        from referendum.server import create_app

        m = served.manifest
        other = TestClient(create_app(served.folder))
        with other:
            clients = [served.client, other]
            codes = []
            for n, voter in enumerate(served.fresh()[12:18]):
                prepared = prepare(m, served.key, voter, n % 2)
                r = post(clients[n % 2], "/api/ballots", prepared.payload)
                assert r.status_code == 201, r.text
                codes.append(prepared.tracking_code)
                # The other worker sees it at once, and refuses it as a replay.
                seen = clients[(n + 1) % 2].get(f"/api/receipts/{prepared.tracking_code}")
                assert seen.status_code == 200
                problem(post(clients[(n + 1) % 2], "/api/ballots", prepared.payload), 409)
            sizes = {cl.get("/api/election").json()["size"] for cl in clients}
            assert len(sizes) == 1
            entries = [cl.get("/api/board/entries").json() for cl in clients]
            assert entries[0] == entries[1]
            checkpoints = {cl.get("/api/board/checkpoint").json()["root"] for cl in clients}
            assert len(checkpoints) == 1
        other.app.state.close()  # type: ignore[attr-defined]
        with Election.open(served.folder, check=True) as election:  # every proof again
            assert election.log.audit().root.hex() == checkpoints.pop()
            assert election.state.counts.ballots == served.demo.ballots + 6

    def test_two_machines_on_one_board(self, served: Served, tmp_path: Path) -> None:
        """Two services, each with a folder of its own (another machine), on one board: the
        board's writer lock, not the folders' locks, keeps them from appending against a
        stale view. Each ballot is sent through both at the same moment: one is taken,
        the other refused as a repeat, and the board stays valid."""
        from starlette.testclient import TestClient

        from referendum.server import create_app

        m = served.manifest
        second = tmp_path / "second-machine"
        shutil.copytree(served.folder, second, ignore=shutil.ignore_patterns("*.sqlite*", ".lock"))
        config = json.loads((second / "election.json").read_text())
        if "://" not in config["store"]:  # SQLite: the same file, reached from elsewhere
            config["store"] = str((served.folder / config["store"]).resolve())
        (second / "election.json").write_text(json.dumps(config))
        other = TestClient(create_app(second))
        clients = [served.client, other]
        before = served.size()
        statuses = []
        with other, ThreadPoolExecutor(2) as pool:
            for n, voter in enumerate(served.fresh()[:6]):
                payload = prepare(m, served.key, voter, n % 2).payload
                start = threading.Barrier(2)

                def send(client: TestClient, payload: Any = payload, start: Any = start) -> int:
                    start.wait()
                    return post(client, "/api/ballots", payload).status_code

                statuses.append(sorted(pool.map(send, clients)))
        other.app.state.close()  # type: ignore[attr-defined]
        assert statuses == [[201, 409]] * 6, statuses
        assert served.size() == before + 6
        with Election.open(served.folder, check=True) as election:  # every rule, every proof
            assert election.state.counts.ballots == served.demo.ballots + 6

    def test_a_board_rolled_back_behind_the_service_is_a_503(self, served: Served) -> None:
        """The store lost its last entry (restored from an older backup): the service
        refuses to answer from a board shorter than the one it has seen, and appends
        nothing, until it is restarted on purpose."""
        m = served.manifest
        store = served.app.state.service.election.store
        size = served.size()
        with store._lock, store._transaction():  # behind the store's back, as a restore would
            log_id = store._log_id(m.id)
            store._run("DELETE FROM board_entry WHERE log_id = ? AND idx = ?", (log_id, size - 1))
            store._run("UPDATE board_log SET size = ? WHERE id = ?", (size - 1, log_id))
        body = problem(served.client.get("/api/election"), 503, "board-unavailable")
        assert "rolled back" in body["detail"]
        prepared = prepare(m, served.key, served.fresh()[0])
        problem(post(served.client, "/api/ballots", prepared.payload), 503, "board-unavailable")
        assert store.size(m.id) == size - 1

    # -- routes ---------------------------------------------------------------------------------

    def test_unknown_routes_and_methods_are_problems(self, served: Served) -> None:
        c = served.client
        body = problem(c.get("/api/nothing"), 404)
        assert body["type"] == "about:blank" and "/api/nothing" in body["detail"]
        problem(c.get("/api/election/"), 404)
        r = c.delete("/api/election")
        problem(r, 405)
        assert "GET" in r.headers["allow"]
        problem(c.get("/api/ballots"), 405)
        problem(c.put("/api/challenges", content=b"{}"), 405)

    def test_every_answer_carries_the_security_headers(self, served: Served) -> None:
        for r in (served.client.get("/api/election"), served.client.get("/nothing")):
            assert r.headers["content-security-policy"].startswith("default-src 'self'")
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "no-referrer"

    def test_openapi_document(self, served: Served) -> None:
        document = served.client.get("/openapi.json").json()
        assert document["openapi"].startswith("3.1")
        served_paths = {getattr(route, "path", None) for route in served.app.routes} - {None}
        documented = {p.replace("{name}", "{name:path}") for p in document["paths"]}
        assert documented == served_paths
        for path, item in document["paths"].items():
            for method, operation in item.items():
                assert operation["responses"], (path, method)


def board_folder(served: Served) -> Path:
    return served.folder
