/**
 * Regression tests from the final adversarial review of the reference Express server (memory backend).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client, must, Wallet } from '../../examples/express/client.js';
import { backends, startHarness, type Harness, type HarnessOptions } from '../../examples/express/_harness.js';

const memory = backends().find((b) => b.name === 'memory')!;
const harnesses: Harness[] = [];
const start = async (config: HarnessOptions['config'] = {}) => {
  const h = await startHarness(memory, { config });
  harnesses.push(h);
  return h;
};
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe('unlocked vault scope', () => {
  it('fixed: a second session of the same wallet that never unlocked cannot use the vault another session unlocked', async () => {
    const h = await start();
    const wallet = Wallet.generate();
    const a = new Client(h.url, wallet);
    const b = new Client(h.url, wallet, { session: 'bearer' }); // e.g. an old / leaked API session
    must(await a.signIn(), 'sign in A');
    must(await b.signIn(), 'sign in B');
    must(await a.createVault(), 'create vault (A unlocks)');
    // B never presented the key-message signature, yet acts on the vault A unlocked.
    const r = await b.createBot('via-B');
    expect(r.status, `session B created a bot under A's unlock: ${r.text}`).toBe(423);
  });

  it("fixed: signing out one session does not lock the vault for the wallet's other session", async () => {
    const h = await start();
    const wallet = Wallet.generate();
    const a = new Client(h.url, wallet);
    const b = new Client(h.url, wallet, { session: 'bearer' });
    must(await a.signIn(), 'sign in A');
    must(await b.signIn(), 'sign in B');
    must(await a.createVault(), 'create vault');
    // B signs out: today this locks A's vault too (vaults are keyed by wallet, not by session).
    must(await b.request('POST', '/auth/sign-out', {}), 'sign out B');
    expect((await a.createBot('after-B-signed-out')).status).toBe(201);
  });
});

describe('per-IP auth limiter behind a reverse proxy', () => {
  it('fixed: with TRUST_PROXY set, one client behind the proxy exhausting its budget does not lock other users out of sign-in', async () => {
    const h = await start({ trustProxy: 'loopback' });
    // Behind nginx / a load balancer every request arrives from the proxy's address; the proxy
    // adds X-Forwarded-For, which the app trusts only when configured to (TRUST_PROXY).
    const hit = (ip: string, address: string) =>
      fetch(`${h.url}/auth/challenge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ purpose: 'sign-in', address }),
      });
    const attacker = Wallet.generate().address;
    for (let i = 0; i < h.config.authRateLimit; i++) await (await hit('203.0.113.66', attacker)).text();
    const victim = await hit('198.51.100.7', Wallet.generate().address);
    expect(victim.status, 'an unrelated user behind the same proxy is rate limited').toBe(200);
  });
});
