/**
 * Ed25519 (RFC 8032, pure) keys, signing, and verification with libsodium's rules
 * (protocol.md 8.2.1, 8.2.4).
 *
 * Signing is noble's (deterministic, so equal to libsodium's bytes). Verification is our
 * own over noble's curve arithmetic, because noble checks the cofactored equation and
 * protocol.md 8.2.4 requires what libsodium's crypto_sign_verify_detached accepts:
 * S < l; R not of small order; A canonical and not of small order; and the encoding of
 * [S]B - [k]A equal to the bytes R (cofactorless, compared as bytes).
 *
 * @module ed25519
 */

import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, hexToBytes, leToBigInt } from './bytes.js';

const EdPoint = ed25519.Point;
const P = EdPoint.Fp.ORDER; // 2^255 - 19
const L = EdPoint.Fn.ORDER;
const Y_MASK = (1n << 255n) - 1n;

/**
 * The y-coordinates libsodium's ge25519_has_small_order refuses, sign bit ignored: those
 * of the eight points of small order (from noble's list of them), and p and p + 1, the
 * non-canonical spellings of 0 and 1.
 */
const SMALL_ORDER_Y = new Set([
  ...ED25519_TORSION_SUBGROUP.map((hex) => leToBigInt(hexToBytes(hex)) & Y_MASK),
  P,
  P + 1n,
]);

/**
 * @param {Uint8Array} encoding 32 bytes
 * @returns {bigint} the encoded y, without the sign bit of x
 */
function yOf(encoding) {
  return leToBigInt(encoding) & Y_MASK;
}

/**
 * Gives back the Ed25519 public key of a 32-byte seed (RFC 8032 5.1.5).
 * @param {Uint8Array} seed
 * @returns {Uint8Array}
 */
export function publicKeyFromSeed(seed) {
  checkSeed(seed);
  return ed25519.getPublicKey(seed);
}

/**
 * Gives back the 64-byte Ed25519 signature of message by the key of seed.
 * @param {Uint8Array} seed
 * @param {Uint8Array} message
 */
export function signBytes(seed, message) {
  checkSeed(seed);
  return ed25519.sign(message, seed);
}

/** @param {Uint8Array} seed */
function checkSeed(seed) {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new TypeError('an Ed25519 seed is 32 bytes');
}

/**
 * Gives back true exactly when libsodium's crypto_sign_verify_detached accepts
 * signature for message under publicKey (protocol.md 8.2.4).
 * @param {Uint8Array} publicKey
 * @param {Uint8Array} message
 * @param {Uint8Array} signature
 */
export function ed25519Verifies(publicKey, message, signature) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const R = signature.subarray(0, 32);
  const S = leToBigInt(signature.subarray(32));
  if (S >= L) return false;
  if (SMALL_ORDER_Y.has(yOf(R))) return false;
  const yA = yOf(publicKey);
  if (yA >= P || SMALL_ORDER_Y.has(yA)) return false;
  let A;
  try {
    A = EdPoint.fromBytes(publicKey, false);
  } catch {
    return false; // not on the curve
  }
  const k = leToBigInt(sha512(concatBytes(R, publicKey, message))) % L;
  const check = EdPoint.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k)).toBytes();
  return equalBytes(check, R);
}
