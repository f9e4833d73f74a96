/**
 * Verifying ballots and challenged ballots (protocol.md 12.3, 12.5).
 *
 * Checks run in the order of the spec and stop at the first failure with a BallotError
 * whose message names the question and option. A payload refused while it is read (its
 * structure, a hex form, a non-canonical encoding: 12.3 steps 1 and 5) gives a
 * BallotFormatError, the vectors' "decode"; every other failure a plain BallotError.
 *
 * @module ballot-check
 */

import { hexToBytes, isLowerHex, typeName } from './bytes.js';
import { addCiphertexts, ciphertextFromJson, encrypt } from './elgamal.js';
import { BallotError, BallotFormatError, DecodeError, InvalidProof, SignatureInvalid } from './errors.js';
import { preparedElement, scalarFromHex } from './group.js';
import { ballotStyle, encryptedCount, fullChoices, hasRegion, isExact, needsSumProof, sumRange } from './manifest.js';
import { rangeProofFromJson, verifyDisjunctive, verifyRange } from './proofs.js';
import { verifyMessage } from './signing.js';
import { trackingHash } from './tracking.js';

/** @typedef {import('./manifest.js').Manifest} Manifest */
/** @typedef {import('./manifest.js').Question} Question */
/** @typedef {import('./elgamal.js').Ciphertext} Ciphertext */
/**
 * @typedef {{ region: string, credential: Uint8Array, trackingHash: Uint8Array,
 *   selections: Record<string, Ciphertext[]> }} CheckedBallot selections: per question, the
 *   encrypted selections (encryptedCount of them, 12.2), in order
 */

const MAX_ITEMS = 64;
const BODY_FIELDS = ['credential', 'questions', 'region'];
const BALLOT_FIELDS = ['credential', 'questions', 'region', 'signature'];
const QUESTION_FIELDS = ['question', 'selections', 'sum_proof'];
const SELECTION_FIELDS = ['alpha', 'beta', 'proof'];
const PAIR_FIELDS = ['c', 'v'];
const SPOILED_FIELDS = ['ballot', 'reveal', 'signature'];
const REVEAL_FIELDS = ['question', 'selections'];
const OPENING_FIELDS = ['nonce', 'vote'];
/** Why an exactly-k question has one selection fewer than options (12.2). */
const EXACT_NOTE = ' (exactly k chosen: the last option is not encrypted)';

/**
 * @param {string} where
 * @param {string} rest
 */
function at(where, rest) {
  return where ? `${where}: ${rest}` : rest;
}

/**
 * Gives back value as an object with exactly the wanted members (sorted list).
 * @param {unknown} value
 * @param {string[]} wanted
 * @param {string} where
 * @returns {Record<string, any>}
 */
function fields(value, wanted, where) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BallotFormatError(`${where}: want an object, got ${typeName(value)}`);
  }
  const keys = Object.keys(value);
  const missing = wanted.filter((k) => !keys.includes(k));
  if (missing.length) throw new BallotFormatError(`${where}: missing field ${missing.join(', ')}`);
  const extra = keys.filter((k) => !wanted.includes(k)).sort();
  if (extra.length) throw new BallotFormatError(`${where}: unknown field ${extra.join(', ')}`);
  return /** @type {Record<string, any>} */ (value);
}

/**
 * @param {unknown} value
 * @param {string} where
 * @param {number} lo
 * @param {number} hi
 * @returns {unknown[]}
 */
function list(value, where, lo, hi) {
  if (!Array.isArray(value)) throw new BallotFormatError(`${where}: want a list, got ${typeName(value)}`);
  if (value.length < lo || value.length > hi) throw new BallotFormatError(`${where}: want ${lo} to ${hi} items, got ${value.length}`);
  return value;
}

/**
 * @param {unknown} value
 * @param {number} size
 * @param {string} where
 */
function hex(value, size, where) {
  if (!isLowerHex(value, size)) throw new BallotFormatError(`${where}: want ${2 * size} lowercase hex digits`);
}

