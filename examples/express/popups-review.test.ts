/**
 * Adversarial review of the `popups` branch (session 2026-12-02): the reference server signing a
 * wallet in from an unlock authorization, and `unlock-and-enable-execution` (SPEC 6.2.1, 7.4.1).
 * Each test is a proof of concept that failed before its fix and stays as a regression test.
 *
 * The failure paths are driven by a repository / session store that fails on demand (a database
 * or Redis outage in the middle of a request). The vault handles the routes open are observed by
 * wrapping `agentvault/vault`'s `unlockVault` and `createVault` (pass-through, they only record
 * the handle), to check that every handle a failed request opened is zeroed (`locked`).
 */
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UnlockedVault } from 'agentvault/vault';
import { Client, must, Wallet, type Reply } from './client.js';
import { backends, startHarness, type Harness } from './_harness.js';
import { DEFAULT_LIMITS } from './config.js';
import { memoryStores, MemoryRepository, SqlRepository, type Stores } from './storage.js';
import { MEMO_PROGRAM } from './transaction.js';

const opened = vi.hoisted(() => ({ handles: [] as UnlockedVault[] }));
vi.mock('agentvault/vault', async (importOriginal) => {
  const m = await importOriginal<typeof import('agentvault/vault')>();
  return {
    ...m,
    unlockVault: (...a: Parameters<typeof m.unlockVault>) => {
      const v = m.unlockVault(...a);
      opened.handles.push(v);
      return v;
    },
    createVault: (...a: Parameters<typeof m.createVault>) => {
      const c = m.createVault(...a);
      opened.handles.push(c.unlocked);
      return c;
    },
  };
});

const POLICY = {
  enabled: true,
  allowedMarkets: ['SOL-PERP'],
  allowedOrderTypes: ['limit', 'market', 'cancel'],
  maxLeverage: '3',
  maxPositionNotional: '5000',
  maxSlippageBps: 50,
  dailyLossLimit: '250',
  killSwitch: false,
  allowedPrograms: [MEMO_PROGRAM],
};

/** A repository with an outage on demand. */
class FlakyRepository extends MemoryRepository {
  failSaveGrant = false;
  failCreateSession = false;
  override async saveGrant(...a: Parameters<MemoryRepository['saveGrant']>) {
    if (this.failSaveGrant) throw new Error('database unavailable');
    return super.saveGrant(...a);
  }
  override async createSession(...a: Parameters<MemoryRepository['createSession']>) {
    if (this.failCreateSession) throw new Error('database unavailable');
    return super.createSession(...a);
  }
}

/** The shared session store (where an unlocked vault is sealed for the session), with an outage on demand. */
function flakySessions(stores: Stores): { fail: boolean } {
  const flag = { fail: false };
  const sessions = stores.sessions as { create: (x: unknown) => Promise<void> };
  const create = sessions.create.bind(sessions);
  sessions.create = async (x) => {
    if (flag.fail) throw new Error('session store unavailable');
    return create(x);
  };
  return flag;
}

const backend = backends()[0]!; // memory: the routes are under test
const harnesses: Harness[] = [];
afterEach(async () => {
  for (const x of harnesses.splice(0).reverse()) await x.close();
});

async function start() {
  const repo = new FlakyRepository();
  const stores = memoryStores(DEFAULT_LIMITS);
  const sessionStore = flakySessions(stores);
  const h = await startHarness(backend, { storage: { repo, stores } });
  harnesses.push(h);
  return { h, repo, sessionStore };
}

/** Enrolled, one bot with a policy, vault locked, a signed unlock-and-enable-execution request ready. */
async function lockedWithCombinedRequest() {
  const { h, repo, sessionStore } = await start();
  const user = new Client(h.url);
  must(await user.createVault(), 'enroll');
  const bot = must(await user.createBot('a'), 'bot').body;
  must(await user.setPolicy(bot.id, POLICY), 'policy');
  must(await user.request('POST', '/vault/lock', {}), 'lock');
  const c = must(await user.challenge('unlock-and-enable-execution', { botId: bot.id }), 'challenge').body;
  const post = { message: c.message, signature: user.wallet.sign(c.message), keyMessageSignature: user.wallet.sign(c.keyMessage.text) };
  return { h, repo, sessionStore, user, bot, post };
}

