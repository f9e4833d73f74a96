/**
 * ristretto255 (RFC 9496), the group of every protocol value (protocol.md 2).
 *
 * Elements are noble's ristretto255 points; scalars are bigints in [0, l). Bytes become
 * an element or a scalar only through decodeElement / decodeScalar, which refuse every
 * non-canonical encoding (2.1, 2.2). The group is written multiplicatively in the spec:
 * its `a * b` is noble's `a.add(b)` and `g^x` is `g.multiply(x)`.
 *
 * @module group
 */

import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bigIntToLe, bytesToHex, hexToBytes, leToBigInt } from './bytes.js';
import { DecodeError } from './errors.js';

/** @typedef {InstanceType<typeof ristretto255.Point>} Element */
/** @typedef {import('./random.js').RandomSource} RandomSource */

/** noble's ristretto255 point class. */
export const Point = ristretto255.Point;

/** The group order l = 2^252 + 27742317777372353535851937790883648493 (protocol.md 1). */
export const ORDER = Point.Fn.ORDER;

/** The standard generator g (RFC 9496 4.4), with noble's precomputed multiples. */
export const G = Point.BASE;

/** The identity element 1, encoded as 32 zero bytes. */
export const IDENTITY = Point.ZERO;

/**
 * Encodings already known, by element: an element read from bytes, or encoded once,
 * is never encoded again (encoding costs an inversion and a square root).
 * @type {WeakMap<Element, Uint8Array>}
 */
const encodings = new WeakMap();

/** Bytes of an element or a scalar. */
export const SIZE = 32;

/**
 * Gives back the element whose canonical encoding is bytes (protocol.md 2.1).
 * DecodeError for any other string: wrong length, non-canonical field element, negative
 * s and the other failures of RFC 9496 4.3.1. The identity decodes.
 * @param {Uint8Array} bytes
 * @param {string} [field] named in the error
 * @returns {Element}
 */
export function decodeElement(bytes, field = 'element') {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SIZE) {
    throw new DecodeError(`${field}: a group element is ${SIZE} bytes`);
  }
  let point;
  try {
    point = Point.fromBytes(bytes);
  } catch {
    throw new DecodeError(`${field}: not a canonical ristretto255 encoding`);
  }
  encodings.set(point, Uint8Array.from(bytes));
  return point;
}

/**
 * Gives back the element's canonical 32-byte encoding (RFC 9496 4.3.2).
 * @param {Element} element
 * @returns {Uint8Array}
 */
export function encodeElement(element) {
  return Uint8Array.from(encodingOf(element));
}

/**
 * Gives back the cached encoding without copying: for hashing, which only reads it.
 * @param {Element} element
 * @returns {Uint8Array}
 */
export function encodingOf(element) {
  let bytes = encodings.get(element);
  if (bytes === undefined) {
    bytes = element.toBytes();
    encodings.set(element, bytes);
  }
  return bytes;
}

/**
 * Gives back the element written as 64 lowercase hex digits (protocol.md 2.3).
 * @param {unknown} hex
 * @param {string} [field]
 */
export function elementFromHex(hex, field = 'element') {
  return decodeElement(hexToBytes(/** @type {string} */ (hex), SIZE, field), field);
}

/**
 * Gives back the scalar le256(bytes), refusing values >= l and other lengths (2.2).
 * @param {Uint8Array} bytes
 * @param {string} [field]
 * @returns {bigint}
 */
export function decodeScalar(bytes, field = 'scalar') {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SIZE) {
    throw new DecodeError(`${field}: a scalar is ${SIZE} bytes`);
  }
  const n = leToBigInt(bytes);
  if (n >= ORDER) {
    throw new DecodeError(`${field}: scalar encoding is not canonical: value is not below the group order`);
  }
  return n;
}

/**
 * Gives back the scalar written as 64 lowercase hex digits (protocol.md 2.3).
 * @param {unknown} hex
 * @param {string} [field]
 */
export function scalarFromHex(hex, field = 'scalar') {
  return decodeScalar(hexToBytes(/** @type {string} */ (hex), SIZE, field), field);
}

/**
 * Gives back le256(n) for a scalar n in [0, l).
 * @param {bigint} n
 */
export function encodeScalar(n) {
  if (n < 0n || n >= ORDER) throw new RangeError('a scalar lies in [0, l)');
  return bigIntToLe(n, SIZE);
}

/**
 * Gives back le512(bytes) mod l: the scalar of a 64-byte hash output (2.2).
 * @param {Uint8Array} bytes 64 bytes
 */
export function scalarFromWide(bytes) {
  if (bytes.length !== 2 * SIZE) throw new RangeError('wide reduction takes 64 bytes');
  return leToBigInt(bytes) % ORDER;
}

/**
 * Gives back RFC 9496's one-way map (4.3.4) of 64 bytes: hash_to_element's last step (3).
 * @param {Uint8Array} bytes 64 bytes
 * @returns {Element}
 */
export function elementFromHash(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 2 * SIZE) {
    throw new RangeError('the one-way map takes 64 bytes');
  }
  return /** @type {Element} */ (/** @type {any} */ (ristretto255_hasher).deriveToCurve(bytes));
}

/**
 * Gives back a uniformly random non-zero scalar: 64 bytes reduced mod l, drawn again
 * while zero (protocol.md 2.2). One request to rng per draw.
 * @param {RandomSource} rng
 */
export function randomScalar(rng) {
  for (;;) {
    const s = scalarFromWide(rng.bytes(2 * SIZE));
    if (s !== 0n) return s;
  }
}

/**
 * Gives back x mod l in [0, l).
 * @param {bigint} x
 */
export function modL(x) {
  const r = x % ORDER;
  return r < 0n ? r + ORDER : r;
}

/**
 * Gives back base^s for a secret scalar s, by noble's constant-time multiply.
 * s = 0 has probability 2^-252 for a drawn scalar; it gives the identity.
 * @param {Element} base
 * @param {bigint} s
 */
export function powSecret(base, s) {
  return s === 0n ? IDENTITY : base.multiply(s);
}

/**
 * Gives back base^s for public base and scalar (variable time, 0 allowed).
 * @param {Element} base
 * @param {bigint} s
 */
export function powPublic(base, s) {
  return base.multiplyUnsafe(s);
}

/** @type {Map<string, Element>} */
const prepared = new Map();

/**
 * Gives back the element of a 32-byte encoding with a table of its multiples, so
 * that raising it to a power costs about as much as raising g. For the election key,
 * which every ballot raises many times. Keeps a few keys.
 * @param {Uint8Array} bytes
 * @param {string} [field]
 * @returns {Element}
 */
export function preparedElement(bytes, field = 'element') {
  if (!(bytes instanceof Uint8Array)) return decodeElement(bytes, field); // refuses it
  const key = bytesToHex(bytes);
  let point = prepared.get(key);
  if (point === undefined) {
    point = decodeElement(bytes, field);
    if (!point.is0()) point.precompute(6, false);
    if (prepared.size >= 4) prepared.delete(/** @type {string} */ (prepared.keys().next().value));
    prepared.set(key, point);
  }
  return point;
}
