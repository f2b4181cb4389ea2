/** Profile driver: open and seal a 64-byte record, agentvault vs node:crypto (bench/native.ts). */
import { openRecord, sealRecord } from '../../src/records/index.js';
import * as native from '../native.js';
import { compare, COMPARE, loop, MS } from './common.js';

const key = crypto.getRandomValues(new Uint8Array(32));
const pt = crypto.getRandomValues(new Uint8Array(64));
const address = native.base58Encode(Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1));
const context = { address, id: 'profile-1' };
const opts = { type: 'profile', context };
const record = sealRecord(key, pt, opts);
const which = COMPARE ? 'none' : (process.argv[2] ?? 'both');
if (which === 'both' || which === 'open') {
  loop('open agentvault', MS, () => openRecord(key, record, opts).plaintext.dispose());
  loop('open native', MS / 3, () => void native.openRecord(key, record, 'profile', native.encodeContext(context)));
}
if (which === 'both' || which === 'seal') {
  loop('seal agentvault', MS, () => void sealRecord(key, pt, opts));
  loop('seal native', MS / 3, () => void native.sealRecord(key, pt, 'profile', native.encodeContext(context)));
}
if (COMPARE) {
  await compare('open', () => openRecord(key, record, opts).plaintext.dispose(), () => void native.openRecord(key, record, 'profile', native.encodeContext(context)));
  await compare('seal', () => void sealRecord(key, pt, opts), () => void native.sealRecord(key, pt, 'profile', native.encodeContext(context)));
}
