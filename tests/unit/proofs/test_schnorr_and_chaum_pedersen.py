"""Schnorr and Chaum-Pedersen: specifics beyond the shared tampering tests."""

import pytest

from proof_cases import context
from referendum.elgamal import encrypt, partial_decrypt
from referendum.group import ORDER, GroupError, Scalar, SeededRandom
from referendum.group import RISTRETTO255 as G
from referendum.proofs import (
    ChallengeResponse,
    InvalidProof,
    prove_equal_logs,
    prove_schnorr,
    verify_equal_logs,
    verify_schnorr,
)


def test_schnorr_for_another_key_fails():
    rng = SeededRandom("schnorr-other")
    x, y = G.random_scalar(rng), G.random_scalar(rng)
    proof = prove_schnorr(context(), x, rng=rng)
    verify_schnorr(context(), G.generator**x, proof)
    with pytest.raises(InvalidProof, match="schnorr proof: challenge"):
        verify_schnorr(context(), G.generator**y, proof)


def test_decryption_share_proof():
    """The use in the tally: M_i = alpha^(s_i) against the trustee's g^(s_i)."""
    rng = SeededRandom("decryption-share")
    s_i = G.random_scalar(rng)
    K = G.generator ** G.random_scalar(rng)
    ct = encrypt(G, K, 1, G.random_scalar(rng))
    share = partial_decrypt(ct, s_i)
    proof = prove_equal_logs(context(), G.generator, ct.alpha, s_i, bound_to=(2,), rng=rng)
    verify_equal_logs(
        context(), G.generator, ct.alpha, G.generator**s_i, share, proof, bound_to=(2,)
    )
    wrong_share = partial_decrypt(ct, s_i + Scalar.from_int(1))
    with pytest.raises(InvalidProof, match="chaum-pedersen proof: challenge"):
        verify_equal_logs(
            context(), G.generator, ct.alpha, G.generator**s_i, wrong_share, proof, bound_to=(2,)
        )


def test_challenge_response_json_round_trip():
    proof = prove_schnorr(context(), Scalar.from_int(5), rng=SeededRandom(1))
    assert ChallengeResponse.from_json(G, proof.to_json()) == proof


@pytest.mark.parametrize("field", ["c", "v"])
def test_challenge_response_json_rejects_the_order(field):
    doc = prove_schnorr(context(), Scalar.from_int(5), rng=SeededRandom(1)).to_json()
    doc[field] = ORDER.to_bytes(32, "little").hex()
    with pytest.raises(GroupError, match=f"share_proof.{field}: scalar encoding is not canonical"):
        ChallengeResponse.from_json(G, doc, "share_proof")
