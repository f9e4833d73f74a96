// vectors/ballots/ballots.json (protocol.md 12) against ballot.js, ballot-check.js and tracking.js:
// byte-for-byte re-encryption with the seeded source, every corrupted ballot and challenge
// refused (decode as BallotFormatError, invalid as a plain BallotError), tracking codes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BallotError,
  BallotFormatError,
  InputError,
  SeededRandom,
  bytesToHex,
  canonicalJson,
  castPayload,
  checkBallotFields,
  decrypt,
  discreteLog,
  elementFromHex,
  encryptBallot,
  fingerprint,
  G,
  normalizeTrackingCode,
  publicKeyFromSeed,
  randomScalar,
  scalarFromHex,
  spoiledPayload,
  trackingCode,
  verifyBallot,
  verifySpoiled,
} from '../src/crypto/index.js';
import { hex, loadVector, thrown } from './vectors.js';

const DOC = loadVector('ballots/ballots.json');
const MANIFEST = DOC.manifest;
const FP = fingerprint(canonicalJson(MANIFEST));
const KEY = hex(DOC.public_key);
const SECRET = scalarFromHex(DOC.secret_key);

// What the error message says for each fails_at category of the file (as the Python test).
/** @type {Record<string, RegExp>} */
const FAILS_AT = {
  structure: /(missing|unknown) field|want \d+ to \d+ items/,
  encoding: /lowercase hex|not canonical|not a canonical/,
  signature: /ballot: signature does not verify/,
  'spoiled signature': /spoiled: signature does not verify/,
  'ballot style': /ballot questions are|is not in the manifest/,
  'selection proof': /option \d+: range proof/,
  'sum proof': /sum_proof: range proof/,
  reveal: /encrypting vote \d with the revealed nonce/,
};

/** @param {string} seedHex */
function credential(seedHex) {
  const seed = hex(seedHex);
  return { seed, publicKey: publicKeyFromSeed(seed) };
}

/**
 * Gives back the error's outcome in the vectors' terms.
 * @param {unknown} error
 */
function outcome(error) {
  if (error === undefined) return null;
  if (error instanceof BallotFormatError) return 'decode';
  if (error instanceof BallotError) return 'invalid';
  throw error;
}

test('fingerprint and election key', () => {
  assert.equal(bytesToHex(FP), DOC.fingerprint);
  assert.ok(G.multiply(SECRET).equals(elementFromHex(DOC.public_key)));
});

test('every kind of case is present', () => {
  assert.deepEqual(new Set(DOC.ballots.map((/** @type {any} */ c) => c.want_err)), new Set([null, 'decode', 'invalid']));
  assert.deepEqual(new Set(DOC.spoiled.map((/** @type {any} */ c) => c.want_err)), new Set([null, 'decode', 'invalid']));
});

describe('ballots (12.3)', () => {
  for (const c of DOC.ballots) {
    test(c.desc, () => {
      if (c.want_err === null) {
        const ballot = verifyBallot(MANIFEST, FP, KEY, c.payload);
        assert.equal(bytesToHex(ballot.trackingHash), c.tracking_hash);
        assert.equal(trackingCode(ballot.trackingHash), c.tracking_code);
        const votes = Object.fromEntries(
          Object.entries(ballot.selections).map(([q, cts]) => [q, cts.map((ct) => discreteLog(decrypt(ct, SECRET), 1))]),
        );
        assert.deepEqual(votes, c.choices);
        return;
      }
      const error = thrown(() => verifyBallot(MANIFEST, FP, KEY, c.payload));
      assert.equal(outcome(error), c.want_err);
      assert.match(/** @type {Error} */ (error).message, FAILS_AT[c.fails_at]);
      if (c.want_err === 'invalid') checkBallotFields(c.payload);
      else assert.equal(outcome(thrown(() => verifyBallot(MANIFEST, FP, KEY, structuredClone(c.payload), 'board entry 9'))), 'decode');
    });
  }
});

