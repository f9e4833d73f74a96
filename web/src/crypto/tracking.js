/**
 * Tracking hash and tracking code of a ballot (protocol.md 12.4).
 *
 *   h = SHA-512(transcript("tracking-code", fp, canonical_json(body)))[0..32)
 *
 * body is the ballot payload without "signature". The code is the first 100 bits of h
 * as 20 Crockford base32 characters in five groups of four.
 *
 * @module tracking
 */

import { sha512 } from '@noble/hashes/sha2.js';
import { canonicalJson } from './canonical.js';
import { InputError } from './errors.js';
import { transcript } from './hashing.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 20;
const IGNORED = new Set([' ', '\t', '\n', '\r', '\v', '\f', '-']);
const CONFUSABLE = /** @type {Record<string, string>} */ ({ O: '0', I: '1', L: '1' });

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
 * Gives back the tracking code of h: "XXXX-XXXX-XXXX-XXXX-XXXX" (12.4).
 * @param {Uint8Array} h 32 bytes
 */
export function trackingCode(h) {
  if (!(h instanceof Uint8Array) || h.length !== 32) throw new InputError('a tracking hash is 32 bytes');
  let n = 0n;
  for (let i = 0; i < 13; i++) n = (n << 8n) | BigInt(h[i]);
  n >>= 4n; // the top 100 of 104 bits
  let chars = '';
  for (let i = 0; i < CODE_LENGTH; i++) chars += ALPHABET[Number((n >> BigInt(5 * (CODE_LENGTH - 1 - i))) & 31n)];
  return [0, 4, 8, 12, 16].map((i) => chars.slice(i, i + 4)).join('-');
}

/**
 * Gives back the 20 characters of a typed tracking code, without hyphens (12.4): ASCII
 * only; space, tab, CR, LF, VT, FF and "-" dropped; upper-cased; O read as 0, I and L
 * as 1. InputError unless exactly 20 characters of the alphabet remain.
 * @param {unknown} text
 */
export function normalizeTrackingCode(text) {
  if (typeof text !== 'string' || !/^[\x00-\x7f]*$/.test(text)) throw new InputError('a tracking code is ASCII text');
  let compact = '';
  for (const ch of text) {
    if (IGNORED.has(ch)) continue;
    const upper = ch.toUpperCase();
    compact += CONFUSABLE[upper] ?? upper;
  }
  if (compact.length !== CODE_LENGTH) {
    throw new InputError(`a tracking code has ${CODE_LENGTH} characters, got ${compact.length}`);
  }
  const bad = [...new Set([...compact].filter((c) => !ALPHABET.includes(c)))].sort();
  if (bad.length) throw new InputError(`a tracking code has no character ${bad.join(', ')}`);
  return compact;
}
