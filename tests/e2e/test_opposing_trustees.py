"""Trustees from opposing sides, each its own process and folder, over real HTTP (issue 13).

Seven trustees in three groups (two per side, three neutral observers) under the policy
"any 4 of the 7, at least 2 of them neutral". The manifest gives each ceremony step a
deadline a few seconds apart, in real time, and two witnesses co-sign with their own
clocks. Trustee 4 misses the whole ceremony; trustee 2 deals trustee 5 a bad share and
never answers the complaint. Closing a step before its deadline is refused; after it,
any party closes it with the witnesses' co-signatures. The ceremony completes without
the absent trustee, the cheat is named and left out of its clause, trustee 4 comes to
the count with the shares the board holds for it, trustee 1 stays away from the count,
and the outside verifier confirms the results and who took part. Then, from the
decryption shares on the board, every coalition the policy allows decrypts the same
counts and every coalition it forbids does not.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_parties_over_http import block, run, serve, stop

from referendum.canonical import parse_json
from referendum.ceremony import TrusteeKeys, TrusteeState, seal
from referendum.demo_manifest import TEMPLATE
from referendum.group import RISTRETTO255 as G
from referendum.manifest import Manifest
from referendum.replay import Replay
from referendum.signing import sign_message
from referendum.tally import TallyError, combine

CLI = [sys.executable, "-m", "referendum.cli"]
GROUPS = ["ukraine", "ukraine", "russia", "russia", "neutral", "neutral", "neutral"]
POLICY = (
    'policy = [{ at_least = 4, of = ["ukraine", "russia", "neutral"] },'
    ' { at_least = 2, of = ["neutral"] }]'
)
ABSENT_CEREMONY = 4
CHEAT = 2  # deals trustee 5 a bad share, never answers the complaint
ABSENT_COUNT = 1
STEP = 20  # seconds between deadlines
_TIME = "%Y-%m-%dT%H:%M:%SZ"


def _at(moment: dt.datetime) -> str:
    return moment.strftime(_TIME)


def _sleep_until(moment: dt.datetime) -> None:
    wait = (moment - dt.datetime.now(dt.UTC)).total_seconds()
    if wait > 0:
        time.sleep(wait + 1.5)


def _post_bad_shares(url: str, folder: Path, manifest: Manifest) -> None:
    """Trustee CHEAT's shares message, with the share sealed to trustee 5 off by one."""
    keys = TrusteeKeys.from_json(json.loads((folder / "trustee-keys.json").read_text()))
    state = TrusteeState.from_json(json.loads((folder / "trustee-state.json").read_text()))
    honest = state.shares_message(manifest)
    shares = []
    for entry in honest["shares"]:
        if entry["to"] == 5:
            (clause,) = [c for c in manifest.policy.clauses_of(CHEAT) if 5 in c.members]
            good = state._polynomials[clause.number].evaluate(5)  # the cheat reads its own secret
            bad = good + G.scalar_from_int(1)
            key = manifest.trustee(5).encryption_key
            entry = {**entry, "sealed": seal(bad.to_bytes(), key).hex()}
        shares.append(entry)
    body = {"trustee": CHEAT, "shares": shares}
    payload = sign_message(keys.signing, manifest.fingerprint, "ceremony.shares", body)
    answer = httpx.post(
        f"{url}/api/board/messages", json={"kind": "ceremony.shares", "payload": payload}
    )
    assert answer.status_code == 201, answer.text


