/**
 * End-to-end tests of the reference server over HTTP: a real listening server, fetch, a scripted
 * wallet. One suite, run against every storage backend (memory; PGlite; PostgreSQL + Redis when
 * the test setup started them, which CI requires).
 *
 * Authentication failures answer one uniform body (no oracle); each refusal test therefore checks
 * that body AND the precise library code in the server log.
 */
import { base58 } from '@scure/base';
import { getTransferSolInstruction } from '@solana-program/system';
import { address } from '@solana/kit';
import nacl from 'tweetnacl';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deriveSolanaKeypair } from 'agentvault/derivation';
import { decodeTransactionMessage } from 'agentvault/execution';
import { encodeOffchainMessage } from 'agentvault/messages';
import { testWallet } from '../../test/helpers/wallet.js';
import { Client, must, Wallet, type Reply } from './client.js';
import { AUTH_FAILURE_MESSAGE } from './http.js';
import { backends, startHarness, type Harness, type HarnessOptions } from './_harness.js';
import { MEMO_PROGRAM } from './transaction.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const SYSTEM_PROGRAM = '11111111111111111111111111111111';

const POLICY = {
  enabled: true,
  allowedMarkets: ['SOL-PERP', 'BTC-PERP'],
  allowedOrderTypes: ['limit', 'market', 'cancel'],
  maxLeverage: '3',
  maxPositionNotional: '5000',
  maxSlippageBps: 50,
  dailyLossLimit: '250',
  killSwitch: false,
  allowedPrograms: [MEMO_PROGRAM],
};
const ORDER = { market: 'SOL-PERP', side: 'buy', type: 'limit', notional: '1000', leverage: '2' };

function expectAuthRefused(reply: Reply): void {
  expect(reply.status).toBe(401);
  expect(reply.body).toEqual({ error: { code: 'AUTHORIZATION_REQUIRED', message: AUTH_FAILURE_MESSAGE } });
}
function expectRefused(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
}
/** The server log recorded this precise code for a refusal. */
function expectLogged(h: Harness, code: string): void {
  expect(h.logs.some((l) => / (auth-refused|refused) /.test(l) && l.includes(` code=${code} `)), `log has code=${code}:\n${h.logs.slice(-5).join('\n')}`).toBe(true);
}

