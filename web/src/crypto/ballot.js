/**
 * Ballot encryption, and the cast and challenge payloads (protocol.md 12.2, 12.5).
 *
 * encryptBallot encrypts one 0/1 per option of every question on the region's ballot
 * (all but the last option when the question asks for exactly k: the last is k minus
 * the others), proves each is 0 or 1 and, where those proofs do not already imply it,
 * that the encrypted selections' sum lies in the question's sumRange, and gives back the
 * unsigned body with its tracking code. Only when the voter has chosen does the device
 * sign: castPayload (kind "ballot") or spoiledPayload (kind "spoiled", the body with
 * every nonce revealed). A prepared ballot is signed as one of the two kinds, never both
 * (12.5).
 *
 * @module ballot
 */

import { bytesToHex, equalBytes, hexToBytes } from './bytes.js';
import { addCiphertexts, ciphertextToJson, encryptBit } from './elgamal.js';
import { InputError } from './errors.js';
import { G, decodeElement, encodeScalar, modL, preparedElement, randomScalar } from './group.js';
import { ballotStyle, encryptedCount, needsSumProof, sumRange } from './manifest.js';
import { proveRange, rangeProofToJson } from './proofs.js';
import { systemRandom } from './random.js';
import { signMessageWithCredential } from './signing.js';
import { trackingCode, trackingHash } from './tracking.js';

/** @typedef {import('./manifest.js').Manifest} Manifest */
/** @typedef {import('./manifest.js').Question} Question */
/** @typedef {import('./random.js').RandomSource} RandomSource */
/** @typedef {{ scalar: bigint, publicKey: Uint8Array }} CredentialKey the voter's, from credentialKey */
/** @typedef {Record<string, number[]>} Choices */

/**
 * What a device holds after encrypting. body, trackingHash and trackingCode may be
 * shown; choices (one 0/1 per option) and nonces (bigint r per encrypted selection,
 * 12.2) are the secret that a challenge reveals.
 * @typedef {{
 *   body: { region: string, credential: string, questions: object[] },
 *   trackingHash: Uint8Array,
 *   trackingCode: string,
 *   choices: Choices,
 *   nonces: Record<string, bigint[]>,
 *   fp: Uint8Array,
 * }} PreparedBallot
 */

/** @type {WeakMap<PreparedBallot, "ballot" | "spoiled">} how each prepared ballot was signed */
const signedAs = new WeakMap();

/**
 * Gives back the choices checked against the ballot style (12.2: a device refuses any
 * other input); InputError naming the region, question or option.
 * @param {Question[]} style
 * @param {string} region
 * @param {unknown} choices
 * @returns {Choices}
 */
function cleanChoices(style, region, choices) {
  if (typeof choices !== 'object' || choices === null || Array.isArray(choices)) {
    throw new InputError('choices: want an object from question id to a list of 0/1');
  }
  const given = /** @type {Record<string, unknown>} */ (choices);
  for (const qid of Object.keys(given)) {
    if (!style.some((q) => q.id === qid)) throw new InputError(`question ${JSON.stringify(qid)} is not on the ballot of region ${region}`);
  }
  /** @type {Choices} */
  const clean = {};
  for (const q of style) {
    const votes = given[q.id];
    if (!Array.isArray(votes)) throw new InputError(`no choices given for question ${q.id}`);
    if (votes.length !== q.options.length) {
      throw new InputError(`question ${q.id}: ${votes.length} choices given, it has ${q.options.length} options`);
    }
    votes.forEach((vote, o) => {
      if (vote !== 0 && vote !== 1) throw new InputError(`question ${q.id} option ${o}: a choice is 0 or 1, got ${JSON.stringify(vote)}`);
    });
    const count = votes.reduce((a, b) => a + b, 0);
    if (count < q.min_choices || count > q.max_choices) {
      throw new InputError(`question ${q.id}: ${count} options chosen, allowed ${q.min_choices} to ${q.max_choices}`);
    }
    clean[q.id] = [...votes];
  }
  return clean;
}

/**
 * Refuses an election key that does not decode or is the identity (InputError), without
 * building its tables (cheap: the page does it while it loads).
 * @param {Uint8Array} publicKey
 */
export function checkElectionKey(publicKey) {
  const K = decodeElement(publicKey, 'election public key');
  if (K.is0()) throw new InputError('the election public key must not be the identity');
}

/**
 * Gives back the election key K, decoded, with the tables that make raising g and K
 * fast (InputError as checkElectionKey). Costs tens of milliseconds once, hundreds on a
 * slow phone: the booth calls it while the voter's code is being looked up, not while
 * the page loads, so that the first ballot is as quick as the others without delaying
 * the first screen. encryptBallot calls it too.
 * @param {Uint8Array} publicKey the election key, 32 bytes
 * @returns {Element}
 */
export function prepareElectionKey(publicKey) {
  const K = preparedElement(publicKey, 'election public key');
  if (K.is0()) throw new InputError('the election public key must not be the identity');
  G.multiply(1n); // noble builds g's table on first use
  return K;
}

