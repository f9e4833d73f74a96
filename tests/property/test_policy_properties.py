"""Decryption under a policy: it succeeds exactly when the present trustees meet it.

docs/protocol.md sections 11.1 and 14.3. Random policies (1 to 3 clauses over 1 to 4
groups of 1 to 7 trustees, random thresholds) and random sets of present trustees. Each
clause's secret x_c is Shamir-shared t_c-of-members among the clause's members with the
real sharing functions (standing in for the ceremony's per-clause key generation), a
small count is encrypted under K = g^(sum_c x_c), every present trustee makes its real
decryption message, and combine must give the count exactly when policy.met_by(present)
and refuse, naming the clauses missed, otherwise. What a forbidden set holds, combined
by interpolation clause by clause, is not g^m for any count m.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from referendum.board.keys import BOARD_KEY, SigningKey
from referendum.elgamal import Ciphertext, DiscreteLogError, discrete_log, encrypt
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, Scalar, SeededRandom
from referendum.manifest import Manifest
from referendum.sharing import (
    Polynomial,
    interpolate_in_exponent,
    public_share,
    share_for,
    verify_share,
)
from referendum.signing import Ed25519Key
from referendum.tally import (
    DecryptionShares,
    RegionTally,
    TallyError,
    check_decryption,
    combine,
    decryption_message,
)

MAX_TRUSTEES = 7
GROUP_IDS = ("g1", "g2", "g3", "g4")
KEYS = tuple(Ed25519Key.generate(SeededRandom(f"policy-trustee-{j}")) for j in range(7))
REGISTRAR = Ed25519Key.generate(SeededRandom("policy-registrar"))  # not a trustee's key
BOARD = (7, bytes(32))
_BOARD_KEY = SigningKey.generate("board", BOARD_KEY, SeededRandom("policy-board")).verifier()
COUNTED = 5  # ballots counted in the one region; each total is a count in [0, 5]

# Every example makes up to 7 decryption messages of 2 proofs per clause: keep it modest.
SOME = settings(max_examples=60, deadline=None)


@st.composite
def policies(draw: st.DrawFn) -> tuple[list[str], list[dict[str, Any]]]:
    """A group per trustee, and 1 to 3 clauses over distinct sets of the groups in use."""
    n = draw(st.integers(1, MAX_TRUSTEES))
    groups = draw(st.lists(st.sampled_from(GROUP_IDS), min_size=n, max_size=n))
    used = sorted(set(groups))
    named = draw(
        st.lists(
            st.lists(st.sampled_from(used), min_size=1, unique=True),
            min_size=1,
            max_size=3,
            unique_by=frozenset,
        )
    )
    clauses = []
    for of in named:
        members = sum(1 for g in groups if g in of)
        clauses.append({"at_least": draw(st.integers(1, members)), "of": of})
    return groups, clauses


def _manifest(groups: list[str], clauses: list[dict[str, Any]]) -> Manifest:
    text = {"en": "x"}
    return Manifest.from_json(
        {
            "format": "referendum-manifest/3",
            "id": "policy-property",
            "languages": ["en"],
            "title": text,
            "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T18:00:00Z"},
            "questions": [
                {
                    "id": "q",
                    "text": text,
                    "options": [{"id": "a", "text": text}, {"id": "b", "text": text}],
                    "min_choices": 0,
                    "max_choices": 1,
                }
            ],
            "regions": [{"id": "r", "name": text, "questions": ["q"]}],
            "trustees": [
                {
                    "index": j,
                    "name": f"T{j}",
                    "group": g,
                    "signing_key": KEYS[j - 1].public.hex(),
                    "encryption_key": bytes([j] * 32).hex(),
                }
                for j, g in enumerate(groups, 1)
            ],
            "policy": clauses,
            "registrars": [
                {"id": "reg", "name": "Registrar", "signing_key": REGISTRAR.public.hex()}
            ],
            "codes_per_voter": 1,
            "witnesses": [],
            "board": {"key": _BOARD_KEY.to_text()},
        }
    )


@dataclass(frozen=True)
class Sharing:
    """Each clause's secret shared among its members, and what the public knows of it."""

    secrets: dict[int, Scalar]  # clause -> x_c
    finals: dict[int, dict[int, Scalar]]  # trustee -> clause -> x_jc
    public: dict[tuple[int, int], Element]  # (clause, trustee) -> K_jc
    key: Element  # K = g^(sum_c x_c)


def _share(manifest: Manifest, seed: int) -> Sharing:
    rng = SeededRandom(f"policy-sharing-{seed}")
    secrets: dict[int, Scalar] = {}
    finals: dict[int, dict[int, Scalar]] = {t.index: {} for t in manifest.trustees}
    public: dict[tuple[int, int], Element] = {}
    key = G.identity
    for clause in manifest.policy.clauses:
        c = clause.number
        secrets[c] = G.random_scalar(rng)
        f = Polynomial.random(G, secrets[c], clause.threshold - 1, rng)
        commitments = f.commitments(G)
        key = key * commitments[0]
        for j in clause.members:
            finals[j][c] = share_for(f, j)
            verify_share(G, j, finals[j][c], commitments)
            public[(c, j)] = public_share(G, j, commitments)
    return Sharing(secrets, finals, public, key)


