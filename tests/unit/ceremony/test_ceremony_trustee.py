"""One trustee's keys, state file and steps (docs/protocol.md sections 11.1 and 11.8)."""

from __future__ import annotations

from typing import Any

import pytest
from ceremony_fixtures import (
    SIDES,
    SIDES_POLICY,
    Run,
    honest,
    make_keys,
    make_manifest,
    sides,
    start,
)

from referendum.canonical import canonical_json, parse_json
from referendum.ceremony import (
    KIND_CHECK,
    KIND_COMMITMENT,
    KIND_CONFIRM,
    KIND_REVEAL,
    KIND_SHARES,
    CeremonyError,
    TrusteeKeys,
    TrusteeState,
    seal,
)
from referendum.group import RISTRETTO255 as GROUP
from referendum.group import SeededRandom
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key, verify_message

G = GROUP.generator


def reload(state: TrusteeState) -> TrusteeState:
    """state through its file form: canonical JSON text and back."""
    text = canonical_json(state.to_json()).decode()
    return TrusteeState.from_json(parse_json(text, "state file"))


# --- keys -------------------------------------------------------------------------------


def test_keys_round_trip_and_public_form() -> None:
    keys = TrusteeKeys.generate(SeededRandom("k"))
    again = TrusteeKeys.from_json(keys.to_json())
    assert again == keys and again.box_public == keys.box_public
    assert keys.public_json() == {
        "signing_key": keys.signing.public.hex(),
        "encryption_key": keys.box_public.hex(),
    }
    assert keys.box_secret.hex() not in repr(keys)
    assert keys.signing.seed.hex() not in repr(keys)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "x"}, "trustee keys.format"),
        ({"signing_seed": "AB" * 32}, "trustee keys.signing_seed"),
        ({"box_secret": "00" * 31}, "trustee keys.box_secret"),
        ({"extra": 1}, "unknown field extra"),
    ],
)
def test_broken_key_files_name_the_field(change: dict[str, Any], field: str) -> None:
    value = TrusteeKeys.generate(SeededRandom("k")).to_json() | change
    with pytest.raises(ValueError, match=field):
        TrusteeKeys.from_json(value)
    with pytest.raises(ValueError, match="missing box_secret"):
        TrusteeKeys.from_json({"format": "referendum-trustee-keys/1", "signing_seed": "00" * 32})


def test_new_finds_the_index_or_refuses_strangers() -> None:
    keys = make_keys(3)
    manifest = make_manifest(keys, 2)
    assert TrusteeState.new(manifest, keys[1], SeededRandom(0)).index == 2
    with pytest.raises(ValueError, match="not a trustee's"):
        TrusteeState.new(manifest, TrusteeKeys.generate(SeededRandom("x")), SeededRandom(0))
    mixed = TrusteeKeys(keys[0].signing, keys[1].box_secret)
    with pytest.raises(ValueError, match="trustee 1: the manifest's encryption_key"):
        TrusteeState.new(manifest, mixed, SeededRandom(0))
    assert "coefficients" not in repr(TrusteeState.new(manifest, keys[0], SeededRandom(0)))


# --- state file ---------------------------------------------------------------------------


def test_state_round_trips_at_every_step_and_the_ceremony_continues() -> None:
    run = sides()
    steps = [run.commit_all, run.share_all, run.check_all, run.reveal_all, run.confirm_all]
    for step in steps:
        run.states = {i: reload(s) for i, s in run.states.items()}
        for s in run.states.values():
            assert reload(s).to_json() == s.to_json()
        step()
    assert run.board.complete
    final = {i: reload(s).final_shares for i, s in run.states.items()}
    assert final == {i: s.final_shares for i, s in run.states.items()}
    assert run.board.public_shares == {
        (c, i): G**x for i, shares in final.items() for c, x in shares.items()
    }


def test_state_file_form() -> None:
    run = sides()
    state = run.states[5].to_json()
    assert state["format"] == "referendum-trustee-state/2"
    assert [c["clause"] for c in state["clauses"]] == [1, 2]
    assert [len(c["coefficients"]) for c in state["clauses"]] == [3, 1]
    assert state["final_shares"] is None
    assert [c["clause"] for c in run.states[1].to_json()["clauses"]] == [1]


