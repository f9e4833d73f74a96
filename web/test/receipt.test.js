// Receipts (protocol.md 13.4) against receipt.js, with the receipts of fixtures/board.json that
// referendum's Python code made and checked: each passes, and any tampered part fails.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ReceiptCheckError,
  bytesToHex,
  canonicalJson,
  credentialKey,
  fingerprint,
  hexToBytes,
  parseCanonicalManifest,
  trackingCode,
  verifyBallot,
  verifySpoiled,
  checkReceipt,
} from '../src/crypto/index.js';
import { hex, loadFixture } from './vectors.js';

const FIXTURE = loadFixture('board.json');
const { manifest: MANIFEST, fp: FP } = parseCanonicalManifest(hex(FIXTURE.manifest_canonical_hex));
const KEY = hex(FIXTURE.election_public_key);

test('the fixture is what it says: manifest, fingerprint, ballots', () => {
  assert.equal(bytesToHex(FP), FIXTURE.fingerprint);
  assert.equal(bytesToHex(fingerprint(canonicalJson(FIXTURE.manifest))), FIXTURE.fingerprint);
  verifyBallot(MANIFEST, FP, KEY, FIXTURE.ballot.payload);
  assert.deepEqual(verifySpoiled(MANIFEST, FP, KEY, FIXTURE.spoiled.payload), { status: [0, 1] });
  assert.equal(FIXTURE.ballot.payload.credential, bytesToHex(credentialKey(FP, FIXTURE.credential_codes, MANIFEST.codes_per_voter).publicKey));
});

/**
 * Ways to spoil a receipt, its payload or the manifest; each must fail the check.
 * @type {[string, (r: any, p: any, m: any) => void][]}
 */
const TAMPERING = [
  ['tracking code of another hash', (r) => { r.tracking_code = trackingCode(new Uint8Array(32)); }],
  ['tracking code without hyphens', (r) => { r.tracking_code = r.tracking_code.replaceAll('-', ''); }],
  ['tracking hash and code of another ballot', (r) => {
    const h = hexToBytes(r.tracking_hash);
    h[0] ^= 1;
    r.tracking_hash = bytesToHex(h);
    r.tracking_code = trackingCode(h);
  }],
  ['tracking hash in upper case', (r) => { r.tracking_hash = r.tracking_hash.toUpperCase(); }],
  ['index one later', (r) => { r.index += 1; }],
  ['index one earlier', (r) => { r.index -= 1; }],
  ['index negative', (r) => { r.index = -1; }],
  ['index true', (r) => { r.index = true; }],
  ['index as text', (r) => { r.index = String(r.index); }],
  ['index past the checkpoint', (r) => { r.index = 7; }],
  ['a proof node flipped', (r) => { r.inclusion_proof[0] = r.inclusion_proof[0].replace(/^./, (c) => (c === '0' ? '1' : '0')); }],
  ['a proof node dropped', (r) => { r.inclusion_proof.pop(); }],
  ['a proof node added', (r) => { r.inclusion_proof.push(r.inclusion_proof[0]); }],
  ['proof nodes swapped', (r) => { r.inclusion_proof.reverse(); }],
  ['proof node not hex', (r) => { r.inclusion_proof[0] = 'zz'; }],
  ['checkpoint size changed', (r) => { r.checkpoint = r.checkpoint.replace(/\n(\d+)\n/, (_m, n) => `\n${Number(n) + 1}\n`); }],
  ['checkpoint signature flipped', (r) => { r.checkpoint = r.checkpoint.replace(/([A-Za-z0-9+/])(=\n)$/, (_m, c, end) => `${c === 'A' ? 'B' : 'A'}${end}`); }],
  ['checkpoint unreadable', (r) => { r.checkpoint = r.checkpoint.slice(0, -1); }],
  ['checkpoint of another board (origin)', (r) => { r.checkpoint = r.checkpoint.replace('receipt-fixture', 'other-board'); }],
  ['a missing member', (r) => { delete r.inclusion_proof; }],
  ['an extra member', (r) => { r.extra = 1; }],
  ['payload changed (region)', (_r, p) => { (p.ballot ?? p).region = 'luhansk'; }],
  ['payload changed (signature only)', (_r, p) => { p.signature = p.signature.replace(/^./, (c) => (c === '0' ? '1' : '0')); }],
  ['payload with a member added', (_r, p) => { p.note = 'x'; }],
  ['manifest names another board key', (_r, _p, m) => { m.board.key = m.witnesses[0].key; }],
  ['manifest of another referendum id', (_r, _p, m) => { m.id = 'other-board'; }],
];

for (const name of /** @type {const} */ (['ballot', 'spoiled'])) {
  describe(`receipt of the ${name} entry`, () => {
    const { kind, payload, receipt } = FIXTURE[name];
    test('passes', () => {
      checkReceipt(MANIFEST, FP, kind, payload, receipt);
      checkReceipt(MANIFEST, FP, kind, JSON.parse(JSON.stringify(payload)), JSON.parse(JSON.stringify(receipt)));
    });
    test('fails under the other kind', () => {
      assert.throws(() => checkReceipt(MANIFEST, FP, kind === 'ballot' ? 'spoiled' : 'ballot', payload, receipt), ReceiptCheckError);
      assert.throws(() => checkReceipt(MANIFEST, FP, 'voting.open', payload, receipt), ReceiptCheckError);
    });
    test('fails under another fingerprint', () => {
      const other = Uint8Array.from(FP);
      other[31] ^= 1;
      assert.throws(() => checkReceipt(MANIFEST, other, kind, payload, receipt), ReceiptCheckError);
    });
    for (const [what, spoil] of TAMPERING) {
      test(`fails: ${what}`, () => {
        const r = structuredClone(receipt);
        const p = structuredClone(payload);
        const m = structuredClone(MANIFEST);
        spoil(r, p, m);
        assert.throws(() => checkReceipt(m, FP, kind, p, r), ReceiptCheckError);
      });
    }
  });
}
