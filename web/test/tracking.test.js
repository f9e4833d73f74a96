// vectors/tracking/codes.json (protocol.md 12.4) against tracking.js and codes.js: the
// worked example step by step, the code of each hash, every typed case accepted or refused
// with its reason (and the position of a bad character); then, over seeded random codes,
// every single substitution and adjacent transposition refused as "check", Cyrillic input
// read back, and credential codes never taken for tracking codes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ALPHABET,
  CredentialCodeError,
  LOOKALIKES,
  SeededRandom,
  TRACKING_CHECK_START,
  TrackingCodeError,
  generateCode,
  normalizeCredentialCode,
  normalizeTrackingCode,
  trackingCode,
} from '../src/crypto/index.js';
import { hex, loadVector, thrown } from './vectors.js';

const DOC = loadVector('tracking/codes.json');
const TO_CYRILLIC = new Map(Object.entries(LOOKALIKES).filter(([c]) => c === c.toUpperCase()).map(([c, latin]) => [latin, c]));

/** @param {string} code */
const cyrillic = (code) => [...code].map((c) => TO_CYRILLIC.get(c) ?? c).join('');

/**
 * Gives back the reason normalizeTrackingCode refuses text for, or null.
 * @param {string} text
 */
function reasonOf(text) {
  const error = thrown(() => normalizeTrackingCode(text));
  if (error === undefined) return null;
  assert.ok(error instanceof TrackingCodeError, String(error));
  return error.reason;
}

describe('tracking code vectors (12.4)', () => {
  test('alphabet, check start and look-alike table', () => {
    assert.equal(DOC.alphabet, ALPHABET);
    assert.equal(DOC.check_start, TRACKING_CHECK_START);
    assert.deepEqual(DOC.lookalikes, { ...LOOKALIKES });
  });
  test('the worked example, step by step', () => {
    const w = DOC.worked_example;
    const steps = [];
    let interim = 1;
    for (const c of w.data) {
      interim = ((interim << 1) ^ (interim & 0x10 ? 0x25 : 0) ^ ALPHABET.indexOf(c)) & 31;
      steps.push(interim);
    }
    assert.deepEqual(steps, w.interim);
    const check = ((interim << 1) ^ (interim & 0x10 ? 0x25 : 0)) & 31;
    assert.equal(trackingCode(hex(w.hash)), w.code);
    assert.equal(w.code.replaceAll('-', ''), w.data + ALPHABET[check]);
  });
  for (const c of DOC.codes) {
    test(`code of ${c.hash.slice(0, 16)}...`, () => assert.equal(trackingCode(hex(c.hash)), c.code));
  }
  for (const c of DOC.cases) {
    test(c.desc, () => {
      const error = thrown(() => normalizeTrackingCode(c.typed));
      if (c.want_err === null) {
        assert.equal(error, undefined);
        assert.equal(normalizeTrackingCode(c.typed), c.normalized);
        return;
      }
      assert.ok(error instanceof TrackingCodeError, String(error));
      assert.equal(error.reason, c.want_err);
      if (c.want_err === 'character') {
        assert.equal(error.position, c.position);
        assert.equal(error.char, [...c.typed][c.position - 1]);
      }
    });
  }
});

describe('tracking codes over random hashes (properties of 12.4)', () => {
  const rng = new SeededRandom('web/test/tracking codes');
  const codes = Array.from({ length: 200 }, () => trackingCode(rng.bytes(32)).replaceAll('-', ''));
  test('every single substitution is refused as a typo', () => {
    for (const code of codes) {
      for (let i = 0; i < 20; i++) {
        for (let d = 1; d < 32; d++) {
          const wrong = ALPHABET[(ALPHABET.indexOf(code[i]) + d) % 32];
          assert.equal(reasonOf(code.slice(0, i) + wrong + code.slice(i + 1)), 'check');
        }
      }
    }
  });
  test('every adjacent transposition of different characters is refused as a typo', () => {
    for (const code of codes) {
      for (let i = 0; i < 19; i++) {
        if (code[i] === code[i + 1]) continue;
        assert.equal(reasonOf(code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2)), 'check');
      }
    }
  });
  test('typed in Cyrillic look-alikes, lower or upper case, it reads back', () => {
    for (const code of codes) {
      assert.equal(normalizeTrackingCode(cyrillic(code)), code);
      assert.equal(normalizeTrackingCode(cyrillic(code).toLowerCase()), code);
    }
  });
  test('a credential code is never a tracking code, nor the other way round', () => {
    const codeRng = new SeededRandom('web/test/credential codes');
    for (const code of codes) {
      const credential = generateCode(codeRng);
      assert.equal(reasonOf(credential), 'check');
      assert.ok(thrown(() => normalizeCredentialCode(code)) instanceof CredentialCodeError);
    }
  });
});