def full_state() -> dict[str, Any]:
    return honest(6, 3, groups=SIDES, policy=SIDES_POLICY).states[5].to_json()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("format",), "referendum-trustee-state/1", "trustee state.format"),
        (("index",), 0, "trustee state.index"),
        (("index",), True, "trustee state.index"),
        (("fingerprint",), "00", "trustee state.fingerprint"),
        (("clauses",), "x", "trustee state.clauses: want a list"),
        (("clauses", 0, "clause"), 0, r"trustee state.clauses\[0\].clause"),
        (("clauses", 1, "coefficients"), [], r"trustee state.clauses\[1\].coefficients"),
        (("clauses", 0, "coefficients", 1), "ff" * 32, r"clauses\[0\].coefficients\[1\]"),
        (("clauses", 0, "commitment_proof", "c"), "x", r"clauses\[0\].commitment_proof.c"),
        (("clauses", 0, "extra"), 1, r"clauses\[0\]: unknown field extra"),
        (("keys", "box_secret"), 1, "trustee state.keys.box_secret"),
        (("final_shares",), {}, "trustee state.final_shares: want a list"),
        (("final_shares", 0, "share"), "zz", r"trustee state.final_shares\[0\].share"),
        (("final_shares", 1, "clause"), "2", r"trustee state.final_shares\[1\].clause"),
        (("secret",), 1, "trustee state: unknown field secret"),
    ],
)
def test_broken_state_files_name_the_field(path: tuple[Any, ...], value: Any, field: str) -> None:
    state = full_state()
    target = state
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValueError, match=field):
        TrusteeState.from_json(state)


def test_missing_and_repeated_state_fields() -> None:
    state = full_state()
    del state["clauses"]
    with pytest.raises(ValueError, match="trustee state: missing clauses"):
        TrusteeState.from_json(state)
    state = full_state()
    state["clauses"][1]["clause"] = 1
    with pytest.raises(ValueError, match=r"clauses\[1\].clause: clause 1 appears twice"):
        TrusteeState.from_json(state)
    state = full_state()
    state["final_shares"][1]["clause"] = 1
    with pytest.raises(ValueError, match=r"final_shares\[1\].clause: clause 1 appears twice"):
        TrusteeState.from_json(state)
    with pytest.raises(ValueError, match="want an object"):
        TrusteeState.from_json([])


def test_a_state_whose_polynomials_do_not_fit_the_policy() -> None:
    run = sides()
    state = run.states[5].to_json()
    state["clauses"][0]["coefficients"].pop()  # degree 1 for a 3-of clause
    broken = TrusteeState.from_json(state)
    with pytest.raises(ValueError, match=r"the policy gives clauses and thresholds \{1: 3, 2: 1\}"):
        broken.commitment_message(run.manifest)
    state = run.states[5].to_json()
    state["clauses"].pop()
    with pytest.raises(ValueError, match="thresholds"):
        TrusteeState.from_json(state).commitment_message(run.manifest)


# --- steps out of time or place -----------------------------------------------------------


def test_steps_before_their_time() -> None:
    run = sides()
    me = run.states[1]
    run.commit_all()
    for i in (1, 3, 4):
        run.post(KIND_SHARES, run.shares(i))
    with pytest.raises(
        ValueError, match="not time to check yet: waiting for shares from trustees 2, 5, 6"
    ):
        me.check_message(run.manifest, run.board)
    with pytest.raises(ValueError, match="trustee 1: not time to confirm yet: waiting for shares"):
        me.confirm_message(run.manifest, run.board, run.rng)
    with pytest.raises(CeremonyError, match="QUAL is not decided yet"):
        me.final_shares_from(run.manifest, run.board)
    with pytest.raises(ValueError, match="trustee 1 has no final shares yet"):
        _ = me.final_shares
    assert me.reveal_messages(run.manifest, run.board) == []
    for i in (2, 5, 6):
        run.post(KIND_SHARES, run.shares(i))
    run.post(KIND_CHECK, me.check_message(run.manifest, run.board))
    with pytest.raises(ValueError, match="waiting for checks from trustees 2, 3, 4, 5, 6"):
        me.confirm_message(run.manifest, run.board, run.rng)


def test_a_state_refuses_another_referendum() -> None:
    run = start(3, 2)
    other = start(3, 2, rid="other-2027")  # the same keys, another manifest
    run.commit_all()
    with pytest.raises(ValueError, match="belongs to another referendum"):
        run.states[1].commitment_message(other.manifest)
    with pytest.raises(ValueError, match="another referendum"):
        run.states[1].shares_message(other.manifest, run.rng)
    with pytest.raises(ValueError, match="the board is another referendum's"):
        run.states[1].check_message(run.manifest, other.board)
    with pytest.raises(ValueError, match="the board is another referendum's"):
        run.states[1].final_shares_from(run.manifest, other.board)


def test_a_state_refuses_a_board_with_other_commitments() -> None:
    run = start(3, 2)
    run.commit_all()
    stranger = TrusteeState.new(run.manifest, run.keys[0], SeededRandom("again"))
    with pytest.raises(ValueError, match="other commitments than this state's"):
        stranger.check_message(run.manifest, run.board)


def bad_share_run() -> Run:
    """The sides ceremony: dealer 2 sends trustee 3 a bad clause 1 share, dealer 6
    sends trustee 5 a bad clause 2 share; every check is in."""
    run = sides()
    run.commit_all()
    run.share_all(bad={2: [(1, 3)], 6: [(2, 5)]})
    run.check_all()
    return run


