"""One trustee's keys, state file and steps (docs/protocol.md sections 11.1 and 11.8)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ceremony_fixtures import Run, honest, make_keys, make_manifest, start

from referendum.canonical import canonical_json, parse_json
from referendum.ceremony import (
    KIND_CHECK,
    KIND_COMMITMENT,
    KIND_CONFIRM,
    KIND_REVEAL,
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
    run = start(4, 3)
    steps = [run.commit_all, run.share_all, run.check_all, run.reveal_all, run.confirm_all]
    for step in steps:
        run.states = {i: reload(s) for i, s in run.states.items()}
        for s in run.states.values():
            assert reload(s).to_json() == s.to_json()
        step()
    final = {i: reload(s).final_share for i, s in run.states.items()}
    assert final == {i: s.final_share for i, s in run.states.items()}
    assert run.board.public_shares == {i: G**x for i, x in final.items()}


def full_state() -> dict[str, Any]:
    return honest(3, 2).states[2].to_json()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("format",), "v2", "trustee state.format"),
        (("index",), 0, "trustee state.index"),
        (("index",), True, "trustee state.index"),
        (("fingerprint",), "00", "trustee state.fingerprint"),
        (("coefficients",), [], "trustee state.coefficients"),
        (("coefficients",), "x", "trustee state.coefficients"),
        (("coefficients", 1), "ff" * 32, r"trustee state.coefficients\[1\]"),
        (("commitment_proof", "c"), "x", "trustee state.commitment_proof.c"),
        (("keys", "box_secret"), 1, "trustee state.keys.box_secret"),
        (("check", "received", 0, "from"), -1, r"trustee state.check.received\[0\].from"),
        (("check", "received", 0, "share"), "", r"trustee state.check.received\[0\].share"),
        (("check", "complained"), [3, 1], "trustee state.check.complained"),
        (("check", "extra"), 1, "trustee state.check: unknown field extra"),
        (("final_share",), "zz", "trustee state.final_share"),
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
    del state["check"]
    with pytest.raises(ValueError, match="trustee state: missing check"):
        TrusteeState.from_json(state)
    state = full_state()
    state["check"]["received"].append(copy.deepcopy(state["check"]["received"][0]))
    with pytest.raises(ValueError, match="appears twice"):
        TrusteeState.from_json(state)
    with pytest.raises(ValueError, match="want an object"):
        TrusteeState.from_json([])


# --- steps out of time or place -----------------------------------------------------------


def test_steps_before_their_time() -> None:
    run = start(5, 3)
    me = run.states[1]
    with pytest.raises(ValueError, match="post your commitment first"):
        me.check_message(run.manifest, run.board)
    run.commit_all()
    for i in (1, 3, 4):
        run.post("ceremony.shares", run.shares(i))
    with pytest.raises(ValueError, match="waiting for shares from trustees 2, 5"):
        me.check_message(run.manifest, run.board)
    with pytest.raises(ValueError, match="run the check step before confirming"):
        me.confirm_message(run.manifest, run.board, run.rng)
    with pytest.raises(ValueError, match="not time to reveal yet"):
        me.reveal_messages(run.manifest, run.board)
    with pytest.raises(ValueError, match="no final share yet"):
        _ = me.final_share
    run.post("ceremony.shares", run.shares(2))
    run.post("ceremony.shares", run.shares(5))
    run.post(KIND_CHECK, me.check_message(run.manifest, run.board))
    with pytest.raises(ValueError, match="waiting for checks from trustees 2, 3, 4, 5"):
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


def test_a_state_refuses_a_board_with_other_commitments() -> None:
    run = start(3, 2)
    run.commit_all()
    stranger = TrusteeState.new(run.manifest, run.keys[0], SeededRandom("again"))
    with pytest.raises(ValueError, match="other commitments than this state's"):
        stranger.check_message(run.manifest, run.board)


def bad_share_run() -> Run:
    """4 of 2: dealer 2 sends trustee 3 a bad share, every check is in."""
    run = start(4, 2)
    run.commit_all()
    run.share_all(bad={2: [3]})
    run.check_all()
    return run


def test_check_remembers_good_shares_and_complains_about_bad_ones() -> None:
    run = bad_share_run()
    assert run.board.complaints_by(3) == {2: "the share does not match the dealer's commitments"}
    assert run.board.complaints_by(1) == {}
    assert run.states[3].to_json()["check"]["complained"] == [2]
    assert [r["from"] for r in run.states[3].to_json()["check"]["received"]] == [1, 4]


def test_unopenable_and_non_scalar_boxes_draw_complaints() -> None:
    run = start(3, 2)
    run.commit_all()
    message = run.shares(1)
    pk3 = run.manifest.trustee(3).encryption_key
    message["shares"][0]["sealed"] = seal(b"\x00" * 32, pk3, run.rng).hex()  # 2 cannot open
    message["shares"][1]["sealed"] = seal(b"\xff" * 32, pk3, run.rng).hex()
    run.post("ceremony.shares", run.sign(1, "ceremony.shares", message))
    run.post("ceremony.shares", run.shares(2))
    run.post("ceremony.shares", run.shares(3))
    assert run.states[2].check_message(run.manifest, run.board)["complaints"] == [
        {"against": 1, "reason": "the sealed box does not open"}
    ]
    assert run.states[3].check_message(run.manifest, run.board)["complaints"] == [
        {"against": 1, "reason": "the sealed box does not hold a canonical scalar"}
    ]


def test_no_trustee_confirms_while_a_complaint_is_unanswered() -> None:
    run = bad_share_run()
    for j in range(1, 5):  # the accused dealer, the complainer and the bystanders alike
        with pytest.raises(
            ValueError,
            match=f"trustee {j}: not time to confirm yet: trustee 3's complaint against "
            "trustee 2 is not answered yet",
        ):
            run.states[j].confirm_message(run.manifest, run.board, run.rng)
    assert run.states[1].reveal_messages(run.manifest, run.board) == []
    reveals = run.states[2].reveal_messages(run.manifest, run.board)
    assert [(r["trustee"], r["to"]) for r in reveals] == [(2, 3)]
    run.post(KIND_REVEAL, reveals[0])
    assert run.states[2].reveal_messages(run.manifest, run.board) == []
    run.confirm_all()
    assert run.board.qualified == (1, 2, 3, 4)
    assert run.states[2].reveal_messages(run.manifest, run.board) == []


def test_a_dealer_whose_reveal_fails_still_confirms_as_a_shareholder() -> None:
    run = bad_share_run()
    run.post(KIND_REVEAL, run.bad_reveal(2, 3))
    assert run.states[2].reveal_messages(run.manifest, run.board) == []  # answered, badly
    run.post(KIND_CONFIRM, run.states[2].confirm_message(run.manifest, run.board, run.rng))
    assert run.board.qualified == (1, 3, 4)


def test_confirm_refuses_a_board_with_another_check() -> None:
    run = bad_share_run()
    run.states[3]._complained = ()  # as if the state had lost its complaint
    with pytest.raises(ValueError, match="different check than this state made"):
        run.states[3].confirm_message(run.manifest, run.board, run.rng)


def test_confirm_raises_when_the_ceremony_fails() -> None:
    run = start(2, 2)
    run.commit_all()
    run.share_all(bad={1: [2]})
    run.check_all()
    run.post(KIND_REVEAL, run.bad_reveal(1, 2))
    with pytest.raises(CeremonyError, match=r"trustee 2: the ceremony failed: 1 qualified"):
        run.states[2].confirm_message(run.manifest, run.board, run.rng)


def test_every_message_is_signed_by_its_trustee() -> None:
    keys = make_keys(2)
    manifest = make_manifest(keys, 1)
    state = TrusteeState.new(manifest, keys[0], SeededRandom(0))
    message = state.commitment_message(manifest)
    assert set(message) == {"trustee", "commitments", "proof", "signature"}
    body = verify_message(
        keys[0].signing.public, manifest.fingerprint, KIND_COMMITMENT, message, "m"
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
