// RFC 9496 Appendix A vectors (vectors/ristretto255/) and protocol.md 2-3 against group.js and hashing.js.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  DecodeError,
  G,
  IDENTITY,
  ORDER,
  SeededRandom,
  bytesToHex,
  decodeElement,
  decodeScalar,
  elementFromHash,
  elementFromHex,
  encodeElement,
  encodeScalar,
  hashToScalar,
  hexToBytes,
  scalarFromHex,
  transcript,
} from '../src/crypto/index.js';
import { hex, loadVector } from './vectors.js';

const MULTIPLES = loadVector('ristretto255/multiples.json').vectors;
const INVALID = loadVector('ristretto255/invalid_encodings.json').vectors;
const ONE_WAY_MAP = loadVector('ristretto255/one_way_map.json').vectors;
const SCALARS = loadVector('ristretto255/scalars.json');

test('the vector files are complete', () => {
  assert.deepEqual(MULTIPLES.map((/** @type {any} */ v) => v.i), [...Array(16).keys()]);
  assert.equal(INVALID.filter((/** @type {any} */ v) => v.source.startsWith('RFC 9496')).length, 29);
  assert.equal(new Set(INVALID.map((/** @type {any} */ v) => v.encoding)).size, INVALID.length);
  assert.equal(ONE_WAY_MAP.length, 11);
});

describe('A.1 multiples of the generator', () => {
  for (const { i, encoding } of MULTIPLES) {
    test(`B${i}`, () => {
      const element = decodeElement(hex(encoding));
      const power = i === 0 ? IDENTITY : G.multiply(BigInt(i));
      assert.ok(element.equals(power));
      assert.equal(bytesToHex(encodeElement(power)), encoding);
      // the variable-base path: (g^2)^(i/2) (* g)
      const half = i < 2 ? IDENTITY : G.add(G).multiplyUnsafe(BigInt(i >> 1));
      assert.equal(bytesToHex((i % 2 ? half.add(G) : half).toBytes()), encoding);
      assert.equal(element.is0(), i === 0);
    });
  }
  test('repeated multiplication walks the list', () => {
    let acc = IDENTITY;
    for (const { encoding } of MULTIPLES) {
      assert.equal(bytesToHex(acc.toBytes()), encoding);
      acc = acc.add(G);
    }
  });
});

describe('A.2 invalid encodings are refused', () => {
  for (const { desc, encoding } of INVALID) {
    test(`${desc}: ${encoding.slice(0, 8)}`, () => {
      assert.throws(() => decodeElement(hex(encoding)), (e) => e instanceof DecodeError && /not a canonical ristretto255 encoding/.test(e.message));
      assert.throws(() => elementFromHex(encoding, 'x'), DecodeError);
    });
  }
  test('wrong lengths and hex forms are refused', () => {
    assert.throws(() => decodeElement(new Uint8Array(31)), DecodeError);
    assert.throws(() => decodeElement(new Uint8Array(33)), DecodeError);
    assert.throws(() => elementFromHex(MULTIPLES[1].encoding.toUpperCase(), 'x'), DecodeError);
    assert.throws(() => elementFromHex(MULTIPLES[1].encoding.slice(2), 'x'), DecodeError);
    assert.throws(() => elementFromHex(7, 'x'), DecodeError);
  });
});

describe('A.3 the one-way map', () => {
  for (const { label, input, element } of ONE_WAY_MAP) {
    test(input.slice(0, 16), () => {
      if (label !== null) assert.equal(createHash('sha512').update(label, 'utf8').digest('hex'), input);
      assert.equal(bytesToHex(elementFromHash(hex(input)).toBytes()), element);
    });
  }
  test('is not injective: four inputs, one element', () => {
    const collisions = ONE_WAY_MAP.filter((/** @type {any} */ v) => v.label === null);
    assert.equal(new Set(collisions.map((/** @type {any} */ v) => v.input)).size, 4);
    assert.equal(new Set(collisions.map((/** @type {any} */ v) => bytesToHex(elementFromHash(hex(v.input)).toBytes()))).size, 1);
  });
});

