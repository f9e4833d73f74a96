/**
 * Board entries and RFC 6962 / RFC 9162 Merkle proofs (protocol.md 7.2, 7.3).
 *
 *   entry     = u8(1) || u8(len log_id) || log_id || u64(index) || u8(len kind) || kind
 *               || u32(len payload) || payload
 *   leaf_hash = SHA-256(0x00 || entry),  node_hash(l, r) = SHA-256(0x01 || l || r)
 *
 * Sizes and indexes may be numbers (safe integers) or bigints up to 2^64 - 1; the
 * arithmetic is done on bigints, since JavaScript's bit operators stop at 32 bits.
 *
 * @module merkle
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { be32, be64, concatBytes, equalBytes, toBigInt, utf8 } from './bytes.js';
import { EncodingError, ProofShapeError, RootMismatchError } from './errors.js';

const HASH_SIZE = 32;
const MAX_SIZE = (1n << 64n) - 1n;
const MAX_PAYLOAD = 16 * 1024 * 1024;
const LOG_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const KIND = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Gives back logId when it is a valid log id (7.2.1); EncodingError otherwise.
 * @param {unknown} logId
 */
export function checkLogId(logId) {
  if (typeof logId !== 'string' || !LOG_ID.test(logId)) {
    throw new EncodingError(`log id ${JSON.stringify(logId)}: want 1-128 of [A-Za-z0-9._:/-], a letter or digit first`);
  }
  return logId;
}

/**
 * Gives back the canonical encoding of an entry (7.2.2).
 * @param {string} logId
 * @param {number | bigint} index
 * @param {string} kind
 * @param {Uint8Array} payload
 */
export function encodeEntry(logId, index, kind, payload) {
  checkLogId(logId);
  if (typeof kind !== 'string' || !KIND.test(kind)) {
    throw new EncodingError(`entry kind ${JSON.stringify(kind)}: want 1-64 of [a-z0-9._-], a letter or digit first`);
  }
  const i = toBigInt(index, 'entry index');
  if (i < 0n || i > MAX_SIZE) throw new EncodingError(`entry index ${index} is outside 0..2^64-1`);
  if (!(payload instanceof Uint8Array)) throw new EncodingError('entry payload must be bytes');
  if (payload.length > MAX_PAYLOAD) throw new EncodingError(`entry payload of ${payload.length} bytes > ${MAX_PAYLOAD}`);
  const lid = utf8(logId);
  const kd = utf8(kind);
  return concatBytes(Uint8Array.of(1, lid.length), lid, be64(i), Uint8Array.of(kd.length), kd, be32(payload.length), payload);
}

/**
 * Gives back SHA-256(0x00 || data), the hash of a leaf (7.3.1).
 * @param {Uint8Array} data
 */
export function leafHash(data) {
  return sha256(concatBytes(Uint8Array.of(0), data));
}

/**
 * Gives back SHA-256(0x01 || left || right), the hash of an inner node (7.3.1).
 * @param {Uint8Array} left
 * @param {Uint8Array} right
 */
export function nodeHash(left, right) {
  return sha256(concatBytes(Uint8Array.of(1), left, right));
}

/**
 * Gives back the leaf hash of entry (logId, index, kind, payload) (7.2.2, 7.3.1).
 * @param {string} logId
 * @param {number | bigint} index
 * @param {string} kind
 * @param {Uint8Array} payloadBytes for protocol entries, the payload's canonical JSON
 */
export function entryLeafHash(logId, index, kind, payloadBytes) {
  return leafHash(encodeEntry(logId, index, kind, payloadBytes));
}

/**
 * @param {string} what
 * @param {unknown} h
 */
function checkHash(what, h) {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    const n = h instanceof Uint8Array ? h.length : typeof h;
    throw new ProofShapeError(`${what} is ${n} bytes, want ${HASH_SIZE}`);
  }
}

/**
 * Gives back the root that proof and leaf imply for a tree of size (RFC 9162 2.1.3.2).
 * @param {Uint8Array} leaf
 * @param {number | bigint} index
 * @param {number | bigint} size
 * @param {Uint8Array[]} proof
 */
