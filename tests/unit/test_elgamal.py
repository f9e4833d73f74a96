"""Exponential ElGamal: encryption, homomorphic sums, threshold decryption, discrete log."""

import pytest

from referendum.elgamal import (
    Ciphertext,
    DiscreteLogError,
    combine_partial_decryptions,
    decrypt,
    discrete_log,
    encrypt,
    partial_decrypt,
    sum_ciphertexts,
)
from referendum.group import RISTRETTO255 as G
from referendum.group import GroupError, Scalar, SeededRandom
from referendum.sharing import Polynomial, share_for


@pytest.fixture
def keypair() -> tuple[Scalar, object]:
    s = G.random_scalar(SeededRandom("elgamal-key"))
    return s, G.generator**s


def test_encrypt_is_g_r_and_g_m_k_r(keypair):
    _, K = keypair
    r = Scalar.from_int(12345)
    ct = encrypt(G, K, 3, r)
    assert ct.alpha == G.generator**r
    assert ct.beta == G.generator ** Scalar.from_int(3) * K**r


@pytest.mark.parametrize("m", [0, 1, 2, 17, 1000])
def test_decrypt_round_trip(keypair, m):
    s, K = keypair
    ct = encrypt(G, K, m, G.random_scalar(SeededRandom(m)))
    assert discrete_log(G, decrypt(ct, s), 1000) == m


def test_zero_nonce_is_refused(keypair):
    _, K = keypair
    with pytest.raises(GroupError, match="nonce"):
        encrypt(G, K, 1, Scalar.from_int(0))


def test_homomorphic_sum(keypair):
    s, K = keypair
    rng = SeededRandom("sum")
    votes = [1, 0, 1, 1, 0, 1, 0, 0, 1]
    total = sum_ciphertexts(G, (encrypt(G, K, m, G.random_scalar(rng)) for m in votes))
    assert discrete_log(G, decrypt(total, s), len(votes)) == sum(votes)


def test_sum_of_nothing_decrypts_to_zero(keypair):
    s, _ = keypair
    assert discrete_log(G, decrypt(sum_ciphertexts(G, []), s), 5) == 0


def test_threshold_decryption_any_quorum():
    rng = SeededRandom("threshold")
    secret = G.random_scalar(rng)
    poly = Polynomial.random(G, secret, 2, rng)  # quorum 3
    K = G.generator**secret
    ct = encrypt(G, K, 7, G.random_scalar(rng))
    shares = {i: partial_decrypt(ct, share_for(poly, i)) for i in range(1, 6)}
    for quorum in [(1, 2, 3), (2, 4, 5), (1, 3, 5), (1, 2, 3, 4, 5)]:
        combined = combine_partial_decryptions(G, ct, {i: shares[i] for i in quorum})
        assert discrete_log(G, combined, 10) == 7


def test_threshold_decryption_below_quorum_gives_wrong_value():
    rng = SeededRandom("below-quorum")
    secret = G.random_scalar(rng)
    poly = Polynomial.random(G, secret, 2, rng)
    ct = encrypt(G, G.generator**secret, 7, G.random_scalar(rng))
    shares = {i: partial_decrypt(ct, share_for(poly, i)) for i in (1, 2)}
    with pytest.raises(DiscreteLogError):
        discrete_log(G, combine_partial_decryptions(G, ct, shares), 1000)


@pytest.mark.parametrize("bound", [0, 1, 2, 3, 15, 16, 17, 99, 100, 101, 4096])
def test_discrete_log_every_value_up_to_bound(bound):
    values = range(bound + 1) if bound <= 101 else [0, 1, 63, 64, 65, 4095, 4096]
    for m in values:
        assert discrete_log(G, G.g_pow_int(m), bound) == m


@pytest.mark.parametrize(("m", "bound"), [(1, 0), (11, 10), (101, 100), (10**6, 1000)])
def test_discrete_log_past_bound_is_an_error(m, bound):
    with pytest.raises(DiscreteLogError, match=f"\\[0, {bound}\\]"):
        discrete_log(G, G.g_pow_int(m), bound)


def test_discrete_log_rejects_negative_bound():
    with pytest.raises(ValueError, match="non-negative"):
        discrete_log(G, G.identity, -1)


def test_ciphertext_json_round_trip(keypair):
    _, K = keypair
    ct = encrypt(G, K, 1, Scalar.from_int(99))
    assert Ciphertext.from_json(G, ct.to_json()) == ct


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "exactly alpha and beta"),
        ({"alpha": "00" * 32}, "exactly alpha and beta"),
        ({"alpha": "00" * 32, "beta": "00" * 32, "gamma": "00"}, "exactly alpha and beta"),
        ({"alpha": "zz" * 32, "beta": "00" * 32}, "ballot.alpha: expected 64 lowercase hex"),
        ({"alpha": "00" * 32, "beta": "ff" * 32}, "ballot.beta: not a canonical"),
        ({"alpha": "00" * 32, "beta": 5}, "ballot.beta: expected a hex string"),
        ({"alpha": "AB" * 32, "beta": "00" * 32}, "ballot.alpha: expected 64 lowercase hex"),
    ],
)
def test_ciphertext_json_rejects_bad_input(value, message):
    with pytest.raises(GroupError, match=message):
        Ciphertext.from_json(G, value, "ballot")
