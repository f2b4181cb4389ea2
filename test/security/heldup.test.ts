/**
 * Security controls: attacks the adversarial review tried that held up. They pass today and
 * document what was tried; each fails if the defence it names is removed.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { _brandVerifiedMessage, useAuthorization } from '../../src/messages/authorization.js';
import { rotateVault } from '../../src/vault/rotation.js';
import { createVault, prepareVault, unlockVault, vaultKeyMessage } from '../../src/vault/vault.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode } from '../helpers/errors.js';
import { asVault } from '../helpers/untyped.js';
import { testWallet, type TestWallet } from '../helpers/wallet.js';

function make(w: TestWallet, domain = 'app.example.com') {
  const prepared = prepareVault({ address: w.address, domain, chain: 'mainnet' });
  const s = w.sign(prepared.keyMessage);
  const authorization = _brandVerifiedMessage({ ...fakeAuthorization(w.address), domain, uri: `https://${domain}` });
  return createVault({ prepared, signatures: [s, s], authorization });
}
const json = (v: unknown): any => JSON.parse(JSON.stringify(v));

describe('security: controls that held up', () => {
  it('control: branding: structuredClone, Object.create, Proxy and spread of a verified message are refused (AUTHORIZATION_REQUIRED); spent once', () => {
    const w = testWallet(60);
    const a = fakeAuthorization(w.address);
    const exp = { purpose: 'unlock', address: w.address, domain: 'app.example.com', chain: 'mainnet', now: Date.now() };
    for (const fake of [structuredClone(a), Object.create(a), new Proxy(a, {}), { ...a }]) expectCode(() => useAuthorization(fake, exp), 'AUTHORIZATION_REQUIRED');
    useAuthorization(a, exp);
    expectCode(() => useAuthorization(a, exp), 'AUTHORIZATION_REQUIRED');
  });

  it('control: keyslots swapped between versions, between vaults of one owner, or owner/wallet/settings edits are refused', () => {
    const w = testWallet(61);
    const c = make(w);
    const { vault: v2 } = rotateVault(c.unlocked!);
    c.unlocked!.lock();
    const sig = w.sign(vaultKeyMessage(v2).text);
    const unl = (v: unknown) => unlockVault(asVault(v), { authorization: fakeAuthorization(w.address), signature: sig }).lock();
    unl(json(v2));
    const t1 = json(v2);
    [t1.umks[0].wallet, t1.umks[1].wallet] = [t1.umks[1].wallet, t1.umks[0].wallet];
    expectCode(() => unl(t1), 'INVALID_INPUT'); // each keyslot names its version
    const other = make(w, 'other.example.com');
    other.unlocked!.lock();
    const t2 = json(v2);
    t2.umks[1].wallet = json(other.vault).umks[0].wallet;
    t2.umks[1].version = 2;
    expectCode(() => unl(t2), 'INVALID_INPUT'); // the slot names version 1
    const t2b = json(v2);
    t2b.umks[0].wallet = json(other.vault).umks[0].wallet; // same version, other vault of the owner
    expectCode(() => unl(t2b), 'WALLET_KEY_NOT_REPRODUCED'); // other KDM salt: the commitment fails
    const x = testWallet(62);
    const t3 = json(v2);
    t3.owner = x.address;
    expectCode(() => unl(t3), 'CONTEXT_MISMATCH'); // the owner is in every keyslot's context
    const t4 = json(v2);
    t4.kdm.peppered = true;
    expectCode(() => unl(t4), 'INVALID_INPUT'); // the pepper is now required
    const t5 = json(v2);
    t5.kdm.signedAs = 'offchain-v1';
    expectCode(() => unl(t5), 'INVALID_SIGNATURE'); // the raw signature does not verify as an off-chain message
  });

  it('control: secrets redact in inspect, JSON and template strings', () => {
    const w = testWallet(63);
    const c = createVault({ ...(() => { const p = prepareVault({ address: w.address, domain: 'app.example.com', chain: 'mainnet' }); const s = w.sign(p.keyMessage); return { prepared: p, signatures: [s, s] as [Uint8Array, Uint8Array] }; })(), recovery: { kind: 'code' }, authorization: fakeAuthorization(w.address) });
    const code = c.recoveryCode!.exposeText();
    const shown = [inspect(c, { depth: 10, showHidden: true }), JSON.stringify(c), `${c.recoveryCode}`, `${c.unlocked}`].join('\n');
    expect(shown).not.toContain(code);
    expect(shown).not.toContain(code.replace(/-/g, ''));
    c.unlocked!.lock();
  });
});
