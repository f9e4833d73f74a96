// vectors/proofs/ (protocol.md 5) against proofs.js: want_err null verifies, "decode" throws
// DecodeError while reading, "invalid" throws InvalidProof. Plus seeded prove/verify round trips.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DecodeError,
  G,
  InvalidProof,
  SeededRandom,
  ciphertextFromJson,
  elementFromHex,
  encrypt,
  pairFromJson,
  preparedElement,
  proveRange,
  randomScalar,
  rangeProofFromJson,
  rangeProofToJson,
  verifyChaumPedersen,
  verifyRange,
  verifySchnorr,
} from '../src/crypto/index.js';
import { hex, loadVector, thrown } from './vectors.js';

/**
 * @param {{bytes?: string, int?: number, str?: string}[]} items
 */
function bound(items) {
  return items.map((item) => {
    const [[kind, value]] = Object.entries(item);
    if (kind === 'bytes') return hex(/** @type {string} */ (value));
    return /** @type {string | number} */ (value);
  });
}

/** @type {Record<string, (fp: Uint8Array, st: any, proof: any, b: any[]) => void>} */
const VERIFIERS = {
  'proofs/schnorr.json': (fp, st, proof, b) => verifySchnorr(fp, elementFromHex(st.public, 'public'), pairFromJson(proof), b),
  'proofs/chaum_pedersen.json': (fp, st, proof, b) => {
    const [A, B, X, Y] = ['base_a', 'base_b', 'value_x', 'value_y'].map((k) => elementFromHex(st[k], k));
    verifyChaumPedersen(fp, A, B, X, Y, pairFromJson(proof), b);
  },
  'proofs/range.json': (fp, st, proof, b) => {
    const K = elementFromHex(st.public_key, 'public_key');
    verifyRange(fp, K, ciphertextFromJson(st.ciphertext), st.lo, st.hi, rangeProofFromJson(proof), b);
  },
};

for (const [name, verify] of Object.entries(VERIFIERS)) {
  describe(name, () => {
    const cases = loadVector(name).cases;
    test('has valid cases and both kinds of invalid ones', () => {
      assert.deepEqual(new Set(cases.map((/** @type {any} */ c) => c.want_err)), new Set([null, 'decode', 'invalid']));
    });
    for (const c of cases) {
      test(c.desc, () => {
        const error = thrown(() => verify(hex(c.fingerprint), c.statement, c.proof, bound(c.bound_to)));
        let outcome = null;
        if (error instanceof DecodeError) outcome = 'decode';
        else if (error instanceof InvalidProof) outcome = 'invalid';
        else if (error !== undefined) throw error;
        assert.equal(outcome, c.want_err);
      });
    }
  });
}

describe('range proofs: seeded round trips (property)', () => {
  const rng = new SeededRandom('web/test/proofs round trips');
  const fp = rng.bytes(32);
  const key = G.multiply(randomScalar(rng));
  const K = preparedElement(key.toBytes());
  test('200 random statements prove and verify; the wrong range, value or binding fails', () => {
    for (let i = 0; i < 200; i++) {
      const draw = rng.bytes(4);
      const lo = draw[0] % 4;
      const hi = lo + (draw[1] % 4);
      const m = lo + (draw[2] % (hi - lo + 1));
      const r = randomScalar(rng);
      const ct = encrypt(K, m, r);
      const b = [`case ${i}`, i];
      const proof = proveRange(fp, K, ct, m, r, lo, hi, b, rng);
      // through JSON and back, as on the board
      const read = rangeProofFromJson(JSON.parse(JSON.stringify(rangeProofToJson(proof))));
      verifyRange(fp, key, ct, lo, hi, read, b);
      // one wrong statement per case, in turn: another binding, another range, another value
      if (i % 3 === 0 || hi === lo) {
        assert.throws(() => verifyRange(fp, K, ct, lo, hi, read, [`case ${i + 1}`, i]), InvalidProof);
      } else if (i % 3 === 1) {
        assert.throws(() => verifyRange(fp, K, ct, lo + 1, hi, read, b), InvalidProof);
      } else {
        assert.throws(() => verifyRange(fp, K, encrypt(K, m === hi ? lo : m + 1, r), lo, hi, read, b), InvalidProof);
      }
    }
  });
  test('a value outside the range cannot be proved', () => {
    const r = randomScalar(rng);
    assert.throws(() => proveRange(fp, K, encrypt(K, 2, r), 2, r, 0, 1, [], rng), RangeError);
    assert.throws(() => proveRange(fp, K, encrypt(K, 0, r), 0, r, 0, 64, [], rng), RangeError);
  });
  test('the identity key or alpha is refused', () => {
    const r = randomScalar(rng);
    const ct = encrypt(K, 0, r);
    const proof = proveRange(fp, K, ct, 0, r, 0, 1, [], rng);
    assert.throws(() => verifyRange(fp, G.subtract(G), ct, 0, 1, proof), InvalidProof);
    assert.throws(() => verifyRange(fp, K, { alpha: G.subtract(G), beta: ct.beta }, 0, 1, proof), InvalidProof);
  });
});