/**
 * @param {unknown} value
 * @param {string} where
 * @returns {string}
 */
function text(value, where) {
  if (typeof value !== 'string' || value === '') throw new BallotFormatError(`${where}: want non-empty text`);
  return value;
}

/**
 * @param {unknown} value
 * @param {string} where
 * @param {number} lo
 * @param {number} hi
 */
function pairs(value, where, lo, hi) {
  list(value, where, lo, hi).forEach((pair, j) => {
    const p = fields(pair, PAIR_FIELDS, `${where}[${j}]`);
    hex(p.c, 32, `${where}[${j}].c`);
    hex(p.v, 32, `${where}[${j}].v`);
  });
}

/**
 * Step 1 of 12.3: the shape of a ballot (signed) or a body (unsigned), no manifest.
 * @param {unknown} payload
 * @param {string} where
 * @param {boolean} signed
 */
function checkFields(payload, where, signed) {
  const top = fields(payload, signed ? BALLOT_FIELDS : BODY_FIELDS, at(where, 'ballot'));
  text(top.region, at(where, 'ballot region'));
  hex(top.credential, 32, at(where, 'ballot credential'));
  if (signed) hex(top.signature, 64, at(where, 'ballot signature'));
  list(top.questions, at(where, 'ballot questions'), 1, MAX_ITEMS).forEach((item, qi) => {
    const q = fields(item, QUESTION_FIELDS, at(where, `ballot questions[${qi}]`));
    const qid = text(q.question, at(where, `ballot questions[${qi}].question`));
    const w = at(where, `ballot question ${qid}`);
    list(q.selections, `${w} selections`, 1, MAX_ITEMS).forEach((sel, o) => {
      const s = fields(sel, SELECTION_FIELDS, `${w} option ${o}`);
      hex(s.alpha, 32, `${w} option ${o} alpha`);
      hex(s.beta, 32, `${w} option ${o} beta`);
      pairs(s.proof, `${w} option ${o} proof`, 2, 2);
    });
    pairs(q.sum_proof, `${w} sum_proof`, 0, MAX_ITEMS);
  });
}

/**
 * Gives back nothing when payload has the shape of a cast ballot (12.3 step 1: no
 * manifest, no group operation); BallotFormatError naming the field.
 * @param {unknown} payload
 * @param {string} [where]
 */
export function checkBallotFields(payload, where = '') {
  checkFields(payload, where, true);
}

/**
 * Steps 1-3 of 12.3; gives back the ballot style.
 * @param {Manifest} manifest
 * @param {any} payload
 * @param {string} where
 * @param {boolean} signed
 * @returns {Question[]}
 */
function checkBody(manifest, payload, where, signed) {
  checkFields(payload, where, signed);
  if (!hasRegion(manifest, payload.region)) {
    throw new BallotError(at(where, `ballot region ${JSON.stringify(payload.region)} is not in the manifest`));
  }
  const style = ballotStyle(manifest, payload.region);
  const got = payload.questions.map((/** @type {any} */ q) => q.question);
  const want = style.map((q) => q.id);
  if (got.length !== want.length || got.some((/** @type {string} */ id, /** @type {number} */ i) => id !== want[i])) {
    throw new BallotError(at(where, `ballot questions are ${got.join(', ')}; region ${payload.region} has ${want.join(', ')}`));
  }
  style.forEach((question, i) => {
    const q = payload.questions[i];
    const w = at(where, `ballot question ${question.id}`);
    const encrypted = encryptedCount(question);
    if (q.selections.length !== encrypted) {
      throw new BallotError(
        `${w}: ${q.selections.length} selections, want ${encrypted} for ${question.options.length} options${isExact(question) ? EXACT_NOTE : ''}`,
      );
    }
    const [lo, hi] = sumRange(question);
    const width = needsSumProof(question) ? hi - lo + 1 : 0;
    if (q.sum_proof.length !== width) {
      throw new BallotError(
        `${w} sum_proof: ${q.sum_proof.length} branches, want ${width} ` +
          (width ? `(selected ${lo} to ${hi})` : "(the selections' own proofs bound their sum)"),
      );
    }
  });
  return style;
}

