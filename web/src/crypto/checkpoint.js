/**
 * Checkpoints, their signed-note text, and the board's and witnesses' signatures
 * (protocol.md 7.4, 7.6, 13.3).
 *
 *   body   = origin "\n" size "\n" b64(root) "\n"
 *   signed = body "\n" ("\u2014 " name " " b64(blob) "\n"){1,64}
 *
 * The board (key type 0x01) signs the body; its blob is key_id || signature (68 bytes).
 * A witness (0x04) co-signs "cosignature/v1\ntime " T "\n" || body (C2SP
 * tlog-cosignature); its blob is key_id || u64 T || signature (76 bytes). Parsing is
 * validation: text breaking any rule of 7.4.2 throws CheckpointFormatError.
 *
 * @module checkpoint
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, equalBytes, fromBase64, fromUtf8, toBase64, utf8 } from './bytes.js';
import { ed25519Verifies } from './ed25519.js';
import { CheckpointFormatError, DecodeError, EncodingError, SignatureError } from './errors.js';
import { checkLogId } from './merkle.js';

/** Key type of the board's key (7.4.3). */
export const BOARD_KEY = 0x01;
/** Key type of a witness's key (7.4.3): C2SP cosignature/v1 Ed25519. */
export const WITNESS_KEY = 0x04;
/** The largest co-signature time, 2^63 - 1 POSIX seconds (7.4.4). */
export const MAX_TIMESTAMP = (1n << 63n) - 1n;
const BOARD_BLOB = 68;
const COSIGNATURE_BLOB = 76;
const DASH = '\u2014 ';
const MAX_SIGNATURES = 64;
const KEY_NAME = /^[\x21-\x2a\x2c-\x7e]{1,128}$/; // printable ASCII without space and '+'
const SIZE = /^(?:0|[1-9][0-9]{0,19})$/;

/**
 * @typedef {{ name: string, keyType: number, publicKey: Uint8Array, keyId: Uint8Array }} VerifierKey
 * @typedef {{ name: string, keyId: Uint8Array, signature: Uint8Array, timestamp: bigint | null }} NoteSignature
 * @typedef {{ origin: string, size: number, root: Uint8Array }} Checkpoint
 * @typedef {{ checkpoint: Checkpoint, body: Uint8Array, signatures: NoteSignature[] }} SignedCheckpoint
 */

/**
 * Gives back the 4-byte key id SHA-256(name || 0x0A || key type || public key)[0:4] (7.4.3).
 * @param {string} name
 * @param {number} keyType
 * @param {Uint8Array} publicKey
 */
export function keyId(name, keyType, publicKey) {
  return sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, keyType), publicKey)).slice(0, 4);
}

/**
 * Gives back the key written as name+<key id hex>+<base64(type || key)> (7.4.3), split at
 * its first two "+"; EncodingError when the name, the id or the base64 is wrong.
 * @param {unknown} text
 * @returns {VerifierKey}
 */
export function parseVerifierKey(text) {
  if (typeof text !== 'string') throw new EncodingError('verifier key: want text');
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  if (first < 0 || second < 0 || !/^[0-9a-f]{8}$/.test(idHex)) {
    throw new EncodingError(`verifier key ${JSON.stringify(text)}: want name+<8 hex digits>+<base64>`);
  }
  if (!KEY_NAME.test(name)) throw new EncodingError(`key name ${JSON.stringify(name)}: want 1-128 printable ASCII, no space or '+'`);
  const raw = fromBase64(text.slice(second + 1), 33, `verifier key ${JSON.stringify(name)}`, EncodingError);
  const keyType = raw[0];
  if (keyType !== BOARD_KEY && keyType !== WITNESS_KEY) {
    throw new EncodingError(`key type 0x${keyType.toString(16).padStart(2, '0')} is not 0x01 (board) or 0x04 (witness)`);
  }
  const publicKey = raw.slice(1);
  const id = keyId(name, keyType, publicKey);
  if (bytesToHex(id) !== idHex) throw new EncodingError(`verifier key ${JSON.stringify(name)}: key id ${idHex} does not match the key`);
  return { name, keyType, publicKey, keyId: id };
}

/**
 * Gives back the key text name+<key id hex>+<base64(type || key)> of a key (7.4.3).
 * @param {string} name
 * @param {number} keyType
 * @param {Uint8Array} publicKey
 */
export function verifierKeyText(name, keyType, publicKey) {
  if (!KEY_NAME.test(name)) throw new EncodingError(`key name ${JSON.stringify(name)}: want 1-128 printable ASCII, no space or '+'`);
  return `${name}+${bytesToHex(keyId(name, keyType, publicKey))}+${toBase64(concatBytes(Uint8Array.of(keyType), publicKey))}`;
}

