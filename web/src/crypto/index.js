/**
 * The referendum's crypto library for the browser (and node): encrypting, proving,
 * signing and checking exactly as docs/protocol.md says, so that every byte matches the
 * Python implementation. No DOM. Every check throws a VerificationError subclass.
 *
 * @module crypto
 */

export {
  VerificationError,
  DecodeError,
  JsonFormatError,
  InputError,
  InvalidProof,
  SignatureInvalid,
  CredentialCodeError,
  BallotError,
  BallotFormatError,
  BoardVerificationError,
  EncodingError,
  CheckpointFormatError,
  ProofShapeError,
  RootMismatchError,
  SignatureError,
  ReceiptCheckError,
} from './errors.js';
export { bytesToHex, hexToBytes, toBase64, fromBase64, utf8, concatBytes, equalBytes } from './bytes.js';
export { canonicalJson, canonicalText, parseJson, MAX_SAFE_INTEGER } from './canonical.js';
export { systemRandom, SeededRandom } from './random.js';
export {
  ORDER,
  G,
  IDENTITY,
  decodeElement,
  encodeElement,
  elementFromHex,
  decodeScalar,
  scalarFromHex,
  encodeScalar,
  scalarFromWide,
  elementFromHash,
  randomScalar,
  preparedElement,
} from './group.js';
export { transcript, hashToScalar, hashToElement } from './hashing.js';
export { encrypt, encryptBit, addCiphertexts, decrypt, discreteLog, ciphertextFromJson, ciphertextToJson } from './elgamal.js';
export {
  MAX_RANGE_WIDTH,
  pairFromJson,
  rangeProofFromJson,
  rangeProofToJson,
  verifySchnorr,
  verifyChaumPedersen,
  proveRange,
  verifyRange,
  proveDisjunctive,
  verifyDisjunctive,
} from './proofs.js';
export { publicKeyFromSeed, publicKeyFromScalar, signBytes, signWithScalar, ed25519Verifies } from './ed25519.js';
export { messageToSign, signMessage, signMessageWithCredential, verifyMessage, verifySignedPayload } from './signing.js';
export {
  MANIFEST_FORMAT,
  MAX_CODES_PER_VOTER,
  fingerprint,
  parseCanonicalManifest,
  coIssuers,
  coIssuance,
  ballotStyle,
  isExact,
  encryptedCount,
  sumRange,
  needsSumProof,
  fullChoices,
} from './manifest.js';
export {
  CODE_ALPHABET,
  checkCharacter,
  generateCode,
  printedCode,
  normalizeCredentialCode,
  normalizeCredentialCodes,
  credentialPart,
  credentialKey,
  signWithCredential,
} from './credentials.js';
export { ALPHABET, LOOKALIKES, CodeError } from './codes.js';
export { trackingHash, trackingCode, normalizeTrackingCode, TrackingCodeError, TRACKING_CHECK_START } from './tracking.js';
export { checkElectionKey, prepareElectionKey, encryptBallot, castPayload, spoiledPayload } from './ballot.js';
export { checkBallotFields, verifyBallot, verifySpoiled } from './ballot-check.js';
export {
  encodeEntry,
  entryLeafHash,
  leafHash,
  nodeHash,
  verifyInclusion,
  verifyConsistency,
  rootFromInclusionProof,
  consistencyRoots,
} from './merkle.js';
export {
  BOARD_KEY,
  WITNESS_KEY,
  MAX_TIMESTAMP,
  keyId,
  parseVerifierKey,
  verifierKeyText,
  parseSignedCheckpoint,
  checkpointBody,
  cosignatureMessage,
  verifyCheckpoint,
  verifyCosignatures,
  cosignatureTimes,
} from './checkpoint.js';
export { checkReceipt } from './receipt.js';