describe('re-encryption with the seeded source, byte for byte (12.2)', () => {
  for (const c of DOC.ballots.filter((/** @type {any} */ c) => c.want_err === null)) {
    test(`cast: ${c.desc}`, () => {
      const cred = credential(c.credential_seed);
      const prepared = encryptBallot({ manifest: MANIFEST, fp: FP, publicKey: KEY, region: c.region, choices: c.choices, credential: cred, rng: new SeededRandom(c.rng_seed) });
      assert.equal(prepared.trackingCode, c.tracking_code);
      assert.equal(bytesToHex(prepared.trackingHash), c.tracking_hash);
      const payload = castPayload(prepared, cred);
      assert.deepEqual(canonicalJson(payload), canonicalJson(c.payload));
      assert.deepEqual(payload, c.payload);
    });
  }
  for (const c of DOC.spoiled.filter((/** @type {any} */ c) => c.want_err === null)) {
    test(`challenge: ${c.desc}`, () => {
      const cred = credential(c.credential_seed);
      const prepared = encryptBallot({ manifest: MANIFEST, fp: FP, publicKey: KEY, region: c.region, choices: c.choices, credential: cred, rng: new SeededRandom(c.rng_seed) });
      assert.equal(prepared.trackingCode, c.tracking_code);
      assert.deepEqual(canonicalJson(spoiledPayload(prepared, cred)), canonicalJson(c.payload));
    });
  }
});

describe('challenged ballots (12.5)', () => {
  for (const c of DOC.spoiled) {
    test(c.desc, () => {
      if (c.want_err === null) {
        assert.deepEqual(verifySpoiled(MANIFEST, FP, KEY, c.payload), c.choices);
        assert.equal(!('signature' in c.payload.ballot), true);
        return;
      }
      const error = thrown(() => verifySpoiled(MANIFEST, FP, KEY, c.payload));
      assert.equal(outcome(error), c.want_err);
      assert.match(/** @type {Error} */ (error).message, FAILS_AT[c.fails_at]);
    });
  }
});

describe('tracking codes (12.4)', () => {
  for (const c of DOC.tracking_codes) {
    test(`code of ${c.hash.slice(0, 8)}...`, () => assert.equal(trackingCode(hex(c.hash)), c.code));
  }
  test('the examples of 12.4', () => {
    const h = new Uint8Array(32);
    h[0] = 0x08;
    assert.equal(trackingCode(h), '1000-0000-0000-0000-0000');
  });
  for (const c of DOC.normalize) {
    test(`normalize ${JSON.stringify(c.input)}`, () => {
      if (c.want === null) assert.throws(() => normalizeTrackingCode(c.input), InputError);
      else assert.equal(normalizeTrackingCode(c.input), c.want);
    });
  }
  test('normalize reads back what trackingCode writes, however it is typed (property)', () => {
    const rng = new SeededRandom('web/test/tracking codes');
    const confusable = /** @type {Record<string, string[]>} */ ({ 0: ['0', 'o', 'O'], 1: ['1', 'i', 'I', 'l', 'L'] });
    for (let i = 0; i < 500; i++) {
      const code = trackingCode(rng.bytes(32));
      const compact = code.replaceAll('-', '');
      const pick = rng.bytes(compact.length);
      const typed = [...compact]
        .map((ch, k) => {
          const options = confusable[ch] ?? [ch, ch.toLowerCase()];
          return options[pick[k] % options.length] + (pick[k] & 0x80 ? ' ' : pick[k] & 0x40 ? '-' : '');
        })
        .join('');
      assert.equal(normalizeTrackingCode(`\t${typed}\n`), compact);
    }
    assert.throws(() => normalizeTrackingCode('0000-0000-0000-0000-000é'), InputError);
    assert.throws(() => normalizeTrackingCode(null), InputError);
  });
});