describe('scalars (2.2)', () => {
  for (const { desc, value, encoding } of SCALARS.valid) {
    test(`canonical: ${desc}`, () => {
      assert.equal(decodeScalar(hex(encoding)), BigInt(value));
      assert.equal(scalarFromHex(encoding), BigInt(value));
      assert.equal(bytesToHex(encodeScalar(BigInt(value))), encoding);
    });
  }
  for (const { desc, value, encoding } of SCALARS.invalid) {
    test(`not canonical: ${desc}`, () => {
      assert.ok(BigInt(value) >= ORDER);
      assert.throws(() => decodeScalar(hex(encoding)), (e) => e instanceof DecodeError && /not canonical/.test(e.message));
    });
  }
  test('l - 1 is -1', () => {
    assert.equal((scalarFromHex(SCALARS.valid.find((/** @type {any} */ v) => v.desc === 'order - 1').encoding) + 1n) % ORDER, 0n);
  });
});

describe('hashing (3) and the seeded source (2.4)', () => {
  test('the transcript example of section 3', () => {
    const t = transcript('schnorr', Uint8Array.of(1));
    assert.equal(t.length, 30);
    assert.equal(bytesToHex(t), `00000015${Buffer.from('referendum/v1/schnorr').toString('hex')}0000000101`);
  });
  test('items are encoded by type: text, integers as be64, elements', () => {
    const t = transcript('x', 'é', 258, 2n ** 64n - 1n, G);
    const want = `0000000f${Buffer.from('referendum/v1/x').toString('hex')}00000002c3a9` +
      `000000080000000000000102` + `00000008ffffffffffffffff` + `00000020${MULTIPLES[1].encoding}`;
    assert.equal(bytesToHex(t), want);
    assert.throws(() => transcript('x', -1));
    assert.throws(() => transcript('x', 2n ** 64n));
    assert.throws(() => transcript('x', 1.5));
  });
  test('hash_to_scalar reduces SHA-512 of the transcript, little-endian', () => {
    const digest = createHash('sha512').update(transcript('schnorr', Uint8Array.of(1))).digest();
    let n = 0n;
    for (let i = 63; i >= 0; i--) n = (n << 8n) | BigInt(digest[i]);
    assert.equal(hashToScalar('schnorr', Uint8Array.of(1)), n % ORDER);
  });
  test('SeededRandom is SHAKE-256(prefix || seed || be64(k)), integer seeds as 16 bytes', () => {
    const shake = (/** @type {Uint8Array} */ data, /** @type {number} */ n) => createHash('shake256', { outputLength: n }).update(data).digest('hex');
    const prefix = Buffer.from('referendum/seeded-random|');
    const rng = new SeededRandom('abc');
    assert.equal(bytesToHex(rng.bytes(5)), shake(Buffer.concat([prefix, Buffer.from('abc'), hex('0000000000000000')]), 5));
    assert.equal(bytesToHex(rng.bytes(70)), shake(Buffer.concat([prefix, Buffer.from('abc'), hex('0000000000000001')]), 70));
    const minusOne = new SeededRandom(-1);
    assert.equal(bytesToHex(minusOne.bytes(8)), shake(Buffer.concat([prefix, Buffer.alloc(16, 0xff), Buffer.alloc(8)]), 8));
    const seven = new SeededRandom(7n);
    assert.equal(bytesToHex(seven.bytes(8)), shake(Buffer.concat([prefix, hex('00000000000000000000000000000007'), Buffer.alloc(8)]), 8));
    assert.equal(bytesToHex(new SeededRandom(hexToBytes('0102')).bytes(4)), shake(Buffer.concat([prefix, hex('0102'), Buffer.alloc(8)]), 4));
  });
});
