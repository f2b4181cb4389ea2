/**
 * Session formats under fast-check (STYLE): token round trip and strict parsing; single-bit flips
 * of a sealed session refused; wrong context refused; nothing thrown but AgentvaultError; the one
 * table of wrong-typed values fed to every public argument.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { _sessionPeppersFromBytes } from '../../src/sessions/peppers.js';
import {
  beginSession,
  createSessionCredentials,
  encodeSessionToken,
  MemorySessionStore,
  openSession,
  parseSessionToken,
} from '../../src/sessions/index.js';
import { NOT_BYTES, NOT_STRINGS } from '../helpers/wrong-types.js';
import { setup } from '../execution/_fixtures.js';

const onlyAgentvaultErrors = async (f: () => unknown) => {
  try {
    await f();
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(AgentvaultError);
    return (e as AgentvaultError).code;
  }
};

describe('session token', () => {
  it('round trips; every other string is SESSION_INVALID (malformed)', async () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (idBytes, secret) => {
        const id = Buffer.from(idBytes).toString('base64url');
        const t = encodeSessionToken({ id, secret });
        const back = parseSessionToken(t);
        expect(back.id).toBe(id);
        expect([...back.secret]).toEqual([...secret]);
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 120 }), async (s) => {
        const code = await onlyAgentvaultErrors(() => parseSessionToken(s));
        expect(['ok', 'SESSION_INVALID']).toContain(code);
      }),
    );
    // Non-canonical base64url of the same secret (low bits set in the last character) is refused.
    const c = createSessionCredentials();
    const t = encodeSessionToken(c);
    const last = t.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = t.slice(0, -1) + alphabet[alphabet.indexOf(last) | 1];
    if (twin !== t) expect(await onlyAgentvaultErrors(() => parseSessionToken(twin))).toBe('SESSION_INVALID');
  });
});

describe('sealed session', () => {
  it('every single-bit flip of the stored record is refused, typed, and opens nothing', async () => {
    const s = setup(5);
    const peppers = _sessionPeppersFromBytes({ 1: new Uint8Array(32).fill(7) });
    const store = new MemorySessionStore();
    const begun = await beginSession(s.vault, { peppers, store });
    const entry = (await store.get(begun.id))!;
    const vault = () => s.vault.data;
    // The untouched record opens.
    const ok = await openSession(begun.token!, { peppers, store, vault });
    ok.vault.lock();
    const text = entry.record;
    await fc.assert(
      fc.asyncProperty(fc.nat(text.length - 1 - 5), fc.nat(5), async (i, bit) => {
        const pos = 5 + i;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const flipped = text.slice(0, pos) + alphabet[alphabet.indexOf(text[pos]!) ^ (1 << bit)] + text.slice(pos + 1);
        if (flipped === text) return;
        const st = new MemorySessionStore();
        await st.create({ ...entry, record: flipped });
        const code = await onlyAgentvaultErrors(() => openSession(begun.token!, { peppers, store: st, vault }));
        expect(['SESSION_INVALID']).toContain(code);
      }),
      { numRuns: 150 },
    );
    s.vault.lock();
  });

  it('wrong context: another id, wallet or expiry in the store entry is refused', async () => {
    const s = setup(6);
    const other = setup(8);
    const peppers = _sessionPeppersFromBytes({ 3: new Uint8Array(32).fill(9) });
    const store = new MemorySessionStore();
    const begun = await beginSession(s.vault, { peppers, store });
    const entry = (await store.get(begun.id))!;
    const vault = () => s.vault.data;
    for (const changed of [{ wallet: other.owner.address }, { expiresAt: entry.expiresAt - 1 }]) {
      const st = new MemorySessionStore();
      await st.create({ ...entry, ...changed });
      expect(await onlyAgentvaultErrors(() => openSession(begun.token!, { peppers, store: st, vault }))).toBe('SESSION_INVALID');
    }
    const moved = createSessionCredentials();
    const st = new MemorySessionStore();
    await st.create({ ...entry, id: moved.id });
    expect(await onlyAgentvaultErrors(() => openSession({ id: moved.id, secret: begun.credentials.secret }, { peppers, store: st, vault }))).toBe('SESSION_INVALID');
    s.vault.lock();
    other.vault.lock();
  });
});

describe('wrong-typed arguments', () => {
  it('are refused with INVALID_INPUT or SESSION_INVALID, never a TypeError', async () => {
    const s = setup(4);
    const peppers = _sessionPeppersFromBytes({ 1: new Uint8Array(32).fill(1) });
    const store = new MemorySessionStore();
    for (const [label, v] of NOT_BYTES) {
      expect(await onlyAgentvaultErrors(() => openSession({ id: 'A'.repeat(22), secret: v as Uint8Array }, { peppers, store, vault: () => null })), label).toBe('INVALID_INPUT');
      expect(await onlyAgentvaultErrors(() => beginSession(s.vault, { peppers, store, credentials: { id: 'A'.repeat(22), secret: v as Uint8Array } })), label).toBe('INVALID_INPUT');
    }
    for (const [label, v] of NOT_STRINGS) {
      expect(await onlyAgentvaultErrors(() => parseSessionToken(v)), label).toBe('SESSION_INVALID');
      expect(await onlyAgentvaultErrors(() => store.get(v as string)), label).toBe('INVALID_INPUT');
    }
    for (const bad of [undefined, null, 1, {}, { peppers, store }, { peppers: {}, store, vault: () => null }, { peppers, store: {}, vault: () => null }, { peppers, store, vault: () => null, extra: 1 }])
      expect(await onlyAgentvaultErrors(() => openSession(createSessionCredentials(), bad as never))).toBe('INVALID_INPUT');
    expect(await onlyAgentvaultErrors(() => beginSession({} as never, { peppers, store }))).toBe('INVALID_INPUT');
    s.vault.lock();
  });
});
