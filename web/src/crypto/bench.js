/**
 * A timing of the booth's work on the demo ballot (src/referendum/demo_manifest.py: one
 * question, two options, exactly one chosen): encrypt and prove (protocol.md 12.2), then
 * sign the cast payload (8.2) with a credential of two codes, as the demo's voters have.
 * For a page to call; uses a throwaway key and throwaway codes.
 *
 * @module bench
 */

import { castPayload, encryptBallot, prepareElectionKey } from './ballot.js';
import { canonicalJson } from './canonical.js';
import { credentialKey, generateCode } from './credentials.js';
import { G, randomScalar } from './group.js';
import { fingerprint } from './manifest.js';
import { systemRandom } from './random.js';

/** The shape of the demo manifest's ballot, without the texts the timing does not need. */
const DEMO = {
  id: 'oblasts-2027',
  questions: [{ id: 'status', options: [{ id: 'ukraine' }, { id: 'russia' }], min_choices: 1, max_choices: 1 }],
  regions: [{ id: 'donetsk', questions: ['status'] }],
};

/**
 * Gives back milliseconds per demo ballot (encrypt and prove; signing apart) over n
 * ballots, after preparing the key (the tables of g and K, paid once per page:
 * msPrepareKey) and a first ballot (msFirstBallot: encrypt, prove and sign, with the
 * JIT still cold).
 * @param {number} [n]
 * @returns {{ msPerBallot: number, msSignPerBallot: number, msPrepareKey: number, msFirstBallot: number, n: number }}
 */
export function benchEncrypt(n = 20) {
  const fp = fingerprint(canonicalJson(DEMO));
  const publicKey = G.multiply(randomScalar(systemRandom)).toBytes();
  const credential = credentialKey(fp, [generateCode(systemRandom), generateCode(systemRandom)]);
  const args = { manifest: /** @type {any} */ (DEMO), fp, publicKey, region: 'donetsk', credential };
  const now = () => globalThis.performance.now();

  let t = now();
  prepareElectionKey(publicKey);
  const msPrepareKey = now() - t;
  t = now();
  castPayload(encryptBallot({ ...args, choices: { status: [1, 0] } }), credential);
  const msFirstBallot = now() - t;

  let encrypting = 0;
  let signing = 0;
  for (let i = 0; i < n; i++) {
    t = now();
    const prepared = encryptBallot({ ...args, choices: { status: i % 2 ? [0, 1] : [1, 0] } });
    const mid = now();
    castPayload(prepared, credential);
    signing += now() - mid;
    encrypting += mid - t;
  }
  return { msPerBallot: encrypting / n, msSignPerBallot: signing / n, msPrepareKey, msFirstBallot, n };
}
