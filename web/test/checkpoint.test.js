// Checkpoints and co-signatures (protocol.md 7.4, 7.6.1) against checkpoint.js, with the board
// example of vectors/merkle/ and the co-signed checkpoint of fixtures/board.json (made by Python).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BOARD_KEY,
  CheckpointFormatError,
  EncodingError,
  SignatureError,
  WITNESS_KEY,
  bytesToHex,
  parseSignedCheckpoint,
  parseVerifierKey,
  publicKeyFromSeed,
  toBase64,
  verifierKeyText,
  verifyCheckpoint,
  verifyConsistency,
  verifyCosignatures,
} from '../src/crypto/index.js';
import { b64, hex, loadFixture, loadVector } from './vectors.js';

const EXAMPLE = loadVector('merkle/board_example.json');
const FIXTURE = loadFixture('board.json');
const BOARD = FIXTURE.manifest.board.key;
const WITNESSES = FIXTURE.manifest.witnesses;

describe('keys (7.4.3)', () => {
  test('key texts of the board example come from the seeds', () => {
    for (const k of [EXAMPLE.board_key, EXAMPLE.witness_key]) {
      assert.equal(verifierKeyText(k.name, k.key_type, publicKeyFromSeed(hex(k.seed_hex))), k.verifier);
      const key = parseVerifierKey(k.verifier);
      assert.equal(key.name, k.name);
      assert.equal(key.keyType, k.key_type);
      assert.equal(bytesToHex(key.publicKey), bytesToHex(publicKeyFromSeed(hex(k.seed_hex))));
    }
    assert.equal(parseVerifierKey('board.example+c848e360+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop').keyType, BOARD_KEY);
    assert.equal(parseVerifierKey('witness.example+309be7c1+gYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c').keyType, WITNESS_KEY);
  });
  test('bad key texts are refused', () => {
    const good = EXAMPLE.board_key.verifier;
    const [name, id, blob] = [good.slice(0, 13), good.slice(14, 22), good.slice(23)];
    for (const bad of [
      `${name}+${id}`, `${name}+${id.toUpperCase()}+${blob}`, `${name}+00000000+${blob}`, `+${id}+${blob}`,
      `board example+${id}+${blob}`, `${name}+${id}+${blob.slice(0, -1)}`, `${name}+${id}+${blob}=`,
      `${name}+${id}+${toBase64(Uint8Array.of(2, ...new Uint8Array(32)))}`,
    ]) {
      assert.throws(() => parseVerifierKey(bad), EncodingError, bad);
    }
  });
});

