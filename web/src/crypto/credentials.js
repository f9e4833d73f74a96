/**
 * Credential codes and the keys they derive (protocol.md 10.2, 10.3).
 *
 * A code is 19 data characters of Crockford's base32 and a Damm check character over
 * GF(32) = GF(2)[x] / (x^5 + x^2 + 1). The voter types it; normalizeCredentialCode reads
 * it as 10.2.3 says.
 *
 * A voter's credential is co-issued: each of the region's k = codes_per_voter registrars
 * mails the voter one code. A code's part is a scalar a and its point A = a*B on Ed25519
 * (credentialPart); the credential key is x = a_1 + ... + a_k mod l and P = x*B
 * (credentialKey), so no registrar alone knows x. Ballots are signed with x as a
 * standard Ed25519 signature under P (signWithCredential).
 *
 * @module credentials
 */

import { sha512 } from '@noble/hashes/sha2.js';
import { bigIntToLe, equalBytes } from './bytes.js';
import { ALPHABET, CodeError, checkValue, fold, readValues } from './codes.js';
import { publicKeyFromScalar, scalarAdd, scalarReduce, signWithScalar } from './ed25519.js';
import { CredentialCodeError, InputError } from './errors.js';
import { transcript } from './hashing.js';

/** @typedef {import('./random.js').RandomSource} RandomSource */

/** Crockford's base32 alphabet: the character at position v has value v (10.2.1). */
export const CODE_ALPHABET = ALPHABET;
const CODE_LENGTH = 20;
const DATA_LENGTH = 19;
const IGNORED = new Set([' ', '-']);

/**
 * Gives back the check character of 19 canonical data characters (10.2.2).
 * @param {string} data
 */
export function checkCharacter(data) {
  const values = [...data].map((c) => {
    const v = CODE_ALPHABET.indexOf(c);
    if (v < 0) throw new RangeError(`${JSON.stringify(c)} is not a canonical code character`);
    return v;
  });
  return CODE_ALPHABET[checkValue(values)];
}

/**
 * Gives back a canonical code in printed form: 4 groups of 5 joined by "-" (10.2.1).
 * @param {string} canonical
 */
export function printedCode(canonical) {
  return [0, 5, 10, 15].map((i) => canonical.slice(i, i + 5)).join('-');
}

/**
 * Gives back a fresh code in printed form from 12 bytes of rng (10.2.1).
 * @param {RandomSource} rng
 */
export function generateCode(rng) {
  const draw = rng.bytes(12);
  let bits = 0n;
  for (const b of draw) bits = (bits << 8n) | BigInt(b);
  bits >>= 1n; // 95 uniform bits, 5 per character, no reduction
  const values = [];
  for (let i = 0; i < DATA_LENGTH; i++) values.push(Number((bits >> BigInt(5 * (DATA_LENGTH - 1 - i))) & 31n));
  values.push(checkValue(values));
  return printedCode(values.map((v) => CODE_ALPHABET[v]).join(''));
}

/**
 * Gives back the 20 canonical characters of a typed code (protocol.md 10.2.3).
 *
 * Space and "-" are ignored; lower case reads as upper case, O as 0, I and L as 1, a
 * Cyrillic look-alike as its Latin letter (codes.js LOOKALIKES). Throws
 * CredentialCodeError with reason "character" (naming the character and its position,
 * counting every typed character from 1), then "length", then "check".
 * @param {unknown} text
 */
export function normalizeCredentialCode(text) {
  /** @type {number[]} */
  let values;
  try {
    values = readValues(text, 'the credential code', IGNORED, CODE_LENGTH);
  } catch (error) {
    if (error instanceof CodeError) {
      // char and position let a page name the character in its own language (10.2.3).
      throw new CredentialCodeError(error.message, error.reason, { char: error.char, position: error.position });
    }
    throw error;
  }
  if (fold(values) !== 0) {
    throw new CredentialCodeError("a character is mistyped: the credential code's check character does not match", 'check');
  }
  return values.map((v) => CODE_ALPHABET[v]).join('');
}

/** @param {unknown} fp */
function checkFingerprint(fp) {
  if (!(fp instanceof Uint8Array) || fp.length !== 32) throw new TypeError('the fingerprint is 32 bytes');
}

/**
 * Gives back a code's part (protocol.md 10.3): the scalar
 * a = le512(SHA-512(transcript("credential-part", fp, code))) mod l and its point A = a*B
 * (32-byte Ed25519 encoding), for the canonical code of codeText.
 * @param {Uint8Array} fp 32 bytes
 * @param {string} codeText as typed; normalized first (CredentialCodeError)
 * @returns {{ scalar: bigint, point: Uint8Array }}
 */
export function credentialPart(fp, codeText) {
  checkFingerprint(fp);
  const scalar = partScalar(fp, normalizeCredentialCode(codeText));
  return { scalar, point: publicKeyFromScalar(scalar) };
}

