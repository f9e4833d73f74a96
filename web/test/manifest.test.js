// vectors/manifest/ (protocol.md 8.1 canonical JSON, 8.2 signed messages, 9.3 fingerprints)
// against canonical.js, signing.js and manifest.js.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  BOARD_KEY,
  DecodeError,
  JsonFormatError,
  SignatureInvalid,
  bytesToHex,
  canonicalJson,
  canonicalText,
  coIssuance,
  coIssuers,
  fingerprint,
  messageToSign,
  parseCanonicalManifest,
  parseJson,
  publicKeyFromSeed,
  signMessage,
  verifierKeyText,
  verifyMessage,
  verifySignedPayload,
} from '../src/crypto/index.js';
import { hex, loadVector, thrown } from './vectors.js';

const CANONICAL = loadVector('manifest/canonical.json');
const SIGNED = loadVector('manifest/signed.json');
const MANIFESTS = loadVector('manifest/manifest.json');

/**
 * lp(b) = be32(len(b)) || b (protocol.md 3), written out test-side.
 * @param {Uint8Array} data
 */
function lp(data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

describe('8.1 canonical JSON', () => {
  for (const c of CANONICAL.cases) {
    test(c.desc, () => {
      const given = 'input_hex' in c ? hex(c.input_hex) : c.input;
      if (c.want_err !== null) {
        assert.throws(() => parseJson(given), JsonFormatError);
        return;
      }
      const data = canonicalJson(parseJson(given));
      assert.equal(bytesToHex(data), c.canonical_hex);
      assert.equal(canonicalText(parseJson(given)), c.canonical);
      assert.deepEqual(canonicalJson(parseJson(data)), data);
    });
  }
  test('the example of 8.1.2: 53 bytes', () => {
    const data = canonicalJson(parseJson('{ "b": [1, {"d": "Так\\n", "c": null}], "a": "caf\\u00e9\\u0007" }'));
    assert.equal(data.length, 53);
    assert.equal(bytesToHex(data), '7b2261223a22636166c3a95c7530303037222c2262223a5b312c7b2263223a6e756c6c2c2264223a22d0a2d0b0d0ba5c6e227d5d7d');
  });
  test('member names sort by code unit, not as JavaScript orders integer-like keys', () => {
    assert.equal(canonicalText({ 9: 'a', 10: 'b', a: 1, aa: 2, '': 0 }), '{"":0,"10":"b","9":"a","a":1,"aa":2}');
  });
  test('values outside 8.1.1 are refused, naming the place', () => {
    for (const bad of [1.5, NaN, Infinity, 2 ** 53, -(2 ** 53), 1n, undefined, () => 1, new Date(0), new Uint8Array(1), '\ud800', { é: 1 }, [1, [2, { x: 0.5 }]]]) {
      assert.throws(() => canonicalJson(bad), JsonFormatError, String(bad));
    }
    assert.match(/** @type {Error} */ (thrown(() => canonicalJson({ ballot: { questions: [{ selections: [0, 1, 1.5] }] } }, 'ballot'))).message, /^ballot\.ballot\.questions\[0\]\.selections\[2\]: numbers must be integers/);
    assert.equal(canonicalText(-0), '0');
    assert.equal(canonicalText({ a: [] , b: {} }), '{"a":[],"b":{}}');
  });
  test('a member named __proto__ stays a member', () => {
    const value = parseJson('{"__proto__":{"x":1},"a":2}');
    assert.equal(canonicalText(value), '{"__proto__":{"x":1},"a":2}');
  });
  test('deep nesting is refused, not a stack overflow', () => {
    assert.throws(() => parseJson('['.repeat(5000) + ']'.repeat(5000)), JsonFormatError);
  });
});

describe('8.2 signed messages', () => {
  for (const c of SIGNED.cases) {
    test(c.desc, () => {
      const publicKey = hex(c.public_key);
      const fp = hex(c.fingerprint);
      if (c.want_err !== null) {
        assert.throws(() => verifySignedPayload(publicKey, fp, c.kind, c.payload, c.desc), SignatureInvalid);
        const { signature, ...body } = c.payload;
        assert.throws(() => verifyMessage(publicKey, fp, c.kind, body, signature), SignatureInvalid);
        return;
      }
      assert.equal(bytesToHex(publicKeyFromSeed(hex(c.seed))), c.public_key);
      assert.equal(canonicalText(c.body), c.canonical_body);
      const want = Buffer.concat([lp(Buffer.from('referendum/v1/signed-message')), lp(fp), lp(Buffer.from(c.kind)), lp(Buffer.from(c.canonical_body))]);
      assert.equal(want.toString('hex'), c.message_hex);
      assert.equal(bytesToHex(messageToSign(fp, c.kind, c.body)), c.message_hex);
      const sig = signMessage(hex(c.seed), fp, c.kind, c.body);
      assert.equal(sig, c.signature);
      assert.deepEqual({ ...c.body, signature: sig }, c.payload);
      verifyMessage(publicKey, fp, c.kind, c.body, sig);
      assert.deepEqual(verifySignedPayload(publicKey, fp, c.kind, c.payload), c.body);
    });
  }
  test('a body with a signature member cannot be signed', () => {
    const c = SIGNED.cases[0];
    assert.throws(() => signMessage(hex(c.seed), hex(c.fingerprint), c.kind, c.payload), TypeError);
  });
});

describe('9.3 fingerprints', () => {
  const valid = MANIFESTS.cases.filter((/** @type {any} */ c) => c.want_err === null);
  for (const c of valid) {
    test(c.desc, () => {
      const data = canonicalJson(c.manifest);
      assert.equal(bytesToHex(data), c.canonical_hex);
      assert.equal(data.length, c.canonical_length);
      const prefix = Buffer.concat([lp(Buffer.from('referendum/v1/manifest')), Buffer.from(lp(data).subarray(0, 4))]);
      assert.equal(prefix.toString('hex'), c.transcript_prefix_hex);
      assert.equal(createHash('sha512').update(prefix).update(data).digest('hex').slice(0, 64), c.fingerprint);
      assert.equal(bytesToHex(fingerprint(data)), c.fingerprint);
      const read = parseCanonicalManifest(data);
      assert.equal(bytesToHex(read.fp), c.fingerprint);
      assert.deepEqual(read.manifest, c.manifest);
    });
  }
  test('one letter changes the fingerprint', () => {
    assert.ok(valid.length >= 5);
    assert.equal(new Set(valid.map((/** @type {any} */ c) => c.fingerprint)).size, valid.length);
  });
  test('display names (9.2.2) are kept as read, so fp is of the bytes with them', () => {
    const shown = valid.filter((/** @type {any} */ c) => c.manifest.trustees.some((/** @type {any} */ t) => 'display' in t));
    assert.equal(shown.length, 2);
    for (const c of shown) {
      const read = parseCanonicalManifest(hex(c.canonical_hex));
      assert.deepEqual(read.manifest.trustees[0].display, c.manifest.trustees[0].display);
      assert.equal(bytesToHex(read.fp), c.fingerprint);
      // dropping the names gives other bytes and another fp
      const { display, ...plain } = read.manifest.trustees[0];
      const without = { ...read.manifest, trustees: [plain, ...read.manifest.trustees.slice(1)] };
      assert.notEqual(bytesToHex(fingerprint(canonicalJson(without))), c.fingerprint);
      assert.ok(display);
    }
  });
  test('the worked example keys come from the seeds', () => {
    const seeds = MANIFESTS.seeds;
    const example = MANIFESTS.cases[0].manifest;
    assert.equal(bytesToHex(publicKeyFromSeed(hex(seeds.trustee_signing))), example.trustees[0].signing_key);
    assert.equal(bytesToHex(publicKeyFromSeed(hex(seeds.registrar_signing))), example.registrars[0].signing_key);
    assert.equal(verifierKeyText('referendum-board', BOARD_KEY, publicKeyFromSeed(hex(seeds.board_signing))), example.board.key);
  });
  test('co-issuance: codes_per_voter and the registrars serving each region', () => {
    const refused = MANIFESTS.cases.filter((/** @type {any} */ c) => c.want_err !== null && c.field === 'manifest.codes_per_voter');
    assert.ok(refused.length >= 4);
    for (const c of refused) {
      const error = thrown(() => parseCanonicalManifest(canonicalJson(c.manifest)));
      assert.ok(error instanceof DecodeError, `${c.desc}: ${error}`);
      assert.match(/** @type {Error} */ (error).message, /^manifest\.codes_per_voter: /, c.desc);
    }
    const [served] = refused.filter((/** @type {any} */ c) => c.desc.includes('served by one'));
    assert.match(/** @type {Error} */ (thrown(() => coIssuance(served.manifest))).message, /^manifest\.codes_per_voter: region 'r1' is served by 1 registrar \(\w+\), want 2$/);
    const rehearsal = valid.filter((/** @type {any} */ c) => c.manifest.codes_per_voter === 1);
    assert.equal(rehearsal.length, 1);
    assert.equal(coIssuance(rehearsal[0].manifest), 1);
    for (const c of valid) {
      for (const region of c.manifest.regions) assert.equal(coIssuers(c.manifest, region.id).length, c.manifest.codes_per_voter);
    }
    const example = structuredClone(valid[0].manifest);
    assert.equal(coIssuance(example), 2);
    delete example.codes_per_voter;
    assert.throws(() => parseCanonicalManifest(canonicalJson(example)), /missing field codes_per_voter/);
    const old = { ...valid[0].manifest, format: 'referendum-manifest/2' };
    assert.throws(() => parseCanonicalManifest(canonicalJson(old)), /^DecodeError: manifest\.format: want "referendum-manifest\/3"/);
    // a registrar serving only some regions counts for those only
    const partial = structuredClone(valid[0].manifest);
    partial.registrars[1].regions = [];
    assert.throws(() => coIssuance(partial), /region 'r1' is served by 1 registrar/);
  });
  test('bytes that are not the canonical form are refused', () => {
    const data = canonicalJson(valid[0].manifest);
    const spaced = new TextEncoder().encode(new TextDecoder().decode(data).replace('{', '{ '));
    assert.throws(() => parseCanonicalManifest(spaced), DecodeError);
  });
});
