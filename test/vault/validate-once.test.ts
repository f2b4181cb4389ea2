/**
 * unlockVault validates a vault once per object (issue 18, validate once): a vault object the
 * library returned (deep-frozen by parseVault) is not re-checked, while every other input, even a
 * copy of an accepted vault, still is.
 */
import { describe, expect, it } from 'vitest';
import { createVault, parseVault, prepareVault, unlockVault, type VaultData } from '../../src/vault/index.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode } from '../helpers/errors.js';
import { testWallet } from '../helpers/wallet.js';
import { asVault } from '../helpers/untyped.js';

const w = testWallet(7);
const prepared = prepareVault({ address: w.address, domain: 'app.example.com', chain: 'mainnet' });
const sig = w.sign(prepared.keyMessage);
const created = createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(w.address) });
created.unlocked.lock();
const unlock = (vault: unknown) => unlockVault(asVault(vault), { authorization: fakeAuthorization(w.address), signature: sig });

describe('unlockVault: validate once', () => {
  it('unlocks the same vault object again and again, and a JSON copy of it', () => {
    const stored = created.vault;
    for (let i = 0; i < 3; i++) {
      const u = unlock(stored);
      expect(u.data).toEqual(stored);
      u.lock();
    }
    const u = unlock(JSON.parse(JSON.stringify(stored)));
    expect(u.data).toEqual(stored);
    expect(Object.isFrozen(u.data) && Object.isFrozen(u.data.kdm) && Object.isFrozen(u.data.umks[0])).toBe(true);
    u.lock();
  });
  it('a parsed vault is deep-frozen: the object that skips the check cannot be changed after it', () => {
    const v = parseVault(JSON.parse(JSON.stringify(created.vault)));
    unlock(v).lock();
    expect(() => {
      (v as { domain: string }).domain = 'evil.example.com';
    }).toThrow(TypeError);
    expect(() => {
      (v.kdm as { signedAs: string }).signedAs = 'offchain-v1';
    }).toThrow(TypeError);
    expect(v.domain).toBe('app.example.com');
  });
  it('a modified copy of an accepted vault is still checked (schema and MAC)', () => {
    const stored = created.vault;
    unlock(stored).lock();
    const copy = JSON.parse(JSON.stringify(stored)) as Record<string, unknown>;
    expectCode(() => unlock({ ...copy, wallet: 'not-an-address' }), 'INVALID_INPUT');
    expectCode(() => unlock({ ...copy, revision: (stored as VaultData).revision + 1 }), 'INTEGRITY');
    expectCode(() => unlock({ ...copy, extra: 1 }), 'INVALID_INPUT');
  });
  it('a look-alike that is not the library’s object is validated (getters run once, on the copy)', () => {
    let reads = 0;
    const copy = JSON.parse(JSON.stringify(created.vault)) as Record<string, unknown>;
    const lookAlike = Object.defineProperty({ ...copy }, 'domain', {
      enumerable: true,
      get() {
        reads++;
        return reads === 1 ? 'app.example.com' : 'evil.example.com';
      },
    });
    const u = unlock(lookAlike);
    expect(u.data.domain).toBe('app.example.com');
    u.lock();
    expect(reads).toBe(1);
  });
});
