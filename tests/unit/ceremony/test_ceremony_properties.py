"""Properties of whole ceremonies on small random setups (docs/protocol.md section 11)."""

from __future__ import annotations

from itertools import combinations

import pytest
from ceremony_fixtures import start
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.ceremony import KIND_CONFIRM, CeremonyError
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


@CEREMONIES
@given(setups(), st.data())
def test_dealers_that_never_answer_are_left_out(
    setup: tuple[int, int, str], data: st.DataObject
) -> None:
    n, k, seed = setup
    if n < 2:
        return
    cheats = data.draw(st.sets(st.integers(1, n), min_size=1, max_size=n), label="cheats")
    run = start(n, k, seed)
    run.commit_all()
    run.share_all(bad={i: [j for j in range(1, n + 1) if j != i][:1] for i in cheats})
    run.check_all()
    run.reveal_all(skip=cheats)
    honest = tuple(i for i in range(1, n + 1) if i not in cheats)
    if len(honest) < k:
        with pytest.raises(CeremonyError, match="the ceremony failed"):
            run.board.qualification().require_quorum(k, "board")
        if honest:
            with pytest.raises(CeremonyError, match="the ceremony failed"):
                run.states[honest[0]].confirm_message(run.manifest, run.board, run.rng)
        assert run.board.phase() == "confirm" and run.board.public_shares == {}
        return
    # An honest trustee confirms first: a cheat's own software would wait for its reveals.
    for j in honest + tuple(sorted(cheats)):
        run.post(KIND_CONFIRM, run.states[j].confirm_message(run.manifest, run.board, run.rng))
    assert run.board.qualified == honest
    assert set(run.board.disqualified) == cheats
    assert run.board.public_key == joint_public_key(
        GROUP, [run.board.commitments(i) for i in honest]
    )
    quorum = tuple(range(n - k + 1, n + 1))
    secret = interpolate_at_zero(GROUP, {j: run.states[j].final_share for j in quorum})
    assert G**secret == run.board.public_key
