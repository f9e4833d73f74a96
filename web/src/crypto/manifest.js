/**
 * The manifest's fingerprint, the lookups ballots need and the encrypted form of a
 * question (protocol.md 9.3, 9.2.2, 12.2).
 *
 * The booth takes the manifest as the server's canonical bytes (GET /api/manifest),
 * computes fp from exactly those bytes, and reads the object with parseCanonicalManifest,
 * which refuses bytes that are not the canonical form of what they encode, a format
 * other than "referendum-manifest/3", and a codes_per_voter that the regions' registrars
 * do not match (coIssuance). Full validation of 9.2 is the Python side's
 * (Manifest.from_json); the lookups here check what they rely on and throw InputError
 * otherwise.
 *
 * @module manifest
 */

import { sha512 } from '@noble/hashes/sha2.js';
import { equalBytes } from './bytes.js';
import { canonicalJson, parseJson } from './canonical.js';
import { DecodeError, InputError } from './errors.js';
import { transcript } from './hashing.js';

/**
 * @typedef {{ id: string, options: { id: string }[], min_choices: number, max_choices: number }} Question
 * @typedef {{ id: string, questions: string[] }} Region
 * @typedef {Record<string, string>} Texts one text per manifest language (9.2.1)
 * @typedef {{ index: number, name: string, display?: Texts }} Trustee
 * @typedef {{ name: string, key: string, display?: Texts }} Witness
 * @typedef {{ id: string, name: string, signing_key: string, regions?: string[], display?: Texts }} Registrar
 * @typedef {{ format: string, id: string, codes_per_voter: number, questions: Question[],
 *   regions: Region[], registrars: Registrar[], board: { key: string }, trustees: Trustee[],
 *   witnesses: Witness[] }} Manifest
 */

/** The manifest format this code reads (9.2). */
export const MANIFEST_FORMAT = 'referendum-manifest/3';

/** The most codes a voter may be asked to type (codes_per_voter is 1..4). */
export const MAX_CODES_PER_VOTER = 4;

/**
 * Gives back fp = SHA-512(transcript("manifest", canonical_json(manifest)))[0:32] (9.3).
 * @param {Uint8Array} manifestBytes the manifest's canonical JSON bytes
 * @returns {Uint8Array} 32 bytes
 */
export function fingerprint(manifestBytes) {
  if (!(manifestBytes instanceof Uint8Array)) throw new TypeError('fingerprint takes the canonical manifest bytes');
  return sha512(transcript('manifest', manifestBytes)).slice(0, 32);
}

/**
 * Gives back {manifest, fp} from the manifest's canonical bytes; DecodeError when the
 * bytes are not JSON of 8.1 or not in canonical form (so fp is of the object read).
 * @param {Uint8Array} bytes
 * @returns {{ manifest: Manifest, fp: Uint8Array }}
 */
export function parseCanonicalManifest(bytes) {
  const manifest = /** @type {Manifest} */ (parseJson(bytes, 'manifest'));
  if (!equalBytes(canonicalJson(manifest, 'manifest'), bytes)) {
    throw new DecodeError('manifest: the bytes are not in canonical form (protocol.md 8.1)');
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new DecodeError('manifest: want an object');
  }
  if (manifest.format !== MANIFEST_FORMAT) {
    throw new DecodeError(`manifest.format: want ${JSON.stringify(MANIFEST_FORMAT)}, got ${JSON.stringify(manifest.format)}`);
  }
  coIssuance(manifest);
  return { manifest, fp: fingerprint(bytes) };
}

/**
 * Gives back the co-issuers of a region: the registrars serving it (an entry without
 * `regions` serves every region), in manifest order (9.2.2).
 * @param {Manifest} manifest
 * @param {string} regionId
 * @returns {Registrar[]}
 */
export function coIssuers(manifest, regionId) {
  return manifest.registrars.filter((g) => !Array.isArray(g.regions) || g.regions.includes(regionId));
}

