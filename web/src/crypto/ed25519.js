/**
 * Ed25519 (RFC 8032, pure) keys, signing, and verification with libsodium's rules
 * (protocol.md 8.2.1, 8.2.4).
 *
 * Signing with a seed is noble's (deterministic, so equal to libsodium's bytes); signing
 * with a scalar (a co-issued credential, which has no seed) is RFC 8032 5.1.6 steps 2-6
 * with the scalar and nonce given, over noble's constant-time base multiplication and
 * field mod l. Verification is our
 * own over noble's curve arithmetic, because noble checks the cofactored equation and
 * protocol.md 8.2.4 requires what libsodium's crypto_sign_verify_detached accepts:
 * S < l; R not of small order; A canonical and not of small order; and the encoding of
 * [S]B - [k]A equal to the bytes R (cofactorless, compared as bytes).
 *
 * @module ed25519
 */

import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bigIntToLe, concatBytes, equalBytes, hexToBytes, leToBigInt } from './bytes.js';

const EdPoint = ed25519.Point;
const P = EdPoint.Fp.ORDER; // 2^255 - 19
const Fn = EdPoint.Fn;
const L = Fn.ORDER;
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

/**
 * Gives back le(bytes) mod l, in [0, l): libsodium's crypto_core_ed25519_scalar_reduce
 * for 64 bytes (a SHA-512 output).
 * @param {Uint8Array} bytes
 */
export function scalarReduce(bytes) {
  return Fn.create(leToBigInt(bytes));
}

/**
 * Gives back (a + b) mod l.
 * @param {bigint} a
 * @param {bigint} b
 */
export function scalarAdd(a, b) {
  return Fn.add(a, b);
}

/** @param {unknown} s @param {string} what */
function checkSecretScalar(s, what) {
  if (typeof s !== 'bigint' || !Fn.isValidNot0(s)) throw new RangeError(`${what} is a scalar in [1, l)`);
}

/**
 * Gives back the 32-byte encoding of x*B (libsodium's
 * crypto_scalarmult_ed25519_base_noclamp), x a secret scalar in [1, l).
 * @param {bigint} x
 * @returns {Uint8Array}
 */
export function publicKeyFromScalar(x) {
  checkSecretScalar(x, 'a secret key');
  return EdPoint.BASE.multiply(x).toBytes();
}

/**
 * Gives back the 64-byte Ed25519 signature R || le32(S) of message by the secret scalar x
 * with the nonce r: R = r*B, h = le512(SHA-512(R || P || M)) mod l with P = x*B,
 * S = (r + h*x) mod l. r must be derived from x and the message (never reused with
 * another message): credentials.js signWithCredential does.
 * @param {bigint} x in [1, l)
 * @param {bigint} r in [1, l)
 * @param {Uint8Array} message
 */
export function signWithScalar(x, r, message) {
  checkSecretScalar(r, 'a signature nonce');
  const A = publicKeyFromScalar(x);
  const R = EdPoint.BASE.multiply(r).toBytes();
  const h = scalarReduce(sha512(concatBytes(R, A, message)));
  const S = Fn.add(r, Fn.mul(h, x));
  return concatBytes(R, bigIntToLe(S, 32));
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
