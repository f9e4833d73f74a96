/**
 * Exponential ElGamal (protocol.md 4): Enc_K(m; r) = (alpha, beta) = (g^r, g^m * K^r).
 *
 * A ciphertext is `{alpha, beta}` of elements; its JSON form is `{"alpha": hex, "beta": hex}`
 * (2.3). Ciphertexts multiply component-wise to add their messages (4.2).
 *
 * @module elgamal
 */

import { bytesToHex, typeName } from './bytes.js';
import { DecodeError } from './errors.js';
import { G, IDENTITY, elementFromHex, powPublic, powSecret } from './group.js';

/** @typedef {import('./group.js').Element} Element */
/** @typedef {{ alpha: Element, beta: Element }} Ciphertext */

/**
 * Gives back Enc_K(m; r) (protocol.md 4.1) for a small count m >= 0 and a nonce r.
 * @param {Element} K
 * @param {number} m
 * @param {bigint} r non-zero
 * @returns {Ciphertext}
 */
export function encrypt(K, m, r) {
  if (!Number.isSafeInteger(m) || m < 0) throw new RangeError(`a message is a count >= 0, got ${m}`);
  const gm = m === 0 ? IDENTITY : G.multiply(BigInt(m));
  return { alpha: powSecret(G, r), beta: gm.add(powSecret(K, r)) };
}

/**
 * Gives back Enc_K(bit; r) for a secret bit, doing the same group operations for 0 and 1
 * (the vote picks an element from a list, not a code path).
 * @param {Element} K
 * @param {0 | 1} bit
 * @param {bigint} r non-zero
 * @returns {Ciphertext}
 */
export function encryptBit(K, bit, r) {
  const gm = [IDENTITY, G][bit];
  return { alpha: powSecret(G, r), beta: powSecret(K, r).add(gm) };
}

/**
 * Gives back the product of ciphertexts: an encryption of the sum of their messages
 * (4.2). The product of none is (1, 1).
 * @param {Ciphertext[]} cts
 * @returns {Ciphertext}
 */
export function addCiphertexts(cts) {
  let alpha = IDENTITY;
  let beta = IDENTITY;
  for (const ct of cts) {
    alpha = alpha.add(ct.alpha);
    beta = beta.add(ct.beta);
  }
  return { alpha, beta };
}

/**
 * Gives back g^m = beta / alpha^s, the decryption with the whole secret s (4.3).
 * @param {Ciphertext} ct
 * @param {bigint} s
 */
export function decrypt(ct, s) {
  return ct.beta.subtract(powPublic(ct.alpha, s));
}

/**
 * Gives back the m in [0, bound] with g^m = element (4.4, by a linear search: for
 * tests and single ballots); RangeError when there is none.
 * @param {Element} element
 * @param {number} bound
 */
export function discreteLog(element, bound) {
  let acc = IDENTITY;
  for (let m = 0; m <= bound; m++) {
    if (acc.equals(element)) return m;
    acc = acc.add(G);
  }
  throw new RangeError(`no m in [0, ${bound}] gives this element`);
}

/**
 * Gives back the JSON form {"alpha": hex, "beta": hex} of a ciphertext (2.3).
 * @param {Ciphertext} ct
 */
export function ciphertextToJson(ct) {
  return { alpha: bytesToHex(ct.alpha.toBytes()), beta: bytesToHex(ct.beta.toBytes()) };
}

/**
 * Gives back the ciphertext of a JSON object with exactly alpha and beta (2.3);
 * DecodeError naming field otherwise.
 * @param {unknown} value
 * @param {string} [field]
 * @returns {Ciphertext}
 */
export function ciphertextFromJson(value, field = 'ciphertext') {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError(`${field}: expected an object, got ${typeName(value)}`);
  }
  const keys = Object.keys(value).sort();
  if (keys.length !== 2 || keys[0] !== 'alpha' || keys[1] !== 'beta') {
    throw new DecodeError(`${field}: expected an object with exactly alpha and beta`);
  }
  const v = /** @type {{alpha: unknown, beta: unknown}} */ (value);
  return {
    alpha: elementFromHex(v.alpha, `${field}.alpha`),
    beta: elementFromHex(v.beta, `${field}.beta`),
  };
}
