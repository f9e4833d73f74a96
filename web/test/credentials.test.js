// vectors/credentials/codes.json (protocol.md 10.2, 10.3) and parts.json (co-issued
// credentials: parts, summed keys, signatures with the scalar, refused codes) against
// credentials.js; properties of the sum and of signing with it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  CODE_ALPHABET,
  CredentialCodeError,
  InputError,
  SeededRandom,
  bytesToHex,
  checkCharacter,
  credentialKey,
  credentialPart,
  ed25519Verifies,
  generateCode,
  messageToSign,
  normalizeCredentialCode,
  normalizeCredentialCodes,
  signMessageWithCredential,
  signWithCredential,
  verifyMessage,
} from '../src/crypto/index.js';
import { hex, loadVector, thrown } from './vectors.js';

const DOC = loadVector('credentials/codes.json');
const FP = hex(DOC.fingerprint);
const PARTS = loadVector('credentials/parts.json');
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

/**
 * Gives back the little-endian integer of 64 hex digits (test-side).
 * @param {string} text
 */
function le(text) {
  return BigInt(`0x${Buffer.from(text, 'hex').reverse().toString('hex')}`);
}

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
        assert.throws(() => credentialPart(FP, c.typed), CredentialCodeError);
        assert.throws(() => credentialKey(FP, [c.typed]), CredentialCodeError);
        return;
      }
      assert.equal(error, undefined);
      const normalized = normalizeCredentialCode(c.typed);
      assert.equal(normalized, c.normalized);
      assert.equal(checkCharacter(normalized.slice(0, 19)), c.check);
      assert.equal(normalized[19], c.check);
      const part = credentialPart(FP, c.typed);
      assert.equal(part.scalar, le(c.scalar));
      assert.equal(bytesToHex(part.point), c.point);
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

describe('co-issued credentials: vectors/credentials/parts.json', () => {
  const fp = hex(PARTS.fp);
  test('the fingerprint and l', () => {
    assert.deepEqual(fp, new Uint8Array(32).fill(0xf1));
    assert.equal(BigInt(PARTS.l), L);
  });
  for (const c of PARTS.parts) {
    test(`the part of ${c.code}`, () => {
      assert.equal(normalizeCredentialCode(c.code), c.canonical);
      const part = credentialPart(fp, c.code);
      assert.equal(part.scalar, le(c.scalar));
      assert.equal(bytesToHex(part.point), c.point);
    });
  }
  for (const c of PARTS.credentials) {
    test(c.desc, () => {
      const key = credentialKey(fp, c.codes, c.codes.length);
      assert.equal(key.scalar, le(c.scalar));
      assert.equal(bytesToHex(key.publicKey), c.public_key);
      const message = hex(c.message);
      const signature = signWithCredential(fp, key, message);
      assert.equal(bytesToHex(signature), c.signature);
      assert.ok(ed25519Verifies(key.publicKey, message, signature));
      // x is the sum of the parts, mod l
      const sum = c.codes.map((/** @type {string} */ code) => credentialPart(fp, code).scalar).reduce((/** @type {bigint} */ a, /** @type {bigint} */ b) => a + b, 0n);
      assert.equal(sum % L, key.scalar);
    });
  }
  for (const c of PARTS.refused) {
    test(`refused: ${c.desc}`, () => {
      const error = /** @type {CredentialCodeError} */ (thrown(() => credentialKey(fp, c.codes, c.codes.length)));
      assert.ok(error instanceof CredentialCodeError, String(error));
      assert.equal(error.reason, c.want_err);
      assert.equal(error.field, c.part);
      assert.match(error.message, c.want_err === 'same' ? new RegExp(`^code ${c.part} is code \\d again`) : new RegExp(`^code ${c.part}: `));
      if (c.want_err === 'same') assert.equal(error.fields?.[1], c.part);
    });
  }
});

