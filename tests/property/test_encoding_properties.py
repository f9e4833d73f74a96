"""Encrypted selections (protocol.md 12.2) over random question shapes and random votes.

For any question (2 to 5 options, any allowed min_choices and max_choices) and any
allowed choices: the ballot carries the selections and sum proof the spec's table says,
it verifies, its selections decrypt to the choices (the last option of an exactly-k
question derived), and the whole count through trustees' decryption shares gives every
option's total, the derived last one included. Choices outside the bounds are refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot_fixtures import TRUSTEE_KEYS, TRUSTEE_NAMES, credential, election_key
from referendum.ballot import BallotError, encrypt_ballot, verify_ballot
from referendum.board.keys import BOARD_KEY, SigningKey
from referendum.elgamal import decrypt, discrete_log
from referendum.group import RISTRETTO255 as G
from referendum.group import SeededRandom
from referendum.manifest import Manifest, Question
from referendum.signing import sign_message
from referendum.tally import BallotBox, check_decryption, combine, decryption_message

KEY = election_key()
_BOARD_KEY = SigningKey.generate("board", BOARD_KEY, SeededRandom("enc-props")).verifier()


def _manifest(n: int, lo: int, hi: int) -> Manifest:
    texts = {"en": "x"}
    return Manifest.from_json(
        {
            "format": "referendum-manifest/3",
            "id": f"encoding-{n}-{lo}-{hi}",
            "languages": ["en"],
            "title": texts,
            "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T18:00:00Z"},
            "questions": [
                {
                    "id": "q",
                    "text": texts,
                    "options": [{"id": f"o{j}", "text": texts} for j in range(n)],
                    "min_choices": lo,
                    "max_choices": hi,
                }
            ],
            "regions": [{"id": "r", "name": texts, "questions": ["q"]}],
            "trustees": [
                {
                    "index": i + 1,
                    "name": name,
                    "group": "trustees",
                    "signing_key": key.public.hex(),
                    "encryption_key": bytes([i + 1] * 32).hex(),
                }
                for i, (name, key) in enumerate(zip(TRUSTEE_NAMES, TRUSTEE_KEYS, strict=True))
            ],
            "policy": [{"at_least": 3, "of": ["trustees"]}],
            "registrars": [{"id": "reg", "name": "R", "signing_key": "11" * 32}],
            "codes_per_voter": 1,
            "witnesses": [],
            "board": {"key": _BOARD_KEY.to_text()},
        }
    )


@st.composite
def _shape(draw: st.DrawFn) -> tuple[int, int, int]:
    n = draw(st.integers(2, 5))
    lo = draw(st.integers(0, n))
    hi = draw(st.integers(max(lo, 1), n))
    return n, lo, hi


@st.composite
def _votes(draw: st.DrawFn, n: int, lo: int, hi: int) -> list[int]:
    count = draw(st.integers(lo, hi))
    chosen = set(draw(st.permutations(range(n)))[:count])
    return [int(j in chosen) for j in range(n)]


def _expected_form(q: Question) -> tuple[int, int]:
    """The spec's table (12.2), written out again: (selections, sum proof branches)."""
    n, lo, hi = len(q.options), q.min_choices, q.max_choices
    if lo == hi:
        e, a, b = n - 1, max(0, lo - 1), min(lo, n - 1)
    else:
        e, a, b = n, lo, hi
    return e, (0 if (a, b) == (0, e) else b - a + 1)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_any_shape_round_trips_with_the_form_the_spec_gives(data: st.DataObject) -> None:
    n, lo, hi = data.draw(_shape())
    m = _manifest(n, lo, hi)
    votes = data.draw(_votes(n, lo, hi))
    prepared = encrypt_ballot(m, KEY.public_key, "r", {"q": votes}, credential(1), SeededRandom(1))
    body = prepared.payload["questions"][0]
    assert (len(body["selections"]), len(body["sum_proof"])) == _expected_form(m.question("q"))
    ballot = verify_ballot(m, KEY.public_key, prepared.payload, "p")
    plain = [discrete_log(G, decrypt(ct, KEY.secret), 1) for ct in ballot.selections["q"]]
    assert list(m.question("q").full_choices(plain)) == votes
    # A challenge reveals the encrypted selections only, and gives back every choice.
    reveal = prepared.spoiled_payload()["reveal"][0]["selections"]
    assert len(reveal) == len(body["selections"])


@settings(max_examples=10, deadline=None)
@given(st.data())
def test_the_count_gives_every_option_the_derived_last_one_included(data: st.DataObject) -> None:
    n, lo, hi = data.draw(_shape())
    m = _manifest(n, lo, hi)
    voters = data.draw(st.integers(0, 3))
    box = BallotBox(m)
    want = [0] * n
    for v in range(voters):
        votes = data.draw(_votes(n, lo, hi))
        prepared = encrypt_ballot(
            m, KEY.public_key, "r", {"q": votes}, credential(v), SeededRandom(v)
        )
        box.add(verify_ballot(m, KEY.public_key, prepared.payload, "p"))
        want = [a + b for a, b in zip(want, votes, strict=True)]
    tallies = box.tallies()
    shares = {}
    for i in (2, 4, 5):
        message = decryption_message(
            m,
            i,
            {1: KEY.shares[i]},
            TRUSTEE_KEYS[i - 1],
            tallies,
            SeededRandom(i),
            board=(9, bytes(32)),
        )
        public = {(1, j): k for j, k in KEY.public_shares.items()}
        shares[i] = check_decryption(m, public, tallies, message, "d")
    results = combine(m, tallies, shares, [], {"r": voters})
    assert list(results.counts["r"]["q"]) == want


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_choices_outside_the_bounds_are_refused(data: st.DataObject) -> None:
    n, lo, hi = data.draw(_shape())
    m = _manifest(n, lo, hi)
    count = data.draw(st.sampled_from([c for c in range(n + 1) if not lo <= c <= hi] or [-1]))
    if count < 0:
        return  # every count is allowed (lo = 0, hi = n): nothing to refuse
    votes = [1] * count + [0] * (n - count)
    with pytest.raises(ValueError, match="options chosen"):
        encrypt_ballot(m, KEY.public_key, "r", {"q": votes}, credential(1), SeededRandom(1))


def test_a_ballot_encrypting_every_option_of_an_exact_question_is_refused() -> None:
    m = _manifest(2, 1, 1)
    good = encrypt_ballot(m, KEY.public_key, "r", {"q": [1, 0]}, credential(1), SeededRandom(2))
    # The old form (record/2): both options encrypted. Only the board's style check can
    # tell, so it must refuse it, whatever the proofs say.
    old: dict[str, Any] = {k: v for k, v in good.payload.items() if k != "signature"}
    old["questions"][0]["selections"].append(old["questions"][0]["selections"][0])
    payload = sign_message(credential(1), m.fingerprint, "ballot", old)
    with pytest.raises(BallotError, match="2 selections, want 1 for 2 options"):
        verify_ballot(m, KEY.public_key, payload, "p")
