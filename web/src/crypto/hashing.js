/**
 * Domain-separated hashing (protocol.md 3): transcripts, hash_to_scalar, hash_to_element.
 *
 *   transcript(tag, x_1, ..., x_n) = lp("referendum/v1/" || tag) || lp(enc(x_1)) || ...
 *   lp(b) = be32(len(b)) || b
 *
 * enc: bytes as themselves, text as UTF-8, an integer (number or bigint) as be64, an
 * element as its 32-byte encoding. Scalars never enter a transcript as bigints (a bigint
 * is an integer item); pass encodeScalar(s) if one must.
 *
 * @module hashing
 */

import { sha512 } from '@noble/hashes/sha2.js';
import { be32, be64, utf8 } from './bytes.js';
import { Point, elementFromHash, encodingOf, scalarFromWide } from './group.js';

/** @typedef {Uint8Array | string | number | bigint | import('./group.js').Element} Item */

/** Prepended to every tag, so our hashes never collide with another protocol's. */
export const DOMAIN_PREFIX = 'referendum/v1/';

/**
 * @param {Item} item
 * @returns {Uint8Array}
 */
function encode(item) {
  if (item instanceof Uint8Array) return item;
  if (typeof item === 'string') return utf8(item);
  if (typeof item === 'number' || typeof item === 'bigint') {
    if (typeof item === 'number' && !Number.isSafeInteger(item)) {
      throw new TypeError(`a hashed integer must be an integer, got ${item}`);
    }
    if (item < 0 || BigInt(item) >= 1n << 64n) {
      throw new RangeError(`a hashed integer must fit in 64 unsigned bits, got ${item}`);
    }
    return be64(item);
  }
  if (item instanceof Point) return encodingOf(item);
  throw new TypeError(`cannot hash a ${typeof item}`);
}

/**
 * Gives back the exact hash input for tag and items (protocol.md 3).
 * @param {string} tag ASCII
 * @param {...Item} items
 * @returns {Uint8Array}
 */
export function transcript(tag, ...items) {
  const parts = [utf8(DOMAIN_PREFIX + tag), ...items.map(encode)];
  let size = 0;
  for (const p of parts) size += 4 + p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(be32(p.length), at);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/**
 * Gives back le512(SHA-512(transcript(tag, items...))) mod l (protocol.md 3).
 * @param {string} tag
 * @param {...Item} items
 * @returns {bigint}
 */
export function hashToScalar(tag, ...items) {
  return scalarFromWide(sha512(transcript(tag, ...items)));
}

/**
 * Gives back the RFC 9496 one-way map of SHA-512(transcript(tag, items...)) (protocol.md 3).
 * @param {string} tag
 * @param {...Item} items
 */
export function hashToElement(tag, ...items) {
  return elementFromHash(sha512(transcript(tag, ...items)));
}