export function rootFromInclusionProof(leaf, index, size, proof) {
  const m = toBigInt(index, 'leaf index');
  const n = toBigInt(size, 'tree size');
  if (!(m >= 0n && m < n && n <= MAX_SIZE)) throw new ProofShapeError(`leaf index ${m} is not in a tree of size ${n}`);
  checkHash('leaf hash', leaf);
  let fn = m;
  let sn = n - 1n;
  let r = leaf;
  proof.forEach((p, i) => {
    checkHash(`inclusion proof node ${i}`, p);
    if (sn === 0n) throw new ProofShapeError(`inclusion proof has ${proof.length} nodes, too many`);
    if (fn & 1n || fn === sn) {
      r = nodeHash(p, r);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  });
  if (sn !== 0n) throw new ProofShapeError(`inclusion proof has ${proof.length} nodes, too few`);
  return r;
}

/**
 * Gives back nothing when proof shows leafHash at index in the tree (size, root)
 * (protocol.md 7.3.3); ProofShapeError or RootMismatchError otherwise.
 * @param {Uint8Array} leafHashBytes
 * @param {number | bigint} index
 * @param {number | bigint} size
 * @param {Uint8Array[]} proof
 * @param {Uint8Array} root
 */
export function verifyInclusion(leafHashBytes, index, size, proof, root) {
  checkHash('root', root);
  const computed = rootFromInclusionProof(leafHashBytes, index, size, proof);
  if (!equalBytes(computed, root)) throw new RootMismatchError(`inclusion of leaf ${index} in tree ${size}`, root, computed);
}

/**
 * Gives back the (size1 root, size2 root) that proof implies, 0 < size1 < size2 (7.3.4).
 * @param {bigint} size1
 * @param {bigint} size2
 * @param {Uint8Array} root1
 * @param {Uint8Array[]} proof
 * @returns {[Uint8Array, Uint8Array]}
 */
export function consistencyRoots(size1, size2, root1, proof) {
  if (!(size1 > 0n && size1 < size2 && size2 <= MAX_SIZE)) {
    throw new ProofShapeError(`sizes ${size1} -> ${size2}: want 0 < size1 < size2`);
  }
  proof.forEach((c, i) => checkHash(`consistency proof node ${i}`, c));
  const path = (size1 & (size1 - 1n)) === 0n ? [root1, ...proof] : [...proof];
  if (path.length === 0) throw new ProofShapeError('consistency proof is empty');
  let fn = size1 - 1n;
  let sn = size2 - 1n;
  while (fn & 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new ProofShapeError(`consistency proof has ${proof.length} nodes, too many`);
    if (fn & 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofShapeError(`consistency proof has ${proof.length} nodes, too few`);
  return [fr, sr];
}

/**
 * Gives back nothing when proof shows the tree (size1, root1) is a prefix of (size2,
 * root2) (protocol.md 7.3.4); ProofShapeError or RootMismatchError otherwise. Equal sizes
 * need an empty proof and equal roots; size1 = 0 < size2 and size1 > size2 are refused.
 * @param {number | bigint} size1
 * @param {number | bigint} size2
 * @param {Uint8Array} root1
 * @param {Uint8Array} root2
 * @param {Uint8Array[]} proof
 */
export function verifyConsistency(size1, size2, root1, root2, proof) {
  checkHash('first root', root1);
  checkHash('second root', root2);
  const m = toBigInt(size1, 'first size');
  const n = toBigInt(size2, 'second size');
  if (m < 0n || n < 0n || m > MAX_SIZE || n > MAX_SIZE) throw new ProofShapeError(`sizes ${m}, ${n}: want 0..2^64-1`);
  if (m === n) {
    if (proof.length) throw new ProofShapeError(`sizes are equal (${m}) but the proof is not empty`);
    if (!equalBytes(root1, root2)) throw new RootMismatchError(`two trees of size ${m}`, root1, root2);
    return;
  }
  if (m === 0n) throw new ProofShapeError(`a proof from the empty tree to size ${n} proves nothing`);
  const [fr, sr] = consistencyRoots(m, n, root1, proof);
  if (!equalBytes(fr, root1)) throw new RootMismatchError(`tree ${m} from consistency proof`, root1, fr);
  if (!equalBytes(sr, root2)) throw new RootMismatchError(`tree ${n} from consistency proof`, root2, sr);
}