describe('encryption refuses bad input and signs a body once (12.2, 12.5)', () => {
  const cred = credential(DOC.ballots[0].credential_seed);
  const base = { manifest: MANIFEST, fp: FP, publicKey: KEY, credential: cred, rng: new SeededRandom('refusals') };
  test('bad choices', () => {
    for (const [region, choices] of /** @type {[string, any][]} */ ([
      ['nowhere', { bridge: [1, 0] }],
      ['valley', { bridge: [1, 0], parks: [0, 0, 0] }],
      ['valley', {}],
      ['valley', { bridge: [1] }],
      ['valley', { bridge: [1, 1] }],
      ['valley', { bridge: [0, 0] }],
      ['valley', { bridge: [true, 0] }],
      ['valley', { bridge: [2, -1] }],
      ['city', { bridge: [1, 0], parks: [1, 1, 1] }],
    ])) {
      assert.throws(() => encryptBallot({ ...base, region, choices }), InputError, `${region} ${JSON.stringify(choices)}`);
    }
    assert.throws(() => encryptBallot({ ...base, region: 'valley', choices: { bridge: [1, 0] }, publicKey: new Uint8Array(32) }), InputError);
  });
  test('a challenged ballot can never be cast, a cast one never revealed', () => {
    const a = encryptBallot({ ...base, region: 'valley', choices: { bridge: [1, 0] } });
    spoiledPayload(a, cred);
    assert.throws(() => castPayload(a, cred), InputError);
    const b = encryptBallot({ ...base, region: 'valley', choices: { bridge: [0, 1] } });
    assert.deepEqual(castPayload(b, cred), castPayload(b, cred));
    assert.throws(() => spoiledPayload(b, cred), InputError);
    const other = credential(DOC.ballots[1].credential_seed);
    assert.throws(() => castPayload(encryptBallot({ ...base, region: 'valley', choices: { bridge: [0, 1] } }), other), InputError);
  });
});

describe('encrypt then verify, random choices (property)', () => {
  test('60 seeded ballots over both regions: cast verifies and decrypts, challenge reveals', () => {
    const rng = new SeededRandom('web/test/ballot round trips');
    for (let i = 0; i < 60; i++) {
      const draw = rng.bytes(8);
      const seed = rng.bytes(32);
      const cred = { seed, publicKey: publicKeyFromSeed(seed) };
      const region = draw[0] & 1 ? 'city' : 'valley';
      const bridge = draw[1] & 1 ? [1, 0] : [0, 1];
      /** @type {Record<string, number[]>} */
      const choices = { bridge };
      if (region === 'city') {
        const parks = [draw[2] & 1, draw[3] & 1, draw[4] & 1];
        if (parks[0] + parks[1] + parks[2] === 3) parks[draw[5] % 3] = 0;
        choices.parks = parks;
      }
      const prepared = encryptBallot({ manifest: MANIFEST, fp: FP, publicKey: KEY, region, choices, credential: cred, rng });
      if (i % 4 === 3) {
        const payload = JSON.parse(JSON.stringify(spoiledPayload(prepared, cred)));
        assert.deepEqual(verifySpoiled(MANIFEST, FP, KEY, payload), choices);
        continue;
      }
      const payload = JSON.parse(JSON.stringify(castPayload(prepared, cred)));
      const ballot = verifyBallot(MANIFEST, FP, KEY, payload);
      assert.deepEqual(ballot.trackingHash, prepared.trackingHash);
      for (const [q, cts] of Object.entries(ballot.selections)) {
        assert.deepEqual(cts.map((ct) => discreteLog(decrypt(ct, SECRET), 1)), choices[q]);
      }
      // a flipped selection, re-signed by the voter, fails its proof
      if (i % 4 === 0) {
        const q = payload.questions[0];
        [q.selections[0], q.selections[1]] = [q.selections[1], q.selections[0]];
        const { signature: _s, ...body } = payload;
        const resigned = { ...body, signature: castPayload({ ...prepared, body }, cred).signature };
        assert.throws(() => verifyBallot(MANIFEST, FP, KEY, resigned), /option 0: range proof/);
      }
    }
  });
  test('randomness is fresh: the same choices never give the same ballot', () => {
    const cred = credential(DOC.ballots[0].credential_seed);
    const args = { manifest: MANIFEST, fp: FP, publicKey: KEY, region: 'valley', choices: { bridge: [1, 0] }, credential: cred };
    assert.notEqual(encryptBallot(args).trackingCode, encryptBallot(args).trackingCode);
    assert.ok(randomScalar({ bytes: () => new Uint8Array(64).fill(7) }) > 0n);
  });
});