def test_check_complains_about_bad_shares_clause_by_clause() -> None:
    run = bad_share_run()
    why = "the share does not match the dealer's commitments"
    assert run.board.complaints_by(3) == {(1, 2): why}
    assert run.board.complaints_by(5) == {(2, 6): why}
    assert run.board.complaints_by(1) == {}
    assert run.board.pending_reveals() == [(1, 2, 3), (2, 6, 5)]
    assert run.board.waiting_for() == [2, 6]


def test_unopenable_and_non_scalar_boxes_draw_complaints() -> None:
    run = start(3, 2)
    run.commit_all()
    message = run.shares(1)
    pk3 = run.manifest.trustee(3).encryption_key
    message["shares"][0]["sealed"] = seal(b"\x00" * 32, pk3, run.rng).hex()  # 2 cannot open
    message["shares"][1]["sealed"] = seal(b"\xff" * 32, pk3, run.rng).hex()
    run.post(KIND_SHARES, run.sign(1, KIND_SHARES, message))
    run.post(KIND_SHARES, run.shares(2))
    run.post(KIND_SHARES, run.shares(3))
    assert run.states[2].check_message(run.manifest, run.board)["complaints"] == [
        {"clause": 1, "against": 1, "reason": "the sealed box does not open"}
    ]
    assert run.states[3].check_message(run.manifest, run.board)["complaints"] == [
        {"clause": 1, "against": 1, "reason": "the sealed box does not hold a canonical scalar"}
    ]


def test_reveals_answer_each_complaint_once() -> None:
    run = bad_share_run()
    assert run.states[1].reveal_messages(run.manifest, run.board) == []
    reveals = run.states[2].reveal_messages(run.manifest, run.board)
    assert [(r["trustee"], r["clause"], r["to"]) for r in reveals] == [(2, 1, 3)]
    run.post(KIND_REVEAL, reveals[0])
    assert run.states[2].reveal_messages(run.manifest, run.board) == []
    for j in range(1, 7):  # the accused dealer, the complainers and the bystanders alike
        with pytest.raises(
            ValueError, match="not time to confirm yet: waiting for reveals from trustees 6"
        ):
            run.states[j].confirm_message(run.manifest, run.board, run.rng)
    run.reveal_all()
    run.confirm_all()
    assert run.board.complete and run.board.disqualified == {}


def test_a_dealer_whose_reveal_fails_still_confirms_as_a_shareholder() -> None:
    run = bad_share_run()
    run.post(KIND_REVEAL, run.bad_reveal(6, 2, 5))
    run.reveal_all()
    run.post(KIND_CONFIRM, run.states[6].confirm_message(run.manifest, run.board, run.rng))
    assert run.board.qualified == {1: (1, 2, 3, 4, 5, 6), 2: (5,)}
    assert G ** run.states[6].final_shares[2] == run.board.public_shares[(2, 6)]


def test_a_bad_share_nobody_complained_about_keeps_its_recipient_out_of_the_clause() -> None:
    run = sides()
    run.commit_all()
    run.share_all(bad={2: [(1, 3)]})
    for i in (1, 2, 4, 5, 6):  # trustee 3 misses the check step
        run.post(KIND_CHECK, run.states[i].check_message(run.manifest, run.board))
    run.close("check")
    with pytest.raises(ValueError, match="qualified dealer 2's clause 1 share for you is bad"):
        run.states[3].confirm_message(run.manifest, run.board, run.rng)


def test_confirm_raises_when_the_ceremony_fails() -> None:
    run = start(2, 2)
    run.commit_all()
    run.share_all(bad={1: [(1, 2)]})
    run.check_all()
    run.post(KIND_REVEAL, run.bad_reveal(1, 1, 2))
    with pytest.raises(CeremonyError, match=r"trustee 2: the ceremony failed: clause 1 "):
        run.states[2].confirm_message(run.manifest, run.board, run.rng)


def test_every_message_is_signed_by_its_trustee() -> None:
    run = sides()
    message = run.states[5].commitment_message(run.manifest)
    assert set(message) == {"trustee", "clauses", "signature"}
    body = verify_message(
        run.keys[4].signing.public, run.manifest.fingerprint, KIND_COMMITMENT, message, "m"
    )
    assert body == {k: v for k, v in message.items() if k != "signature"}


def test_keys_refuse_bad_parts() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TrusteeKeys(Ed25519Key(b"\x01" * 32), b"\x01" * 31)
    with pytest.raises(TypeError, match="Ed25519Key"):
        TrusteeKeys(b"\x01" * 32, b"\x01" * 32)  # type: ignore[arg-type]


def test_shares_refuse_an_unusable_recipient_key() -> None:
    keys = make_keys(2)
    manifest_json = make_manifest(keys, 1).to_json()
    manifest_json["trustees"][1]["encryption_key"] = "00" * 32
    manifest = Manifest.from_json(manifest_json)
    state = TrusteeState.new(manifest, keys[0], SeededRandom(0))
    with pytest.raises(ValueError, match=r"trustee 2's encryption_key: .*small order"):
        state.shares_message(manifest, SeededRandom(1))
