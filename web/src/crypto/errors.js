/**
 * The error types of the crypto library.
 *
 * Every check throws; none returns a boolean. All errors derive from VerificationError,
 * so a caller can catch one type, and `.message` says what failed and where. The
 * vectors' `want_err` maps onto them: "decode" is a DecodeError (or BallotFormatError),
 * "invalid" any other VerificationError.
 *
 * @module errors
 */

/** A check failed; the message names what and where. */
export class VerificationError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A value is refused as it is read: bad hex, a non-canonical group element or scalar
 * (protocol.md 2.1-2.3), text that is not JSON of 8.1. Vectors call this "decode".
 */
export class DecodeError extends VerificationError {}

/** JSON outside the domain of protocol.md 8.1 (a float, a duplicate name, ...). */
export class JsonFormatError extends DecodeError {}

/** A caller's input breaks a rule before anything is computed (choices, a typed code). */
export class InputError extends VerificationError {}

/** A zero-knowledge proof does not verify (protocol.md 5). */
export class InvalidProof extends VerificationError {}

/** An Ed25519 signature of a protocol message does not verify (protocol.md 8.2.4). */
export class SignatureInvalid extends VerificationError {}

/**
 * Typed credential codes are refused (protocol.md 10.2.3, 10.3).
 * `reason` is "character", "length" or "check" for a code that does not read; "same"
 * when two fields hold the same code; "count" when the number of codes is not the
 * manifest's codes_per_voter. `field` is the 1-based field of the code at fault (for
 * "same", the later of the two; `fields` names both); `char` and `position` name a
 * character that is not used in codes.
 */
export class CredentialCodeError extends InputError {
  /**
   * @param {string} message
   * @param {"character" | "length" | "check" | "same" | "count"} reason
   * @param {{ field?: number, fields?: [number, number], char?: string, position?: number }} [where]
   */
  constructor(message, reason, where = {}) {
    super(message);
    this.reason = reason;
    this.field = where.field;
    /** The Python side's name of `field` (referendum.credentials.CredentialCodeError.part). */
    this.part = where.field;
    this.fields = where.fields;
    this.char = where.char;
    this.position = where.position;
  }
}

/** A ballot or spoiled ballot fails a check of protocol.md 12.3 or 12.5. */
export class BallotError extends VerificationError {}

/**
 * A ballot is refused while it is read: its structure, a hex form or an encoding
 * (12.3 steps 1 and 5). The vectors' "decode".
 */
export class BallotFormatError extends BallotError {}

/** Board data fails a check of protocol.md 7 (base of the board errors below). */
export class BoardVerificationError extends VerificationError {}

/** A bad entry field, key text or base64 (7.2, 7.4.3). */
export class EncodingError extends BoardVerificationError {}

/** Checkpoint text that breaks 7.4.1-7.4.2. */
export class CheckpointFormatError extends BoardVerificationError {}

/** Impossible sizes or indexes, a proof of the wrong length, a hash of the wrong length. */
export class ProofShapeError extends BoardVerificationError {}

/** A Merkle proof leads to another root; carries `expected` and `computed` (Uint8Array). */
export class RootMismatchError extends BoardVerificationError {
  /**
   * @param {string} what
   * @param {Uint8Array} expected
   * @param {Uint8Array} computed
   */
  constructor(what, expected, computed) {
    super(`${what}: root mismatch`);
    this.expected = expected;
    this.computed = computed;
  }
}

/** A checkpoint signature is missing or does not verify (7.4.3). */
export class SignatureError extends BoardVerificationError {}

/** A receipt does not show the ballot on the board that signed it (13.4). */
export class ReceiptCheckError extends VerificationError {}
