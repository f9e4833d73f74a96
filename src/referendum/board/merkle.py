"""RFC 6962 / RFC 9162 Merkle tree hashing, proof generation and verification.

docs/protocol.md, section 7.3. A tree of size n has leaves 0..n-1. A *node* (level l,
index i) is the root of the perfect subtree over leaves [i * 2^l, (i + 1) * 2^l); stores
keep every node once it is complete, so any root or proof is O(log n) node reads and a
few hashes. Generation takes a node source (a function from node ids to hashes); the
verification functions take only hashes and raise typed errors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from referendum.board.errors import ProofShapeError, RootMismatchError, StoreCorruptionError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "NodeId",
    "NodeSource",
    "consistency_proof",
    "consistency_roots",
    "inclusion_proof",
    "inclusion_proofs",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "subtree_nodes",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_MAX_SIZE = 2**64 - 1


class NodeId(NamedTuple):
    """Address of the perfect subtree over leaves [index * 2^level, (index + 1) * 2^level)."""

    level: int
    idx: int


NodeSource = Callable[[Sequence[NodeId]], Mapping[NodeId, bytes]]
"""Gives back the stored hash of each requested node (a store's node reader)."""


def leaf_hash(data: bytes) -> bytes:
    """Gives back SHA-256(0x00 || data), the hash of a leaf (section 7.3.1)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Gives back SHA-256(0x01 || left || right), the hash of an inner node (section 7.3.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_nodes(start: int, end: int) -> list[NodeId]:
    """Gives back the perfect nodes, left to right, whose leaves make up [start, end).

    Precondition (true of every range the RFC recursion visits): start is a multiple of
    the smallest power of two >= end - start, so the nodes shrink from left to right and
    folding them from the right (_fold) gives the RFC 9162 hash of the range.
    """
    size = end - start
    if size <= 0 or start % (1 << (size - 1).bit_length()) != 0:
        raise ValueError(f"[{start}, {end}) is not a subtree range of an RFC 9162 tree")
    nodes = []
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append(NodeId(level, start >> level))
            start += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Hash of a range from its perfect subtree roots listed left to right, largest first."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _range_hashes(ranges: Sequence[tuple[int, int]], source: NodeSource) -> list[bytes]:
    """Hashes of the given subtree ranges, read from source in one call."""
    per_range = [subtree_nodes(a, b) for a, b in ranges]
    wanted = list(dict.fromkeys(node for nodes in per_range for node in nodes))
    got = source(wanted)
    try:
        return [_fold([got[node] for node in nodes]) for nodes in per_range]
    except KeyError as exc:
        raise StoreCorruptionError(f"the store lacks Merkle node {exc.args[0]}") from exc


def tree_root(size: int, source: NodeSource) -> bytes:
    """Gives back the root hash of the tree of the first size leaves (section 7.3.2)."""
    if size == 0:
        return EMPTY_ROOT
    return _range_hashes([(0, size)], source)[0]


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Gives back the subtree ranges whose hashes make up leaf index's inclusion proof."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    siblings = []
    a, b = 0, size
    while b - a > 1:
        k = _split(b - a)
        if index < a + k:
            siblings.append((a + k, b))
            b = a + k
        else:
            siblings.append((a, a + k))
            a += k
    siblings.reverse()
    return siblings


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    """Gives back the RFC 9162 inclusion proof of leaf index in the tree of size (7.3.3)."""
    return _range_hashes(_inclusion_ranges(index, size), source)


def inclusion_proofs(
    indexes: Sequence[int], size: int, source: NodeSource
) -> tuple[bytes, list[list[bytes]]]:
    """Gives back the root of the tree of size and the inclusion proof of each leaf of
    indexes in it (7.3.2, 7.3.3), the nodes read from source in one call (a batch of
    receipts at one checkpoint)."""
    if size == 0:
        raise ValueError("an empty tree includes no leaf")
    per_leaf = [_inclusion_ranges(i, size) for i in indexes]
    hashes = _range_hashes([(0, size), *(r for ranges in per_leaf for r in ranges)], source)
    proofs, at = [], 1
    for ranges in per_leaf:
        proofs.append(hashes[at : at + len(ranges)])
        at += len(ranges)
    return hashes[0], proofs


def consistency_proof(size1: int, size2: int, source: NodeSource) -> list[bytes]:
    """Gives back the RFC 9162 proof that tree size1 is a prefix of tree size2 (7.3.4)."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    siblings = []
    a, b = 0, size2
    complete = True  # RFC 9162's flag b: is [a, b) a subtree the verifier already holds
    while size1 != b:
        k = _split(b - a)
        if size1 <= a + k:
            siblings.append((a + k, b))
            b = a + k
        else:
            siblings.append((a, a + k))
            a += k
            complete = False
    siblings.reverse()
    if not complete:
        siblings.insert(0, (a, b))
    return _range_hashes(siblings, source)


def _check_hash(what: str, h: bytes) -> None:
    if len(h) != HASH_SIZE:
        raise ProofShapeError(f"{what} is {len(h)} bytes, want {HASH_SIZE}")


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Gives back the root that proof and leaf hash imply for a tree of size (7.3.3)."""
    if not 0 <= index < size <= _MAX_SIZE:
        raise ProofShapeError(f"leaf index {index} is not in a tree of size {size}")
    _check_hash("leaf hash", leaf)
    fn, sn, r = index, size - 1, leaf
    for i, p in enumerate(proof):
        _check_hash(f"inclusion proof node {i}", p)
        if sn == 0:
            raise ProofShapeError(f"inclusion proof has {len(proof)} nodes, too many")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofShapeError(f"inclusion proof has {len(proof)} nodes, too few")
    return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Gives back None when proof shows leaf at index in the tree (size, root); else raises.

    Raises ProofShapeError (impossible index, wrong proof length, hash lengths) or
    RootMismatchError (section 7.3.3).
    """
    _check_hash("root", root)
    computed = root_from_inclusion_proof(leaf, index, size, proof)
    if computed != root:
        raise RootMismatchError(f"inclusion of leaf {index} in tree {size}", root, computed)


def consistency_roots(
    size1: int, size2: int, root1: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """Gives back the (size1 root, size2 root) that proof implies, 0 < size1 < size2 (7.3.4).

    When size1 is a power of two the proof omits the size1 root and root1 seeds the
    computation; otherwise root1 is not used and both roots come from the proof alone.
    """
    if not 0 < size1 < size2 <= _MAX_SIZE:
        raise ProofShapeError(f"sizes {size1} -> {size2}: want 0 < size1 < size2")
    path = list(proof)
    for i, c in enumerate(path):
        _check_hash(f"consistency proof node {i}", c)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    if not path:
        raise ProofShapeError("consistency proof is empty")
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofShapeError(f"consistency proof has {len(proof)} nodes, too many")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofShapeError(f"consistency proof has {len(proof)} nodes, too few")
    return fr, sr


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Gives back None when proof shows tree (size1, root1) is a prefix of (size2, root2).

    Raises ProofShapeError or RootMismatchError (section 7.3.4). Equal sizes need an empty
    proof and equal roots; a proof from size 0 to a larger size is rejected as meaningless.
    """
    _check_hash("first root", root1)
    _check_hash("second root", root2)
    if size1 == size2:
        if proof:
            raise ProofShapeError(f"sizes are equal ({size1}) but the proof is not empty")
        if root1 != root2:
            raise RootMismatchError(f"two trees of size {size1}", root1, root2)
        return
    if size1 == 0:
        raise ProofShapeError(f"a proof from the empty tree to size {size2} proves nothing")
    fr, sr = consistency_roots(size1, size2, root1, proof)
    if fr != root1:
        raise RootMismatchError(f"tree {size1} from consistency proof", root1, fr)
    if sr != root2:
        raise RootMismatchError(f"tree {size2} from consistency proof", root2, sr)


class CompactRange:
    """The roots of the perfect subtrees that make up leaves [0, size), largest first.

    Appending a leaf completes at most log2(size) + 1 nodes; append() gives them back so a
    store can save them (section 7.5.2).
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a compact range of size {size} has {size.bit_count()} hashes")
        self._size = size
        self._hashes = list(hashes)

    @staticmethod
    def node_ids(size: int) -> list[NodeId]:
        """Gives back the ids of the nodes a compact range of size holds, largest first."""
        return subtree_nodes(0, size) if size else []

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """Gives back the subtree roots, largest first (what CompactRange(size, .) takes)."""
        return tuple(self._hashes)

    def root(self) -> bytes:
        """Gives back the root hash of the tree [0, size)."""
        return _fold(self._hashes) if self._hashes else EMPTY_ROOT

    def append(self, leaf: bytes) -> list[tuple[NodeId, bytes]]:
        """Gives back the nodes (leaf included) completed by appending the leaf hash."""
        index = self._size
        done = [(NodeId(0, index), leaf)]
        h = leaf
        level = 0
        while index >> level & 1:
            h = node_hash(self._hashes.pop(), h)
            level += 1
            done.append((NodeId(level, index >> level), h))
        self._hashes.append(h)
        self._size += 1
        return done
