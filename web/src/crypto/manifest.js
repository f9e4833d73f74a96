/**
 * The manifest's fingerprint and the lookups ballots need (protocol.md 9.3, 9.2.2).
 *
 * The booth takes the manifest as the server's canonical bytes (GET /api/manifest),
 * computes fp from exactly those bytes, and reads the object with parseCanonicalManifest,
 * which refuses bytes that are not the canonical form of what they encode. Full
 * validation of 9.2 is the Python side's (Manifest.from_json); the lookups here check
 * what they rely on and throw InputError otherwise.
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
 * @typedef {{ id: string, questions: Question[], regions: Region[], board: { key: string },
 *   witnesses: { name: string, key: string }[] }} Manifest
 */

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
  return { manifest, fp: fingerprint(bytes) };
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
