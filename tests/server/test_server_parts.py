"""The server's parts on their own: body limit, rate limit, problems, the demo folder."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from referendum.canonical import canonical_json
from referendum.election import Election
from referendum.server.demo import DemoElection
from referendum.server.limits import default_body_limit
from referendum.server.problems import Problem
from referendum.server.rate import RateLimit, RateLimiter, parse_rate


def test_parse_rate() -> None:
    assert parse_rate("10/60") == RateLimit(10, 60)
    assert parse_rate(" 1/1 ") == RateLimit(1, 1)
    assert str(RateLimit(3, 7)) == "3/7"
    for bad in ("0/60", "10/0", "10", "10/-1", "a/b", "1.5/60", "10/60/1"):
        with pytest.raises(ValueError, match="N/SECONDS"):
            parse_rate(bad)


def test_buckets_are_shared_through_the_file(tmp_path: Path) -> None:
    now = [0.0]
    a = RateLimiter(tmp_path, RateLimit(2, 10), clock=lambda: now[0])
    b = RateLimiter(tmp_path, RateLimit(2, 10), clock=lambda: now[0])  # another worker
    assert a.take("k") is None
    assert b.take("k") is None
    wait = a.take("k")
    assert wait == pytest.approx(5.0)
    assert RateLimiter.retry_after(wait) == "5"
    assert b.take("other") is None  # per credential
    now[0] = 5.0
    assert b.take("k") is None
    assert a.take("k") is not None
    now[0] = 100.0  # a full bucket holds at most `requests` tokens
    assert [a.take("k") for _ in range(3)][:2] == [None, None]
    assert RateLimiter.retry_after(0.2) == "1"
    a.close()
    b.close()


def test_the_body_limit_bounds_the_largest_payload(template: DemoElection) -> None:
    with Election.open(template.election) as election:
        manifest = election.manifest
    limit = default_body_limit(manifest)
    # The demo's real challenged ballot (entry of kind spoiled) fits many times over.
    with Election.open(template.election) as election:
        spoiled = next(e for e in election.log.entries() if e.kind == "spoiled")
    assert 2 * len(spoiled.payload) < limit < 64 * 1024


def test_problem_documents() -> None:
    p = Problem(409, "not-counted", "Not counted yet", "phase 'voting'")
    assert p.to_json() == {
        "type": "https://referendum.invalid/problems/not-counted",
        "title": "Not counted yet",
        "status": 409,
        "detail": "phase 'voting'",
    }
    assert Problem(404, None, "Not found", "x").to_json()["type"] == "about:blank"


def test_the_demo_folder(template: DemoElection) -> None:
    folder = template.folder
    lines = (folder / "codes.txt").read_text().splitlines()
    assert len(lines) == len(template.codes)
    assert all(len(line.split(" ")) == 3 for line in lines)  # region, one code per registrar
    assert stat.S_IMODE((folder / "codes.txt").stat().st_mode) == 0o600
    for n in range(1, 8):  # the demo's seven trustees
        for name in ("trustee-keys.json", "trustee-state.json"):
            path = folder / f"trustee-{n}" / name
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
    witness = json.loads((folder / "witness-1" / "witness.json").read_text())
    assert witness["format"] == "referendum-witness/1" and witness["latest"]
    script = (folder / "count.sh").read_text()
    assert "tally close --election election --early" in script
    assert script.count("trustee decrypt") == 1 and "for t in 1 3 5 6" in script
    tried = template.to_try(3)
    assert len({region for region, _ in tried}) == 3
    assert not set(tried) & set(template.codes[: template.voted])
    with Election.open(template.election) as election:
        assert election.state.phase == "voting"
        counts = election.state.counts
        assert (counts.ballots, counts.spoiled) == (template.ballots, template.challenged)
        assert election.cosigned()[-1].checkpoint.size == election.log.size()
    assert canonical_json(witness["name"])  # a text name


def test_prepare_demo_refuses_bad_options(tmp_path: Path) -> None:
    from referendum.server.demo import prepare_demo

    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("")
    with pytest.raises(ValueError, match="not empty"):
        prepare_demo(tmp_path / "used")
    with pytest.raises(ValueError, match="at least 4"):
        prepare_demo(tmp_path / "a", voters=3)
    with pytest.raises(ValueError, match="postgresql://"):
        prepare_demo(tmp_path / "b", store="/tmp/x.sqlite")
