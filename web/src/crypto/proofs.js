/**
 * Zero-knowledge proofs (protocol.md 5): Schnorr (5.3) and Chaum-Pedersen (5.4)
 * verification, and the range / disjunctive proof (5.5), proved and verified.
 *
 * A proof in compact form is (c, v) (5.2); a range proof is one (c_j, v_j) per value j in
 * [lo, hi]. Every challenge is hash_to_scalar(tag, fp, statement..., commitments...,
 * bound values...) (5.1). Verification throws InvalidProof; decoding throws DecodeError.
 *
 * @module proofs
 */

import { bytesToHex, typeName } from './bytes.js';
import { DecodeError, InvalidProof } from './errors.js';
import { G, IDENTITY, encodeScalar, modL, powPublic, powSecret, randomScalar, scalarFromHex } from './group.js';
import { hashToScalar } from './hashing.js';

/** @typedef {import('./group.js').Element} Element */
/** @typedef {import('./elgamal.js').Ciphertext} Ciphertext */
/** @typedef {import('./hashing.js').Item} Item */
/** @typedef {import('./random.js').RandomSource} RandomSource */
/** @typedef {{ c: bigint, v: bigint }} ChallengeResponse */

/** The most values one range proof may cover (5.5). */
export const MAX_RANGE_WIDTH = 64;

// --- JSON forms (2.3) -------------------------------------------------------------------

/**
 * Gives back {c, v} of a JSON object with exactly c and v, both scalars (2.3).
 * @param {unknown} value
 * @param {string} [field]
 * @returns {ChallengeResponse}
 */
export function pairFromJson(value, field = 'proof') {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError(`${field}: expected an object with exactly c and v, got ${typeName(value)}`);
  }
  const keys = Object.keys(value).sort();
  if (keys.length !== 2 || keys[0] !== 'c' || keys[1] !== 'v') {
    throw new DecodeError(`${field}: expected an object with exactly c and v`);
  }
  const p = /** @type {{c: unknown, v: unknown}} */ (value);
  return { c: scalarFromHex(p.c, `${field}.c`), v: scalarFromHex(p.v, `${field}.v`) };
}

/**
 * Gives back the branches of a range proof: a list of 1 to 64 {c, v} objects (2.3).
 * @param {unknown} value
 * @param {string} [field]
 * @returns {ChallengeResponse[]}
 */
export function rangeProofFromJson(value, field = 'proof') {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_RANGE_WIDTH) {
    throw new DecodeError(`${field}: expected a list of 1 to ${MAX_RANGE_WIDTH} branches`);
  }
  return value.map((branch, j) => pairFromJson(branch, `${field}[${j}]`));
}

/**
 * Gives back the JSON form of a range proof's branches.
 * @param {ChallengeResponse[]} branches
 */
export function rangeProofToJson(branches) {
  return branches.map(({ c, v }) => ({ c: bytesToHex(encodeScalar(c)), v: bytesToHex(encodeScalar(v)) }));
}

// --- Schnorr and Chaum-Pedersen (verification) ---------------------------------------------

/**
 * @param {string} kind
 * @param {[string, Element][]} named
 */
function requireNotIdentity(kind, named) {
  for (const [name, element] of named) {
    if (element.is0()) throw new InvalidProof(`${kind}: ${name} is the identity element`);
  }
}

/**
 * Gives back nothing when (c, v) proves knowledge of log_g(X) (protocol.md 5.3);
 * InvalidProof otherwise.
 * @param {Uint8Array} fp
 * @param {Element} X
 * @param {ChallengeResponse} proof
 * @param {Item[]} [bound] bound values (5.1)
 */
export function verifySchnorr(fp, X, proof, bound = []) {
  requireNotIdentity('schnorr proof', [['public value', X]]);
  const h = powPublic(G, proof.v).add(powPublic(X, proof.c));
  if (hashToScalar('schnorr', fp, X, h, ...bound) !== proof.c) {
    throw new InvalidProof('schnorr proof: the challenge does not match');
  }
}

/**
 * Gives back nothing when (c, v) proves log_A(X) = log_B(Y) (protocol.md 5.4);
 * InvalidProof otherwise.
 * @param {Uint8Array} fp
 * @param {Element} A
 * @param {Element} B
 * @param {Element} X
 * @param {Element} Y
 * @param {ChallengeResponse} proof
 * @param {Item[]} [bound]
 */
export function verifyChaumPedersen(fp, A, B, X, Y, proof, bound = []) {
  requireNotIdentity('chaum-pedersen proof', [['A', A], ['B', B], ['X', X], ['Y', Y]]);
  const a = powPublic(A, proof.v).add(powPublic(X, proof.c));
  const b = powPublic(B, proof.v).add(powPublic(Y, proof.c));
  if (hashToScalar('chaum-pedersen', fp, A, B, X, Y, a, b, ...bound) !== proof.c) {
    throw new InvalidProof('chaum-pedersen proof: the challenge does not match');
  }
}

// --- range and disjunctive proofs (5.5) -----------------------------------------------------

/**
 * @param {number} lo
 * @param {number} hi
 */
function checkBounds(lo, hi) {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 0 || lo > hi) {
    throw new RangeError(`range bounds must satisfy 0 <= lo <= hi, got [${lo}, ${hi}]`);
  }
  if (hi - lo + 1 > MAX_RANGE_WIDTH) throw new RangeError(`range [${lo}, ${hi}] is wider than ${MAX_RANGE_WIDTH} values`);
}

/**
 * Gives back g^j for a small public j.
 * @param {number} j
 */
