/**
 * Adversarial review (wave 2) of HKDF session keys (SPEC 12) and the browser client kit (SPEC
 * 12.8). Each test is a proof of concept that failed before its fix and stays as a regression test.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createAgentvaultClient } from '../../src/client/index.js';
import { AgentvaultError } from '../../src/errors.js';
import { issueChallenge } from '../../src/messages/challenge.js';
import { _sessionPeppersFromBytes } from '../../src/sessions/peppers.js';
import {
  beginSession,
  createSessionCredentials,
  encodeSessionToken,
  endSession,
  MemorySessionStore,
  openSession,
  parseSessionToken,
} from '../../src/sessions/index.js';
import { MemoryNonceStore } from '../../src/stores/memory.js';
import { setup } from '../execution/_fixtures.js';
import { testWallet } from '../helpers/wallet.js';

const peppers = () => _sessionPeppersFromBytes({ 1: new Uint8Array(32).fill(3) });
const store = () => new MemorySessionStore({ sweepIntervalMs: 0 });

afterEach(() => {
  vi.useRealTimers();
});

describe('sessions: reopened handles', () => {
  it('a handle reopened with a stale `now` does not outlive 24 h of real time (the unlock cap)', async () => {
    const s = setup(11);
    const p = peppers();
    const st = store();
    const vault = () => s.vault.data;
    const t = Date.now();
    const begun = await beginSession(s.vault, { peppers: p, store: st, now: t, ttlMs: 60 * 60_000 });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(t);
    // An app whose clock is wrong (or a `now` taken from a request) reopens with a time 5 days ago.
    const { vault: h } = await openSession(begun.token!, { peppers: p, store: st, vault, now: t - 5 * 86_400_000 });
    expect(h.locked).toBe(false);
    vi.setSystemTime(t + 25 * 3_600_000);
    // The session's own expiry (1 h) and the 24 h cap have both passed on the real clock.
    expect(() => h.subkey('x')).toThrow(AgentvaultError);
  });

  // src/vault/unlocked.ts (not this reviewer's file): the `locked` getter reads only the injected
  // clock, not the real-clock backstop (`realExpiresAt`) that every operation checks, so it says
  // "unlocked" for a handle whose every call throws VAULT_LOCKED. Fix there: also return true when
  // `Date.now() >= s.realExpiresAt` (as `_stateOf` does).
  it('`locked` agrees with the real-clock backstop (src/vault/unlocked.ts)', async () => {
    const s = setup(14);
    const p = peppers();
    const st = store();
    const t = Date.now();
    const begun = await beginSession(s.vault, { peppers: p, store: st, now: t, ttlMs: 60 * 60_000 });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(t);
    const { vault: h } = await openSession(begun.token!, { peppers: p, store: st, vault: () => s.vault.data, now: t - 5 * 86_400_000 });
    vi.setSystemTime(t + 25 * 3_600_000);
    // Asked before any operation (an operation locks the handle as a side effect).
    expect(h.locked).toBe(true);
  });

  it('a reopened handle cannot begin another session (a fork would survive the lock of the original)', async () => {
    const s = setup(12);
    const p = peppers();
    const st = store();
    const vault = () => s.vault.data;
    const begun = await beginSession(s.vault, { peppers: p, store: st });
    const { vault: h } = await openSession(begun.token!, { peppers: p, store: st, vault });
    let forked: string | undefined;
    const err = await beginSession(h, { peppers: p, store: st }).then(
      (f) => {
        forked = f.token;
        return undefined;
      },
      (e: unknown) => e,
    );
    await endSession(begun.token!, { store: st });
    if (forked !== undefined) {
      // The proof: after "lock", the forked session still opens the vault.
      const reopened = await openSession(forked, { peppers: p, store: st, vault }).then(
        () => 'opened',
        () => 'refused',
      );
      expect(reopened).toBe('refused');
    }
    expect(err).toBeInstanceOf(AgentvaultError);
    expect((err as AgentvaultError).code).toBe('AUTHORIZATION_REQUIRED');
    expect((err as AgentvaultError).details).toMatchObject({ reason: 'session-handle' });
  });
});

describe('sessions: no secret in logs, JSON or util.inspect', () => {
  it('begun session, credentials and parsed tokens do not print the secret', async () => {
    const s = setup(13);
    const begun = await beginSession(s.vault, { peppers: peppers(), store: store() });
    const token = begun.token!;
    const secretText = token.split('.')[2]!;
    const secretBytes = [...begun.credentials.secret].join(', ');
    for (const v of [begun, begun.credentials, parseSessionToken(token), createSessionCredentials()]) {
      const shown = [JSON.stringify(v), inspect(v, { depth: 10 }), String(v)].join('\n');
      expect(shown).not.toContain(secretText);
      expect(shown).not.toContain(secretBytes);
      expect(shown).not.toMatch(/"secret"\s*:\s*\{/);
      expect(shown).not.toMatch(/Uint8Array\(32\)/);
    }
    // Still usable: the fields are readable and round trip.
    expect(parseSessionToken(token).id).toBe(begun.id);
    expect(encodeSessionToken(parseSessionToken(token))).toBe(token);
    expect(encodeSessionToken(begun.credentials)).toBe(token);
  });
});

// ---------------------------------------------------------------------------------------------
// Client kit

const DOMAIN = 'app.example.com';
const URI = 'https://app.example.com';
const w = testWallet(21);
const agent = testWallet(22);
const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

async function issue(purpose: 'sign-in' | 'unlock' | 'enable-execution' | 'reveal-mnemonic', extra: { resources?: string[]; policyHash?: string } = {}) {
  const nonces = new MemoryNonceStore({ sweepIntervalMs: 0 });
  const c = await issueChallenge({
    purpose,
    domain: DOMAIN,
    uri: URI,
    chain: 'mainnet',
    address: w.address,
    nonces,
    now: Date.now(),
    ...(purpose === 'enable-execution' ? { grant: { bot: 'bot-1', agent: agent.address, policyHash: extra.policyHash ?? H1 } } : {}),
    ...(extra.resources !== undefined ? { resources: extra.resources } : {}),
  });
  nonces.close();
  return c.message;
}

function kit(reply: () => Promise<Record<string, unknown>>, wallet: Record<string, unknown> | undefined = undefined) {
  let calls = 0;
  const account = { address: w.address, publicKey: w.publicKey, features: ['solana:signMessage', 'solana:signIn'] };
  const features = wallet ?? {
    'solana:signMessage': {
      signMessage: async (...inputs: { message: Uint8Array }[]) => {
        calls++;
        return inputs.map((i) => ({ signedMessage: i.message, signature: w.sign(i.message) }));
      },
    },
  };
  const fetchFn = (async (url: string) => {
    const path = url.slice(URI.length);
    const json = path === '/auth/challenge' ? await reply() : { ok: true };
    return { ok: true, status: 200, statusText: 'OK', json: async () => json };
  }) as unknown as typeof fetch;
  const client = createAgentvaultClient({ wallet: { features }, account, chain: 'mainnet', domain: DOMAIN, origin: URI, fetch: fetchFn });
  return { client, calls: () => calls };
}

describe('client kit: forged challenges', () => {
  it('enable-execution: a reply without the policy hash is refused, and the page can pin the hash it showed', async () => {
    const confirm = () => true;
    // The server (or whoever answers on its origin) omits `policyHash`: nothing to compare with.
    const k1 = kit(async () => ({ message: await issue('enable-execution', { policyHash: H2 }) }));
    await expect(k1.client.enableExecution('bot-1', { confirm })).rejects.toMatchObject({ code: 'PURPOSE_MISMATCH' });
    expect(k1.calls()).toBe(0);
    // The reply's hash agrees with the message but not with the policy the page displayed.
    const k2 = kit(async () => ({ message: await issue('enable-execution', { policyHash: H2 }), policyHash: H2 }));
    await expect(k2.client.enableExecution('bot-1', { confirm, policyHash: H1 })).rejects.toMatchObject({ code: 'PURPOSE_MISMATCH' });
    expect(k2.calls()).toBe(0);
    // The honest case still signs.
    const k3 = kit(async () => ({ message: await issue('enable-execution', { policyHash: H1 }), policyHash: H1 }));
    await k3.client.enableExecution('bot-1', { confirm, policyHash: H1 });
    expect(k3.calls()).toBe(1);
  });

  it('a challenge with resources the kit did not ask for is refused (unlock, sign-in, enable-execution, reveal)', async () => {
    const evil = 'https://app.example.com/admin/withdraw-all';
    for (const purpose of ['sign-in', 'unlock'] as const) {
      const k = kit(async () => ({ message: await issue(purpose, { resources: [evil] }), keyMessage: { create: false, text: 'x' } }));
      const run = purpose === 'sign-in' ? k.client.signIn() : k.client.unlock();
      await expect(run).rejects.toMatchObject({ code: 'PURPOSE_MISMATCH' });
      expect(k.calls()).toBe(0);
    }
    const k = kit(async () => ({ message: await issue('enable-execution', { resources: [evil] }), policyHash: H1 }));
    await expect(k.client.enableExecution('bot-1', { confirm: () => true })).rejects.toMatchObject({ code: 'PURPOSE_MISMATCH' });
    const r = kit(async () => ({ message: await issue('reveal-mnemonic', { resources: [`${URI}/bots/bot-1`, evil] }) }));
    await expect(r.client.revealMnemonic('bot-1', { confirm: () => true })).rejects.toMatchObject({ code: 'PURPOSE_MISMATCH' });
    expect(r.calls()).toBe(0);
  });

  it('sign-in: a wallet reply without signedMessage is a typed refusal, not a TypeError', async () => {
    const features = {
      'solana:signIn': { signIn: async () => [{ account: { address: w.address, publicKey: w.publicKey }, signature: new Uint8Array(64) }] },
    };
    const k = kit(async () => ({ message: await issue('sign-in') }), features);
    const e = await k.client.signIn().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(AgentvaultError);
    expect((e as AgentvaultError).code).toBe('MESSAGE_MISMATCH');
  });
});

describe('sessions: a store reply of the wrong shape fails closed, typed', () => {
  it('get() answering undefined, a non-string wallet, a non-integer expiry or a non-string record: STORE_UNAVAILABLE', async () => {
    const s = setup(15);
    const p = peppers();
    const st = store();
    const begun = await beginSession(s.vault, { peppers: p, store: st });
    const real = (await st.get(begun.id))!;
    const replies: unknown[] = [
      undefined,
      42,
      { ...real, wallet: 123 },
      { ...real, wallet: { toString: () => real.wallet } },
      { ...real, expiresAt: String(real.expiresAt) },
      { ...real, expiresAt: Number.NaN },
      { ...real, record: { toString: () => real.record } },
    ];
    for (const reply of replies) {
      const bad = { create: async () => {}, get: async () => reply, reseal: async () => false, delete: async () => {}, deleteWallet: async () => 0 };
      const e = await openSession(begun.token!, { peppers: p, store: bad as never, vault: () => s.vault.data }).then(
        () => 'opened',
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(AgentvaultError);
      expect((e as AgentvaultError).code).toBe('STORE_UNAVAILABLE');
    }
  });
});

describe('client kit: challenge time window and request paths', () => {
  async function longLived(purpose: 'unlock' | 'sign-in', text: (m: string) => string) {
    return text(await issue(purpose));
  }
  it('a challenge valid far longer than its purpose allows, or not valid yet, is refused', async () => {
    const { checkChallenge } = await import('../../src/client/index.js');
    const exp = { domain: DOMAIN, uri: URI, chain: 'mainnet' };
    const farFuture = await longLived('unlock', (m) => m.replace(/Expiration Time: [^\n]+/, 'Expiration Time: 2099-01-01T00:00:00Z'));
    expect(() => checkChallenge(farFuture, 'unlock', exp, w.address)).toThrow(expect.objectContaining({ code: 'LIFETIME_TOO_LONG' }));
    const later = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const notYet = await longLived('sign-in', (m) => m.replace(/(Expiration Time: [^\n]+)/, `$1\nNot Before: ${later}`));
    expect(() => checkChallenge(notYet, 'sign-in', exp, w.address)).toThrow(expect.objectContaining({ code: 'MESSAGE_NOT_YET_VALID' }));
  });

  it('request(): a path that is not absolute cannot move the request to another host', async () => {
    const urls: string[] = [];
    const fetchFn = (async (url: string) => {
      urls.push(url);
      return { ok: true, status: 200, statusText: 'OK', json: async () => ({}) };
    }) as unknown as typeof fetch;
    const account = { address: w.address, publicKey: w.publicKey };
    const client = createAgentvaultClient({ wallet: { features: {} }, account, chain: 'mainnet', domain: DOMAIN, origin: URI, fetch: fetchFn });
    const e = await client.request('POST', '@evil.example/collect', { secret: 1 }).then(
      () => undefined,
      (x: unknown) => x,
    );
    for (const u of urls) expect(new URL(u).host).toBe(DOMAIN);
    expect(e).toBeInstanceOf(AgentvaultError);
  });

  it('an account whose address is not base58 is a typed refusal', () => {
    const fetchFn = (async () => ({})) as unknown as typeof fetch;
    expect(() =>
      createAgentvaultClient({ wallet: { features: {} }, account: { address: '0OIl', publicKey: new Uint8Array(32) }, chain: 'mainnet', domain: DOMAIN, origin: URI, fetch: fetchFn }),
    ).toThrow(AgentvaultError);
  });
});

describe('sessions: what a reopened handle can do (SPEC 12.3)', () => {
  it('rotateVault refuses a reopened handle, typed', async () => {
    const { rotateVault } = await import('../../src/vault/rotation.js');
    const s = setup(16);
    const p = peppers();
    const st = store();
    const begun = await beginSession(s.vault, { peppers: p, store: st });
    const { vault: h } = await openSession(begun.token!, { peppers: p, store: st, vault: () => s.vault.data });
    expect(() => rotateVault(h)).toThrow(AgentvaultError);
  });

  // src/vault/vault.ts (not this reviewer's file). SPEC 12.3 promises that a handle reopened from a
  // session "cannot rotate or rewrap (those need the wallet key)". rewrapVault needs no wallet key
  // of the *current* wallet, only the UMKs and key-message signatures of the *new* wallet, so
  // whoever holds a stolen session cookie and reaches a route that rewraps with the session's
  // handle moves the vault to a wallet of their choice: a permanent takeover that outlives the
  // session and the lock. Fix there: rewrapVault (like rotateVault) requires a handle opened by a
  // key (`state.walletKey !== undefined || state.recoveryKey !== undefined`), else
  // AUTHORIZATION_REQUIRED (reason `session-handle`).
  it('rewrapVault refuses a reopened handle (src/vault/vault.ts)', async () => {
    const { prepareVault, rewrapVault } = await import('../../src/vault/vault.js');
    const s = setup(17);
    const p = peppers();
    const st = store();
    const begun = await beginSession(s.vault, { peppers: p, store: st });
    const { vault: h } = await openSession(begun.token!, { peppers: p, store: st, vault: () => s.vault.data });
    const thief = testWallet(66);
    const prepared = prepareVault({ address: thief.address, domain: s.vault.data.domain, chain: s.vault.data.chain });
    const sig = thief.sign(prepared.keyMessage);
    let moved: string | undefined;
    try {
      moved = rewrapVault(h, { prepared, signatures: [sig, sig] }).vault.wallet;
    } catch (e) {
      expect(e).toBeInstanceOf(AgentvaultError);
      expect((e as AgentvaultError).code).toBe('AUTHORIZATION_REQUIRED');
    }
    expect(moved).toBeUndefined();
  });
});

describe('client kit: the grant window the user asked for', () => {
  it('enable-execution: a grant window longer than requested (default 1 h) is refused before signing', async () => {
    const long = async (windowMs: number) => {
      const nonces = new MemoryNonceStore({ sweepIntervalMs: 0 });
      const c = await issueChallenge({
        purpose: 'enable-execution',
        domain: DOMAIN,
        uri: URI,
        chain: 'mainnet',
        address: w.address,
        nonces,
        now: Date.now(),
        grant: { bot: 'bot-1', agent: agent.address, policyHash: H1, windowMs },
        maxGrantWindowMs: 90 * 86_400_000,
      });
      nonces.close();
      return c.message;
    };
    const k = kit(async () => ({ message: await long(90 * 86_400_000), policyHash: H1 }));
    await expect(k.client.enableExecution('bot-1', { confirm: () => true })).rejects.toMatchObject({ code: 'GRANT_WINDOW_TOO_LONG' });
    await expect(k.client.enableExecution('bot-1', { confirm: () => true, windowMs: 3_600_000 })).rejects.toMatchObject({ code: 'GRANT_WINDOW_TOO_LONG' });
    expect(k.calls()).toBe(0);
    const ok = kit(async () => ({ message: await long(2 * 3_600_000), policyHash: H1 }));
    await ok.client.enableExecution('bot-1', { confirm: () => true, windowMs: 2 * 3_600_000 });
    expect(ok.calls()).toBe(1);
  });
});

describe('sessions: Redis deleteWallet deletes only that wallet\'s sessions', () => {
  const url = inject('agentvaultRedisUrl');
  it.skipIf(url === '')('an id reused by another wallet is not deleted by the first wallet\'s kill switch', async () => {
    const { Redis } = await import('ioredis');
    const { RedisSessionStore } = await import('../../src/sessions/redis.js');
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await r.connect();
    const prefix = `review${Date.now()}:`;
    try {
      const t = Date.now();
      const st = new RedisSessionStore(r, { prefix, clock: () => t });
      const a = setup(18);
      const b = setup(19);
      const p = peppers();
      const creds = createSessionCredentials();
      // Wallet A's session under id X ends (expires / is locked); the app later reuses X for wallet B
      // (the reference server derives the id from its sign-in token).
      await beginSession(a.vault, { peppers: p, store: st, credentials: creds, ttlMs: 60_000, now: t });
      await endSession(creds.id, { store: st });
      await beginSession(b.vault, { peppers: p, store: st, credentials: creds, ttlMs: 60_000, now: t });
      // Kill switch of wallet A: must not end wallet B's session.
      const { endWalletSessions } = await import('../../src/sessions/index.js');
      expect(await endWalletSessions(a.vault.data.wallet, { store: st })).toBe(0);
      expect(await st.get(creds.id)).not.toBeNull();
    } finally {
      const keys = await r.keys(`${prefix}*`);
      if (keys.length > 0) await r.del(...keys);
      await r.quit();
    }
  });
});

describe('sessions: peppers and reseal races', () => {
  it('SessionPeppers cannot be built from short or aliased pepper bytes', async () => {
    const { SessionPeppers } = await import('../../src/sessions/index.js');
    const C = SessionPeppers as unknown as new (m: Map<number, Uint8Array>) => unknown;
    expect(() => new C(new Map([[1, new Uint8Array(0)]]))).toThrow(AgentvaultError);
    expect(() => new C(new Map([[0, new Uint8Array(32)]]))).toThrow(AgentvaultError);
    expect(() => new C(new Map([[1.5, new Uint8Array(32)]]))).toThrow(AgentvaultError);
    // The caller's map is not the one used: adding a version to it afterwards changes nothing.
    const m = new Map([[1, new Uint8Array(32).fill(1)]]);
    const p = new C(m) as import('../../src/sessions/index.js').SessionPeppers;
    m.set(7, new Uint8Array(32).fill(2));
    const { _pepper } = await import('../../src/sessions/peppers.js');
    expect(_pepper(p, 7)).toBeUndefined();
  });

  it('a lock on another instance between get and reseal is not undone by the reseal (pepper rotation)', async () => {
    const s = setup(20);
    const old = _sessionPeppersFromBytes({ 1: new Uint8Array(32).fill(3) });
    const rotated = _sessionPeppersFromBytes({ 1: new Uint8Array(32).fill(3), 2: new Uint8Array(32).fill(4) });
    const st = store();
    const begun = await beginSession(s.vault, { peppers: old, store: st });
    // Instance B locks right after instance A read the entry.
    const racing = {
      create: st.create.bind(st),
      get: async (id: string) => {
        const e = await st.get(id);
        await st.delete(id);
        return e;
      },
      reseal: st.reseal.bind(st),
      delete: st.delete.bind(st),
      deleteWallet: st.deleteWallet.bind(st),
    };
    await expect(openSession(begun.token!, { peppers: rotated, store: racing, vault: () => s.vault.data })).rejects.toMatchObject({ code: 'SESSION_UNKNOWN' });
    expect(await st.get(begun.id)).toBeNull();
  });
});

describe('client kit: look-alikes (regression)', () => {
  it('a Cyrillic look-alike of the domain or URI, or a bidi control in the statement, is refused typed', async () => {
    const { checkChallenge } = await import('../../src/client/index.js');
    const exp = { domain: DOMAIN, uri: URI, chain: 'mainnet' };
    const m = await issue('unlock');
    for (const forged of [
      m.replace(`${DOMAIN} wants`, `\u0430pp.example.com wants`),
      m.replace(`URI: ${URI}`, `URI: https://\u0430pp.example.com`),
      m.replace('Unlock', '\u202eUnlock'),
    ]) {
      expect(forged).not.toBe(m);
      expect(() => checkChallenge(forged, 'unlock', exp, w.address)).toThrow(AgentvaultError);
    }
  });
});
