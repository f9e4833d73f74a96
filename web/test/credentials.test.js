// vectors/credentials/codes.json (protocol.md 10.2, 10.3) against credentials.js.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CODE_ALPHABET,
  CredentialCodeError,
  SeededRandom,
  bytesToHex,
  checkCharacter,
  credentialKey,
  generateCode,
  normalizeCredentialCode,
} from '../src/crypto/index.js';
import { hex, loadVector, thrown } from './vectors.js';

const DOC = loadVector('credentials/codes.json');
const FP = hex(DOC.fingerprint);

test('the alphabet', () => {
  assert.equal(CODE_ALPHABET, DOC.alphabet);
});

test('the worked example of 10.2.2, step by step', () => {
  // An independent reading of 10.2.2: interim = x * interim + value in GF(32).
  const { data, interim, check } = DOC.worked_example;
  let acc = 0;
  const steps = [];
  for (const ch of data) {
    acc = ((acc << 1) ^ (acc & 0x10 ? 0x25 : 0)) ^ CODE_ALPHABET.indexOf(ch);
    steps.push(acc);
  }
  assert.deepEqual(steps, interim);
  assert.equal(CODE_ALPHABET[(acc << 1) ^ (acc & 0x10 ? 0x25 : 0)], check);
  assert.equal(checkCharacter(data), check);
});

describe('generation from fixed draws (10.2.1)', () => {
  for (const c of DOC.generation) {
    test(c.random, () => {
      assert.equal(generateCode({ bytes: (/** @type {number} */ n) => hex(c.random).slice(0, n) }), c.code);
    });
  }
  test('the examples of 10.2.1', () => {
    assert.equal(generateCode({ bytes: () => hex('0102030405060708090a0b0c') }), '04106-1050R-3GG28-A1C63');
  });
  test('generated codes read back (property)', () => {
    const rng = new SeededRandom('web/test/credential codes');
    for (let i = 0; i < 500; i++) {
      const code = generateCode(rng);
      assert.match(code, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
      assert.equal(normalizeCredentialCode(code.toLowerCase().replaceAll('-', ' ')), code.replaceAll('-', ''));
    }
  });
});

describe('typed codes (10.2.3) and their keys (10.3)', () => {
  for (const c of DOC.cases) {
    test(c.desc, () => {
      const error = thrown(() => normalizeCredentialCode(c.typed));
      if (c.want_err !== null) {
        assert.ok(error instanceof CredentialCodeError, String(error));
        assert.equal(error.reason, c.want_err);
        assert.throws(() => credentialKey(FP, c.typed), CredentialCodeError);
        return;
      }
      assert.equal(error, undefined);
      const normalized = normalizeCredentialCode(c.typed);
      assert.equal(normalized, c.normalized);
      assert.equal(checkCharacter(normalized.slice(0, 19)), c.check);
      assert.equal(normalized[19], c.check);
      const key = credentialKey(FP, c.typed);
      assert.equal(bytesToHex(key.seed), c.seed);
      assert.equal(bytesToHex(key.publicKey), c.public_key);
    });
  }
  test('errors name the character and its position', () => {
    const error = /** @type {CredentialCodeError} */ (thrown(() => normalizeCredentialCode('7K2QD-M9XPA-F3D8W-R4TZ*')));
    assert.equal(error.reason, 'character');
    assert.match(error.message, /character 23 \("\*"\)/);
    assert.equal(error.char, '*');
    assert.equal(error.position, 23);
    const zhe = /** @type {CredentialCodeError} */ (thrown(() => normalizeCredentialCode('7К2QD-М9ХРА-F3D8W-R4ТZЖ')));
    assert.deepEqual([zhe.reason, zhe.char, zhe.position], ['character', 'Ж', 23]);
    assert.equal(/** @type {CredentialCodeError} */ (thrown(() => normalizeCredentialCode(42))).reason, 'character');
  });
  test('every single substitution and adjacent transposition is caught (property)', () => {
    const code = normalizeCredentialCode('7K2QD-M9XPA-F3D8W-R4TZ4');
    for (let i = 0; i < 20; i++) {
      for (const ch of CODE_ALPHABET) {
        if (ch === code[i]) continue;
        const typo = code.slice(0, i) + ch + code.slice(i + 1);
        assert.equal(/** @type {CredentialCodeError} */ (thrown(() => normalizeCredentialCode(typo))).reason, 'check', typo);
      }
      if (i < 19 && code[i] !== code[i + 1]) {
        const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
        assert.equal(/** @type {CredentialCodeError} */ (thrown(() => normalizeCredentialCode(swapped))).reason, 'check', swapped);
      }
    }
  });
});
