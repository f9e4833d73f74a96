"""vectors/decryption/ against the code (protocol.md section 14).

The board's entries are replayed through Replay, as a board server or the verifier
would; each corrupted case replays its prefix, then offers its entry. Every case has
want_err "invalid" and an outcome: "refused" (the board does not take it: steps 1 to 4
of 14.2, or a results entry that is not the recomputed one) or "rejected" (the board
keeps it and names the trustee as rejected, with the reason; none of its shares is
used). error is a part of the refusal's text, or of the rejection's reason.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from referendum.canonical import canonical_json
from referendum.errors import VerificationError
from referendum.group import RISTRETTO255 as G
from referendum.group import element_from_hex, scalar_from_hex
from referendum.manifest import Manifest
from referendum.replay import Replay
from referendum.sharing import lagrange_coefficient
from referendum.tally import TallyError, check_decryption, combine, results_payload

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "vectors" / "decryption" / "decryption.json"
VECTORS: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
MANIFEST = Manifest.from_json(VECTORS["manifest"])
ENTRIES: list[dict[str, Any]] = VECTORS["entries"]
CASES = VECTORS["invalid"]


def replay(entries: list[dict[str, Any]]) -> Replay:
    state = Replay(MANIFEST)
    for e in entries:
        state.apply(e["index"], e["kind"], e["payload"])
    return state


@cache
def _replayed(prefix: int) -> Replay:
    return replay(ENTRIES[:prefix])


def replayed(prefix: int) -> Replay:
    """A fresh state after entries[:prefix] (the ballots' proofs are checked once)."""
    return copy.deepcopy(_replayed(prefix))


def public_shares() -> dict[tuple[int, int], Any]:
    return {
        (p["clause"], p["trustee"]): element_from_hex(G, p["share"], "share")
        for p in VECTORS["public_shares"]
    }


def test_the_manifest_and_its_canonical_form() -> None:
    assert MANIFEST.canonical == VECTORS["manifest_canonical"].encode("utf-8")
    assert canonical_json(VECTORS["manifest"]) == MANIFEST.canonical
    assert MANIFEST.fingerprint.hex() == VECTORS["fingerprint"]
    assert [c.members for c in MANIFEST.policy.clauses] == [(1, 2, 3, 4), (3, 4)]


def test_the_whole_board_replays() -> None:
    state = replayed(len(ENTRIES))
    assert state.phase == "done" and state.size == len(ENTRIES)
    assert sorted(state.decryptions) == VECTORS["valid"] == [1, 2, 3, 4]
    assert state.rejected_shares == {}
    assert state.tally_state is not None
    size, root = state.tally_state
    assert {"size": size, "root": root.hex()} == VECTORS["board"]
    assert [
        {"clause": c, "trustee": j, "share": k.to_bytes().hex()}
        for (c, j), k in sorted(state.ceremony.public_shares.items())
    ] == VECTORS["public_shares"]
    assert state.results is not None
    assert results_payload(MANIFEST, state.results) == VECTORS["results"] == ENTRIES[-1]["payload"]
    assert VECTORS["results"]["trustees"] == [1, 2, 3]
    assert VECTORS["results"]["quorums"] == [[1, 2], [3]]


def test_each_decryption_checks_on_its_own() -> None:
    """check_decryption with only the public shares and the tallies (14.2, outside a board)."""
    state = replayed(len(ENTRIES))
    decryptions = [e for e in ENTRIES if e["kind"] == "decryption"]
    assert [e["payload"]["trustee"] for e in decryptions] == [1, 2, 3, 4]
    for e in decryptions:
        payload = e["payload"]
        got = check_decryption(MANIFEST, public_shares(), state.tallies, payload, "here")
        assert got == state.decryptions[payload["trustee"]]
        clauses = [c.number for c in MANIFEST.policy.clauses_of(payload["trustee"])]
        assert [c["clause"] for c in payload["clauses"]] == clauses
        assert {c for c, *_ in got.shares} == set(clauses)


def test_the_coalitions() -> None:
    """Every minimal allowed coalition decrypts the same counts; the largest forbidden do not."""
    state = replayed(len(ENTRIES))
    coalitions = VECTORS["coalitions"]
    allowed = [c["trustees"] for c in coalitions if c["want_err"] is None]
    forbidden = [c["trustees"] for c in coalitions if c["want_err"] is not None]
    assert allowed == [[1, 3], [1, 4], [2, 3], [2, 4], [3, 4]]
    assert forbidden == [[3], [4], [1, 2]]
    for item in coalitions:
        valid = {j: state.decryptions[j] for j in item["trustees"]}
        assert MANIFEST.policy.met_by(valid) is (item["want_err"] is None)
        if item["want_err"] is None:
            got = combine(MANIFEST, state.tallies, valid, [], state.eligible())
            assert results_payload(MANIFEST, got) == item["results"]
            assert item["results"]["regions"] == VECTORS["results"]["regions"]
            assert item["results"]["trustees"] == item["trustees"]
        else:
            with pytest.raises(TallyError) as info:
                combine(MANIFEST, state.tallies, valid, [], state.eligible())
            assert str(info.value) == item["error"]


def test_the_worked_combination() -> None:
    """Every intermediate value of 14.3 for one coalition, from the shares on the board."""
    worked = VECTORS["worked"]
    state = replayed(len(ENTRIES))
    assert worked["trustees"] == [2, 4] and worked["quorums"] == [[2, 4], [4]]
    for quorum, lambdas in zip(worked["quorums"], worked["lambdas"], strict=True):
        assert {str(i): lagrange_coefficient(G, i, quorum).to_bytes().hex() for i in quorum} == (
            lambdas
        )
    tallies = {t.region: t for t in state.tallies}
    assert len(worked["totals"]) == sum(
        len(cts) for t in state.tallies for cts in t.totals.values()
    )
    for row in worked["totals"]:
        tally = tallies[row["region"]]
        ct = tally.totals[row["question"]][row["option"]]
        assert ct.alpha.to_bytes().hex() == row["alpha"]
        assert ct.beta.to_bytes().hex() == row["beta"]
        alpha_x = G.identity
        for c, (quorum, lambdas) in enumerate(
            zip(worked["quorums"], worked["lambdas"], strict=True), start=1
        ):
            part = G.identity
            for i in quorum:
                share = state.decryptions[i].shares[
                    (c, row["region"], row["question"], row["option"])
                ]
                part = part * share ** scalar_from_hex(G, lambdas[str(i)], "lambda")
            assert part.to_bytes().hex() == row["alpha_x_c"][c - 1]
            alpha_x = alpha_x * part
        assert alpha_x.to_bytes().hex() == row["alpha_x"]
        assert (ct.beta / alpha_x).to_bytes().hex() == row["g_m"]
        assert G.generator ** G.scalar_from_int(row["m"]) == ct.beta / alpha_x
        assert 0 <= row["m"] <= tally.counted
    assert [r["m"] for r in worked["totals"]] == [2, 1, 2, 0, 0, 0, 0, 0]


def test_a_rejected_decryption_and_the_results_that_name_it() -> None:
    branch = VECTORS["with_rejected"]
    prefix, entries = branch["prefix"], branch["entries"]
    assert [e["index"] for e in entries] == list(range(prefix, prefix + len(entries)))
    state = replayed(prefix)
    for e in entries:
        state.apply(e["index"], e["kind"], e["payload"])
    assert state.phase == "done"
    assert {str(i): why for i, why in state.rejected_shares.items()} == branch["rejected"]
    assert sorted(state.decryptions) == [1, 3, 4]
    results = entries[-1]["payload"]
    assert results["trustees"] == [1, 3] and results["quorums"] == [[1, 3], [3]]
    assert results["rejected"] == [{"trustee": 2, "reason": branch["rejected"]["2"]}]
    assert results["regions"] == VECTORS["results"]["regions"]
    (case,) = branch["invalid"]
    entry = case["entry"]
    state = replayed(prefix)
    for e in entries:
        if e["index"] == entry["index"]:
            break
        state.apply(e["index"], e["kind"], e["payload"])
    assert case["outcome"] == "refused"
    with pytest.raises(VerificationError, match=re.escape(case["error"])):
        state.apply(entry["index"], entry["kind"], entry["payload"])


def test_the_vectors_show_what_the_brief_asks() -> None:
    descs = " ".join(c["desc"] for c in CASES)
    for words in (
        "bound to another clause",
        "bound to another trustee",
        "bound to another region",
        "bound to another question",
        "bound to another option",
        "swapped",
        "clause 1 only",
        "adds a clause 3",
        "clause 1 twice",
        "descending order (2, 1)",
        "not a member",
        "not the encoding of a group element",
        "non-canonical scalar",
        "trustee 5, which the manifest does not have",
        "not the t_c lowest valid members",
        "neither neutral",
    ):
        assert words in descs, words
    assert len(CASES) >= 15
    assert {c["outcome"] for c in CASES} == {"refused", "rejected"}


@pytest.mark.parametrize("case", CASES, ids=[c["desc"] for c in CASES])
def test_a_corrupted_entry(case: dict[str, Any]) -> None:
    state = replayed(case["prefix"])
    entry = case["entry"]
    assert entry["index"] == case["prefix"] and case["want_err"] == "invalid"
    if case["outcome"] == "refused":
        with pytest.raises(VerificationError, match=re.escape(case["error"])) as info:
            state.apply(entry["index"], entry["kind"], entry["payload"])
        assert str(info.value).startswith(f"board entry {entry['index']} ")
        assert state.size == case["prefix"]
        return
    assert case["outcome"] == "rejected"
    trustee = entry["payload"]["trustee"]
    state.apply(entry["index"], entry["kind"], entry["payload"])
    assert state.size == case["prefix"] + 1
    assert trustee not in state.decryptions
    assert case["error"] in state.rejected_shares[trustee]


def test_the_generator_writes_the_same_bytes(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "make_decryption_vectors.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "decryption.json").read_bytes() == FILE.read_bytes()
