"""Every proof kind: a valid proof verifies, and any single change makes it fail."""

import pytest

from proof_cases import BOUND, CASES, FINGERPRINT, context, proof_scalars, with_scalar
from referendum.group import RISTRETTO255 as G
from referendum.group import Scalar, SeededRandom
from referendum.proofs import InvalidProof

ONE = Scalar.from_int(1)


@pytest.fixture(params=CASES, ids=lambda case: case.name)
def case(request):
    return request.param


@pytest.fixture
def made(case):
    return case.make(SeededRandom(f"tamper-{case.name}"))


def test_valid_proof_verifies(case, made):
    statement, proof = made
    case.verify(context(), statement, proof, BOUND)


def test_every_changed_proof_scalar_fails(case, made):
    statement, proof = made
    for field, value in proof_scalars(proof):
        tampered = with_scalar(proof, field, value + ONE)
        with pytest.raises(InvalidProof):
            case.verify(context(), statement, tampered, BOUND)


def test_every_changed_statement_element_fails(case, made):
    statement, proof = made
    for field, value in statement.items():
        changed = {**statement, field: value * G.generator}
        with pytest.raises(InvalidProof):
            case.verify(context(), changed, proof, BOUND)


def test_swapped_statement_elements_fail(case, made):
    statement, proof = made
    names = list(statement)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            swapped = {**statement, first: statement[second], second: statement[first]}
            with pytest.raises(InvalidProof):
                case.verify(context(), swapped, proof, BOUND)


def test_swapped_proof_scalars_fail(case, made):
    statement, proof = made
    fields = proof_scalars(proof)
    for i, (first, a) in enumerate(fields):
        for second, b in fields[i + 1 :]:
            if a == b:
                continue
            swapped = with_scalar(with_scalar(proof, first, b), second, a)
            with pytest.raises(InvalidProof):
                case.verify(context(), statement, swapped, BOUND)


def test_proof_under_another_election_fails(case, made):
    statement, proof = made
    other = bytes([FINGERPRINT[0] ^ 1]) + FINGERPRINT[1:]
    with pytest.raises(InvalidProof, match="challenge"):
        case.verify(context(other), statement, proof, BOUND)


@pytest.mark.parametrize("bound", [(), (b"ballot-8", 3), (b"ballot-7", 4), (b"ballot-7",)])
def test_proof_bound_to_other_values_fails(case, made, bound):
    statement, proof = made
    with pytest.raises(InvalidProof, match="challenge"):
        case.verify(context(), statement, proof, bound)


def test_identity_in_statement_is_refused(case, made):
    statement, proof = made
    # Every statement value but a ciphertext's beta must not be the identity.
    for field in statement:
        if field == "beta":
            continue
        with pytest.raises(InvalidProof, match="identity"):
            case.verify(context(), {**statement, field: G.identity}, proof, BOUND)