/**
 * Gives back a canonical code's scalar a (InputError for 0).
 * @param {Uint8Array} fp
 * @param {string} code canonical
 */
function partScalar(fp, code) {
  const scalar = scalarReduce(sha512(transcript('credential-part', fp, code)));
  // An issuer draws a code of part 0 again (1 in l): such a code is never printed.
  if (scalar === 0n) throw new InputError('this code has no part: it is not a code a registrar issues');
  return scalar;
}

/**
 * Gives back the canonical codes of the typed codes, one per field, in field order.
 * CredentialCodeError for the first field that fails (protocol.md 10.2.4): "count" when
 * there are not codesPerVoter of them; a field that does not read ("character",
 * "length", "check", with `field` and the message starting "code N: " when there are
 * several); "same" when a field holds the code of an earlier one (`field`, and `fields`
 * naming both, 1-based).
 * @param {readonly unknown[]} codeTexts
 * @param {number} [codesPerVoter] the manifest's codes_per_voter, when the caller knows it
 * @returns {string[]}
 */
export function normalizeCredentialCodes(codeTexts, codesPerVoter) {
  if (!Array.isArray(codeTexts)) throw new TypeError('the credential codes are a list, one code per co-issuer');
  const want = codesPerVoter ?? codeTexts.length;
  if (codeTexts.length === 0 || codeTexts.length !== want) {
    throw new CredentialCodeError(`${codeTexts.length} credential codes given, want ${want}`, 'count');
  }
  // Field by field, as 10.2.4 says: each is read, then compared with the fields before it.
  /** @type {string[]} */
  const codes = [];
  codeTexts.forEach((text, i) => {
    let code;
    try {
      code = normalizeCredentialCode(text);
    } catch (error) {
      // One code (a rehearsal) is refused as a single code is; of several, its field is named.
      if (error instanceof CredentialCodeError && codeTexts.length > 1) {
        throw new CredentialCodeError(`code ${i + 1}: ${error.message}`, /** @type {any} */ (error.reason), {
          field: i + 1,
          char: error.char,
          position: error.position,
        });
      }
      throw error;
    }
    const first = codes.indexOf(code);
    if (first >= 0) {
      throw new CredentialCodeError(`code ${i + 1} is code ${first + 1} again: type the code of each letter once`, 'same', {
        field: i + 1,
        fields: [first + 1, i + 1],
      });
    }
    codes.push(code);
  });
  return codes;
}

/**
 * Gives back the voter's credential (protocol.md 10.3):
 * x = (a_1 + ... + a_k) mod l over the parts of the typed codes, in any order, and
 * P = x*B, the 32-byte key the ballot names. Errors as normalizeCredentialCodes; the
 * same code twice is refused before anything is derived.
 * @param {Uint8Array} fp 32 bytes
 * @param {readonly unknown[]} codeTexts as typed, one per co-issuer
 * @param {number} [codesPerVoter] the manifest's codes_per_voter: refuses another count
 * @returns {{ scalar: bigint, publicKey: Uint8Array }}
 */
export function credentialKey(fp, codeTexts, codesPerVoter) {
  checkFingerprint(fp);
  const codes = normalizeCredentialCodes(codeTexts, codesPerVoter);
  const scalar = codes.map((code) => partScalar(fp, code)).reduce(scalarAdd);
  // Two registrars' parts that cancel out: no key (the board refuses the identity too).
  if (scalar === 0n) throw new InputError('these codes add up to no key');
  return { scalar, publicKey: publicKeyFromScalar(scalar) };
}

/**
 * Gives back the 64-byte Ed25519 signature of message by the credential
 * (protocol.md 10.3): r = le512(SHA-512(transcript("credential-nonce",
 * fp, x_le32, M))) mod l, R = r*B, h = le512(SHA-512(R || P || M)) mod l,
 * S = (r + h*x) mod l; R || le32(S), a standard signature under P.
 * @param {Uint8Array} fp 32 bytes
 * @param {{ scalar: bigint, publicKey: Uint8Array }} credential from credentialKey
 * @param {Uint8Array} message M, the signed bytes of 8.2.2
 */
export function signWithCredential(fp, credential, message) {
  checkFingerprint(fp);
  const x = credential?.scalar;
  if (typeof x !== 'bigint') throw new TypeError('the credential is {scalar, publicKey} as credentialKey gives it');
  if (!(credential.publicKey instanceof Uint8Array) || !equalBytes(publicKeyFromScalar(x), credential.publicKey)) {
    throw new InputError("the credential's public key is not its scalar's");
  }
  const r = scalarReduce(sha512(transcript('credential-nonce', fp, bigIntToLe(x, 32), message)));
  return signWithScalar(x, r, message);
}

