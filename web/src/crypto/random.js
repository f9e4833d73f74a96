/**
 * Random sources (protocol.md 2.2, 2.4). A source has `bytes(n)`; protocol code takes
 * one as a parameter and never reads a global, so tests can pass a seeded one.
 *
 * @module random
 */

import { shake256 } from '@noble/hashes/sha3.js';
import { be64, concatBytes, utf8 } from './bytes.js';

/** @typedef {{ bytes(n: number): Uint8Array }} RandomSource */

/** The platform CSPRNG (crypto.getRandomValues): the only source for a real election. */
export const systemRandom = Object.freeze({
  /** @param {number} n */
  bytes(n) {
    const out = new Uint8Array(n);
    // getRandomValues fills at most 65536 bytes a call.
    for (let at = 0; at < n; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, at + 65536));
    return out;
  },
});

const SEEDED_PREFIX = utf8('referendum/seeded-random|');

/**
 * Gives back an integer seed as 16 bytes big-endian two's complement (2.4).
 * @param {bigint} n -2^127 <= n < 2^127
 */
function seedFromInteger(n) {
  if (n < -(1n << 127n) || n >= 1n << 127n) throw new RangeError('an integer seed lies in [-2^127, 2^127)');
  const out = new Uint8Array(16);
  let v = BigInt.asUintN(128, n);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * The seeded source of protocol.md 2.4, for tests and vectors only: its k-th request for
 * n bytes is SHAKE-256("referendum/seeded-random|" || seed || be64(k)) cut to n bytes.
 * Anyone who knows the seed knows every nonce: never use it in a real election.
 */
export class SeededRandom {
  /** @param {Uint8Array | string | number | bigint} seed text (UTF-8), bytes or an integer */
  constructor(seed) {
    if (seed instanceof Uint8Array) this.seed = Uint8Array.from(seed);
    else if (typeof seed === 'string') this.seed = utf8(seed);
    else if (typeof seed === 'bigint') this.seed = seedFromInteger(seed);
    else if (typeof seed === 'number' && Number.isSafeInteger(seed)) this.seed = seedFromInteger(BigInt(seed));
    else throw new TypeError('a seed is bytes, text or an integer');
    this.counter = 0n;
  }

  /**
   * Gives back the next request's n bytes.
   * @param {number} n
   */
  bytes(n) {
    const block = shake256(concatBytes(SEEDED_PREFIX, this.seed, be64(this.counter)), { dkLen: n });
    this.counter += 1n;
    return block;
  }
}
