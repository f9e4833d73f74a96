"""Properties of whole ceremonies over random policies and random absent trustees
(docs/protocol.md sections 11.1, 11.5, 11.7, 11.9).

A policy here: 2-6 trustees in 1-4 groups, 1-3 clauses over distinct sets of groups,
each with a random threshold. The absent trustees post nothing; every step they hold
open is closed at its deadline by the witnesses.
"""

from __future__ import annotations

from typing import Any

from ceremony_fixtures import G, Run, start
from hypothesis import event, given, settings
from hypothesis import strategies as st

from referendum.ceremony import TrusteeState
from referendum.group import RISTRETTO255 as GROUP
from referendum.group import Scalar
from referendum.sharing import interpolate_at_zero

# A whole ceremony of up to 6 trustees and 3 clauses costs a few hundred milliseconds.
CEREMONIES = settings(max_examples=30, deadline=None)


@st.composite
def policies(draw: st.DrawFn) -> tuple[list[str], list[dict[str, Any]]]:
    """(group of each trustee, policy clauses)."""
    n = draw(st.integers(2, 6), label="n")
    g = draw(st.integers(1, min(4, n)), label="groups")
    names = [f"g{x}" for x in range(g)]
    # every group has a trustee: the first g trustees take one each, in a drawn order
    groups = draw(st.permutations(names)) + [draw(st.sampled_from(names)) for _ in range(n - g)]
    chosen = draw(
        st.lists(
            st.sets(st.sampled_from(names), min_size=1),
            min_size=1,
            max_size=3,
            unique_by=frozenset,
        ),
        label="clauses",
    )
    clauses = []
    for of in chosen:
        members = sum(1 for x in groups if x in of)
        threshold = draw(st.integers(1, members))
        clauses.append({"at_least": threshold, "of": sorted(of)})
    return groups, clauses


def secret(run: Run, i: int, c: int) -> Scalar:
    """Dealer i's clause c secret a_ic0, from its state file form."""
    entry = next(e for e in run.states[i].to_json()["clauses"] if e["clause"] == c)
    return GROUP.scalar(bytes.fromhex(entry["coefficients"][0]))


def ceremony(
    setup: tuple[list[str], list[dict[str, Any]]], absent: set[int], seed: str = "prop"
) -> Run:
    groups, policy = setup
    run = start(len(groups), 1, seed, groups=groups, policy=policy, absent=absent)
    run.to_the_end()
    return run


@CEREMONIES
@given(policies(), st.data())
def test_the_ceremony_completes_iff_the_present_meet_every_clause(
    setup: tuple[list[str], list[dict[str, Any]]], data: st.DataObject
) -> None:
    n = len(setup[0])
    absent = data.draw(st.sets(st.integers(1, n), max_size=n), label="absent")
    run = ceremony(setup, absent)
    board = run.board
    clauses = run.manifest.policy.clauses
    present = [j for j in range(1, n + 1) if j not in absent]
    short = [c for c in clauses if not c.met_by(present)]
    assert board.complete == (not short)
    event("failed" if short else "complete")
    assert board.qualified == {
        c.number: tuple(j for j in c.members if j not in absent) for c in clauses
    }
    if short:
        assert board.phase() == "failed"
        assert board.failed is not None
        for c in clauses:
            assert (f"clause {c.number} (" in board.failed) == (c in short)
        return
    # K = g^(sum over the clauses of the sum of their qualified dealers' secrets)
    total = GROUP.scalar_from_int(0)
    for c in clauses:
        for i in board.qualified[c.number]:
            total = total + secret(run, i, c.number)
    assert board.public_key == G**total
    # every member's share, the absent's computed afterwards from the board, fits K_jc
    for j in absent:
        run.states[j] = TrusteeState.new(run.manifest, run.keys[j - 1], run.rng)
        run.states[j].final_shares_from(run.manifest, board)
    for (c, j), share in board.public_shares.items():
        assert G ** run.states[j].final_shares[c] == share
    # and threshold many of a clause's members rebuild its part of the secret
    for c in clauses:
        some = c.members[: c.threshold]
        part = interpolate_at_zero(GROUP, {j: run.states[j].final_shares[c.number] for j in some})
        want = GROUP.scalar_from_int(0)
        for i in board.qualified[c.number]:
            want = want + secret(run, i, c.number)
        assert part == want


@CEREMONIES
@given(policies(), st.data())
def test_silent_cheats_leave_exactly_the_clauses_they_cheated_in(
    setup: tuple[list[str], list[dict[str, Any]]], data: st.DataObject
) -> None:
    groups, policy = setup
    n = len(groups)
    run = start(n, 1, "cheats", groups=groups, policy=policy)
    clauses = run.manifest.policy.clauses
    # a cheat deals one bad share in one clause of its own with another member
    options = [(c.number, i, j) for c in clauses for i in c.members for j in c.members if i != j]
    if not options:
        return
    cheats = data.draw(st.lists(st.sampled_from(options), max_size=3), label="cheats")
    bad: dict[int, list[tuple[int, int]]] = {}
    for c, i, j in cheats:
        bad.setdefault(i, []).append((c, j))
    run.commit_all()
    run.share_all(bad=bad)
    run.check_all()
    run.reveal_all(skip=bad)
    run.close_if_open("reveal")
    out = {(c, i) for c, i, _ in cheats}
    event("failed" if run.board.failed else "complete")
    assert set(run.board.disqualified) == out
    assert all("did not answer" in why for why in run.board.disqualified.values())
    for c in clauses:
        left = [i for i in c.members if (c.number, i) not in out]
        assert run.board.qualified[c.number] == tuple(left)
    assert (run.board.failed is None) == all(
        len(run.board.qualified[c.number]) >= c.threshold for c in clauses
    )