/**
 * Steps 5-6 of 12.3 for a body whose steps 1-3 hold; gives back the checked ballot.
 * @param {Uint8Array} fp
 * @param {Uint8Array} publicKey
 * @param {any} payload
 * @param {Question[]} style
 * @param {string} where
 * @returns {CheckedBallot}
 */
function verifyProofs(fp, publicKey, payload, style, where) {
  const K = preparedElement(publicKey, 'election public key');
  const region = payload.region;
  const credential = hexToBytes(payload.credential, 32);
  /** @type {Record<string, Ciphertext[]>} */
  const selections = {};
  style.forEach((question, i) => {
    const q = payload.questions[i];
    /** @type {Ciphertext[]} */
    const cts = [];
    q.selections.forEach((/** @type {any} */ sel, /** @type {number} */ o) => {
      const w = at(where, `ballot question ${question.id} option ${o}`);
      const ct = readOrRefuse(w, () => ciphertextFromJson({ alpha: sel.alpha, beta: sel.beta }, 'ciphertext'));
      const proof = readOrRefuse(w, () => rangeProofFromJson(sel.proof, 'proof'));
      proveOrRefuse(w, () => verifyDisjunctive(fp, K, ct, proof, [credential, region, question.id, o]));
      cts.push(ct);
    });
    if (needsSumProof(question)) {
      const [lo, hi] = sumRange(question);
      const w = at(where, `ballot question ${question.id}: sum_proof`);
      const sumProof = readOrRefuse(w, () => rangeProofFromJson(q.sum_proof, 'sum_proof'));
      proveOrRefuse(w, () => verifyRange(fp, K, addCiphertexts(cts), lo, hi, sumProof, [credential, region, question.id]));
    }
    selections[question.id] = cts;
  });
  return { region, credential, trackingHash: trackingHash(fp, payload), selections };
}

/**
 * @template T
 * @param {string} where
 * @param {() => T} read
 * @returns {T}
 */
function readOrRefuse(where, read) {
  try {
    return read();
  } catch (e) {
    if (e instanceof DecodeError) throw new BallotFormatError(`${where}: ${e.message}`);
    throw e;
  }
}

/**
 * @param {string} where
 * @param {() => void} check
 */
function proveOrRefuse(where, check) {
  try {
    check();
  } catch (e) {
    if (e instanceof InvalidProof) throw new BallotError(`${where}: ${e.message}`);
    throw e;
  }
}

/**
 * @param {Uint8Array} publicKey
 * @param {Uint8Array} fp
 * @param {string} kind
 * @param {Record<string, unknown>} body
 * @param {unknown} signature
 * @param {string} what
 */
function checkSignature(publicKey, fp, kind, body, signature, what) {
  try {
    verifyMessage(publicKey, fp, kind, body, signature, what);
  } catch (e) {
    if (e instanceof SignatureInvalid) throw new BallotError(e.message);
    throw e;
  }
}

/**
 * Gives back the checked ballot when every rule of protocol.md 12.3 holds: structure,
 * region, ballot style, the credential's signature (kind "ballot"), every selection's
 * disjunctive proof and every sum proof the questions need (12.2) under the election key.
 * Whether the credential is registered is the board's rule (13.2), not checked here.
 * @param {Manifest} manifest the parsed manifest
 * @param {Uint8Array} fp
 * @param {Uint8Array} publicKey the election key K, 32 bytes
 * @param {unknown} payload
 * @param {string} [where] prefixed to messages, e.g. "board entry 812"
 * @returns {CheckedBallot}
 */
