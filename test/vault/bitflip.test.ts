// Every single-bit flip of a wrapped UMK is refused at unlock. Its own file because it unlocks
// ~1,200 times: the mutation scope of the vault (mutation.scopes.mjs) leaves it out, since the
// refusal is the record layer's AEAD (mutated and tested in the records scope) and the vault's
// handling of a refused keyslot is pinned by cheaper tests (test/vault/mutation-*.test.ts).
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { createVault, prepareVault, unlockVault, vaultKeyMessage } from '../../src/vault/vault.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { testWallet } from '../helpers/wallet.js';

describe('vault: unlock', () => {
  it('every single-bit flip of the wrapped UMK is refused', () => {
    const w = testWallet(1);
    const prepared = prepareVault({ address: w.address, domain: 'app.example.com', chain: 'mainnet' });
    const sig = w.sign(prepared.keyMessage);
    const created = createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(w.address) });
    created.unlocked.lock();
    const vault = created.vault;
    const signature = w.sign(vaultKeyMessage(vault).text);
    // Control: the untouched vault unlocks with this signature.
    unlockVault(vault, { authorization: fakeAuthorization(w.address), signature }).lock();
    const slot = vault.umks[0]!.wallet!;
    const raw = Buffer.from(slot.slice(5), 'base64url');
    for (let i = 0; i < raw.length * 8; i++) {
      const b = Buffer.from(raw);
      b[i >> 3]! ^= 1 << (i & 7);
      const tampered = { ...vault, umks: [{ ...vault.umks[0]!, wallet: 'avr1.' + b.toString('base64url') }] };
      expect(() => unlockVault(tampered, { authorization: fakeAuthorization(w.address), signature }), `bit ${i}`).toThrow(AgentvaultError);
    }
  });
});
