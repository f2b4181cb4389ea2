/** Profile driver: MemoryNonceStore issue + consume vs a bare Map behind async functions. */
import { createHash } from 'node:crypto';
import { MemoryNonceStore } from '../../src/stores/index.js';
import { compare, COMPARE, loopAsync, MS } from './common.js';

const META = JSON.stringify({ v: 1, purpose: 'unlock', domain: 'app.example.com', uri: 'https://app.example.com/vault', chain: 'mainnet', resources: ['urn:agentvault:purpose:unlock'] });
const store = new MemoryNonceStore({ sweepIntervalMs: 0 });
const hashes = Array.from({ length: 4096 }, (_, i) => createHash('sha256').update(`n${i}`).digest('hex'));
let i = 0;
const av = async () => {
  for (let k = 0; k < 20; k++) {
    const h = hashes[i++ & 4095]!;
    await store.issue(h, Date.now() + 300_000, META);
    if ((await store.consume(h, Date.now())) !== META) throw new Error('consume');
  }
};
const map = new Map<string, { exp: number; meta: string }>();
const issue = async (h: string, exp: number, meta: string) => {
  const old = map.get(h);
  if (old !== undefined && old.exp > Date.now()) throw new Error('reuse');
  map.set(h, { exp, meta });
};
const consume = async (h: string, now: number) => {
  const e = map.get(h);
  if (e === undefined) return null;
  map.delete(h);
  return now < e.exp ? e.meta : null;
};
const bare = async () => {
  for (let k = 0; k < 20; k++) {
    const h = hashes[i++ & 4095]!;
    await issue(h, Date.now() + 300_000, META);
    if ((await consume(h, Date.now())) !== META) throw new Error('consume');
  }
};
if (COMPARE) await compare('memory nonce store (x20)', av, bare);
else {
  await loopAsync('memory agentvault', MS, av);
  await loopAsync('memory Map', MS / 3, bare);
}
