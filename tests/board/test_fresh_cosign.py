"""A ceremony step closes at its deadline on an unchanged board (protocol.md 7.6.1, 11.7.2).

The witnesses co-signed the board before the commitment step's deadline; nothing has
been posted since (trustee 4 never comes). Once the deadline has passed they co-sign
the same tree again, and the board posts the step's ceremony.close itself. The first
co-signatures stay what the board hands out: their early times are evidence too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from referendum.board import WITNESS_KEY, SigningKey
from referendum.board.witness import Witness
from referendum.ceremony import TrusteeKeys, TrusteeState
from referendum.demo import REGISTRARS, TRUSTEES, manifest_text
from referendum.election import Election
from referendum.group import SeededRandom
from referendum.signing import Ed25519Key

_FORM = "%Y-%m-%dT%H:%M:%SZ"


def _seconds(text: str) -> int:
    return int(dt.datetime.strptime(text, _FORM).replace(tzinfo=dt.UTC).timestamp())


def test_the_board_closes_a_step_when_the_witnesses_cosign_it_again_after_the_deadline(
    tmp_path: Path,
) -> None:
    keys = [TrusteeKeys.generate(SeededRandom(f"fresh/{i}")) for i in range(1, len(TRUSTEES) + 1)]
    witness_keys = [
        SigningKey.generate(name, WITNESS_KEY, SeededRandom(f"fresh/{name}"))
        for name in ("observer-osce", "observer-un")
    ]
    registrars = [Ed25519Key.generate(SeededRandom(f"fresh/{rid}")) for rid, _ in REGISTRARS]
    text = manifest_text(keys, registrars, witness_keys, SeededRandom("m"))
    with Election.create(tmp_path / "board", text, rng=SeededRandom("board")) as election:
        m = election.manifest
        deadline = _seconds(m.deadlines["commitment"])
        for i, k in enumerate(keys, 1):
            if i != 4:  # trustee 4 is absent
                state = TrusteeState.new(m, k, SeededRandom(f"fresh/state/{i}"))
                election.post("ceremony.commitment", state.commitment_message(m))
        witnesses = [Witness(k, m.board_key) for k in witness_keys]
        size = election.state.size
        for w in witnesses:  # before the deadline
            election.add_cosigned(w.cosign(election.signed_checkpoint(), now=deadline - 60))
        assert election.close_step_if_due() is None  # too early: refused, nothing posted
        assert election.state.size == size and not election.state.ceremony.closed("commitment")

        # After the deadline, one witness co-signs the unchanged board again: not a quorum.
        first, second = witnesses
        election.add_cosigned(
            first.cosign(election.signed_checkpoint(), now=deadline, refresh=True)
        )
        assert election.close_step_if_due() is None
        election.add_cosigned(
            second.cosign(election.signed_checkpoint(), now=deadline + 5, refresh=True)
        )
        index = election.close_step_if_due()
        assert index == size
        assert election.state.ceremony.closed_by() == {"commitment": size}

        # What the board hands out keeps the first times; the close carries the later ones.
        (kept,) = [c for c in election.cosigned() if c.checkpoint.size == size]
        assert sorted(s.timestamp for s in kept.signatures if s.timestamp) == [deadline - 60] * 2
        fresh = election.freshest_cosigned(size)
        assert fresh is not None
        assert sorted(s.timestamp for s in fresh.signatures if s.timestamp) == [
            deadline,
            deadline + 5,
        ]
        assert election.close_step_if_due() is None  # the next step's deadline is ahead
