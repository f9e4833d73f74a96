// Checkpoints and co-signatures (protocol.md 7.4, 7.6.1) against checkpoint.js, with the board
// example of vectors/merkle/, the cosignature/v1 cases of vectors/checkpoint/ and the
// co-signed checkpoint of fixtures/board.json (made by Python).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BOARD_KEY,
  CheckpointFormatError,
  EncodingError,
  SignatureError,
  WITNESS_KEY,
  bytesToHex,
  cosignatureMessage,
  cosignatureTimes,
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
const COSIGNATURES = loadVector('checkpoint/cosignature.json');
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
    assert.equal(parseVerifierKey('witness.example+3c436f90+BIqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c').keyType, WITNESS_KEY);
    assert.equal(WITNESS_KEY, 0x04);
  });
  test('bad key texts are refused', () => {
    const good = EXAMPLE.board_key.verifier;
    const [name, id, blob] = [good.slice(0, 13), good.slice(14, 22), good.slice(23)];
    for (const bad of [
      `${name}+${id}`, `${name}+${id.toUpperCase()}+${blob}`, `${name}+00000000+${blob}`, `+${id}+${blob}`,
      `board example+${id}+${blob}`, `${name}+${id}+${blob.slice(0, -1)}`, `${name}+${id}+${blob}=`,
      `${name}+${id}+${toBase64(Uint8Array.of(2, ...new Uint8Array(32)))}`,
      // the co-signature key type before cosignature/v1, with its own (correct) key id
      verifierKeyText(name, 0x81, publicKeyFromSeed(hex(EXAMPLE.board_key.seed_hex))),
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
    assert.deepEqual(cosignatureTimes(EXAMPLE.signed_checkpoint, witnesses), [
      { name: 'the witness', timestamp: BigInt(EXAMPLE.cosignature_time) },
    ]);
  });
  test('the fixture: one manifest witness co-signed, the other did not; a stranger is ignored', () => {
    const { cosigned, cosigned_by: by, late } = FIXTURE.checkpoints;
    const cp = verifyCheckpoint(cosigned, BOARD);
    assert.deepEqual(cp, verifyCheckpoint(late, BOARD));
    assert.deepEqual(verifyCosignatures(cosigned, WITNESSES), by);
    assert.deepEqual(cosignatureTimes(cosigned, WITNESSES).map((c) => c.timestamp), [BigInt(FIXTURE.checkpoints.cosigned_at)]);
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
    for (const size of [0, 64, 67, 69, 72, 75, 77, 80]) {
      const bad = `${text}\u2014 other ${toBase64(new Uint8Array(size))}\n`;
      assert.throws(() => parseSignedCheckpoint(bad), CheckpointFormatError, `${size} bytes`);
    }
  });
});

/**
 * Gives back a case's signatures in the vector file's form.
 * @param {import('../src/crypto/checkpoint.js').NoteSignature[]} signatures
 */
function described(signatures) {
  return signatures.map((s) => ({
    name: s.name,
    key_id_hex: bytesToHex(s.keyId),
    timestamp: s.timestamp === null ? null : s.timestamp.toString(), // decimal text: may exceed 2^53
    signature_hex: bytesToHex(s.signature),
  }));
}

describe('co-signatures: vectors/checkpoint/cosignature.json (7.4.2-7.4.4)', () => {
  for (const c of COSIGNATURES.cases) {
    test(c.desc, () => {
      if (c.want_err === 'decode') {
        assert.throws(() => {
          parseSignedCheckpoint(c.checkpoint);
          parseVerifierKey(c.key);
        }, (e) => e instanceof CheckpointFormatError || e instanceof EncodingError);
        return;
      }
      const signed = parseSignedCheckpoint(c.checkpoint);
      assert.deepEqual(described(signed.signatures), c.signatures);
      if (c.key === null) {
        const last = signed.signatures[signed.signatures.length - 1];
        assert.equal(bytesToHex(cosignatureMessage(signed.checkpoint, /** @type {bigint} */ (last.timestamp))), c.message_hex);
        return;
      }
      const key = parseVerifierKey(c.key);
      if (key.keyType === WITNESS_KEY) {
        const line = signed.signatures.find((s) => s.name === key.name);
        if (c.message_hex !== undefined && line?.timestamp != null) {
          assert.equal(bytesToHex(cosignatureMessage(signed.checkpoint, line.timestamp)), c.message_hex);
        }
        const names = verifyCosignatures(c.checkpoint, [{ name: 'w', key: c.key }]);
        assert.deepEqual(names, c.want_err === null ? ['w'] : []);
      } else if (c.want_err === null) {
        verifyCheckpoint(c.checkpoint, c.key);
      } else {
        assert.throws(() => verifyCheckpoint(c.checkpoint, c.key), SignatureError);
      }
    });
  }
  test('the spec example reads as key id 8d66cf3f at 1679315147', () => {
    const spec = COSIGNATURES.cases.find((/** @type {{desc: string}} */ c) => c.desc.includes('c2sp.org'));
    const line = parseSignedCheckpoint(spec.checkpoint).signatures[1];
    assert.equal(bytesToHex(line.keyId), '8d66cf3f');
    assert.equal(line.timestamp, 1679315147n);
  });
  test('a time above 2^63 - 1 is refused, 2^63 - 1 is read', () => {
    const text = EXAMPLE.signed_checkpoint;
    const blob = (/** @type {bigint} */ t) => {
      const raw = new Uint8Array(76);
      new DataView(raw.buffer).setBigUint64(4, t, false);
      return `${text}\u2014 other ${toBase64(raw)}\n`;
    };
    assert.equal(parseSignedCheckpoint(blob((1n << 63n) - 1n)).signatures[2].timestamp, (1n << 63n) - 1n);
    assert.throws(() => parseSignedCheckpoint(blob(1n << 63n)), CheckpointFormatError);
    assert.throws(() => cosignatureMessage(parseSignedCheckpoint(text).checkpoint, 1n << 63n), EncodingError);
  });
});

test('consistency between the fixture checkpoints (7.3.4)', () => {
  const early = verifyCheckpoint(FIXTURE.checkpoints.early, BOARD);
  const late = verifyCheckpoint(FIXTURE.checkpoints.late, BOARD);
  const proof = FIXTURE.checkpoints.consistency_proof.map(hex);
  verifyConsistency(early.size, late.size, early.root, late.root, proof);
  assert.throws(() => verifyConsistency(early.size, late.size, late.root, late.root, proof));
});
