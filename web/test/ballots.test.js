// vectors/ballots/ballots.json (protocol.md 12) against ballot.js, ballot-check.js and tracking.js:
// byte-for-byte re-encryption with the seeded source, every corrupted ballot and challenge
// refused (decode as BallotFormatError, invalid as a plain BallotError). Tracking codes:
// tracking.test.js.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  BallotError,
  BallotFormatError,
  InputError,
  SeededRandom,
  bytesToHex,
  canonicalJson,
  castPayload,
  checkBallotFields,
  credentialKey,
  generateCode,
  publicKeyFromScalar,
  checkElectionKey,
  prepareElectionKey,
  decrypt,
  discreteLog,
  elementFromHex,
  encryptBallot,
  encryptedCount,
  fingerprint,
  fullChoices,
  G,
  needsSumProof,
  publicKeyFromSeed,
  randomScalar,
  scalarFromHex,
  spoiledPayload,
  sumRange,
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

/** @param {string} id */
function question(id) {
  return MANIFEST.questions.find((/** @type {any} */ q) => q.id === id);
}

/**
 * Gives back every option's 0/1 from a checked ballot's encrypted selections (12.2).
 * @param {Record<string, import('../src/crypto/elgamal.js').Ciphertext[]>} selections
 */
function decryptedChoices(selections) {
  return Object.fromEntries(
    Object.entries(selections).map(([q, cts]) => [q, fullChoices(question(q), cts.map((ct) => discreteLog(decrypt(ct, SECRET), 1)))]),
  );
}

// What the error message says for each fails_at category of the file (as the Python test).
/** @type {Record<string, RegExp>} */
const FAILS_AT = {
  structure: /(missing|unknown) field|want \d+ to \d+ items/,
  encoding: /lowercase hex|not canonical|not a canonical/,
  signature: /ballot: signature does not verify/,
  'spoiled signature': /spoiled: signature does not verify/,
  'ballot style': /ballot questions are|is not in the manifest|selections, want|branches, want/,
  'selection proof': /option \d+: range proof/,
  'sum proof': /sum_proof: range proof/,
  reveal: /encrypting vote \d with the revealed nonce/,
};

/**
 * Gives back the credential {scalar, publicKey} of a vector's Ed25519 seed: its clamped
 * secret scalar mod l (RFC 8032 5.1.5), so P is the seed's public key. The booth signs
 * with the scalar (a co-issued credential has no seed), so its signatures are not the
 * vectors' bytes: everything else is, and both verify.
 * @param {string} seedHex
 */
function credential(seedHex) {
  const seed = hex(seedHex);
  const { scalar } = ed25519.utils.getExtendedPublicKey(seed);
  const publicKey = publicKeyFromScalar(scalar);
  assert.deepEqual(publicKey, publicKeyFromSeed(seed));
  return { scalar, publicKey };
}

/**
 * Gives back a payload without its signature.
 * @param {any} payload
 */