def _tally(key: Element, counts: tuple[int, int], seed: int) -> RegionTally:
    rng = SeededRandom(f"policy-totals-{seed}")
    cts = tuple(encrypt(G, key, m, G.random_scalar(rng)) for m in counts)
    return RegionTally("r", COUNTED, {"q": cts})


def _decryptions(
    manifest: Manifest, sharing: Sharing, tally: RegionTally, present: set[int]
) -> dict[int, DecryptionShares]:
    valid = {}
    for j in sorted(present):
        message = decryption_message(
            manifest,
            j,
            sharing.finals[j],
            KEYS[j - 1],
            [tally],
            SeededRandom(f"policy-decrypt-{j}"),
            board=BOARD,
        )
        valid[j] = check_decryption(manifest, sharing.public, [tally], message, "d")
    return valid


@st.composite
def cases(draw: st.DrawFn) -> tuple[Manifest, set[int], tuple[int, int], int]:
    groups, clauses = draw(policies())
    manifest = _manifest(groups, clauses)
    present = draw(st.sets(st.integers(1, len(groups))))
    counts = (draw(st.integers(0, COUNTED)), draw(st.integers(0, COUNTED)))
    return manifest, present, counts, draw(st.integers(0, 2**32))


@SOME
@given(cases())
def test_decryption_succeeds_exactly_when_the_present_meet_the_policy(
    case: tuple[Manifest, set[int], tuple[int, int], int],
) -> None:
    manifest, present, counts, seed = case
    policy = manifest.policy
    sharing = _share(manifest, seed)
    tally = _tally(sharing.key, counts, seed)
    valid = _decryptions(manifest, sharing, tally, present)
    event("allowed" if policy.met_by(present) else "forbidden")
    if policy.met_by(present):
        results = combine(manifest, [tally], valid, [], {"r": COUNTED})
        assert results.counts == {"r": {"q": counts}}
        for clause, quorum in zip(policy.clauses, results.quorums, strict=True):
            mine = sorted(j for j in present if j in clause.members)
            assert quorum == tuple(mine[: clause.threshold])
        assert results.trustees == tuple(sorted({j for q in results.quorums for j in q}))
        assert policy.met_by(results.trustees)
    else:
        with pytest.raises(TallyError, match="do not meet the policy") as info:
            combine(manifest, [tally], valid, [], {"r": COUNTED})
        for clause in policy.unmet(present):
            assert clause.describe() in str(info.value)
        for clause in policy.clauses:
            if clause.met_by(present):
                assert f"{clause.describe()} has" not in str(info.value)


@SOME
@given(cases())
def test_what_a_forbidden_set_holds_does_not_decrypt(
    case: tuple[Manifest, set[int], tuple[int, int], int],
) -> None:
    """Interpolating, clause by clause, every share a forbidden set holds gives a value
    that is not g^m for any count m: the set learns nothing of the clauses it misses."""
    manifest, present, counts, seed = case
    policy = manifest.policy
    if policy.met_by(present):
        # Make the set forbidden: drop the members of a clause until it is unmet.
        clause = policy.clauses[seed % len(policy.clauses)]
        have = sorted(j for j in present if j in clause.members)
        present = present - set(have[: len(have) - clause.threshold + 1])
    assert not policy.met_by(present)
    sharing = _share(manifest, seed)
    tally = _tally(sharing.key, counts, seed)
    valid = _decryptions(manifest, sharing, tally, present)
    for o, ct in enumerate(tally.totals["q"]):
        alpha_x = G.identity
        for clause in policy.clauses:
            held = {
                j: valid[j].shares[(clause.number, "r", "q", o)]
                for j in present
                if j in clause.members
            }
            if held:
                alpha_x = alpha_x * interpolate_in_exponent(G, held)
        with pytest.raises(DiscreteLogError):
            discrete_log(G, ct.beta / alpha_x, 1000)
    # The shares of the clauses it does meet are right: only the missed ones are wrong.
    ct = tally.totals["q"][0]
    right = G.identity
    for clause in policy.clauses:
        right = right * ct.alpha ** sharing.secrets[clause.number]
    assert discrete_log(G, ct.beta / right, COUNTED) == counts[0]


def test_an_empty_total_decrypts_under_any_allowed_set() -> None:
    """alpha = 1 (no ballot counted): every share is the identity, in every clause."""
    groups = ["g1", "g1", "g2", "g3"]
    clauses: list[dict[str, Any]] = [
        {"at_least": 2, "of": ["g1", "g2"]},
        {"at_least": 1, "of": ["g3"]},
    ]
    manifest = _manifest(groups, clauses)
    sharing = _share(manifest, 0)
    empty = Ciphertext(G.identity, G.identity)
    tally = RegionTally("r", 0, {"q": (empty, empty)})
    valid = _decryptions(manifest, sharing, tally, {1, 3, 4})
    assert all(s.is_identity() for d in valid.values() for s in d.shares.values())
    results = combine(manifest, [tally], valid, [], {"r": 0})
    assert results.counts == {"r": {"q": (0, 0)}}
    assert results.quorums == ((1, 3), (4,))
