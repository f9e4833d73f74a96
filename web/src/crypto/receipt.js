/**
 * The voting device's check of a receipt (protocol.md 13.4).
 *
 * A receipt is {tracking_code, tracking_hash, index, checkpoint, inclusion_proof}. The
 * device checks that the tracking hash and code are those of the ballot it sent (for a
 * "spoiled" entry, of its inner body), that the checkpoint carries the board's signature
 * and the referendum's origin and covers the index, and that the inclusion proof puts
 * the entry (log id, index, kind, canonical payload) in the checkpoint's tree.
 *
 * @module receipt
 */

import { bytesToHex, equalBytes, hexToBytes, isLowerHex, typeName } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { BoardVerificationError, ReceiptCheckError, VerificationError } from './errors.js';
import { parseSignedCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { entryLeafHash, verifyInclusion } from './merkle.js';
import { trackingCode, trackingHash } from './tracking.js';

/** @typedef {import('./manifest.js').Manifest} Manifest */

const RECEIPT_FIELDS = ['checkpoint', 'inclusion_proof', 'index', 'tracking_code', 'tracking_hash'];

/**
 * Gives back the receipt's parts once it is readable (13.4): exactly its members, index
 * a non-negative integer, hashes 64 lowercase hex digits, tracking_code the code of
 * tracking_hash, a well-formed checkpoint whose size is greater than index.
 * @param {unknown} receipt
 */
function readReceipt(receipt) {
  if (typeof receipt !== 'object' || receipt === null || Array.isArray(receipt)) {
    throw new ReceiptCheckError(`receipt: want an object, got ${typeName(receipt)}`);
  }
  const keys = Object.keys(receipt).sort();
  if (keys.join(',') !== RECEIPT_FIELDS.join(',')) {
    throw new ReceiptCheckError(`receipt: want exactly the members ${RECEIPT_FIELDS.join(', ')}`);
  }
  const r = /** @type {Record<string, unknown>} */ (receipt);
  if (typeof r.index !== 'number' || !Number.isSafeInteger(r.index) || r.index < 0) {
    throw new ReceiptCheckError('receipt: index must be a non-negative integer');
  }
  if (!isLowerHex(r.tracking_hash, 32)) throw new ReceiptCheckError('receipt: tracking_hash must be 64 lowercase hex digits');
  const h = hexToBytes(/** @type {string} */ (r.tracking_hash), 32);
  if (r.tracking_code !== trackingCode(h)) throw new ReceiptCheckError('receipt: tracking_code is not the code of tracking_hash');
  if (!Array.isArray(r.inclusion_proof) || !r.inclusion_proof.every((p) => isLowerHex(p, 32))) {
    throw new ReceiptCheckError('receipt: inclusion_proof must be a list of 64 lowercase hex digits each');
  }
  if (typeof r.checkpoint !== 'string') throw new ReceiptCheckError('receipt: checkpoint must be text');
  let signed;
  try {
    signed = parseSignedCheckpoint(r.checkpoint);
  } catch (e) {
    if (e instanceof BoardVerificationError) throw new ReceiptCheckError(`receipt: checkpoint: ${e.message}`);
    throw e;
  }
  if (signed.checkpoint.size <= r.index) {
    throw new ReceiptCheckError(`receipt: checkpoint size ${signed.checkpoint.size} does not cover index ${r.index}`);
  }
  return {
    h,
    index: r.index,
    checkpoint: r.checkpoint,
    proof: r.inclusion_proof.map((p) => hexToBytes(p, 32)),
  };
}

/**
 * Gives back nothing when receipt shows payload, sent as kind, on the board the manifest
 * names (protocol.md 13.4); ReceiptCheckError saying which part fails otherwise.
 * @param {Manifest} manifest the parsed manifest (its id, board.key)
 * @param {Uint8Array} fp
 * @param {"ballot" | "spoiled"} kind
 * @param {Record<string, any>} payload the payload as sent
 * @param {unknown} receipt
 */
export function checkReceipt(manifest, fp, kind, payload, receipt) {
  if (kind !== 'ballot' && kind !== 'spoiled') throw new ReceiptCheckError(`receipt: kind ${JSON.stringify(kind)} has no receipt`);
  const r = readReceipt(receipt);
  const body = kind === 'spoiled' ? payload?.ballot : payload;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ReceiptCheckError(`receipt: the ${kind} payload holds no ballot body`);
  }
  let h;
  let payloadBytes;
  try {
    h = trackingHash(fp, body);
    payloadBytes = canonicalJson(payload, kind);
  } catch (e) {
    if (e instanceof VerificationError) throw new ReceiptCheckError(`receipt: ${e.message}`);
    throw e;
  }
  if (!equalBytes(h, r.h)) {
    throw new ReceiptCheckError(`receipt: the tracking code is not this ballot's (receipt ${bytesToHex(r.h)}, ballot ${bytesToHex(h)})`);
  }
  try {
    const checkpoint = verifyCheckpoint(r.checkpoint, manifest.board.key);
    if (checkpoint.origin !== manifest.id) throw new ReceiptCheckError(`receipt: a checkpoint of board ${checkpoint.origin}`);
    const leaf = entryLeafHash(manifest.id, r.index, kind, payloadBytes);
    verifyInclusion(leaf, r.index, checkpoint.size, r.proof, checkpoint.root);
  } catch (e) {
    if (e instanceof BoardVerificationError) throw new ReceiptCheckError(`receipt: ${e.message}`);
    throw e;
  }
}
