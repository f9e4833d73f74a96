"""Properties of whole ceremonies on small random setups (docs/protocol.md section 11)."""

from __future__ import annotations

from itertools import combinations

import pytest
from ceremony_fixtures import Run, start
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.ceremony import KIND_CHECK, KIND_REVEAL, CeremonyError
from referendum.group import RISTRETTO255 as GROUP
from referendum.sharing import interpolate_at_zero, joint_public_key

G = GROUP.generator
# A whole ceremony for n <= 4 costs a few tens of milliseconds.
CEREMONIES = settings(max_examples=25, deadline=None)


@st.composite
def setups(draw: st.DrawFn) -> tuple[int, int, str]:
    n = draw(st.integers(min_value=1, max_value=4))
    k = draw(st.integers(min_value=1, max_value=n))
    return n, k, draw(st.text(alphabet="abcdef0123456789", min_size=1, max_size=8))


@CEREMONIES
@given(setups())
def test_any_k_final_shares_reconstruct_the_same_secret(setup: tuple[int, int, str]) -> None:
    n, k, seed = setup
    run = start(n, k, seed)
    run.commit_all()
    run.share_all()
    run.check_all()
    run.reveal_all()
    run.confirm_all()
    shares = {j: run.states[j].final_share for j in range(1, n + 1)}
    secrets = {
        interpolate_at_zero(GROUP, {j: shares[j] for j in quorum})
        for quorum in combinations(range(1, n + 1), k)
    }
    assert len(secrets) == 1
    assert G ** secrets.pop() == run.board.public_key


def _cheating(setup: tuple[int, int, str], data: st.DataObject) -> tuple[Run, set[int]] | None:
    """A ceremony in which a drawn set of dealers each deal one bad share; checks are in."""
    n, k, seed = setup
    if n < 2:
        return None
    cheats = data.draw(st.sets(st.integers(1, n), min_size=1, max_size=n), label="cheats")
    run = start(n, k, seed)
    run.commit_all()
    run.share_all(bad={i: [j for j in range(1, n + 1) if j != i][:1] for i in cheats})
    run.check_all()
    return run, cheats


@CEREMONIES
@given(setups(), st.data())
def test_dealers_that_never_answer_block_every_confirm(
    setup: tuple[int, int, str], data: st.DataObject
) -> None:
    drawn = _cheating(setup, data)
    if drawn is None:
        return
    run, cheats = drawn
    run.reveal_all(skip=cheats)
    assert (run.board.phase(), run.board.waiting_for()) == ("reveal", sorted(cheats))
    for j in range(1, run.n + 1):
        with pytest.raises(ValueError, match=r"(is|are) not answered yet"):
            run.states[j].confirm_message(run.manifest, run.board, run.rng)
    with pytest.raises(CeremonyError, match="QUAL is not decided yet"):
        run.board.qualification()


@CEREMONIES
@given(setups(), st.data())
def test_dealers_whose_reveals_fail_are_left_out(
    setup: tuple[int, int, str], data: st.DataObject
) -> None:
    drawn = _cheating(setup, data)
    if drawn is None:
        return
    run, cheats = drawn
    n, k = run.n, run.manifest.quorum
    for dealer, complainer in run.board.pending_reveals():
        run.post(KIND_REVEAL, run.bad_reveal(dealer, complainer))
    assert run.board.refuted() == {}
    honest = tuple(i for i in range(1, n + 1) if i not in cheats)
    if len(honest) < k:
        for j in range(1, n + 1):
            with pytest.raises(CeremonyError, match="the ceremony failed"):
                run.states[j].confirm_message(run.manifest, run.board, run.rng)
        assert run.board.phase() == "confirm" and run.board.public_shares == {}
        return
    # Every trustee confirms, cheats included: they still hold shares of QUAL's dealers.
    run.confirm_all()
    assert run.board.qualified == honest
    assert set(run.board.disqualified) == cheats
    assert run.board.public_key == joint_public_key(
        GROUP, [run.board.commitments(i) for i in honest]
    )
    quorum = tuple(range(n - k + 1, n + 1))
    secret = interpolate_at_zero(GROUP, {j: run.states[j].final_share for j in quorum})
    assert G**secret == run.board.public_key


@CEREMONIES
@given(setups(), st.data())
def test_baseless_complaints_never_remove_an_honest_dealer(
    setup: tuple[int, int, str], data: st.DataObject
) -> None:
    n, k, seed = setup
    run = start(n, k, seed)
    run.commit_all()
    run.share_all()  # every share is good
    lies: dict[int, list[int]] = {}
    for j in range(1, n + 1):
        assert run.states[j].check_message(run.manifest, run.board)["complaints"] == []
        others = [i for i in range(1, n + 1) if i != j]
        against = sorted(data.draw(st.sets(st.sampled_from(others)) if others else st.just(set())))
        complaints = [{"against": i, "reason": "no reason at all"} for i in against]
        run.post(KIND_CHECK, run.sign(j, KIND_CHECK, {"trustee": j, "complaints": complaints}))
        run.states[j]._complained = tuple(against)  # its software posted the lie itself
        if against:
            lies[j] = against
    for j in range(1, n + 1):  # the liars try to confirm before any answer
        if lies:
            with pytest.raises(ValueError, match="not answered yet"):
                run.states[j].confirm_message(run.manifest, run.board, run.rng)
    run.reveal_all()
    run.confirm_all()
    assert run.board.qualified == tuple(range(1, n + 1))
    assert run.board.refuted() == lies