describe.each(backends())('reference server e2e over $name', (backend) => {
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

  /** Signed in, vault created (and unlocked), one bot with POLICY, execution enabled. */
  async function ready(h: Harness, session: 'cookie' | 'bearer' = 'cookie') {
    const user = new Client(h.url, Wallet.generate(), { session });
    must(await user.signIn(), 'sign in');
    must(await user.createVault(), 'create vault');
    const bot = must(await user.createBot('b'), 'create bot').body;
    must(await user.setPolicy(bot.id, POLICY), 'policy');
    const grant = must(await user.enableExecution(bot.id), 'enable').body;
    return { user, bot, grant, alert: { secret: bot.webhookSecret as string, ...ORDER } };
  }

  it.skipIf(backend.skip !== '')('every route succeeds, in the order a user meets them', async () => {
    const h = await start();
    const user = new Client(h.url);

    // sign-in: cookie session, HttpOnly, SameSite=Strict, 24 h, not Secure on an http origin
    const signIn = must(await user.signIn(), 'sign in');
    const cookie = signIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^av_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Max-Age=86400');
    expect(cookie).not.toContain('Secure');
    expect(signIn.body.token).toBeUndefined();
    expect(signIn.body.address).toBe(user.wallet.address);
    expect((await user.request('GET', '/bots')).body).toEqual({ bots: [] });

    // unlock challenge without a vault: returns the key message to create one
    const c = must(await user.challenge('unlock'), 'challenge').body;
    expect(c.keyMessage.create).toBe(true);
    expect(c.keyMessage.text).toMatch(/^agentvault key message v1\n/);
    expect(c.message).toContain(`${h.config.domain} wants you to sign in with your Solana account:\n${user.wallet.address}`);

    const created = must(await user.createVault(), 'create vault');
    expect(created.status).toBe(201);
    expect(created.body.owner).toBe(user.wallet.address);
    // a second vault for the same wallet is refused
    expectRefused(await user.createVault(), 409, 'INVALID_INPUT');

    // lock, then unlock with a fresh unlock message + the key-message signature
    expect(must(await user.request('POST', '/vault/lock', {}), 'lock').body).toEqual({ locked: true, wasUnlocked: true });
    expectRefused(await user.createBot('locked'), 423, 'VAULT_LOCKED');
    const again = must(await user.challenge('unlock'), 'challenge').body;
    expect(again.keyMessage).toEqual({ text: c.keyMessage.text, signedAs: 'raw', create: false });
    must(await user.unlock(), 'unlock');

    const bot = must(await user.createBot('sol'), 'create bot');
    expect(bot.status).toBe(201);
    expect(bot.body.id).toMatch(/^bot-[0-9a-f]{16}$/);
    expect(bot.body.webhookSecret).toMatch(/^whsec_/);
    expect(bot.body.webhookUrl).toBe(`${h.config.origin}/webhooks/tradingview/${bot.body.id}`);
    const id: string = bot.body.id;

    const policy = must(await user.setPolicy(id, POLICY), 'policy').body;
    expect(policy.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(policy.executionEnabled).toBe(false);

    const enableChallenge = must(await user.challenge('enable-execution', { botId: id, windowMs: 2 * HOUR }), 'challenge').body;
    expect(enableChallenge.policyHash).toBe(policy.policyHash);
    expect(enableChallenge.message).toContain(`urn:agentvault:policy:sha256:${policy.policyHash}`);
    const grant = must(await user.request('POST', `/bots/${id}/execution`, { message: enableChallenge.message, signature: user.wallet.sign(enableChallenge.message) }), 'enable');
    expect(grant.status).toBe(201);
    expect(grant.body.agent).toBe(bot.body.agent);
    expect(Date.parse(grant.body.expiresAt) - Date.parse(grant.body.notBefore)).toBe(2 * HOUR);

    const listed = must(await user.request('GET', '/bots'), 'list').body.bots;
    expect(listed).toEqual([{ id, name: 'sol', agent: bot.body.agent, policyHash: policy.policyHash, execution: { grantId: grant.body.grantId, expiresAt: grant.body.expiresAt, active: true } }]);

    // the webhook signs a transaction message with the agent key; the signature verifies
    const fired = must(await user.webhook(id, { secret: bot.body.webhookSecret, ...ORDER }), 'webhook').body;
    const message = Buffer.from(fired.transactionMessage, 'base64');
    expect(nacl.sign.detached.verify(message, base58.decode(fired.signature), base58.decode(bot.body.agent))).toBe(true);
    const decoded = decodeTransactionMessage(new Uint8Array(message));
    expect(decoded.staticAccounts).toEqual([bot.body.agent, MEMO_PROGRAM]);

    // revoke, then enable again with a new signature
    const revoked = must(await user.revoke(id), 'revoke').body;
    expect(revoked).toEqual({ bot: id, revoked: true, grantId: grant.body.grantId });
    must(await user.enableExecution(id), 're-enable');
    must(await user.webhook(id, { secret: bot.body.webhookSecret, ...ORDER }), 'webhook after re-enable');

    // kill switches (session only)
    expect(must(await user.request('POST', `/bots/${id}/kill`, {}), 'kill bot').body).toEqual({ killed: true, scope: 'bot', bot: id });
    expect(must(await user.request('POST', '/kill', {}), 'kill wallet').body).toEqual({ killed: true, scope: 'wallet', address: user.wallet.address });
    // The wallet kill switch also ends the vault session everywhere (SPEC 12): unlock again.
    expectRefused(await user.request('POST', '/bots', { name: 'after-kill' }), 423, 'VAULT_LOCKED');
    must(await user.unlock(), 'unlock after the kill switch');

    // reveal: the mnemonic of this bot's agent wallet, once, never cached
    const reveal = must(await user.revealMnemonic(id), 'reveal');
    expect(reveal.headers.get('cache-control')).toBe('no-store');
    expect(reveal.body.mnemonic.split(' ')).toHaveLength(24);
    expect(deriveSolanaKeypair(reveal.body.mnemonic).address).toBe(bot.body.agent);

    // sign-out ends the session and locks the vault
    must(await user.request('POST', '/auth/sign-out', {}), 'sign out');
    expectAuthRefused(await user.request('GET', '/bots'));
  });

  it.skipIf(backend.skip !== '')('bearer sessions; Secure cookies on an https origin; sessions end after 24 h', async () => {
    const h = await start();
    const { user } = await ready(h, 'bearer');
    expect(user.credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    must(await user.request('GET', '/bots'), 'bearer works');
    h.advance(24 * HOUR + 1000);
    expectAuthRefused(await user.request('GET', '/bots'));
    expectLogged(h, 'AUTHORIZATION_REQUIRED');

    const https = await start({ origin: 'https://app.example.com' });
    const c = new Client(https.url);
    const reply = must(await c.signIn(), 'sign in');
    expect(reply.headers.get('set-cookie')).toMatch(/; Secure/);
    expect((await c.challenge('sign-in', { address: c.wallet.address })).body.message).toMatch(/^app\.example\.com wants you/);
  });

  it.skipIf(backend.skip !== '')('refuses a replayed nonce', async () => {
    const h = await start();
    const user = new Client(h.url);
    const { message, signature } = await user.signed('sign-in', { address: user.wallet.address });
    must(await user.request('POST', '/auth/sign-in', { message, signature }), 'first');
    expectAuthRefused(await user.request('POST', '/auth/sign-in', { message, signature }));
    expectLogged(h, 'NONCE_UNKNOWN');
  });

  it.skipIf(backend.skip !== '')('refuses a message issued for another domain (two apps sharing one nonce store)', async () => {
    const a = await start();
    const b = await start({ storage: a.storage });
    expect(a.config.domain).not.toBe(b.config.domain);
    const user = new Client(a.url);
    const { message, signature } = await user.signed('sign-in', { address: user.wallet.address });
    expectAuthRefused(await new Client(b.url, user.wallet).request('POST', '/auth/sign-in', { message, signature }));
    expectLogged(b, 'DOMAIN_MISMATCH');
  });

  it.skipIf(backend.skip !== '')('refuses a message issued for another chain', async () => {
    const a = await start();
    const b = await start({ storage: a.storage, origin: a.config.origin, config: { chain: 'devnet' } });
    const user = new Client(a.url);
    const { message, signature } = await user.signed('sign-in', { address: user.wallet.address });
    expect(message).toContain('Chain ID: mainnet');
    expectAuthRefused(await new Client(b.url, user.wallet).request('POST', '/auth/sign-in', { message, signature }));
    expectLogged(b, 'CHAIN_MISMATCH');
  });

  it.skipIf(backend.skip !== '')('refuses an expired message', async () => {
    const h = await start();
    const user = new Client(h.url);
    const { message, signature } = await user.signed('sign-in', { address: user.wallet.address });
    h.advance(12 * MIN); // lifetime 10 min + 1 min skew, within the store's 5-minute grace
    expectAuthRefused(await user.request('POST', '/auth/sign-in', { message, signature }));
    expectLogged(h, 'MESSAGE_EXPIRED');
  });

  it.skipIf(backend.skip !== '')('refuses a message of the wrong purpose', async () => {
    const h = await start();
    const user = new Client(h.url);
    must(await user.signIn(), 'sign in');
    must(await user.createVault(), 'vault');
    const unlockMsg = await user.signed('unlock');
    expectAuthRefused(await user.request('POST', '/auth/sign-in', { message: unlockMsg.message, signature: unlockMsg.signature }));
    expectLogged(h, 'PURPOSE_MISMATCH');

    const signInMsg = await user.signed('sign-in', { address: user.wallet.address });
    const kdm = (await user.challenge('unlock')).body.keyMessage.text;
    expectAuthRefused(await user.request('POST', '/vault/unlock', { ...pick(signInMsg), keyMessageSignature: user.wallet.sign(kdm) }));
    expect(h.logs.filter((l) => l.includes('code=PURPOSE_MISMATCH'))).toHaveLength(2);
  });

  it.skipIf(backend.skip !== '')('refuses an address / key mismatch', async () => {
    const h = await start();
    const alice = new Client(h.url);
    const mallory = new Client(h.url);
    // A message naming Alice, signed by Mallory's key: the message address must be the verifying key.
    const c = must(await alice.challenge('sign-in', { address: alice.wallet.address }), 'challenge').body;
    expectAuthRefused(await mallory.request('POST', '/auth/sign-in', { message: c.message, signature: mallory.wallet.sign(c.message) }));
    expectLogged(h, 'INVALID_SIGNATURE');
    // Mallory's own valid unlock message, presented in Alice's session.
    must(await alice.signIn(), 'alice');
    must(await mallory.signIn(), 'mallory');
    must(await alice.challenge('unlock'), 'alice starts creating her vault');
    const m = await mallory.signed('unlock');
    const kdm = m.reply.body.keyMessage.text;
    expectAuthRefused(await alice.request('POST', '/vault', { ...pick(m), keyMessageSignatures: [mallory.wallet.sign(kdm), mallory.wallet.sign(kdm)] }));
    expectLogged(h, 'ADDRESS_MISMATCH');
  });

  it.skipIf(backend.skip !== '')('refuses to unlock a vault with a different wallet', async () => {
    const h = await start();
    const alice = new Client(h.url);
    must(await alice.signIn(), 'alice');
    must(await alice.createVault(), 'vault');
    must(await alice.request('POST', '/vault/lock', {}), 'lock');
    const mallory = new Client(h.url);
    must(await mallory.signIn(), 'mallory');
    // 1. Mallory holds Alice's session (stolen cookie) and signs Alice's challenge with her own wallet.
    const thief = new Client(h.url, mallory.wallet);
    thief.credential = alice.credential;
    const c = must(await thief.challenge('unlock'), 'challenge').body;
    const r1 = await thief.request('POST', '/vault/unlock', { message: c.message, signature: mallory.wallet.sign(c.message), keyMessageSignature: mallory.wallet.sign(c.keyMessage.text) });
    expectAuthRefused(r1);
    expectLogged(h, 'INVALID_SIGNATURE');
    // 2. ... or presents her own signed unlock message.
    const own = await mallory.signed('unlock');
    expectAuthRefused(await thief.request('POST', '/vault/unlock', { ...pick(own), keyMessageSignature: mallory.wallet.sign(c.keyMessage.text) }));
    expectLogged(h, 'ADDRESS_MISMATCH');
    // 3. Alice's fresh unlock message is not enough with another wallet's key-message signature.
    const fresh = await alice.signed('unlock');
    const r3 = await alice.request('POST', '/vault/unlock', { ...pick(fresh), keyMessageSignature: mallory.wallet.sign(c.keyMessage.text) });
    expectAuthRefused(r3);
    expect(h.logs.filter((l) => l.includes('code=INVALID_SIGNATURE'))).toHaveLength(2);
    expectRefused(await alice.createBot('x'), 423, 'VAULT_LOCKED');
    // Alice herself unlocks.
    must(await alice.unlock(), 'alice unlocks');
  });

  it.skipIf(backend.skip !== '')('refuses a revoked grant', async () => {
    const h = await start();
    const { user, bot, alert } = await ready(h);
    must(await user.webhook(bot.id, alert), 'before revoke');
    must(await user.revoke(bot.id), 'revoke');
    expectRefused(await user.webhook(bot.id, alert), 403, 'GRANT_REVOKED');
    // A new policy also ends the grant: the user must sign the new hash.
    must(await user.enableExecution(bot.id), 're-enable');
    must(await user.webhook(bot.id, alert), 'after re-enable');
    const changed = must(await user.setPolicy(bot.id, { ...POLICY, maxLeverage: '20' }), 'raise a limit').body;
    expect(changed.grantRevoked).toBe(true);
    expectRefused(await user.webhook(bot.id, alert), 403, 'GRANT_REVOKED');
  });

  it.skipIf(backend.skip !== '')('checks revocation in the shared store on every use', async () => {
    const h = await start();
    const { user, bot, grant, alert } = await ready(h);
    must(await user.webhook(bot.id, alert), 'before');
    // Another instance (same store) revoked it: this instance's rows know nothing of it.
    await h.storage.stores.revocations.revoke(grant.grantId);
    expectRefused(await user.webhook(bot.id, alert), 403, 'GRANT_REVOKED');
  });

  it.skipIf(backend.skip !== '')('refuses a vault from a non-deterministic signer; accepts Ledger-style off-chain messages', async () => {
    const h = await start();
    const tw = testWallet();
    const user = new Client(h.url, Wallet.fromSeed(tw.seed));
    // sign-in as a Solana off-chain message v1 (what Ledger signs), sent as the exact bytes
    const c = must(await user.challenge('sign-in', { address: tw.address }), 'challenge').body;
    const envelope = encodeOffchainMessage(c.message, tw.address);
    const signIn = must(await user.request('POST', '/auth/sign-in', { signedBytes: Buffer.from(envelope).toString('base64'), signature: base58.encode(tw.sign(envelope)), session: 'bearer' }), 'off-chain sign-in');
    user.credential = signIn.body.token;
    // two valid but different key-message signatures (an MPC-style randomized signer)
    const u = await user.signed('unlock');
    const kdm = u.reply.body.keyMessage.text;
    const r = await user.request('POST', '/vault', { ...pick(u), keyMessageSignatures: [base58.encode(tw.signRandomized(kdm)), base58.encode(tw.signRandomized(kdm))] });
    expectRefused(r, 422, 'NONDETERMINISTIC_SIGNER');
    expect(await h.storage.repo.getVault(tw.address)).toBeNull();
    must(await user.createVault(), 'deterministic signatures work');
  });

  it.skipIf(backend.skip !== '')('refuses a killed bot and a killed wallet; a fresh signature re-arms the bot', async () => {
    const h = await start();
    const { user, bot, alert } = await ready(h);
    must(await user.request('POST', `/bots/${bot.id}/kill`, {}), 'kill bot');
    expectRefused(await user.webhook(bot.id, alert), 403, 'GRANT_KILLED');
    must(await user.enableExecution(bot.id), 're-enable');
    must(await user.webhook(bot.id, alert), 're-armed');
    must(await user.request('POST', '/kill', {}), 'kill wallet');
    expectRefused(await user.webhook(bot.id, alert), 403, 'GRANT_KILLED');
  });

  it.skipIf(backend.skip !== '')('refuses orders that violate the policy, and transactions the signer must not sign', async () => {
    const h = await start();
    const { user, bot, alert } = await ready(h);
    const bad = await user.webhook(bot.id, { ...alert, market: 'ETH-PERP', type: 'market', leverage: '10', slippageBps: 500 });
    expectRefused(bad, 422, 'POLICY_VIOLATION');
    expect(bad.body.error.details.rules).toEqual(['market', 'leverage', 'slippage']);
    // position limit: 1000 + 1000 + ... up to 5000, the next one is over
    for (let i = 0; i < 5; i++) must(await user.webhook(bot.id, alert), `order ${i}`);
    const over = await user.webhook(bot.id, alert);
    expectRefused(over, 422, 'POLICY_VIOLATION');
    expect(over.body.error.details.rules).toEqual(['positionNotional']);
    // a server whose transaction builder produces a transfer out of the agent wallet: refused by the signer
    const evil = await start({
      storage: h.storage,
      origin: h.config.origin,
      kek: h.kek,
      buildTransaction: ({ agent }) => [getTransferSolInstruction({ source: agent, destination: address(Wallet.generate().address), amount: 1n })],
    });
    const refusedTx = await new Client(evil.url).webhook(bot.id, { ...alert, type: 'cancel', notional: '0' });
    expectRefused(refusedTx, 422, 'SIGNING_REFUSED');
    expect(refusedTx.body.error.details.reason).toBe('program-never-allowed');
  });

  it.skipIf(backend.skip !== '')('concurrent alerts cannot together exceed the position limit', async () => {
    const h = await start();
    const { user, bot, alert } = await ready(h);
    const replies = await Promise.all(Array.from({ length: 7 }, () => user.webhook(bot.id, alert)));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 422, 422]);
  });

  it.skipIf(backend.skip !== '')('refuses a bad webhook secret, uniformly, and malformed alerts', async () => {
    const h = await start();
    const { user, bot, alert } = await ready(h);
    const wrong = await user.webhook(bot.id, { ...alert, secret: `whsec_${'A'.repeat(43)}` });
    const unknown = await user.webhook('bot-0000000000000000', alert);
    const missing = await user.webhook(bot.id, { ...alert, secret: undefined });
    for (const r of [wrong, unknown, missing]) expectAuthRefused(r);
    expect(wrong.text).toBe(unknown.text);
    expect(h.logs.some((l) => l.includes('webhook secret mismatch'))).toBe(true);
    expect(h.logs.some((l) => l.includes('webhook for an unknown bot'))).toBe(true);
    // another bot's secret does not fire this bot
    const other = must(await user.createBot('other'), 'other bot').body;
    expectAuthRefused(await user.webhook(bot.id, { ...alert, secret: other.webhookSecret }));
    // strict schema
    expectRefused(await user.webhook(bot.id, { ...alert, extra: 1 }), 400, 'INVALID_INPUT');
    expectRefused(await user.webhook(bot.id, { ...alert, notional: 1000 }), 400, 'INVALID_INPUT');
    expectRefused(await user.webhook(bot.id, { ...alert, side: 'short' }), 400, 'INVALID_INPUT');
    expectRefused(await user.request('POST', `/webhooks/tradingview/${bot.id}`, undefined, { raw: 'not json', anonymous: true }), 400, 'INVALID_INPUT');
    // a bot whose execution was never enabled
    expectRefused(await user.webhook(other.id, { ...alert, secret: other.webhookSecret }), 403, 'AUTHORIZATION_REQUIRED');
  });

  it.skipIf(backend.skip !== '')('refuses oversized bodies and non-JSON requests', async () => {
    const h = await start();
    const { user, bot, alert } = await ready(h);
    const big = await user.request('POST', `/webhooks/tradingview/${bot.id}`, undefined, { raw: JSON.stringify({ ...alert, pad: 'x'.repeat(4096) }), anonymous: true });
    expectRefused(big, 413, 'INVALID_INPUT');
    expectRefused(await user.request('POST', '/auth/challenge', undefined, { raw: JSON.stringify({ purpose: 'sign-in', pad: 'x'.repeat(20_000) }) }), 413, 'INVALID_INPUT');
    expectRefused(await user.request('POST', '/vault/lock', undefined, { raw: '{}', contentType: 'text/plain' }), 415, 'INVALID_INPUT');
    expectRefused(await user.request('POST', '/auth/challenge', { purpose: 'sign-in', address: user.wallet.address, extra: true }), 400, 'INVALID_INPUT');
  });

  it.skipIf(backend.skip !== '')('reveals a mnemonic once; a replay and a second reveal are refused', async () => {
    const h = await start();
    const { user, bot } = await ready(h);
    const { message, signature } = await user.signed('reveal-mnemonic', { botId: bot.id });
    const first = must(await user.request('POST', '/vault/mnemonic/reveal', { botId: bot.id, message, signature }), 'reveal');
    expect(first.body.mnemonic.split(' ')).toHaveLength(24);
    expectAuthRefused(await user.request('POST', '/vault/mnemonic/reveal', { botId: bot.id, message, signature }));
    expectLogged(h, 'NONCE_UNKNOWN');
    const second = await user.revealMnemonic(bot.id);
    expectRefused(second, 429, 'RATE_LIMITED');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
    expect(second.body.error.details.retryAfterMs).toBeGreaterThan(23 * HOUR);
    expect(second.body.mnemonic).toBeUndefined();
    // a reveal message names its bot: it cannot open another bot's phrase
    const other = must(await user.createBot('other'), 'other').body;
    const forOther = await user.signed('reveal-mnemonic', { botId: bot.id });
    expectAuthRefused(await user.request('POST', '/vault/mnemonic/reveal', { botId: other.id, ...pick(forOther) }));
  });

  it.skipIf(backend.skip !== '')('a message for one bot cannot enable another; grants expire', async () => {
    const h = await start();
    const { user, bot, alert } = await ready(h);
    const other = must(await user.createBot('other'), 'other').body;
    must(await user.setPolicy(other.id, POLICY), 'policy');
    const forBot = await user.signed('enable-execution', { botId: bot.id });
    expectAuthRefused(await user.request('POST', `/bots/${other.id}/execution`, pick(forBot)));
    // another user's bot does not exist for this session
    const eve = new Client(h.url);
    must(await eve.signIn(), 'eve');
    expectRefused(await eve.request('DELETE', `/bots/${bot.id}/execution`, {}), 404, 'NOT_FOUND');
    expectRefused(await eve.request('POST', `/bots/${bot.id}/kill`, {}), 404, 'NOT_FOUND');
    // the grant window (default 1 h) ends
    h.advance(HOUR + 1000);
    expectRefused(await user.webhook(bot.id, alert), 403, 'GRANT_EXPIRED');
  });
});

function pick(s: { message: string; signature: string }) {
  return { message: s.message, signature: s.signature };
}
