/**
 * SPEC 6.6 details pinned for mutation testing: the MAC key is zeroed after use, and a refusal
 * names the field and says what happened (never the MAC itself).
 */
import { describe, expect, it, vi } from 'vitest';

const keys: Uint8Array[] = [];
vi.mock('../../src/primitives/hkdf.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/primitives/hkdf.js')>();
  return {
    ...m,
    hkdfSha256: (...args: Parameters<typeof m.hkdfSha256>) => {
      const k = m.hkdfSha256(...args);
      keys.push(k);
      return k;
    },
  };
});

const { signVault, verifyVaultMac } = await import('../../src/vault/mac.js');
const { AgentvaultError } = await import('../../src/errors.js');
const vectors = (await import('../../vectors/vault.json', { with: { type: 'json' } })).default;

const umk = Uint8Array.from(Buffer.from(vectors.random.umk, 'hex'));
const { mac, ...unsigned } = vectors.expected;

describe('vault MAC (SPEC 6.6)', () => {
  it('signVault reproduces the vector MAC and zeroes the MAC key', () => {
    keys.length = 0;
    const v = signVault(unsigned as never, umk);
    expect(v.mac).toBe(mac);
    expect(keys.length).toBe(1);
    expect(keys[0]!.every((b) => b === 0)).toBe(true);
  });
  it('signVault ignores a mac already present in its input (the MAC never covers itself)', () => {
    expect(signVault(vectors.expected as never, umk).mac).toBe(mac);
    expect(signVault({ ...vectors.expected, mac: 'A'.repeat(43) } as never, umk).mac).toBe(mac);
  });
  it('verifyVaultMac zeroes the MAC key on success and on failure', () => {
    const v = signVault(unsigned as never, umk);
    keys.length = 0;
    verifyVaultMac(v, umk);
    expect(() => verifyVaultMac({ ...v, revision: 2 }, umk)).toThrow(AgentvaultError);
    expect(keys.length).toBe(2);
    for (const k of keys) expect(k.every((b) => b === 0)).toBe(true);
  });
  it('refusals: INTEGRITY, field vault.mac for an encoding fault, a message that says what happened and never the MAC', () => {
    const v = signVault(unsigned as never, umk);
    let e: InstanceType<typeof AgentvaultError> | undefined;
    try {
      verifyVaultMac({ ...v, mac: v.mac.slice(0, 42) + (v.mac[42] === 'B' ? 'C' : 'B') }, umk);
    } catch (x) {
      e = x as InstanceType<typeof AgentvaultError>;
    }
    expect(e?.code).toBe('INTEGRITY');
    expect(e?.details?.['field']).toBe('vault.mac');
    expect(e?.message).not.toContain(v.mac.slice(0, 20));
    try {
      verifyVaultMac({ ...v, revision: 9 }, umk);
    } catch (x) {
      e = x as InstanceType<typeof AgentvaultError>;
    }
    expect(e?.code).toBe('INTEGRITY');
    expect(e?.message).toMatch(/modified.*MAC mismatch/);
  });
});