@pytest.fixture(scope="module")
def referendum(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    root = tmp_path_factory.mktemp("opposing")
    trustees = [root / f"trustee-{n}" for n in range(1, 8)]
    blocks = [
        block(run("trustee", "keygen", "--dir", str(d), "--name", f"T{n}", "--group", g))
        for n, (d, g) in enumerate(zip(trustees, GROUPS, strict=True), 1)
    ]
    registrar = root / "registrar"
    blocks.append(
        block(run("credentials", "keygen", "--dir", str(registrar), "--id", "cec", "--name", "CEC"))
    )
    witnesses = [root / f"witness-{n}" for n in (1, 2)]
    blocks += [
        block(run("witness", "keygen", "--dir", str(w), "--name", f"observer-{n}"))
        for n, w in enumerate(witnesses, 1)
    ]
    # The commitment deadline leaves time for init, serve, six commits and the early
    # attempts on a slow, busy machine: they must all come before it.
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=90)
    deadlines = {
        step: start + dt.timedelta(seconds=STEP * n)
        for n, step in enumerate(("commitment", "shares", "check", "reveal", "confirm"))
    }
    opens, closes = deadlines["confirm"], deadlines["confirm"] + dt.timedelta(days=1)
    text = (
        TEMPLATE.replace('policy = [{ at_least = 3, of = ["trustees"] }]', POLICY)
        .replace("codes_per_voter = 2", "codes_per_voter = 1")  # one registrar: a rehearsal
        .replace('opens = "2027-03-01T06:00:00Z"', f'opens = "{_at(opens)}"')
        .replace('closes = "2027-03-14T18:00:00Z"', f'closes = "{_at(closes)}"')
    )
    table = "[ceremony]\n" + "".join(f'{s} = "{_at(t)}"\n' for s, t in deadlines.items())
    manifest_file = root / "manifest.toml"
    manifest_file.write_text(text + "\n" + "\n".join(blocks) + "\n" + table)
    board = root / "operator" / "board"
    out = run("init", str(manifest_file), "--election", str(board)).stdout
    fingerprint = re.search(r"fingerprint ([0-9a-f]{64})", out).group(1)
    manifest = Manifest.from_json(parse_json((board / "manifest.json").read_bytes()))
    server, url = serve(board, root / "operator" / "serve.log")
    observer = root / "observer"
    at = ["--board", url, "--fingerprint", fingerprint]
    log: dict[str, str] = {}

    def trustee(n: int, step: str, *, ok: bool = True) -> subprocess.CompletedProcess[str]:
        return run("trustee", step, "--dir", str(trustees[n - 1]), *at, ok=ok)

    def close_after(step: str) -> str:
        """Once the deadline has passed, the witnesses co-sign the board (unchanged since
        their last co-signature, at times before the deadline): the board closes the
        step itself, nobody posts the close."""
        _sleep_until(deadlines[step])
        for w in witnesses:
            run("witness", "cosign", "--dir", str(w), *at)
        return run("trustee", "status", "--dir", str(observer), *at).stdout

    try:
        present = [n for n in range(1, 8) if n != ABSENT_CEREMONY]
        for n in present:
            trustee(n, "commit")
        early = run("trustee", "close", "--dir", str(observer), *at, ok=False)
        log["early"] = early.stderr
        log["early_code"] = str(early.returncode)
        for w in witnesses:  # co-signed now, before the deadline: still refused
            run("witness", "cosign", "--dir", str(w), *at)
        early = run("trustee", "close", "--dir", str(observer), *at, ok=False)
        log["early_cosigned"] = early.stderr
        assert dt.datetime.now(dt.UTC) < deadlines["commitment"], "the machine was too slow"
        log["close_commitment"] = close_after("commitment")
        for n in present:
            if n == CHEAT:
                _post_bad_shares(url, trustees[n - 1], manifest)
            else:
                trustee(n, "shares")
        for n in present:
            trustee(n, "check")
        log["close_check"] = close_after("check")
        log["status_reveal"] = run("trustee", "status", "--dir", str(observer), *at).stdout
        log["close_reveal"] = close_after("reveal")  # the cheat never answers
        for n in present:
            trustee(n, "confirm")
        log["close_confirm"] = close_after("confirm")
        log["status"] = run("trustee", "status", "--dir", str(observer), *at).stdout

        sheet = registrar / "codes.txt"
        run("credentials", "issue", "--dir", str(registrar), *at, "--region", "donetsk",
            "--count", "3", "--out", str(sheet))  # fmt: skip
        for region in ("luhansk", "kherson", "zaporizhzhia"):
            run("credentials", "issue", "--dir", str(registrar), *at, "--region", region,
                "--count", "1", "--out", str(registrar / f"{region}.txt"))  # fmt: skip
        codes = [x.split(",")[2] for x in sheet.read_text().splitlines() if not x.startswith("#")]
        for w in witnesses:
            run("witness", "cosign", "--dir", str(w), *at)
        run("open", "--election", str(board))
        for code, choice in zip(codes, ("ukraine", "ukraine", "russia"), strict=True):
            run("vote", *at, "--code", code, "--choice", f"status={choice}")
        run("tally", "close", "--early", "--election", str(board))
        for w in witnesses:
            run("witness", "cosign", "--dir", str(w), *at)
        for n in range(1, 8):
            if n != ABSENT_COUNT:
                log[f"decrypt_{n}"] = trustee(n, "decrypt").stdout
        run("tally", "publish", "--election", str(board))
        for w in witnesses:
            run("witness", "cosign", "--dir", str(w), *at)
        record = root / "record"
        run("export", "--election", str(board), "--record", str(record))
        yield {"record": record, "fingerprint": fingerprint, "log": log, "manifest": manifest}
    finally:
        stop(server)


