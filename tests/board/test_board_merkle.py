"""Properties of merkle.py against a naive reading of RFC 9162's recursive definitions."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.board import (
    BoardVerificationError,
    ProofShapeError,
    RootMismatchError,
    verify_consistency,
    verify_inclusion,
)
from referendum.board.merkle import (
    EMPTY_ROOT,
    CompactRange,
    NodeId,
    consistency_proof,
    consistency_roots,
    inclusion_proof,
    leaf_hash,
    subtree_nodes,
    tree_root,
)


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, recursion as written (leaves are leaf hashes)."""
    n = len(leaves)
    if n == 0:
        return _h(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return _h(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(m, D[n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    """RFC 9162 2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], b), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


class Tree:
    """An in-memory tree built with CompactRange, serving nodes like a store."""

    def __init__(self, n: int) -> None:
        self.leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
        self.nodes: dict[NodeId, bytes] = {}
        self.range = CompactRange()
        for leaf in self.leaves:
            self.nodes.update(self.range.append(leaf))

    def source(self, ids: object) -> dict[NodeId, bytes]:
        return self.nodes


_TREES: dict[int, Tree] = {}


def tree(n: int) -> Tree:
    if n not in _TREES:
        _TREES[n] = Tree(n)
    return _TREES[n]


sizes = st.integers(min_value=1, max_value=300)


def _flip(proof: list[bytes], node: int, byte: int, bit: int) -> list[bytes]:
    out = list(proof)
    b = bytearray(out[node])
    b[byte] ^= 1 << bit
    out[node] = bytes(b)
    return out


@settings(max_examples=150, deadline=None)
@given(n=sizes)
def test_roots_match_reference(n: int) -> None:
    t = tree(n)
    assert t.range.root() == ref_mth(t.leaves)
    for size in {1, n // 2 or 1, n}:
        assert tree_root(size, t.source) == ref_mth(t.leaves[:size])


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=sizes)
def test_inclusion_proofs(data: st.DataObject, n: int) -> None:
    t = tree(n)
    size = data.draw(st.integers(1, n), label="size")
    i = data.draw(st.integers(0, size - 1), label="index")
    root = ref_mth(t.leaves[:size])
    proof = inclusion_proof(i, size, t.source)
    assert proof == ref_path(i, t.leaves[:size])
    verify_inclusion(t.leaves[i], i, size, proof, root)
    if proof:
        node = data.draw(st.integers(0, len(proof) - 1), label="node")
        byte = data.draw(st.integers(0, 31), label="byte")
        bit = data.draw(st.integers(0, 7), label="bit")
        with pytest.raises(RootMismatchError):
            verify_inclusion(t.leaves[i], i, size, _flip(proof, node, byte, bit), root)
        with pytest.raises(ProofShapeError):
            verify_inclusion(t.leaves[i], i, size, proof[:-1], root)
    with pytest.raises(ProofShapeError):
        verify_inclusion(t.leaves[i], i, size, [*proof, root], root)
    other = data.draw(st.integers(0, size - 1).filter(lambda j: j != i) if size > 1 else st.none())
    if other is not None:
        with pytest.raises(BoardVerificationError):
            verify_inclusion(t.leaves[i], other, size, proof, root)
        with pytest.raises(RootMismatchError):
            verify_inclusion(t.leaves[other], i, size, proof, root)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=st.integers(2, 300))
def test_consistency_proofs(data: st.DataObject, n: int) -> None:
    t = tree(n)
    size2 = data.draw(st.integers(2, n), label="size2")
    size1 = data.draw(st.integers(1, size2 - 1), label="size1")
    root1, root2 = ref_mth(t.leaves[:size1]), ref_mth(t.leaves[:size2])
    proof = consistency_proof(size1, size2, t.source)
    assert proof == ref_subproof(size1, t.leaves[:size2], True)
    verify_consistency(size1, size2, root1, root2, proof)
    node = data.draw(st.integers(0, len(proof) - 1), label="node")
    byte = data.draw(st.integers(0, 31), label="byte")
    with pytest.raises(RootMismatchError):
        verify_consistency(size1, size2, root1, root2, _flip(proof, node, byte, 0))
    with pytest.raises(BoardVerificationError):
        verify_consistency(size1, size2, root1, root2, proof[:-1])
    with pytest.raises(BoardVerificationError):
        verify_consistency(size1, size2, root1, root2, [*proof, root1])
    with pytest.raises(RootMismatchError):
        verify_consistency(size1, size2, root1, _flip([root2], 0, byte, 1)[0], proof)
    if size1 & (size1 - 1):  # root1 comes from the proof, so a wrong root1 is caught there
        with pytest.raises(RootMismatchError):
            verify_consistency(size1, size2, _flip([root1], 0, byte, 1)[0], root2, proof)
    fr, sr = consistency_roots(size1, size2, root1, proof)
    assert (fr, sr) == (root1, root2)


def test_equal_sizes_and_empty_tree() -> None:
    t = tree(5)
    r = t.range.root()
    verify_consistency(5, 5, r, r, [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(ProofShapeError):
        verify_consistency(5, 5, r, r, [r])
    with pytest.raises(RootMismatchError):
        verify_consistency(5, 5, r, EMPTY_ROOT, [])
    with pytest.raises(ProofShapeError):
        verify_consistency(0, 5, EMPTY_ROOT, r, [])
    with pytest.raises(ProofShapeError):
        verify_consistency(5, 4, r, r, [r])
    assert tree_root(0, t.source) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize(
    ("index", "size", "proof_len", "leaf_len"),
    [(0, 0, 0, 32), (5, 5, 3, 32), (-1, 5, 3, 32), (0, 2**64, 0, 32), (0, 1, 0, 31)],
)
def test_inclusion_shape_errors(index: int, size: int, proof_len: int, leaf_len: int) -> None:
    with pytest.raises(ProofShapeError):
        verify_inclusion(bytes(leaf_len), index, size, [bytes(32)] * proof_len, bytes(32))


def test_proof_node_of_wrong_length() -> None:
    t = tree(8)
    proof = inclusion_proof(3, 8, t.source)
    with pytest.raises(ProofShapeError):
        verify_inclusion(t.leaves[3], 3, 8, [*proof[:2], proof[2][:31]], t.range.root())
    with pytest.raises(ProofShapeError):
        verify_inclusion(t.leaves[3], 3, 8, proof, t.range.root() + b"\x00")


def test_generation_preconditions() -> None:
    t = tree(8)
    with pytest.raises(ValueError):
        inclusion_proof(8, 8, t.source)
    with pytest.raises(ValueError):
        consistency_proof(0, 8, t.source)
    with pytest.raises(ValueError):
        consistency_proof(5, 4, t.source)
    with pytest.raises(ValueError):
        subtree_nodes(1, 3)
    with pytest.raises(BoardVerificationError):
        inclusion_proof(3, 8, lambda ids: {})


@given(st.integers(1, 2**40), st.data())
def test_subtree_nodes_cover_the_range(size: int, data: st.DataObject) -> None:
    align = 1 << (size - 1).bit_length()
    start = data.draw(st.integers(0, 2**20)) * align
    nodes = subtree_nodes(start, start + size)
    pos = start
    for level, idx in nodes:
        assert idx << level == pos
        pos += 1 << level
    assert pos == start + size
    assert [lv for lv, _ in nodes] == sorted((lv for lv, _ in nodes), reverse=True)
