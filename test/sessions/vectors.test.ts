/**
 * vectors/sessions.json (SPEC 12): computed by test/helpers/reference.ts with node:crypto, never by
 * the library. Here: the library derives the same session key, opens the reference-sealed blob to
 * a handle whose subkey matches vectors/vault.json, and refuses every invalid case with its code.
 * The session key is also recomputed in this file with node:crypto's HKDF directly.
 */
import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { _deriveSessionKey, openSession } from '../../src/sessions/session.js';
import { _sessionPeppersFromBytes } from '../../src/sessions/peppers.js';
import { MemorySessionStore } from '../../src/sessions/memory.js';
import { asVault } from '../helpers/untyped.js';
import vectors from '../../vectors/sessions.json' with { type: 'json' };
import vaultVector from '../../vectors/vault.json' with { type: 'json' };

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const lp = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

type Valid = (typeof vectors.valid)[number];
async function storeWith(v: Valid, over: { wallet?: string; expiresAt?: number } = {}) {
  const store = new MemorySessionStore({ clock: () => v.expiresAt - 60_000 });
  await store.create({ id: v.id, wallet: over.wallet ?? v.wallet, expiresAt: over.expiresAt ?? v.expiresAt, record: v.record });
  return store;
}
const peppersAll = () =>
  _sessionPeppersFromBytes({ 1: hex(vectors.valid[0]!.pepper), 2: hex(vectors.valid[1]!.pepper) });

describe('vectors/sessions.json', () => {
  it('has a source and both lists', () => {
    expect(vectors.source).toMatch(/node:crypto/);
    expect(vectors.valid.length).toBeGreaterThan(0);
    expect(vectors.invalid.length).toBeGreaterThan(0);
  });

  for (const v of vectors.valid) {
    it(`${v.name}: node:crypto HKDF and the library derive the same session key`, () => {
      const info = Buffer.concat([lp('agentvault/v1/session-key'), lp(v.id), lp(v.wallet)]);
      expect(info.toString('hex')).toBe(v.info);
      const direct = Buffer.from(hkdfSync('sha256', hex(v.secret), hex(v.pepper), info, 32)).toString('hex');
      expect(direct).toBe(v.sessionKey);
      expect(Buffer.from(_deriveSessionKey(hex(v.secret), hex(v.pepper), v.id, v.wallet)).toString('hex')).toBe(v.sessionKey);
    });

    it(`${v.name}: openSession reopens the vault of vectors/vault.json`, async () => {
      const store = await storeWith(v);
      const peppers = peppersAll();
      const opened = await openSession(v.token, { peppers, store, vault: () => asVault(vaultVector.expected), now: v.expiresAt - 60_000 });
      try {
        expect(opened.wallet).toBe(vaultVector.wallet.address);
        const sub = opened.vault.subkey('agent-key');
        expect(Buffer.from(sub.expose()).toString('hex')).toBe(vaultVector.subkeys['agent-key']);
        sub.dispose();
        // v1 is resealed under the current pepper (v2) on use; v2 is current already.
        expect(opened.resealed).toBe(v.pepperVersion !== 2);
      } finally {
        opened.vault.lock();
      }
    });
  }

  for (const bad of vectors.invalid) {
    it(`refuses: ${bad.name} -> ${bad.code}${'reason' in bad ? ` (${bad.reason})` : ''}`, async () => {
      const v = vectors.valid[bad.of]!;
      const store = await storeWith(v, { ...('storedWallet' in bad ? { wallet: bad.storedWallet } : {}), ...('expiresAt' in bad ? { expiresAt: bad.expiresAt } : {}) });
      const versions: number[] = ('peppers' in bad ? bad.peppers : undefined) ?? [1, 2];
      const pep: Record<number, Uint8Array> = {};
      for (const n of versions) pep[n] = hex(vectors.valid[n - 1]!.pepper);
      if ('pepperOverride' in bad) pep[1] = hex(bad.pepperOverride!);
      const secret = 'secret' in bad ? hex(bad.secret!) : hex(v.secret);
      let vaultCalls = 0;
      const err = await openSession(
        { id: v.id, secret },
        {
          peppers: _sessionPeppersFromBytes(pep),
          store,
          vault: () => (vaultCalls++, asVault(vaultVector.expected)),
          now: 'now' in bad ? bad.now : v.expiresAt - 60_000,
        },
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ name: 'AgentvaultError', code: bad.code });
      if ('reason' in bad) expect((err as { details: { reason: string } }).details.reason).toBe(bad.reason);
      expect(vaultCalls, 'nothing is looked up before the blob opens').toBe(0);
      expect(String((err as Error).message)).not.toContain(v.secret);
    });
  }
});
