// RFC 6962 / RFC 9162 hashing and proofs (protocol.md 7.2, 7.3) against the transparency-dev
// probes and the CT reference tree in vectors/merkle/, and the entry example of 7.2.2.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BoardVerificationError,
  ProofShapeError,
  RootMismatchError,
  bytesToHex,
  encodeEntry,
  entryLeafHash,
  leafHash,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from '../src/crypto/index.js';
import { b64, hex, loadVector, vectorFiles } from './vectors.js';

const REFERENCE = loadVector('merkle/reference_tree.json');
const EXAMPLE = loadVector('merkle/board_example.json');

// Probes where we are deliberately stricter than the source: every root is 32 bytes
// (protocol.md 7.3.4), even where equal sizes make the roots' values irrelevant.
const STRICTER = new Set(['merkle/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json']);

/**
 * Reads a probe, keeping sizes past 2^53 exact (some probes use 2^64 - 1).
 * @param {string} text
 */
function readProbe(text) {
  const exact = text.replace(/("(?:leafIdx|treeSize|size1|size2)"\s*:\s*)(-?\d+)/g, '$1"$2"');
  const probe = JSON.parse(exact);
  for (const k of ['leafIdx', 'treeSize', 'size1', 'size2']) if (k in probe) probe[k] = BigInt(probe[k]);
  return probe;
}

/**
 * MTH of RFC 9162 2.1.1, written out independently of the library's verifier.
 * @param {Uint8Array[]} leaves leaf hashes
 * @returns {Uint8Array}
 */
function mth(leaves) {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

describe('reference tree', () => {
  const leaves = REFERENCE.leaf_inputs.map((/** @type {string} */ x) => leafHash(hex(x)));
  test('leaf hashes and every root', () => {
    assert.deepEqual(leaves.map(bytesToHex), REFERENCE.node_hashes[0]);
    for (let size = 1; size <= leaves.length; size++) assert.equal(bytesToHex(mth(leaves.slice(0, size))), REFERENCE.root_hashes[size]);
    // MTH({}) = SHA-256 of nothing (7.3.2)
    assert.equal(REFERENCE.root_hashes[0], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  for (const { index, size, proof } of REFERENCE.inclusion_proofs) {
    test(`inclusion ${index} in ${size}`, () => {
      verifyInclusion(leaves[index], index, size, proof.map(hex), hex(REFERENCE.root_hashes[size]));
    });
  }
  for (const { size1, size2, proof } of REFERENCE.consistency_proofs) {
    test(`consistency ${size1} -> ${size2}`, () => {
      verifyConsistency(size1, size2, hex(REFERENCE.root_hashes[size1]), hex(REFERENCE.root_hashes[size2]), proof.map(hex));
    });
  }
});

for (const kind of /** @type {const} */ (['inclusion', 'consistency'])) {
  describe(`${kind} probes`, () => {
    const probes = vectorFiles(`merkle/${kind}`);
    test('the probe set is complete and has both outcomes', () => {
      assert.ok(probes.length > 80);
      assert.deepEqual(new Set(probes.map(([, t]) => Boolean(readProbe(t).wantErr))), new Set([true, false]));
    });
    for (const [name, text] of probes) {
      const probe = readProbe(text);
      test(name, () => {
        const proof = (probe.proof ?? []).map(b64);
        const run = () =>
          kind === 'inclusion'
            ? verifyInclusion(b64(probe.leafHash), probe.leafIdx, probe.treeSize, proof, b64(probe.root))
            : verifyConsistency(probe.size1, probe.size2, b64(probe.root1), b64(probe.root2), proof);
        if (STRICTER.has(name)) {
          assert.equal(probe.wantErr, false);
          assert.throws(run, (e) => e instanceof ProofShapeError && /32/.test(e.message));
        } else if (probe.wantErr) {
          assert.throws(run, BoardVerificationError);
        } else {
          run();
        }
      });
    }
  });
}

describe('entries (7.2.2) and the board example', () => {
  test('encoding and leaf hash of the worked example', () => {
    const { log_id, index, kind, payload_hex } = EXAMPLE.entry;
    assert.equal(bytesToHex(encodeEntry(log_id, index, kind, hex(payload_hex))), EXAMPLE.encoding_hex);
    assert.equal(bytesToHex(entryLeafHash(log_id, index, kind, hex(payload_hex))), EXAMPLE.leaf_hash_hex);
    assert.equal(bytesToHex(entryLeafHash('referendum/2026', 0, 'ballot', new TextEncoder().encode('{"v":1}'))), 'a58f6371c69ea4ea24f7022a1a51fa16cc70ade03d2c5ccd3c98e71df1726851');
  });
  test('bad log ids, kinds and indexes are refused', () => {
    const p = new Uint8Array(1);
    for (const [logId, idx, kind] of /** @type {[any, any, any][]} */ ([
      ['', 0, 'ballot'], ['-x', 0, 'ballot'], ['a b', 0, 'ballot'], ['a'.repeat(129), 0, 'ballot'],
      ['log', 0, 'Ballot'], ['log', 0, ''], ['log', 0, '.x'], ['log', -1, 'ballot'], ['log', 2n ** 64n, 'ballot'], ['log', 1.5, 'ballot'],
    ])) {
      assert.throws(() => encodeEntry(logId, idx, kind, p));
    }
    assert.equal(encodeEntry('log', 2n ** 64n - 1n, 'ballot', p).length, 1 + 1 + 3 + 8 + 1 + 6 + 4 + 1);
  });
  test('a moved entry fails its proof with RootMismatchError', () => {
    const payload = hex(EXAMPLE.entry.payload_hex);
    const a = entryLeafHash('log', 0, 'ballot', payload);
    const b = entryLeafHash('log', 1, 'ballot', payload);
    const root = nodeHash(a, b);
    verifyInclusion(b, 1, 2, [a], root);
    assert.throws(() => verifyInclusion(entryLeafHash('log', 0, 'ballot', payload), 1, 2, [a], root), RootMismatchError);
    assert.throws(() => verifyInclusion(b, 1, 2, [a, a], root), ProofShapeError);
    assert.throws(() => verifyInclusion(b, 2, 2, [a], root), ProofShapeError);
  });
});