/**
 * Gives back the three body lines of a checkpoint as bytes (7.4.1).
 * @param {Checkpoint} checkpoint
 */
export function checkpointBody(checkpoint) {
  return utf8(`${checkpoint.origin}\n${checkpoint.size}\n${toBase64(checkpoint.root)}\n`);
}

/**
 * Gives back the bytes a witness signs for a checkpoint at a time (7.4.4):
 * "cosignature/v1\n" "time " decimal(timestamp) "\n" || body.
 * @param {Checkpoint} checkpoint
 * @param {bigint | number} timestamp POSIX seconds, 0 to 2^63 - 1
 */
export function cosignatureMessage(checkpoint, timestamp) {
  const t = BigInt(timestamp);
  if (t < 0n || t > MAX_TIMESTAMP) throw new EncodingError(`co-signature time ${t} is outside 0..2^63-1`);
  return concatBytes(utf8(`cosignature/v1\ntime ${t.toString()}\n`), checkpointBody(checkpoint));
}

/**
 * @param {string} text
 * @param {number} size
 * @param {string} what
 */
function unb64(text, size, what) {
  return fromBase64(text, size, what, CheckpointFormatError);
}

/**
 * Gives back a signature line's blob: canonical base64 of 68 bytes (board) or 76 bytes
 * (co-signature) and nothing else.
 * @param {string} text
 * @param {string} what
 */
function signatureBlob(text, what) {
  const size = text.length === 92 ? BOARD_BLOB : text.length === 104 ? COSIGNATURE_BLOB : -1;
  if (size < 0) throw new CheckpointFormatError(`${what}: want canonical base64 of ${BOARD_BLOB} or ${COSIGNATURE_BLOB} bytes`);
  try {
    return unb64(text, size, what);
  } catch (e) {
    if (e instanceof CheckpointFormatError) {
      throw new CheckpointFormatError(`${what}: want canonical base64 of ${BOARD_BLOB} or ${COSIGNATURE_BLOB} bytes`);
    }
    throw e;
  }
}

/**
 * Gives back the parsed signed checkpoint (7.4.2); CheckpointFormatError for any text
 * that breaks its rules. Checks the format only, not the signatures.
 *
 * The size is given back as a number: this reader refuses sizes above 2^53 - 1, which
 * no board reaches.
 * @param {string | Uint8Array} input
 * @returns {SignedCheckpoint}
 */
export function parseSignedCheckpoint(input) {
  let text = input;
  if (text instanceof Uint8Array) {
    try {
      text = fromUtf8(text);
    } catch (e) {
      if (e instanceof DecodeError) throw new CheckpointFormatError('checkpoint text is not UTF-8');
      throw e;
    }
  }
  if (typeof text !== 'string') throw new CheckpointFormatError('checkpoint text: want text');
  const split = text.indexOf('\n\n');
  if (split < 0) throw new CheckpointFormatError('checkpoint text has no blank line after the body');
  const lines = text.slice(0, split).split('\n');
  if (lines.length !== 3) throw new CheckpointFormatError(`checkpoint body has ${lines.length} lines, want 3`);
  const [origin, sizeText, rootText] = lines;
  try {
    checkLogId(origin);
  } catch (e) {
    if (e instanceof EncodingError) throw new CheckpointFormatError(`checkpoint origin: ${e.message}`);
    throw e;
  }
  if (!SIZE.test(sizeText) || BigInt(sizeText) >= 1n << 64n) {
    throw new CheckpointFormatError(`checkpoint size ${JSON.stringify(sizeText)}: want a decimal, no zeros`);
  }
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new CheckpointFormatError(`checkpoint size ${sizeText} is larger than this reader handles (2^53 - 1)`);
  const checkpoint = { origin, size, root: unb64(rootText, 32, 'root') };
  const block = text.slice(split + 2);
  if (!block.endsWith('\n')) throw new CheckpointFormatError('the last signature line does not end with a newline');
  /** @type {NoteSignature[]} */
  const signatures = [];
  for (const line of block.slice(0, -1).split('\n')) {
    if (!line.startsWith(DASH)) throw new CheckpointFormatError(`signature line ${JSON.stringify(line)} does not start with '— '`);
    const rest = line.slice(DASH.length);
    const space = rest.indexOf(' ');
    if (space < 0) throw new CheckpointFormatError(`signature line ${JSON.stringify(line)}: want '— <name> <base64>'`);
    const name = rest.slice(0, space);
    if (!KEY_NAME.test(name)) throw new CheckpointFormatError(`signature line: key name ${JSON.stringify(name)}: want 1-128 printable ASCII, no space or '+'`);
    const raw = signatureBlob(rest.slice(space + 1), `signature by ${JSON.stringify(name)}`);
    if (raw.length === BOARD_BLOB) {
      signatures.push({ name, keyId: raw.slice(0, 4), signature: raw.slice(4), timestamp: null });
    } else {
      const timestamp = new DataView(raw.buffer, raw.byteOffset + 4, 8).getBigUint64(0, false);
      if (timestamp > MAX_TIMESTAMP) {
        throw new CheckpointFormatError(`signature by ${JSON.stringify(name)}: time ${timestamp} is outside 0..2^63-1`);
      }
      signatures.push({ name, keyId: raw.slice(0, 4), signature: raw.slice(12), timestamp });
    }
  }
  if (signatures.length < 1 || signatures.length > MAX_SIGNATURES) {
    throw new CheckpointFormatError(`${signatures.length} signature lines, want 1 to ${MAX_SIGNATURES}`);
  }
  const seen = new Set(signatures.map((s) => `${s.name} ${bytesToHex(s.keyId)}`));
  if (seen.size !== signatures.length) throw new CheckpointFormatError('two signature lines by the same key');
  return { checkpoint, body: checkpointBody(checkpoint), signatures };
}