describe('signed checkpoints (7.4.2)', () => {
  test('the board example: board signature and witness co-signature', () => {
    const cp = verifyCheckpoint(EXAMPLE.signed_checkpoint, EXAMPLE.board_key.verifier);
    assert.equal(cp.origin, 'referendum/2026');
    assert.equal(cp.size, 1);
    assert.equal(bytesToHex(cp.root), EXAMPLE.leaf_hash_hex);
    const witnesses = [{ name: 'the witness', key: EXAMPLE.witness_key.verifier }];
    assert.deepEqual(verifyCosignatures(EXAMPLE.signed_checkpoint, witnesses), ['the witness']);
  });
  test('the fixture: one manifest witness co-signed, the other did not; a stranger is ignored', () => {
    const { cosigned, cosigned_by: by, late } = FIXTURE.checkpoints;
    const cp = verifyCheckpoint(cosigned, BOARD);
    assert.deepEqual(cp, verifyCheckpoint(late, BOARD));
    assert.deepEqual(verifyCosignatures(cosigned, WITNESSES), by);
    assert.deepEqual(verifyCosignatures(late, WITNESSES), []);
    assert.equal(parseSignedCheckpoint(cosigned).signatures.length, 3);
  });
  test('a co-signature never passes as the board signature, nor the reverse', () => {
    const { cosigned } = FIXTURE.checkpoints;
    const w = parseVerifierKey(WITNESSES[0].key);
    // the witness's own public key and name, presented as a board key
    assert.throws(() => verifyCheckpoint(cosigned, verifierKeyText(w.name, BOARD_KEY, w.publicKey)), SignatureError);
    assert.throws(() => verifyCheckpoint(cosigned, WITNESSES[0].key), EncodingError);
    const b = parseVerifierKey(BOARD);
    assert.deepEqual(verifyCosignatures(cosigned, [{ name: 'board as witness', key: verifierKeyText(b.name, WITNESS_KEY, b.publicKey) }]), []);
    assert.deepEqual(verifyCosignatures(cosigned, [{ name: 'broken', key: 'not a key' }, WITNESSES[0]]), [WITNESSES[0].name]);
  });
  test('a changed body or signature fails', () => {
    const text = FIXTURE.checkpoints.cosigned;
    const lines = text.split('\n');
    const bigger = [lines[0], '8', ...lines.slice(2)].join('\n');
    assert.throws(() => verifyCheckpoint(bigger, BOARD), SignatureError);
    assert.deepEqual(verifyCosignatures(bigger, WITNESSES), []);
    const sig = lines[4].split(' ');
    const raw = b64(sig[2]);
    raw[10] ^= 1;
    const flipped = [...lines.slice(0, 4), `${sig[0]} ${sig[1]} ${toBase64(raw)}`, ...lines.slice(5)].join('\n');
    assert.throws(() => verifyCheckpoint(flipped, BOARD), /does not verify/);
    const otherBoard = verifierKeyText('fixture-board', BOARD_KEY, publicKeyFromSeed(new Uint8Array(32).fill(0x12)));
    assert.throws(() => verifyCheckpoint(text, otherBoard), /has no signature by key/);
  });
  test('text breaking 7.4.2 is refused', () => {
    const text = EXAMPLE.signed_checkpoint;
    const [body, block] = text.split('\n\n');
    const line = block.split('\n')[0];
    for (const bad of [
      text.slice(0, -1), // no final newline
      text.replace('\n\n', '\n'), // no blank line
      text.replaceAll('\n', '\r\n'),
      `${body}\n\n${line}\n${line}\n`, // the same key twice
      `${body}\n\n`, // no signature line
      text.replace('\n1\n', '\n01\n'),
      text.replace('\n1\n', '\n-1\n'),
      text.replace('\n1\n', '\n18446744073709551616\n'),
      text.replace('referendum/2026', 'referendum 2026'),
      text.replace('=\n\n', '\n\n'), // root without padding
      text.replace('\u2014 ', '- '),
      `${text}trailing`,
      `extra\n${text}`,
      `${body}\n\n${line.replace('board.example ', 'board.example  ')}\n`,
      `${body}\n\n${'\u2014 k ' + toBase64(new Uint8Array(67))}\n`,
    ]) {
      assert.throws(() => parseSignedCheckpoint(bad), CheckpointFormatError, JSON.stringify(bad));
    }
    assert.throws(() => parseSignedCheckpoint(new Uint8Array([0xff])), CheckpointFormatError);
    assert.equal(parseSignedCheckpoint(new TextEncoder().encode(text)).checkpoint.size, 1);
    const many = `${body}\n\n${Array.from({ length: 65 }, (_, i) => `\u2014 k${i} ${toBase64(new Uint8Array(68))}`).join('\n')}\n`;
    assert.throws(() => parseSignedCheckpoint(many), CheckpointFormatError);
  });
});

test('consistency between the fixture checkpoints (7.3.4)', () => {
  const early = verifyCheckpoint(FIXTURE.checkpoints.early, BOARD);
  const late = verifyCheckpoint(FIXTURE.checkpoints.late, BOARD);
  const proof = FIXTURE.checkpoints.consistency_proof.map(hex);
  verifyConsistency(early.size, late.size, early.root, late.root, proof);
  assert.throws(() => verifyConsistency(early.size, late.size, late.root, late.root, proof));
});