const grantOf = async (user: Client, botId: string) => (await user.request('GET', '/bots')).body.bots.find((x: { id: string }) => x.id === botId).execution;
const expectInternal = (r: Reply) => expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 500, code: 'INTERNAL' });
const expectLocked = async (user: Client) => expect((await user.createBot('probe')).status).toBe(423);

describe('unlock-and-enable-execution: all or nothing when storage fails after the grant (SPEC 7.4.1)', () => {
  it('F1: the vault cannot be sealed into the session: no grant is left live behind a failed request', async () => {
    const { sessionStore, user, bot, post } = await lockedWithCombinedRequest();
    sessionStore.fail = true;
    const r = await user.request('POST', `/bots/${bot.id}/execution`, post);
    sessionStore.fail = false;
    expectInternal(r);
    // The user was told it failed: the bot must not trade on that signature, and the vault is locked.
    expect(await grantOf(user, bot.id)).toBeNull();
    expect((await user.webhook(bot.id, { secret: bot.webhookSecret, market: 'SOL-PERP', side: 'buy', type: 'limit', notional: '100', leverage: '2' })).status).not.toBe(200);
    await expectLocked(user);
    // Every handle the request opened is zeroed.
    expect(opened.handles.at(-1)!.locked).toBe(true);
  });

  it('F2: the grant cannot be stored: the vault unlocked by the message is zeroed and stays locked', async () => {
    const { repo, user, bot, post } = await lockedWithCombinedRequest();
    repo.failSaveGrant = true;
    const r = await user.request('POST', `/bots/${bot.id}/execution`, post);
    repo.failSaveGrant = false;
    expectInternal(r);
    expect(await grantOf(user, bot.id)).toBeNull();
    await expectLocked(user);
    expect(opened.handles.at(-1)!.locked).toBe(true);
  });
});

describe('signing in from the unlock authorization: a failed sign-in zeroes the vault it opened (SPEC 6.2.1)', () => {
  it('F3: POST /vault without a session, the session cannot be stored: the new vault handle is zeroed', async () => {
    const { h, repo } = await start();
    const user = new Client(h.url);
    repo.failCreateSession = true;
    const r = await user.createVault();
    repo.failCreateSession = false;
    expectInternal(r);
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(opened.handles.at(-1)!.locked).toBe(true);
  });

  it('POST /vault/unlock without a session, the session cannot be stored: the handle is zeroed (already so; regression)', async () => {
    const { h, repo } = await start();
    const enrol = new Client(h.url);
    must(await enrol.createVault(), 'enroll');
    const user = new Client(h.url, enrol.wallet); // another device of the same wallet, no session
    repo.failCreateSession = true;
    const r = await user.unlock();
    repo.failCreateSession = false;
    expectInternal(r);
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(opened.handles.at(-1)!.locked).toBe(true);
  });
});

describe('the anonymous unlock challenge: pending vaults for throwaway addresses do not pile up', () => {
  it('F4: expired pending vaults are swept (SQL repository)', async () => {
    const db = await PGlite.create();
    try {
      const repo = await SqlRepository.open(db, { prefix: 'review_' });
      const h = await startHarness(backend, { storage: { repo, stores: memoryStores(DEFAULT_LIMITS) } });
      harnesses.push(h);
      const rows = async () => Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM review_pending_vaults')).rows[0]!.n);
      // Anyone, without a session or a signature, may ask for an unlock challenge for any address:
      // each writes a pending vault row.
      const ask = async () => must(await new Client(h.url).challenge('unlock', { address: Wallet.generate().address }), 'challenge');
      for (let i = 0; i < 5; i++) await ask();
      expect(await rows()).toBe(5);
      h.advance(16 * 60_000); // past every pending vault's expiry (challenge 10 min + 5 min skew)
      await ask();
      expect(await rows()).toBe(1);
    } finally {
      for (const x of harnesses.splice(0).reverse()) await x.close();
      await db.close();
    }
  }, 180_000); // PGlite start-up and schema take most of it on a loaded machine
});
