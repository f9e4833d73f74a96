/**
 * Signed messages (protocol.md 8.2): Ed25519 over
 *   M = transcript("signed-message", fp, kind, canonical_json(body))
 * so a signature binds the referendum, the message's kind and every member but itself.
 * Parties sign with a seed (signMessage), voters with their credential
 * (signMessageWithCredential); both are verified as Ed25519 (verifyMessage).
 *
 * @module signing
 */

import { bytesToHex, isLowerHex, hexToBytes, typeName } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { signWithCredential } from './credentials.js';
import { ed25519Verifies, signBytes } from './ed25519.js';
import { SignatureInvalid } from './errors.js';
import { transcript } from './hashing.js';

/** @typedef {Record<string, unknown>} JsonObject */

/**
 * Gives back the exact bytes M that a signer of body as kind signs (8.2.2).
 * @param {Uint8Array} fp 32 bytes
 * @param {string} kind the board entry kind
 * @param {JsonObject} body without a "signature" member
 */
export function messageToSign(fp, kind, body) {
  if (Object.prototype.hasOwnProperty.call(body, 'signature')) {
    throw new TypeError('the signed body must not contain a signature member');
  }
  return transcript('signed-message', fp, kind, canonicalJson(body));
}

/**
 * Gives back the signature (128 lowercase hex digits) of body as kind by the key of seed (8.2.3).
 * @param {Uint8Array} seed 32 bytes
 * @param {Uint8Array} fp
 * @param {string} kind
 * @param {JsonObject} body
 */
export function signMessage(seed, fp, kind, body) {
  return bytesToHex(signBytes(seed, messageToSign(fp, kind, body)));
}

/**
 * Gives back the signature (128 lowercase hex digits) of body as kind by a voter's
 * credential {scalar, publicKey} (8.2.3, 10.3).
 * @param {{ scalar: bigint, publicKey: Uint8Array }} credential from credentialKey
 * @param {Uint8Array} fp
 * @param {string} kind
 * @param {JsonObject} body
 */
export function signMessageWithCredential(credential, fp, kind, body) {
  return bytesToHex(signWithCredential(fp, credential, messageToSign(fp, kind, body)));
}

/**
 * Gives back nothing when sigHex is publicKey's signature of body as kind (8.2.4);
 * SignatureInvalid, its message starting with what, otherwise.
 * @param {Uint8Array} publicKey 32 bytes
 * @param {Uint8Array} fp
 * @param {string} kind
 * @param {JsonObject} body the members signed (no "signature")
 * @param {unknown} sigHex
 * @param {string} [what] the message's description, for the error
 */
export function verifyMessage(publicKey, fp, kind, body, sigHex, what = kind) {
  if (typeof sigHex !== 'string') {
    throw new SignatureInvalid(`${what}: no signature${sigHex === undefined ? '' : ` (got ${typeName(sigHex)})`}`);
  }
  if (!isLowerHex(sigHex, 64)) {
    if (/^[0-9a-fA-F]*$/.test(sigHex) && sigHex.length % 2 === 0) {
      const n = sigHex.length / 2;
      throw new SignatureInvalid(n === 64 ? `${what}: signature is not lowercase hex` : `${what}: signature is ${n} bytes, want 64`);
    }
    throw new SignatureInvalid(`${what}: signature is not hex`);
  }
  const message = messageToSign(fp, kind, body);
  if (!ed25519Verifies(publicKey, message, hexToBytes(sigHex))) {
    throw new SignatureInvalid(`${what}: signature does not verify`);
  }
}

/**
 * Gives back payload without its "signature" once that signature verifies (8.2.4).
 * @param {Uint8Array} publicKey
 * @param {Uint8Array} fp
 * @param {string} kind
 * @param {unknown} payload a signed message: an object with a "signature" member
 * @param {string} [what]
 * @returns {JsonObject}
 */
export function verifySignedPayload(publicKey, fp, kind, payload, what = kind) {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new SignatureInvalid(`${what}: no signature`);
  }
  const { signature, ...body } = /** @type {JsonObject} */ (payload);
  verifyMessage(publicKey, fp, kind, body, signature, what);
  return body;
}