/**
 * Gives back the manifest's codes_per_voter once every region is served by exactly that
 * many registrars; DecodeError naming the member otherwise, as the Python reader words it
 * ("manifest.codes_per_voter: region 'donetsk' is served by 1 registrar (cec), want 2").
 * @param {Manifest} manifest
 * @returns {number}
 */
export function coIssuance(manifest) {
  const k = /** @type {unknown} */ (manifest.codes_per_voter);
  if (k === undefined) throw new DecodeError('manifest: missing field codes_per_voter');
  if (typeof k !== 'number' || !Number.isInteger(k)) {
    throw new DecodeError(`manifest.codes_per_voter: want an integer, got ${k === null ? 'null' : typeof k}`);
  }
  if (k < 1 || k > MAX_CODES_PER_VOTER) {
    throw new DecodeError(`manifest.codes_per_voter: ${k} is outside 1..${MAX_CODES_PER_VOTER}`);
  }
  if (!Array.isArray(manifest.regions) || !Array.isArray(manifest.registrars)) {
    throw new DecodeError('manifest: regions and registrars are lists');
  }
  for (const region of manifest.regions) {
    const serving = coIssuers(manifest, region.id).map((g) => g.id);
    if (serving.length !== k) {
      const had = `${serving.length} registrar${serving.length === 1 ? '' : 's'}`;
      throw new DecodeError(
        `manifest.codes_per_voter: region '${region.id}' is served by ${had} (${serving.join(', ') || 'none'}), want ${k}`,
      );
    }
  }
  return k;
}

/**
 * Gives back the questions of a region's ballot style, in ballot order (9.2.2).
 * InputError when the region is not in the manifest.
 * @param {Manifest} manifest
 * @param {string} regionId
 * @returns {Question[]}
 */
export function ballotStyle(manifest, regionId) {
  const region = manifest.regions.find((r) => r.id === regionId);
  if (region === undefined) throw new InputError(`region ${JSON.stringify(regionId)} is not in the manifest`);
  return region.questions.map((qid) => {
    const question = manifest.questions.find((q) => q.id === qid);
    if (question === undefined) throw new InputError(`manifest: region ${regionId} names no question ${qid}`);
    return question;
  });
}

/**
 * Gives back true when the manifest has a region with this id.
 * @param {Manifest} manifest
 * @param {unknown} regionId
 */
export function hasRegion(manifest, regionId) {
  return manifest.regions.some((r) => r.id === regionId);
}

/**
 * Gives back true when the voter chooses exactly min_choices = max_choices options (12.2).
 * @param {Question} question
 */
export function isExact(question) {
  return question.min_choices === question.max_choices;
}

/**
 * Gives back the number of selections a ballot encrypts for the question (12.2): all
 * its options, or all but the last when exactly k are chosen (the last is k minus the
 * others).
 * @param {Question} question
 */
export function encryptedCount(question) {
  return isExact(question) ? question.options.length - 1 : question.options.length;
}

/**
 * Gives back [lo, hi], the bounds on the sum of the encrypted selections (12.2):
 * [max(0, k-1), min(k, encrypted)] when exactly k are chosen, else [min, max].
 * @param {Question} question
 * @returns {[number, number]}
 */
export function sumRange(question) {
  if (isExact(question)) {
    const k = question.min_choices;
    return [Math.max(0, k - 1), Math.min(k, encryptedCount(question))];
  }
  return [question.min_choices, question.max_choices];
}

/**
 * Gives back false when the selections' own 0/1 proofs already imply sumRange, that is
 * when it is [0, encrypted]: then the ballot carries no sum proof (12.2).
 * @param {Question} question
 */
export function needsSumProof(question) {
  const [lo, hi] = sumRange(question);
  return lo !== 0 || hi !== encryptedCount(question);
}

/**
 * Gives back one 0/1 per option from the encrypted selections' values (12.2): for an
 * exactly-k question the last option's is k minus their sum.
 * @param {Question} question
 * @param {number[]} selected one value per encrypted selection
 * @returns {number[]}
 */
export function fullChoices(question, selected) {
  if (!isExact(question)) return [...selected];
  return [...selected, question.min_choices - selected.reduce((a, b) => a + b, 0)];
}