def test_a_step_does_not_close_before_its_deadline(referendum: dict[str, object]) -> None:
    log = referendum["log"]
    assert isinstance(log, dict)
    assert log["early_code"] != "0"
    assert "no witness has co-signed the board's current" in log["early"]
    # Co-signed, but at times before the deadline: the board refuses the close.
    assert "before its deadline" in log["early_cosigned"]
    assert "0 of the 2 witnesses it needs co-signed at or after it" in log["early_cosigned"]


def test_the_ceremony_completes_without_the_absent_and_names_the_cheat(
    referendum: dict[str, object],
) -> None:
    log = referendum["log"]
    assert isinstance(log, dict)
    for step in ("commitment", "check", "reveal", "confirm"):
        assert re.search(
            rf"step {step}: closed at its deadline by board entry \d+", log[f"close_{step}"]
        ), log[f"close_{step}"]
    assert "step shares: closed: everyone due posted" in log["close_check"]
    assert "trustee 5 complained about trustee 2 (clause 1)" in log["status_reveal"]
    status = log["status"]
    assert "ceremony phase: complete" in status
    assert "clause 1: qualified dealers 1, 3, 5, 6, 7" in status
    assert "clause 2: qualified dealers 5, 6, 7" in status
    assert "trustee 4 out of clause 1: posted no commitment" in status
    assert "trustee 2 out of clause 1: did not answer trustee 5's complaint" in status


def test_the_verifier_confirms_the_count_and_who_took_part(referendum: dict[str, object]) -> None:
    proc = run("verify", str(referendum["record"]), "--fingerprint",
               str(referendum["fingerprint"]), "--json")  # fmt: skip
    report = json.loads(proc.stdout)
    assert report["ok"] is True
    counts = {r["region"]: r["questions"][0]["counts"] for r in report["results"]["regions"]}
    assert counts["donetsk"] == [2, 1]
    assert report["results"]["quorums"] == [[2, 3, 4, 5], [5, 6]]
    assert report["results"]["trustees"] == [2, 3, 4, 5, 6]
    closed = set(report["ceremony_closed_at_deadline"])
    assert closed == {"commitment", "check", "reveal", "confirm"}
    text = run("verify", str(referendum["record"])).stdout
    assert "trustee 2 out of clause 1 in the ceremony: did not answer trustee 5's complaint" in text
    # One registrar issued every credential: the verifier says it is a rehearsal (10.1).
    assert report["credentials"] == {
        "codes_per_voter": 1,
        "rehearsal": True,
        "co_issuers": {r: ["cec"] for r in ("donetsk", "luhansk", "kherson", "zaporizhzhia")},
    }
    assert (
        "rehearsal: one registrar per region (codes_per_voter = 1): a registrar that kept its"
        " codes could vote for abstainers"
    ) in text


def _replayed(record: Path, manifest: Manifest) -> Replay:
    state = Replay(manifest)
    with open(record / "board.jsonl", "rb") as lines:
        for line in lines:
            entry = parse_json(line.rstrip(b"\n"))
            state.apply(entry["index"], entry["kind"], entry["payload"])
    return state


def test_allowed_coalitions_decrypt_and_forbidden_ones_do_not(
    referendum: dict[str, object],
) -> None:
    manifest = referendum["manifest"]
    assert isinstance(manifest, Manifest)
    state = _replayed(Path(str(referendum["record"])), manifest)
    valid = state.decryptions
    assert sorted(valid) == [2, 3, 4, 5, 6, 7]
    want = state.results
    assert want is not None
    policy = manifest.policy
    allowed = forbidden = 0
    for size in range(1, len(valid) + 1):
        for coalition in itertools.combinations(sorted(valid), size):
            shares = {i: valid[i] for i in coalition}
            if policy.met_by(coalition):
                got = combine(manifest, state.tallies, shares, [], state.eligible())
                assert got.counts == want.counts, coalition
                allowed += 1
            else:
                with pytest.raises(TallyError, match="do not meet the policy"):
                    combine(manifest, state.tallies, shares, [], state.eligible())
                forbidden += 1
    assert allowed and forbidden
    # What a forbidden coalition holds does not decrypt: both sides together (2, 3, 4)
    # and one neutral (5) interpolate clause 2's secret from one share of a 2-of-3.
    tally = state.tallies[0]
    (qid, cts) = next(iter(tally.totals.items()))
    ct = cts[0]
    from referendum.sharing import lagrange_coefficient

    guess = G.identity
    for c, members in ((1, [2, 3, 4, 5]), (2, [5])):
        for i in members:
            share = valid[i].shares[(c, tally.region, qid, 0)]
            guess = guess * share ** lagrange_coefficient(G, i, members)
    counted = state.results.counts[tally.region][qid][0] if state.results else 0
    assert ct.beta / guess != G.generator ** G.scalar_from_int(counted)