describe('co-issued credentials (properties)', () => {
  const rng = new SeededRandom('web/test/co-issued credentials');
  /** @param {number} k */
  const draw = (k) => Array.from({ length: k }, () => generateCode(rng));
  test('the sum of the parts in any order gives the same key, P = A_1 + ... + A_k', () => {
    for (let i = 0; i < 20; i++) {
      const codes = draw(2 + (i % 3));
      const key = credentialKey(FP, codes);
      const reversed = credentialKey(FP, [...codes].reverse().map((c) => c.toLowerCase().replaceAll('-', ' ')));
      const rotated = credentialKey(FP, [...codes.slice(1), codes[0]]);
      assert.equal(reversed.scalar, key.scalar);
      assert.deepEqual(reversed.publicKey, key.publicKey);
      assert.deepEqual(rotated.publicKey, key.publicKey);
      const points = codes.map((c) => ed25519.Point.fromBytes(credentialPart(FP, c).point));
      assert.deepEqual(points.reduce((a, b) => a.add(b)).toBytes(), key.publicKey);
    }
  });
  test('one code is a rehearsal credential: its part', () => {
    const [code] = draw(1);
    const key = credentialKey(FP, [code], 1);
    const part = credentialPart(FP, code);
    assert.equal(key.scalar, part.scalar);
    assert.deepEqual(key.publicKey, part.point);
  });
  test('a signature made with the scalar verifies as Ed25519; a changed scalar, message or key fails', () => {
    for (let i = 0; i < 10; i++) {
      const key = credentialKey(FP, draw(2));
      const body = { n: i, text: 'a signed body' };
      const sig = signMessageWithCredential(key, FP, 'ballot', body);
      verifyMessage(key.publicKey, FP, 'ballot', body, sig);
      assert.equal(sig, signMessageWithCredential(key, FP, 'ballot', body)); // deterministic
      const message = messageToSign(FP, 'ballot', body);
      assert.ok(ed25519Verifies(key.publicKey, message, hex(sig)));
      assert.ok(!ed25519Verifies(key.publicKey, messageToSign(FP, 'ballot', { ...body, n: i + 1 }), hex(sig)));
      assert.ok(!ed25519Verifies(key.publicKey, messageToSign(FP, 'spoiled', body), hex(sig)));
      // a scalar one off: the nonce and S change, and the signature is not P's
      const changed = (key.scalar + 1n) % L;
      const forged = signWithCredential(FP, { scalar: changed, publicKey: ed25519.Point.BASE.multiply(changed).toBytes() }, message);
      assert.ok(!ed25519Verifies(key.publicKey, message, forged));
      // and the device refuses to sign with a scalar that is not its key's
      assert.throws(() => signWithCredential(FP, { scalar: changed, publicKey: key.publicKey }, message), InputError);
    }
  });
  test('the nonce depends on the referendum: another fp signs the same bytes differently', () => {
    const key = credentialKey(FP, draw(2));
    const message = new Uint8Array([1, 2, 3]);
    const other = signWithCredential(new Uint8Array(32).fill(2), key, message);
    assert.notDeepEqual(other, signWithCredential(FP, key, message));
    assert.ok(ed25519Verifies(key.publicKey, message, other));
  });
  test('refusals: the same code twice names both fields; a count other than codes_per_voter; not a list', () => {
    const [a, b, c] = draw(3);
    const same = /** @type {CredentialCodeError} */ (thrown(() => credentialKey(FP, [a, b, a.toLowerCase()])));
    assert.deepEqual([same.reason, same.fields, same.field], ['same', [1, 3], 3]);
    assert.match(same.message, /^code 3 is code 1 again: type the code of each letter once$/);
    // the first field that fails is named: the same code in field 2 before a typo in 3
    const order = /** @type {CredentialCodeError} */ (thrown(() => credentialKey(FP, [a, a, 'x'])));
    assert.deepEqual([order.reason, order.field], ['same', 2]);
    const count = /** @type {CredentialCodeError} */ (thrown(() => credentialKey(FP, [a, b, c], 2)));
    assert.equal(count.reason, 'count');
    assert.equal(/** @type {CredentialCodeError} */ (thrown(() => credentialKey(FP, [a], 2))).reason, 'count');
    assert.equal(/** @type {CredentialCodeError} */ (thrown(() => credentialKey(FP, []))).reason, 'count');
    assert.throws(() => credentialKey(FP, /** @type {any} */ (a)), TypeError);
    assert.throws(() => credentialKey(FP.slice(1), [a]), TypeError);
    // a typo names its field, the character and its position
    const typo = /** @type {CredentialCodeError} */ (thrown(() => normalizeCredentialCodes([a, `${b.slice(0, 2)}*${b.slice(3)}`], 2)));
    assert.deepEqual([typo.reason, typo.field, typo.char, typo.position], ['character', 2, '*', 3]);
    assert.match(typo.message, /^code 2: /);
  });
});

test('one code (a rehearsal) is refused as a single code is, without a field', () => {
  const error = /** @type {CredentialCodeError} */ (thrown(() => credentialKey(FP, ['7K2QD-M9XPA-F3D8W-R4TZ5'], 1)));
  assert.deepEqual([error.reason, error.field], ['check', undefined]);
  assert.doesNotMatch(error.message, /^code 1/);
});
