/**
 * A real browser (issue 17): the reference server's static page walks the whole flow in headless
 * Chromium (Debian's `chromium`, driven by playwright-core) with a scripted wallet-standard wallet
 * (tweetnacl keys in the page): sign in through `solana:signIn`, enroll (key message signed twice),
 * create a bot, enable execution (the statement shown), reveal, lock; a forged challenge is refused
 * before the wallet is asked, and a reused sign-in is refused by the server.
 *
 * Without Chromium the suite is skipped with one line, except under CI=true, where it fails.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueChallenge } from 'agentvault/messages';
import { MemoryNonceStore } from 'agentvault/stores';
import { backends, startHarness, type Harness } from './_harness.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env['CI'] === 'true') throw new Error(`browser test: no Chromium at ${CHROMIUM} under CI=true (scripts/install-test-services.sh installs it)`);
if (!available) console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const POLICY = {
  enabled: true,
  allowedMarkets: ['SOL-PERP'],
  allowedOrderTypes: ['limit'],
  maxLeverage: '2',
  maxPositionNotional: '1000',
  maxSlippageBps: 20,
  dailyLossLimit: '50',
  killSwitch: false,
  allowedPrograms: [],
};
type Step = { ok: boolean; code?: string; status?: number; body?: any };

describe.skipIf(!available)('reference page in headless Chromium', () => {
  const backend = backends()[0]!; // memory: the page and the wallet are what is under test here
  let h: Harness;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const call = (fn: string, ...args: unknown[]): Promise<Step> =>
    page.evaluate(([f, a]) => (window as any).flow[f as string](...(a as unknown[])), [fn, args] as const);

  beforeAll(async () => {
    h = await startHarness(backend);
    profile = mkdtempSync(join(tmpdir(), 'agentvault-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    page = await context.newPage();
    const seed = Buffer.alloc(32, 0x42).toString('hex');
    await page.goto(`${h.url}/#seed=${seed}`);
    await page.waitForFunction(() => (window as any).flow !== undefined, undefined, { timeout: 30_000 });
  });
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await h?.close();
    await backend.close();
  });

  it('walks the whole flow; refuses a forged and a reused challenge', async () => {
    const address: string = await page.evaluate(() => (window as any).flow.address);
    expect(await page.textContent('#wallet')).toBe(address);

    expect(await call('signIn')).toMatchObject({ ok: true, body: { address } });
    // The same signed sign-in posted again: the nonce was spent (the server logs NONCE_UNKNOWN).
    expect(await call('replaySignIn')).toMatchObject({ ok: false, status: 401, code: 'AUTHORIZATION_REQUIRED' });
    expect(h.logs.some((l) => l.includes('code=NONCE_UNKNOWN'))).toBe(true);

    expect(await call('enroll')).toMatchObject({ ok: true, body: { owner: address } });
    const bot = await call('createBot', 'browser-bot');
    expect(bot.ok).toBe(true);
    const id: string = bot.body.id;
    expect((await call('setPolicy', id, POLICY)).ok).toBe(true);
    const enabled = await call('enable', id);
    expect(enabled).toMatchObject({ ok: true, body: { bot: id } });
    expect(await page.textContent('#statement')).toMatch(new RegExp(`^Allow bot ${id} to trade`));
    const reveal = await call('reveal', id);
    expect(reveal.ok).toBe(true);
    expect(String(reveal.body.mnemonic).split(' ')).toHaveLength(24);

    // A forged challenge (a real one, for another site) is refused in the page; the wallet is never asked.
    const nonces = new MemoryNonceStore({ sweepIntervalMs: 0 });
    const forged = await issueChallenge({ purpose: 'unlock', domain: 'app.example.co', uri: 'https://app.example.co', chain: h.config.chain, address, nonces, now: Date.now() });
    nonces.close();
    const before: number = await page.evaluate(() => (window as any).flow.walletCalls());
    await page.route('**/auth/challenge', (route) => route.fulfill({ json: { purpose: 'unlock', message: forged.message, keyMessage: { text: 'x', create: false } } }));
    expect(await call('unlock')).toMatchObject({ ok: false, code: 'DOMAIN_MISMATCH' });
    await page.unroute('**/auth/challenge');
    expect(await page.evaluate(() => (window as any).flow.walletCalls())).toBe(before);

    // Lock: the vault is locked everywhere; unlock again through the page.
    expect((await call('lock')).ok).toBe(true);
    expect(await call('createBot', 'after-lock')).toMatchObject({ ok: false, status: 423, code: 'VAULT_LOCKED' });
    expect((await call('unlock')).ok).toBe(true);
    expect((await call('createBot', 'after-unlock')).ok).toBe(true);
    expect((await call('signOut')).ok).toBe(true);

    const lines = await page.$$eval('#log li', (els) => els.map((e) => e.textContent));
    expect(lines).toContain('refused before signing unlock: DOMAIN_MISMATCH');
    expect(lines.filter((l) => l?.startsWith('failed'))).toEqual([]);
  });
});
