/**
 * Credential codes and the keys they derive (protocol.md 10.2, 10.3).
 *
 * A code is 19 data characters of Crockford's base32 and a Damm check character over
 * GF(32) = GF(2)[x] / (x^5 + x^2 + 1). The voter types it; normalizeCredentialCode reads
 * it as 10.2.3 says, and credentialKey derives the Ed25519 key bound to the referendum.
 *
 * @module credentials
 */

import { sha512 } from '@noble/hashes/sha2.js';
import { publicKeyFromSeed } from './ed25519.js';
import { ALPHABET, CodeError, checkValue, fold, readValues } from './codes.js';
import { CredentialCodeError } from './errors.js';
import { transcript } from './hashing.js';

/** @typedef {import('./random.js').RandomSource} RandomSource */

/** Crockford's base32 alphabet: the character at position v has value v (10.2.1). */
export const CODE_ALPHABET = ALPHABET;
const CODE_LENGTH = 20;
const DATA_LENGTH = 19;
const IGNORED = new Set([' ', '-']);

/**
 * Gives back the check character of 19 canonical data characters (10.2.2).
 * @param {string} data
 */
export function checkCharacter(data) {
  const values = [...data].map((c) => {
    const v = CODE_ALPHABET.indexOf(c);
    if (v < 0) throw new RangeError(`${JSON.stringify(c)} is not a canonical code character`);
    return v;
  });
  return CODE_ALPHABET[checkValue(values)];
}

/**
 * Gives back a canonical code in printed form: 4 groups of 5 joined by "-" (10.2.1).
 * @param {string} canonical
 */
export function printedCode(canonical) {
  return [0, 5, 10, 15].map((i) => canonical.slice(i, i + 5)).join('-');
}

/**
 * Gives back a fresh code in printed form from 12 bytes of rng (10.2.1).
 * @param {RandomSource} rng
 */
export function generateCode(rng) {
  const draw = rng.bytes(12);
  let bits = 0n;
  for (const b of draw) bits = (bits << 8n) | BigInt(b);
  bits >>= 1n; // 95 uniform bits, 5 per character, no reduction
  const values = [];
  for (let i = 0; i < DATA_LENGTH; i++) values.push(Number((bits >> BigInt(5 * (DATA_LENGTH - 1 - i))) & 31n));
  values.push(checkValue(values));
  return printedCode(values.map((v) => CODE_ALPHABET[v]).join(''));
}

/**
 * Gives back the 20 canonical characters of a typed code (protocol.md 10.2.3).
 *
 * Space and "-" are ignored; lower case reads as upper case, O as 0, I and L as 1, a
 * Cyrillic look-alike as its Latin letter (codes.js LOOKALIKES). Throws
 * CredentialCodeError with reason "character" (naming the character and its position,
 * counting every typed character from 1), then "length", then "check".
 * @param {unknown} text
 */
export function normalizeCredentialCode(text) {
  /** @type {number[]} */
  let values;
  try {
    values = readValues(text, 'the credential code', IGNORED, CODE_LENGTH);
  } catch (error) {
    if (error instanceof CodeError) {
      // char and position let a page name the character in its own language (10.2.3).
      throw Object.assign(new CredentialCodeError(error.message, error.reason), { char: error.char, position: error.position });
    }
    throw error;
  }
  if (fold(values) !== 0) {
    throw new CredentialCodeError("a character is mistyped: the credential code's check character does not match", 'check');
  }
  return values.map((v) => CODE_ALPHABET[v]).join('');
}

/**
 * Gives back the credential key a typed code derives in the referendum fp (10.3):
 * seed = SHA-512(transcript("credential", fp, code))[0:32], the Ed25519 key of that seed.
 * @param {Uint8Array} fp 32 bytes
 * @param {string} codeText as typed; normalized first (CredentialCodeError)
 * @returns {{ seed: Uint8Array, publicKey: Uint8Array }}
 */
export function credentialKey(fp, codeText) {
  if (!(fp instanceof Uint8Array) || fp.length !== 32) throw new TypeError('the fingerprint is 32 bytes');
  const code = normalizeCredentialCode(codeText);
  const seed = sha512(transcript('credential', fp, code)).slice(0, 32);
  return { seed, publicKey: publicKeyFromSeed(seed) };
}
