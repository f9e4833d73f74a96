// vectors/elgamal/encrypt.json (protocol.md 4) against elgamal.js.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  G,
  addCiphertexts,
  ciphertextFromJson,
  ciphertextToJson,
  decrypt,
  discreteLog,
  elementFromHex,
  encrypt,
  encryptBit,
  scalarFromHex,
  DecodeError,
} from '../src/crypto/index.js';
import { loadVector } from './vectors.js';

const DOC = loadVector('elgamal/encrypt.json');
const K = elementFromHex(DOC.public_key);
const SECRET = scalarFromHex(DOC.secret_key);

test('the public key is g^secret', () => {
  assert.ok(G.multiply(SECRET).equals(K));
});

for (const c of DOC.encryptions) {
  test(`fixed nonce: ${c.desc}`, () => {
    const r = scalarFromHex(c.nonce);
    const ct = encrypt(K, c.m, r);
    assert.deepEqual(ciphertextToJson(ct), { alpha: c.alpha, beta: c.beta });
    if (c.m <= 1) assert.deepEqual(ciphertextToJson(encryptBit(K, c.m, r)), { alpha: c.alpha, beta: c.beta });
    assert.equal(discreteLog(decrypt(ciphertextFromJson({ alpha: c.alpha, beta: c.beta }), SECRET), 1000), c.m);
  });
}

test('homomorphic sum of the first three', () => {
  const cts = DOC.encryptions.slice(0, 3).map((/** @type {any} */ c) => ciphertextFromJson({ alpha: c.alpha, beta: c.beta }));
  assert.deepEqual(ciphertextToJson(addCiphertexts(cts)), { alpha: DOC.sum_of_first_three.alpha, beta: DOC.sum_of_first_three.beta });
  const none = addCiphertexts([]);
  assert.ok(none.alpha.is0() && none.beta.is0());
});

test('ciphertexts are read strictly', () => {
  const { alpha, beta } = DOC.encryptions[0];
  assert.throws(() => ciphertextFromJson({ alpha }), DecodeError);
  assert.throws(() => ciphertextFromJson({ alpha, beta, gamma: beta }), DecodeError);
  assert.throws(() => ciphertextFromJson([alpha, beta]), DecodeError);
  assert.throws(() => ciphertextFromJson({ alpha: alpha.toUpperCase(), beta }), DecodeError);
});