function gPow(j) {
  return j === 0 ? IDENTITY : G.multiplyUnsafe(BigInt(j));
}

/**
 * Gives back a proof that ct = Enc_K(m; r) holds an m in [lo, hi] (protocol.md 5.5).
 *
 * Randomness is drawn in the order 5.5 and 12.2 fix for the vectors: w, then (c_j, v_j)
 * for each simulated branch j in increasing order. The prover knows r and m, so every
 * branch's commitments are computed by one formula from the precomputed bases g and K:
 *   a_j = g^(v_j + c_j r),  b_j = K^(v_j + c_j r) * g^((m - j) c_j),
 * which is g^(v_j) alpha^(c_j) and K^(v_j) (beta / g^j)^(c_j) for a simulated branch, and
 * g^w, K^w for the true one (c = 0, v = w). So the group operations, and their order, do
 * not depend on m: the vote is not visible in what the prover computes.
 * @param {Uint8Array} fp
 * @param {Element} K the public key, ideally from preparedElement
 * @param {Ciphertext} ct
 * @param {number} m the encrypted value
 * @param {bigint} r the nonce
 * @param {number} lo
 * @param {number} hi
 * @param {Item[]} bound bound values (5.1)
 * @param {RandomSource} rng
 * @returns {ChallengeResponse[]}
 */
export function proveRange(fp, K, ct, m, r, lo, hi, bound, rng) {
  checkBounds(lo, hi);
  if (!Number.isSafeInteger(m) || m < lo || m > hi) throw new RangeError(`cannot prove that ${m} lies in [${lo}, ${hi}]`);
  const width = hi - lo + 1;
  const real = m - lo;
  const w = randomScalar(rng);
  /** @type {ChallengeResponse[]} */
  const drawn = [];
  for (let k = 0; k < width - 1; k++) drawn.push({ c: randomScalar(rng), v: randomScalar(rng) });
  /** @type {ChallengeResponse[]} */
  const pairs = [];
  /** @type {Element[]} */
  const commitments = [];
  for (let idx = 0; idx < width; idx++) {
    const isReal = idx === real;
    const sim = drawn[idx - Number(idx > real)] ?? drawn[0] ?? { c: 0n, v: 0n };
    const c = isReal ? 0n : sim.c;
    const v = isReal ? w : sim.v;
    const e = modL(v + c * r);
    const f1 = modL(BigInt(m - (lo + idx)) * c + 1n); // g^f as g^(f+1) / g: never a zero power
    const gf = powSecret(G, f1).subtract(G);
    commitments.push(powSecret(G, e), powSecret(K, e).add(gf));
    pairs.push({ c, v });
  }
  const cAll = hashToScalar('range', fp, K, ct.alpha, ct.beta, lo, hi, ...commitments, ...bound);
  let cReal = cAll;
  for (const p of pairs) cReal -= p.c; // the true branch's c is 0 here
  cReal = modL(cReal);
  const vReal = modL(w - cReal * r);
  return pairs.map((p, idx) => (idx === real ? { c: cReal, v: vReal } : p));
}

/**
 * Gives back nothing when branches prove ct encrypts a value in [lo, hi] under K
 * (protocol.md 5.5); InvalidProof otherwise. lo and hi come from the caller (the
 * manifest), never from the proof.
 * @param {Uint8Array} fp
 * @param {Element} K
 * @param {Ciphertext} ct
 * @param {number} lo
 * @param {number} hi
 * @param {ChallengeResponse[]} branches
 * @param {Item[]} [bound]
 */
export function verifyRange(fp, K, ct, lo, hi, branches, bound = []) {
  checkBounds(lo, hi);
  const width = hi - lo + 1;
  if (branches.length !== width) {
    throw new InvalidProof(`range proof for [${lo}, ${hi}]: expected ${width} branches, got ${branches.length}`);
  }
  requireNotIdentity('range proof', [['public key', K], ['ciphertext alpha', ct.alpha]]);
  /** @type {Element[]} */
  const commitments = [];
  let cSum = 0n;
  branches.forEach(({ c, v }, idx) => {
    const j = lo + idx;
    const shifted = j === 0 ? ct.beta : ct.beta.subtract(gPow(j));
    commitments.push(
      powPublic(G, v).add(powPublic(ct.alpha, c)),
      powPublic(K, v).add(powPublic(shifted, c)),
    );
    cSum += c;
  });
  const c = hashToScalar('range', fp, K, ct.alpha, ct.beta, lo, hi, ...commitments, ...bound);
  if (c !== modL(cSum)) {
    throw new InvalidProof(`range proof for [${lo}, ${hi}]: branch challenges do not sum to the challenge`);
  }
}

/**
 * Gives back a proof that ct = Enc_K(m; r) encrypts 0 or 1: proveRange over [0, 1].
 * @param {Uint8Array} fp
 * @param {Element} K
 * @param {Ciphertext} ct
 * @param {0 | 1} m
 * @param {bigint} r
 * @param {Item[]} bound
 * @param {RandomSource} rng
 */
export function proveDisjunctive(fp, K, ct, m, r, bound, rng) {
  return proveRange(fp, K, ct, m, r, 0, 1, bound, rng);
}

/**
 * Gives back nothing when branches prove ct encrypts 0 or 1; InvalidProof otherwise.
 * @param {Uint8Array} fp
 * @param {Element} K
 * @param {Ciphertext} ct
 * @param {ChallengeResponse[]} branches
 * @param {Item[]} [bound]
 */
export function verifyDisjunctive(fp, K, ct, branches, bound = []) {
  verifyRange(fp, K, ct, 0, 1, branches, bound);
}
