/**
 * Tracking hash and tracking code of a ballot (protocol.md 12.4).
 *
 *   h = SHA-512(transcript("tracking-code", fp, canonical_json(body)))[0..32)
 *
 * body is the ballot payload without "signature". The code is the first 95 bits of h as
 * 19 Crockford base32 characters and a Damm check character folded from 1 (so no
 * credential code is a tracking code), in five groups of four.
 *
 * @module tracking
 */

import { sha512 } from '@noble/hashes/sha2.js';
import { canonicalJson } from './canonical.js';
import { ALPHABET, CodeError, checkValue, fold, readValues } from './codes.js';
import { InputError } from './errors.js';
import { transcript } from './hashing.js';

const CODE_LENGTH = 20;
const DATA_LENGTH = 19;
/** The tracking code's Damm fold starts here, a credential code's at 0 (12.4). */
export const TRACKING_CHECK_START = 1;
const IGNORED = new Set([' ', '\t', '\n', '\r', '\v', '\f', '-']);

/**
 * A typed tracking code is malformed or mistyped (12.4): `reason` "character", "length"
 * or "check" (a typing mistake: the code names no ballot, whether or not one is missing).
 */
export class TrackingCodeError extends CodeError {}

/**
 * Gives back the 32-byte tracking hash of a ballot body (12.4); a "signature" member,
 * if present, is left out, so a cast ballot and its body hash the same.
 * @param {Uint8Array} fp
 * @param {Record<string, unknown>} body
 * @returns {Uint8Array}
 */
export function trackingHash(fp, body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InputError('a ballot body is an object');
  const { signature: _signature, ...unsigned } = body;
  return sha512(transcript('tracking-code', fp, canonicalJson(unsigned, 'ballot'))).slice(0, 32);
}

/**
 * Gives back the tracking code of h: "XXXX-XXXX-XXXX-XXXX-XXXC" (12.4).
 * @param {Uint8Array} h 32 bytes
 */
export function trackingCode(h) {
  if (!(h instanceof Uint8Array) || h.length !== 32) throw new InputError('a tracking hash is 32 bytes');
  let n = 0n;
  for (let i = 0; i < 12; i++) n = (n << 8n) | BigInt(h[i]);
  n >>= 1n; // the top 95 of 96 bits
  const values = [];
  for (let i = 0; i < DATA_LENGTH; i++) values.push(Number((n >> BigInt(5 * (DATA_LENGTH - 1 - i))) & 31n));
  values.push(checkValue(values, TRACKING_CHECK_START));
  const chars = values.map((v) => ALPHABET[v]).join('');
  return [0, 4, 8, 12, 16].map((i) => chars.slice(i, i + 4)).join('-');
}

/**
 * Gives back the 20 characters of a typed tracking code, without hyphens (12.4): space,
 * tab, CR, LF, VT, FF and "-" dropped; lower case read as upper case, O as 0, I and L as
 * 1, a Cyrillic look-alike as its Latin letter (10.2.3). Throws TrackingCodeError with
 * reason "character" (with `char` and `position`), "length", then "check".
 * @param {unknown} text
 */
export function normalizeTrackingCode(text) {
  /** @type {number[]} */
  let values;
  try {
    values = readValues(text, 'the tracking code', IGNORED, CODE_LENGTH);
  } catch (error) {
    if (error instanceof CodeError) {
      throw new TrackingCodeError(error.message, error.reason, { char: error.char, position: error.position });
    }
    throw error;
  }
  if (fold(values, TRACKING_CHECK_START) !== 0) {
    throw new TrackingCodeError("a character is mistyped: the tracking code's check character does not match", 'check');
  }
  return values.map((v) => ALPHABET[v]).join('');
}