export function verifyBallot(manifest, fp, publicKey, payload, where = '') {
  const style = checkBody(manifest, payload, where, true);
  const { signature, ...body } = /** @type {Record<string, unknown>} */ (payload);
  const credential = hexToBytes(/** @type {string} */ (body.credential), 32);
  checkSignature(credential, fp, 'ballot', body, signature, at(where, 'ballot'));
  return verifyProofs(fp, publicKey, payload, style, where);
}

/**
 * Gives back each question's revealed (vote, nonce) pairs, one per encrypted selection,
 * once their form is right (12.5 step 3).
 * @param {unknown} reveal
 * @param {Question[]} style
 * @param {string} where
 * @returns {Record<string, { vote: 0 | 1, nonce: bigint }[]>}
 */
function readReveal(reveal, style, where) {
  const items = list(reveal, at(where, 'spoiled reveal'), style.length, style.length);
  /** @type {Record<string, { vote: 0 | 1, nonce: bigint }[]>} */
  const openings = {};
  style.forEach((question, qi) => {
    const item = fields(items[qi], REVEAL_FIELDS, at(where, `spoiled reveal[${qi}]`));
    if (item.question !== question.id) {
      throw new BallotFormatError(at(where, `spoiled reveal[${qi}]: question ${JSON.stringify(item.question)}, want ${question.id}`));
    }
    const n = encryptedCount(question);
    const w = at(where, `spoiled question ${question.id}`);
    openings[question.id] = list(item.selections, `${w} selections`, n, n).map((opening, o) => {
      const op = fields(opening, OPENING_FIELDS, `${w} option ${o}`);
      if (op.vote !== 0 && op.vote !== 1) throw new BallotFormatError(`${w} option ${o}: vote must be 0 or 1, got ${JSON.stringify(op.vote)}`);
      const nonce = readOrRefuse(`${w} option ${o}`, () => scalarFromHex(op.nonce, 'nonce'));
      if (nonce === 0n) throw new BallotFormatError(`${w} option ${o}: nonce must not be zero`);
      return { vote: op.vote, nonce };
    });
  });
  return openings;
}

/**
 * Gives back the revealed choices {questionId: [0/1 per option]} of a challenged ballot
 * once every check of protocol.md 12.5 holds: the payload's structure, an unsigned inner
 * body passing 12.3 steps 1-3, the reveal's form, the credential's signature of kind
 * "spoiled" over {ballot, reveal}, every proof, and each (vote, nonce) re-encrypting to
 * its selection. The choices are the encrypted selections' votes and, for an exactly-k
 * question, the last option's: k minus their sum (12.2).
 * @param {Manifest} manifest
 * @param {Uint8Array} fp
 * @param {Uint8Array} publicKey
 * @param {unknown} payload
 * @param {string} [where]
 * @returns {Record<string, number[]>}
 */
export function verifySpoiled(manifest, fp, publicKey, payload, where = '') {
  const w = at(where, 'spoiled');
  const top = fields(payload, SPOILED_FIELDS, w);
  hex(top.signature, 64, `${w} signature`);
  const body = top.ballot;
  const style = checkBody(manifest, body, w, false);
  const openings = readReveal(top.reveal, style, where);
  const credential = hexToBytes(body.credential, 32);
  checkSignature(credential, fp, 'spoiled', { ballot: body, reveal: top.reveal }, top.signature, w);
  const ballot = verifyProofs(fp, publicKey, body, style, w);
  const K = preparedElement(publicKey, 'election public key');
  /** @type {Record<string, number[]>} */
  const choices = {};
  for (const question of style) {
    ballot.selections[question.id].forEach((ct, o) => {
      const { vote, nonce } = openings[question.id][o];
      const again = encrypt(K, vote, nonce);
      if (!again.alpha.equals(ct.alpha) || !again.beta.equals(ct.beta)) {
        throw new BallotError(
          at(where, `spoiled question ${question.id} option ${o}: encrypting vote ${vote} with the revealed nonce does not give the ballot's ciphertext`),
        );
      }
    });
    choices[question.id] = fullChoices(question, openings[question.id].map((op) => op.vote));
  }
  return choices;
}