/**
 * Gives back the encrypted, proved and unsigned ballot for choices (protocol.md 12.2).
 *
 * Randomness is drawn in the order of 12.2 (per question: per encrypted option r, then
 * the disjunctive proof's values; then the range proof's, when a sum proof is made), so
 * SeededRandom reproduces the vectors byte for byte.
 * @param {{
 *   manifest: Manifest, fp: Uint8Array, publicKey: Uint8Array, region: string,
 *   choices: Choices, credential: CredentialKey, rng?: RandomSource,
 * }} args publicKey is the election key K (32 bytes); credential comes from credentialKey
 * @returns {PreparedBallot}
 */
export function encryptBallot({ manifest, fp, publicKey, region, choices, credential, rng = systemRandom }) {
  if (!(fp instanceof Uint8Array) || fp.length !== 32) throw new InputError('the fingerprint is 32 bytes');
  if (!(credential?.publicKey instanceof Uint8Array) || credential.publicKey.length !== 32) {
    throw new InputError('the credential is {scalar, publicKey} as credentialKey gives it');
  }
  const style = ballotStyle(manifest, region);
  const K = prepareElectionKey(publicKey);
  const clean = cleanChoices(style, region, choices);
  const cred = credential.publicKey;
  const questions = [];
  /** @type {Record<string, bigint[]>} */
  const nonces = {};
  for (const q of style) {
    const selections = [];
    const cts = [];
    const rs = [];
    const votes = clean[q.id].slice(0, encryptedCount(q));
    for (let o = 0; o < votes.length; o++) {
      const bit = /** @type {0 | 1} */ (votes[o]);
      const r = randomScalar(rng);
      const ct = encryptBit(K, bit, r);
      const proof = proveRange(fp, K, ct, bit, r, 0, 1, [cred, region, q.id, o], rng);
      selections.push({ ...ciphertextToJson(ct), proof: rangeProofToJson(proof) });
      cts.push(ct);
      rs.push(r);
    }
    /** @type {object[]} */
    let sumProof = [];
    if (needsSumProof(q)) {
      const [lo, hi] = sumRange(q);
      const rSum = modL(rs.reduce((a, b) => a + b, 0n));
      const count = votes.reduce((a, b) => a + b, 0);
      sumProof = rangeProofToJson(proveRange(fp, K, addCiphertexts(cts), count, rSum, lo, hi, [cred, region, q.id], rng));
    }
    questions.push({ question: q.id, selections, sum_proof: sumProof });
    nonces[q.id] = rs;
  }
  const body = { region, credential: bytesToHex(cred), questions };
  const h = trackingHash(fp, body);
  return { body, trackingHash: h, trackingCode: trackingCode(h), choices: clean, nonces, fp: Uint8Array.from(fp) };
}

/**
 * @param {PreparedBallot} prepared
 * @param {CredentialKey} credential
 * @param {"ballot" | "spoiled"} kind
 */
function claimSignature(prepared, credential, kind) {
  if (!equalBytes(credential.publicKey, hexToBytes(prepared.body.credential, 32, 'ballot credential'))) {
    throw new InputError('this ballot was encrypted for another credential');
  }
  const before = signedAs.get(prepared);
  if (before !== undefined && before !== kind) {
    throw new InputError(
      before === 'spoiled' ? 'this ballot was challenged: its content is public, it can never be cast' : 'this ballot was cast: it can never be revealed',
    );
  }
  signedAs.set(prepared, kind);
}

/**
 * Gives back the "ballot" payload to cast: the body signed as kind "ballot" (12.2).
 * InputError if this prepared ballot was challenged.
 * @param {PreparedBallot} prepared
 * @param {CredentialKey} credential
 */
export function castPayload(prepared, credential) {
  claimSignature(prepared, credential, 'ballot');
  const body = structuredClone(prepared.body);
  return { ...body, signature: signMessageWithCredential(credential, prepared.fp, 'ballot', body) };
}

/**
 * Gives back the "spoiled" payload of a Benaloh challenge (12.5): the unsigned body and
 * the (vote, nonce) of every encrypted selection, signed as kind "spoiled". InputError if
 * this ballot was cast.
 * @param {PreparedBallot} prepared
 * @param {CredentialKey} credential
 */
export function spoiledPayload(prepared, credential) {
  claimSignature(prepared, credential, 'spoiled');
  const body = structuredClone(prepared.body);
  const reveal = body.questions.map((q) => {
    const qid = /** @type {{question: string}} */ (q).question;
    return {
      question: qid,
      selections: prepared.nonces[qid].map((r, o) => ({ vote: prepared.choices[qid][o], nonce: bytesToHex(encodeScalar(r)) })),
    };
  });
  const unsigned = { ballot: body, reveal };
  return { ...unsigned, signature: signMessageWithCredential(credential, prepared.fp, 'spoiled', unsigned) };
}