function unsigned(payload) {
  const { signature: _s, ...body } = payload;
  return body;
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
        assert.deepEqual(decryptedChoices(ballot.selections), c.choices);
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

test('the ballot style messages are the Python ones (12.3 step 3)', () => {
  const want = {
    'exactly-one question with its last option encrypted too, re-signed':
      'board entry 9: ballot question bridge: 2 selections, want 1 for 2 options (exactly k chosen: the last option is not encrypted)',
    'sum proof on a question whose selections bound the sum, re-signed':
      "board entry 9: ballot question bridge sum_proof: 1 branches, want 0 (the selections' own proofs bound their sum)",
    'sum proof left out where it is needed, re-signed': 'board entry 9: ballot question parks sum_proof: 0 branches, want 3 (selected 0 to 2)',
  };
  for (const [desc, message] of Object.entries(want)) {
    const c = DOC.ballots.find((/** @type {any} */ c) => c.desc === desc);
    assert.equal(/** @type {Error} */ (thrown(() => verifyBallot(MANIFEST, FP, KEY, c.payload, 'board entry 9'))).message, message);
  }
  // a question not asking for exactly k: no parenthesis
  const city = DOC.ballots.find((/** @type {any} */ c) => c.want_err === null && c.region === 'city').payload;
  const short = structuredClone(city);
  short.questions[1].selections.pop();
  assert.equal(/** @type {Error} */ (thrown(() => verifyBallot(MANIFEST, FP, KEY, short))).message, 'ballot question parks: 2 selections, want 3 for 3 options');
});

test('a question encrypts all options, or all but the last when exactly k are chosen (12.2)', () => {
  /** @type {Record<string, [number, [number, number], boolean]>} */
  const want = { bridge: [1, [0, 1], false], parks: [3, [0, 2], true], seats: [2, [1, 2], true], extras: [2, [0, 2], false] };
  for (const [id, [encrypted, range, proof]] of Object.entries(want)) {
    assert.equal(encryptedCount(question(id)), encrypted, id);
    assert.deepEqual(sumRange(question(id)), range, id);
    assert.equal(needsSumProof(question(id)), proof, id);
  }
  assert.deepEqual(fullChoices(question('bridge'), [0]), [0, 1]);
  assert.deepEqual(fullChoices(question('seats'), [1, 0]), [1, 0, 1]);
  assert.deepEqual(fullChoices(question('extras'), [0, 1]), [0, 1]);
  const shape = (/** @type {number} */ n, /** @type {number} */ min, /** @type {number} */ max) => ({
    id: 'q',
    options: Array.from({ length: n }, (_, o) => ({ id: `o${o}` })),
    min_choices: min,
    max_choices: max,
  });
  assert.deepEqual(sumRange(shape(3, 0, 0)), [0, 0]);
  assert.equal(needsSumProof(shape(3, 0, 0)), true);
  assert.deepEqual(sumRange(shape(3, 3, 3)), [2, 2]);
  assert.deepEqual(sumRange(shape(4, 1, 3)), [1, 3]);
  assert.equal(needsSumProof(shape(4, 0, 4)), false);
});

describe('re-encryption with the seeded source, byte for byte (12.2)', () => {
  for (const c of DOC.ballots.filter((/** @type {any} */ c) => c.want_err === null)) {
    test(`cast: ${c.desc}`, () => {
      const cred = credential(c.credential_seed);
      const prepared = encryptBallot({ manifest: MANIFEST, fp: FP, publicKey: KEY, region: c.region, choices: c.choices, credential: cred, rng: new SeededRandom(c.rng_seed) });
      assert.equal(prepared.trackingCode, c.tracking_code);
      assert.equal(bytesToHex(prepared.trackingHash), c.tracking_hash);
      const payload = castPayload(prepared, cred);
      assert.deepEqual(canonicalJson(unsigned(payload)), canonicalJson(unsigned(c.payload)));
      verifyBallot(MANIFEST, FP, KEY, payload);
      verifyBallot(MANIFEST, FP, KEY, c.payload);
    });
  }
  for (const c of DOC.spoiled.filter((/** @type {any} */ c) => c.want_err === null)) {
    test(`challenge: ${c.desc}`, () => {
      const cred = credential(c.credential_seed);
      const prepared = encryptBallot({ manifest: MANIFEST, fp: FP, publicKey: KEY, region: c.region, choices: c.choices, credential: cred, rng: new SeededRandom(c.rng_seed) });
      assert.equal(prepared.trackingCode, c.tracking_code);
      const payload = spoiledPayload(prepared, cred);
      assert.deepEqual(canonicalJson(unsigned(payload)), canonicalJson(unsigned(c.payload)));
      assert.deepEqual(verifySpoiled(MANIFEST, FP, KEY, payload), c.choices);
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
      ['hills', { seats: [1, 0, 0], extras: [0, 0] }],
      ['hills', { seats: [1, 1, 1], extras: [0, 0] }],
      ['hills', { seats: [1, 1], extras: [0, 0] }],
      ['hills', { seats: [1, 1, 0], extras: [0, 0, 1] }],
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

/**
 * Gives back random choices allowed by the question: a count in [min, max], then that
 * many options, drawn from rng.
 * @param {any} q
 * @param {SeededRandom} rng
 */
function randomChoices(q, rng) {
  const draw = rng.bytes(1 + q.options.length);
  const count = q.min_choices + (draw[0] % (q.max_choices - q.min_choices + 1));
  const order = q.options.map((/** @type {any} */ _, /** @type {number} */ o) => o).sort((/** @type {number} */ a, /** @type {number} */ b) => draw[1 + a] - draw[1 + b] || a - b);
  const votes = q.options.map(() => 0);
  for (const o of order.slice(0, count)) votes[o] = 1;
  return votes;
}

describe('encrypt then verify, random choices (property)', () => {
  test('90 seeded ballots over every region, each by a voter of two codes: cast verifies and decrypts, challenge reveals', () => {
    const rng = new SeededRandom('web/test/ballot round trips');
    const regions = MANIFEST.regions.map((/** @type {any} */ r) => r.id);
    let swapped = 0;
    for (let i = 0; i < 90; i++) {
      const cred = credentialKey(FP, [generateCode(rng), generateCode(rng)], 2);
      const region = regions[i % regions.length];
      const style = MANIFEST.regions[i % regions.length].questions;
      /** @type {Record<string, number[]>} */
      const choices = Object.fromEntries(style.map((/** @type {string} */ q) => [q, randomChoices(question(q), rng)]));
      const prepared = encryptBallot({ manifest: MANIFEST, fp: FP, publicKey: KEY, region, choices, credential: cred, rng });
      if (i % 4 === 3) {
        const payload = JSON.parse(JSON.stringify(spoiledPayload(prepared, cred)));
        for (const item of payload.reveal) assert.equal(item.selections.length, encryptedCount(question(item.question)));
        assert.deepEqual(verifySpoiled(MANIFEST, FP, KEY, payload), choices);
        continue;
      }
      const payload = JSON.parse(JSON.stringify(castPayload(prepared, cred)));
      for (const q of payload.questions) {
        const [lo, hi] = sumRange(question(q.question));
        assert.equal(q.selections.length, encryptedCount(question(q.question)));
        assert.equal(q.sum_proof.length, needsSumProof(question(q.question)) ? hi - lo + 1 : 0);
      }
      const ballot = verifyBallot(MANIFEST, FP, KEY, payload);
      assert.deepEqual(ballot.trackingHash, prepared.trackingHash);
      assert.deepEqual(decryptedChoices(ballot.selections), choices);
      // two selections that differ, swapped and re-signed by the voter, fail a proof
      const q = payload.questions.find((/** @type {any} */ q) => new Set(choices[q.question].slice(0, q.selections.length)).size === 2);
      if (q !== undefined && i % 4 === 0) {
        const votes = choices[q.question];
        const [a, b] = [votes.indexOf(0), votes.indexOf(1)].sort((x, y) => x - y);
        swapped += 1;
        [q.selections[a], q.selections[b]] = [q.selections[b], q.selections[a]];
        const { signature: _s, ...body } = payload;
        const resigned = { ...body, signature: castPayload({ ...prepared, body }, cred).signature };
        assert.throws(() => verifyBallot(MANIFEST, FP, KEY, resigned), new RegExp(`question ${q.question} option ${a}: range proof`));
      }
    }
    assert.ok(swapped >= 10, `only ${swapped} swaps tried`);
  });
  test('randomness is fresh: the same choices never give the same ballot', () => {
    const cred = credential(DOC.ballots[0].credential_seed);
    const args = { manifest: MANIFEST, fp: FP, publicKey: KEY, region: 'valley', choices: { bridge: [1, 0] }, credential: cred };
    assert.notEqual(encryptBallot(args).trackingCode, encryptBallot(args).trackingCode);
    assert.ok(randomScalar({ bytes: () => new Uint8Array(64).fill(7) }) > 0n);
  });
});

describe('the election key as the booth checks it on load (checkElectionKey)', () => {
  // The same errors as prepareElectionKey: InputError for the identity, DecodeError else.
  test('the vectors key passes, and prepareElectionKey gives back the same point', () => {
    checkElectionKey(KEY);
    assert.ok(prepareElectionKey(KEY).equals(elementFromHex(DOC.public_key)));
  });
  test('the identity, a non-canonical encoding and a short key are refused', () => {
    assert.throws(() => checkElectionKey(new Uint8Array(32)), /must not be the identity/);
    assert.throws(() => checkElectionKey(new Uint8Array(32).fill(255)), /election public key/);
    assert.throws(() => checkElectionKey(KEY.slice(0, 31)), /election public key/);
  });
});
