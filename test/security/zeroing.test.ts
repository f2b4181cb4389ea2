/**
 * Security regression tests: zeroization on error paths (F15). A recovery key that rotateVault
 * derives must be disposed whether the rotation succeeds or fails.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SecretBytes } from '../../src/secret.js';
import { MAX_UMK_VERSIONS, type VaultData } from '../../src/vault/data.js';
import { rotateVault } from '../../src/vault/rotation.js';
import { createVault, prepareVault, unlockVault, vaultKeyMessage } from '../../src/vault/vault.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode } from '../helpers/errors.js';
import { testWallet, type TestWallet } from '../helpers/wallet.js';

afterEach(() => vi.restoreAllMocks());

/** Record every SecretBytes the library creates from now on. */
function recordSecrets(): SecretBytes[] {
  const made: SecretBytes[] = [];
  const real = SecretBytes.from.bind(SecretBytes);
  vi.spyOn(SecretBytes, 'from').mockImplementation((b: Uint8Array) => {
    const x = real(b);
    made.push(x);
    return x;
  });
  return made;
}

function withRecovery(w: TestWallet) {
  const prepared = prepareVault({ address: w.address, domain: 'app.example.com', chain: 'mainnet' });
  const s = w.sign(prepared.keyMessage);
  return createVault({ prepared, signatures: [s, s], recovery: { kind: 'code' }, authorization: fakeAuthorization(w.address) });
}
const unlock = (vault: VaultData, w: TestWallet) =>
  unlockVault(vault, { authorization: fakeAuthorization(w.address), signature: w.sign(vaultKeyMessage(vault).text) });

describe('security: zeroization', () => {
  it('F15 fixed: rotateVault disposes the recovery key it derived when the rotation is then refused (live-version cap: INVALID_INPUT)', () => {
    const w = testWallet(70);
    const c = withRecovery(w);
    const code = c.recoveryCode!.exposeText();
    let vault = c.vault;
    for (let i = 1; i < MAX_UMK_VERSIONS; i++) vault = rotateVault(c.unlocked).vault; // 64 live versions
    c.unlocked.lock();
    expect(vault.umks.length).toBe(MAX_UMK_VERSIONS);
    // Unlocked with the wallet: the handle holds no recovery key, so rotateVault derives one.
    const u = unlock(vault, w);
    const made = recordSecrets();
    expectCode(() => rotateVault(u, { recoveryCode: code }), 'INVALID_INPUT'); // a 65th live version is refused
    expect(made.length, 'the rotation derived a recovery key').toBeGreaterThan(0);
    expect(made.filter((x) => !x.disposed).length, 'every SecretBytes created during the failed rotation is disposed').toBe(0);
    u.lock();
  });

  it('F15 fixed: rotateVault disposes a derived recovery key that does not open the vault (RECOVERY_CODE_MISMATCH)', () => {
    const w = testWallet(71);
    const c = withRecovery(w);
    c.unlocked.lock();
    const u = unlock(c.vault, w);
    const made = recordSecrets();
    const right = c.recoveryCode!.exposeText();
    const wrong = (right[0] === '0' ? '1' : '0') + right.slice(1);
    expectCode(() => rotateVault(u, { recoveryCode: wrong }), 'RECOVERY_CODE_MISMATCH');
    expect(made.length).toBeGreaterThan(0);
    expect(made.filter((x) => !x.disposed).length).toBe(0);
    // Control: with the right code the rotation succeeds and the handle keeps the key it derived.
    const ok = rotateVault(u, { recoveryCode: c.recoveryCode!.exposeText() });
    expect(ok.vault.umks.length).toBe(2);
    u.lock();
    c.recoveryCode!.dispose();
  });
});
