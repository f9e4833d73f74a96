"""Known-answer tests: RFC 6962 hashing and proofs against published CT test data.

Data in vectors/merkle/ (see its README for the source). The probes include deliberately
corrupted proofs; each must raise a BoardVerificationError, each good probe must pass.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from referendum.board import (
    BoardVerificationError,
    ProofShapeError,
    verify_consistency,
    verify_inclusion,
)
from referendum.board.merkle import (
    CompactRange,
    NodeId,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    tree_root,
)

VECTORS = Path(__file__).parents[2] / "vectors" / "merkle"
REFERENCE = json.loads((VECTORS / "reference_tree.json").read_text())

# Probes where we are deliberately stricter than the source: every root is 32 bytes
# (docs/protocol.md 7.3.4), even where equal sizes make the roots' values irrelevant.
STRICTER = {"consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


def _probes(kind: str) -> list[tuple[str, dict[str, object]]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert len(files) > 80, f"expected the transparency-dev {kind} probes in {VECTORS}"
    return [(str(f.relative_to(VECTORS)), json.loads(f.read_text())) for f in files]


def _b(text: object) -> bytes:
    assert isinstance(text, str)
    return base64.b64decode(text)


def _reference_source() -> dict[NodeId, bytes]:
    return {
        NodeId(level, i): bytes.fromhex(h)
        for level, row in enumerate(REFERENCE["node_hashes"])
        for i, h in enumerate(row)
    }


def test_leaf_and_node_hashes_match_reference() -> None:
    leaves = [bytes.fromhex(x) for x in REFERENCE["leaf_inputs"]]
    tree = CompactRange()
    produced: dict[NodeId, bytes] = {}
    for size, leaf in enumerate(leaves, start=1):
        produced.update(tree.append(leaf_hash(leaf)))
        assert tree.root().hex() == REFERENCE["root_hashes"][size]
    assert produced == _reference_source()
    assert CompactRange().root().hex() == REFERENCE["root_hashes"][0]


@pytest.mark.parametrize("size", range(9))
def test_roots_from_stored_nodes(size: int) -> None:
    nodes = _reference_source()
    assert tree_root(size, lambda ids: nodes).hex() == REFERENCE["root_hashes"][size]


@pytest.mark.parametrize("case", REFERENCE["inclusion_proofs"], ids=str)
def test_inclusion_proof_generation(case: dict[str, object]) -> None:
    nodes = _reference_source()
    index, size = case["index"], case["size"]
    assert isinstance(index, int) and isinstance(size, int)
    got = inclusion_proof(index, size, lambda ids: nodes)
    assert [h.hex() for h in got] == case["proof"]
    leaf = nodes[NodeId(0, index)]
    verify_inclusion(leaf, index, size, got, bytes.fromhex(REFERENCE["root_hashes"][size]))


@pytest.mark.parametrize("case", REFERENCE["consistency_proofs"], ids=str)
def test_consistency_proof_generation(case: dict[str, object]) -> None:
    nodes = _reference_source()
    size1, size2 = case["size1"], case["size2"]
    assert isinstance(size1, int) and isinstance(size2, int)
    got = consistency_proof(size1, size2, lambda ids: nodes) if size1 != size2 else []
    assert [h.hex() for h in got] == case["proof"]
    roots = REFERENCE["root_hashes"]
    verify_consistency(size1, size2, bytes.fromhex(roots[size1]), bytes.fromhex(roots[size2]), got)


@pytest.mark.parametrize(("name", "probe"), _probes("inclusion"), ids=lambda x: str(x))
def test_inclusion_probe(name: str, probe: dict[str, object]) -> None:
    proof = probe["proof"] or []
    assert isinstance(proof, list)

    def run() -> None:
        index, size = probe["leafIdx"], probe["treeSize"]
        assert isinstance(index, int) and isinstance(size, int)
        verify_inclusion(
            _b(probe["leafHash"]), index, size, [_b(p) for p in proof], _b(probe["root"])
        )

    if probe["wantErr"]:
        with pytest.raises(BoardVerificationError):
            run()
    else:
        run()


@pytest.mark.parametrize(("name", "probe"), _probes("consistency"), ids=lambda x: str(x))
def test_consistency_probe(name: str, probe: dict[str, object]) -> None:
    proof = probe["proof"] or []
    assert isinstance(proof, list)

    def run() -> None:
        size1, size2 = probe["size1"], probe["size2"]
        assert isinstance(size1, int) and isinstance(size2, int)
        verify_consistency(
            size1, size2, _b(probe["root1"]), _b(probe["root2"]), [_b(p) for p in proof]
        )

    if name in STRICTER:
        assert not probe["wantErr"]
        with pytest.raises(ProofShapeError, match="32"):
            run()
    elif probe["wantErr"]:
        with pytest.raises(BoardVerificationError):
            run()
    else:
        run()


def test_probe_sets_contain_both_outcomes() -> None:
    for kind in ("inclusion", "consistency"):
        outcomes = {bool(p["wantErr"]) for _, p in _probes(kind)}
        assert outcomes == {True, False}