/**
 * Gives back true when key signed the checkpoint: a board key with a 68-byte line over
 * the body, a witness key with a 76-byte co-signature over its time and the body.
 * @param {SignedCheckpoint} signed
 * @param {VerifierKey} key
 */
function signedBy(signed, key) {
  const line = signed.signatures.find((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
  if (line === undefined) return false;
  if (key.keyType === WITNESS_KEY) {
    if (line.timestamp === null) return false;
    return ed25519Verifies(key.publicKey, cosignatureMessage(signed.checkpoint, line.timestamp), line.signature);
  }
  if (line.timestamp !== null) return false;
  return ed25519Verifies(key.publicKey, signed.body, line.signature);
}

/**
 * Gives back {origin, size, root} once the text parses and the board key signed it
 * (protocol.md 7.4.3). CheckpointFormatError, EncodingError (a bad key text) or
 * SignatureError (no line by the key, or one that does not verify).
 * @param {string | Uint8Array} text the signed checkpoint
 * @param {string} boardKeyText the manifest's board.key
 * @returns {Checkpoint}
 */
export function verifyCheckpoint(text, boardKeyText) {
  const key = parseVerifierKey(boardKeyText);
  if (key.keyType !== BOARD_KEY) {
    throw new EncodingError(`board key ${key.name}: key type 0x${key.keyType.toString(16).padStart(2, '0')}, want 0x01`);
  }
  const signed = parseSignedCheckpoint(text);
  const where = `${signed.checkpoint.origin}@${signed.checkpoint.size}`;
  if (!signed.signatures.some((s) => s.name === key.name && equalBytes(s.keyId, key.keyId))) {
    throw new SignatureError(`checkpoint ${where} has no signature by key ${key.name}`);
  }
  if (!signedBy(signed, key)) throw new SignatureError(`checkpoint ${where}: signature by key ${key.name} does not verify`);
  return signed.checkpoint;
}

/**
 * Gives back the names (manifest witnesses[].name) of the witnesses whose co-signature
 * of this checkpoint verifies (7.4.4, 7.6.1), in manifest order (cosignatureTimes gives
 * their times too). A witness without a
 * line, with a line that does not verify, or whose key text is not a witness key is
 * left out. CheckpointFormatError when the text itself is malformed. Does not check the
 * board's signature: call verifyCheckpoint for that.
 * @param {string | Uint8Array} text
 * @param {{ name: string, key: string }[]} witnesses the manifest's witnesses
 * @returns {string[]}
 */
export function verifyCosignatures(text, witnesses) {
  return cosignatureTimes(text, witnesses).map((c) => c.name);
}

/**
 * Gives back, in manifest order, {name, timestamp} for each witness whose co-signature
 * of this checkpoint verifies: at timestamp (POSIX seconds, a bigint) that witness saw
 * the board with at least this checkpoint's size entries (7.4.4). Same rules as
 * verifyCosignatures.
 * @param {string | Uint8Array} text
 * @param {{ name: string, key: string }[]} witnesses the manifest's witnesses
 * @returns {{ name: string, timestamp: bigint }[]}
 */
export function cosignatureTimes(text, witnesses) {
  const signed = parseSignedCheckpoint(text);
  const out = [];
  for (const witness of witnesses) {
    let key;
    try {
      key = parseVerifierKey(witness.key);
    } catch (e) {
      if (e instanceof EncodingError) continue;
      throw e;
    }
    if (key.keyType !== WITNESS_KEY || !signedBy(signed, key)) continue;
    const line = signed.signatures.find((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
    if (line !== undefined && line.timestamp !== null) out.push({ name: witness.name, timestamp: line.timestamp });
  }
  return out;
}
