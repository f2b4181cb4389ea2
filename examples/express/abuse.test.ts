/**
 * Issue 14 item 8, end to end over HTTP on every storage backend: malformed percent-encoding in a
 * route parameter is a 400 (never a 500) on all five parameter routes; a per-bot webhook rate
 * limit; an alert body signed at most once (also across two instances sharing the stores); a cap on
 * outstanding challenges per wallet.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, must, type Reply } from './client.js';
import { backends, startHarness, type Harness, type HarnessOptions } from './_harness.js';
import { MEMO_PROGRAM } from './transaction.js';

const POLICY = {
  enabled: true,
  allowedMarkets: ['SOL-PERP'],
  allowedOrderTypes: ['limit', 'market', 'cancel'],
  maxLeverage: '3',
  maxPositionNotional: '100000',
  maxSlippageBps: 50,
  dailyLossLimit: '250',
  killSwitch: false,
  allowedPrograms: [MEMO_PROGRAM],
};
const ORDER = { market: 'SOL-PERP', side: 'buy', type: 'limit', notional: '10', leverage: '2' };

function expectRefused(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
}

describe.each(backends())('abuse limits over $name', (backend) => {
  const harnesses: Harness[] = [];
  const start = async (options?: HarnessOptions) => {
    const h = await startHarness(backend, options);
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    for (const h of harnesses.splice(0).reverse()) await h.close();
  });
  afterAll(() => backend.close());

  async function ready(h: Harness) {
    const user = new Client(h.url);
    must(await user.signIn(), 'sign in');
    must(await user.createVault(), 'create vault');
    const bot = must(await user.createBot('b'), 'create bot').body;
    must(await user.setPolicy(bot.id, POLICY), 'policy');
    must(await user.enableExecution(bot.id), 'enable');
    return { user, bot, alert: { secret: bot.webhookSecret as string, ...ORDER } };
  }

  it.skipIf(backend.skip !== '')('malformed percent-encoding in a route parameter is a 400 on all five routes', async () => {
    const h = await start();
    const { user } = await ready(h);
    const routes: [string, string][] = [
      ['POST', '/webhooks/tradingview/%E0%A4%A'],
      ['POST', '/webhooks/tradingview/%'],
      ['PUT', '/bots/%/policy'],
      ['POST', '/bots/%/execution'],
      ['DELETE', '/bots/%E0%A4%A/execution'],
      ['POST', '/bots/%/kill'],
    ];
    for (const [method, path] of routes) {
      for (const c of [user, new Client(h.url)]) {
        const r = await c.request(method, path, {});
        expect({ path, status: r.status, code: r.body?.error?.code }).toEqual({ path, status: 400, code: 'INVALID_INPUT' });
      }
    }
    expect(h.logs.some((l) => / failed /.test(l))).toBe(false); // no 500 was logged
  });

  it.skipIf(backend.skip !== '')('an alert body is signed at most once within the window, on every instance', async () => {
    const h = await start({ limits: { replayWindowMs: 60_000 } });
    const { user, bot, alert } = await ready(h);
    must(await user.webhook(bot.id, alert), 'first');
    expectRefused(await user.webhook(bot.id, alert), 409, 'INVALID_INPUT');
    // A second instance on the same stores refuses it too.
    const h2 = await start({ storage: h.storage, kek: h.kek, limits: { replayWindowMs: 60_000 } });
    expectRefused(await new Client(h2.url).webhook(bot.id, alert), 409, 'INVALID_INPUT');
    // Concurrent replays: exactly one is signed.
    const fresh = { ...alert, notional: '11' };
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => new Client(i % 2 ? h.url : h2.url).webhook(bot.id, fresh)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 409)).toHaveLength(5);
    // Another body is another alert.
    must(await user.webhook(bot.id, { ...alert, notional: '12' }), 'different body');
  });

  it.skipIf(backend.skip !== '')('per-bot webhook rate limit: 429 with Retry-After, other bots unaffected', async () => {
    const h = await start({ limits: { webhookPerMinute: 3, replayWindowMs: 0 } });
    const a = await ready(h);
    const b = await ready(h);
    for (let i = 0; i < 3; i++) must(await a.user.webhook(a.bot.id, a.alert), `alert ${i}`);
    const over = await a.user.webhook(a.bot.id, a.alert);
    expectRefused(over, 429, 'RATE_LIMITED');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    must(await b.user.webhook(b.bot.id, b.alert), 'another bot');
    // A wrong secret does not spend the bot's allowance (the limit is checked after the secret).
    h.advance(61_000);
    for (let i = 0; i < 5; i++) expect((await a.user.webhook(a.bot.id, { ...a.alert, secret: `whsec_${'A'.repeat(43)}` })).status).toBe(401);
    must(await a.user.webhook(a.bot.id, a.alert), 'after the window');
  });

  it.skipIf(backend.skip !== '')('caps outstanding challenges per wallet', async () => {
    const h = await start({ limits: { maxOutstandingChallenges: 3 } });
    const c = new Client(h.url);
    const address = c.wallet.address;
    for (let i = 0; i < 3; i++) must(await c.challenge('sign-in', { address }), `challenge ${i}`);
    expectRefused(await c.challenge('sign-in', { address }), 429, 'RATE_LIMITED');
    // Another wallet is not affected.
    const other = new Client(h.url);
    must(await other.challenge('sign-in', { address: other.wallet.address }), 'other wallet');
  });
});
