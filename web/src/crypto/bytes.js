/**
 * Byte strings: hex, base64, UTF-8, fixed-width integers, concatenation.
 *
 * protocol.md 1 (be32, be64, le256) and 2.3 (lowercase hex); base64 of 7 (RFC 4648 with
 * padding, canonical only).
 *
 * @module bytes
 */

import { DecodeError } from './errors.js';

const HEX_DIGITS = '0123456789abcdef';
const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => HEX_DIGITS[i >> 4] + HEX_DIGITS[i & 15]);
const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Gives back the lowercase hex of u8.
 * @param {Uint8Array} u8
 * @returns {string}
 */
export function bytesToHex(u8) {
  if (!(u8 instanceof Uint8Array)) throw new TypeError('bytesToHex takes a Uint8Array');
  let out = '';
  for (let i = 0; i < u8.length; i++) out += HEX_PAIRS[u8[i]];
  return out;
}

/**
 * Gives back the bytes of lowercase hex text (protocol.md 2.3: no upper case, even length).
 * @param {string} hex
 * @param {number} [size] the byte length wanted, if fixed
 * @param {string} [field] named in the error
 * @returns {Uint8Array}
 */
export function hexToBytes(hex, size, field = 'value') {
  if (typeof hex !== 'string') throw new DecodeError(`${field}: want a hex string, got ${typeName(hex)}`);
  if (size !== undefined && hex.length !== 2 * size) {
    throw new DecodeError(`${field}: want ${2 * size} lowercase hex digits`);
  }
  if (!LOWER_HEX.test(hex)) throw new DecodeError(`${field}: want lowercase hex digits`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Gives back true when value is lowercase hex of exactly size bytes.
 * @param {unknown} value
 * @param {number} size
 */
export function isLowerHex(value, size) {
  return typeof value === 'string' && value.length === 2 * size && LOWER_HEX.test(value);
}

/**
 * Gives back the concatenation of the parts.
 * @param {...Uint8Array} parts
 * @returns {Uint8Array}
 */
export function concatBytes(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Gives back true when a and b hold the same bytes; the time does not depend on where
 * they differ.
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Gives back the UTF-8 bytes of text.
 * @param {string} text
 */
export function utf8(text) {
  return utf8Encoder.encode(text);
}

/**
 * Gives back the text of UTF-8 bytes; DecodeError for invalid UTF-8. A byte order mark
 * is kept (as U+FEFF), so a reader that refuses it sees it.
 * @param {Uint8Array} u8
 */
export function fromUtf8(u8) {
  try {
    return utf8Decoder.decode(u8);
  } catch {
    throw new DecodeError('not UTF-8');
  }
}

/**
 * Gives back n as 4 bytes big-endian (protocol.md 1, be32).
 * @param {number} n 0 <= n < 2^32
 */
export function be32(n) {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`be32: ${n} out of range`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/**
 * Gives back n as 8 bytes big-endian (protocol.md 1, be64).
 * @param {number | bigint} n 0 <= n < 2^64
 */
export function be64(n) {
  const big = toBigInt(n, 'be64');
  if (big < 0n || big >= 1n << 64n) throw new RangeError(`be64: ${n} out of range`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, big);
  return out;
}

/**
 * Gives back the unsigned little-endian integer of u8.
 * @param {Uint8Array} u8
 * @returns {bigint}
 */
export function leToBigInt(u8) {
  let n = 0n;
  for (let i = u8.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(u8[i]);
  return n;
}

/**
 * Gives back n as size bytes little-endian (le256 for size 32).
 * @param {bigint} n 0 <= n < 2^(8 size)
 * @param {number} size
 */
export function bigIntToLe(n, size) {
  const out = new Uint8Array(size);
  let v = n;
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n || n < 0n) throw new RangeError(`${n} does not fit in ${size} bytes`);
  return out;
}

/**
 * Gives back n as a bigint when it is an integer (a safe integer number or a bigint).
 * @param {unknown} n
 * @param {string} what
 * @returns {bigint}
 */
export function toBigInt(n, what) {
  if (typeof n === 'bigint') return n;
  if (typeof n === 'number' && Number.isSafeInteger(n)) return BigInt(n);
  throw new TypeError(`${what}: want an integer, got ${typeName(n)} ${String(n)}`);
}

/**
 * Gives back the standard padded base64 of u8 (RFC 4648 section 4).
 * @param {Uint8Array} u8
 */
export function toBase64(u8) {
  let binary = '';
  for (let i = 0; i < u8.length; i++) binary += String.fromCharCode(u8[i]);
  return btoa(binary);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Gives back the size bytes that text encodes in canonical padded base64 (7.4); anything
 * else (other alphabets, missing padding, spare bits set, other lengths) is refused.
 * @param {string} text
 * @param {number} size
 * @param {string} what named in the error
 * @param {new (message: string) => Error} [ErrorType]
 */
export function fromBase64(text, size, what, ErrorType = DecodeError) {
  if (typeof text !== 'string' || !BASE64.test(text)) throw new ErrorType(`${what}: not base64`);
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  if (out.length !== size || toBase64(out) !== text) {
    throw new ErrorType(`${what}: want canonical base64 of ${size} bytes`);
  }
  return out;
}

/**
 * Gives back a short name of value's type for messages.
 * @param {unknown} value
 */
export function typeName(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}
