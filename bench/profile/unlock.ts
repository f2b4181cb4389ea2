/** Profile driver: unlock a vault and derive one subkey (as bench/run.ts's unlock row), agentvault vs node:crypto. */
import { issueChallenge, verifySignedMessage, type VerifiedMessage } from '../../src/messages/index.js';
import { MemoryNonceStore } from '../../src/stores/index.js';
import { createVault, prepareVault, unlockVault, vaultKeyMessage, type VaultData } from '../../src/vault/index.js';
import * as native from '../native.js';
import { compare, COMPARE, loop, MS } from './common.js';

const enc = new TextEncoder();
const DOMAIN = 'app.example.com';
const URI = 'https://app.example.com/vault';
const EXPECTED = { domain: DOMAIN, uri: URI, chain: 'mainnet', purpose: 'unlock' } as const;
const nonces = new MemoryNonceStore({ sweepIntervalMs: 0 });
// 600 wallets, as the bench: more than the public-key cache (512), so no verify hits it.
const N = 600;
const vaults: { vault: VaultData; sig: Uint8Array; view: native.VaultView; sign(m: string): Uint8Array; address: string }[] = [];
async function auth(v: (typeof vaults)[number]): Promise<VerifiedMessage> {
  const c = await issueChallenge({ purpose: 'unlock', domain: DOMAIN, uri: URI, chain: 'mainnet', address: v.address, nonces });
  return verifySignedMessage({ message: c.message, signature: v.sign(c.message), nonces, expected: EXPECTED });
}
for (let i = 0; i < N; i++) {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, i + 1);
  seed[31] = 0x5a;
  const address = native.base58Encode(native.publicKeyOf(native.privateKeyObject(seed)));
  const sign = (m: string) => native.signEd25519(seed, enc.encode(m));
  const prepared = prepareVault({ address, domain: DOMAIN, chain: 'mainnet' });
  const sig = sign(prepared.keyMessage);
  const partial = { address, sign, sig, vault: undefined as unknown as VaultData, view: undefined as unknown as native.VaultView };
  const created = createVault({ prepared, signatures: [sig, sig], authorization: await auth(partial) });
  created.unlocked?.lock();
  partial.vault = created.vault;
  partial.view = native.vaultView(created.vault, vaultKeyMessage(created.vault).text);
  vaults.push(partial);
}
// Authorizations are spent by each unlock: prepare a pool untimed (as the bench's prepare()).
const POOL = Number(process.env.PROFILE_POOL ?? 20000);
const auths: VerifiedMessage[] = [];
for (let i = 0; i < POOL; i++) auths.push(await auth(vaults[i % N]!));
let a = 0;
let b = 0;
const lib = () => {
  const k = a++;
  const v = vaults[k % N]!;
  const u = unlockVault(v.vault, { authorization: auths[k % POOL]!, signature: v.sig });
  u.subkey('profile').dispose();
  u.lock();
};
const nat = () => {
  const v = vaults[b++ % N]!;
  void native.unlockSubkey(v.view, v.sig, 'profile');
};
if (COMPARE) await compare('unlock', lib, nat, 7, 300);
else {
  loop('unlock agentvault', MS, lib);
  loop('unlock native', MS / 3, nat);
}
