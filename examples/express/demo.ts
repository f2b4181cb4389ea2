/**
 * `npm run demo`: starts two instances of the reference server on ephemeral loopback ports, sharing
 * one storage (memory by default; DATABASE_URL / REDIS_URL as for server.ts) and no sticky sessions,
 * and plays a wallet (a generated keypair) through the whole flow, one short line per step, each
 * step on instance A or B: the vault unlocked through A is used through B (SPEC 12). Exits 0 when every step
 * behaved as expected (successes succeeded, refusals were refused with the expected code).
 * No network: the webhook's transaction is signed, not sent. Server logs: LOG_LEVEL=info.
 */
import { base58 } from '@scure/base';
import nacl from 'tweetnacl';
import { Client, must, type Reply } from './client.js';
import { DEFAULT_LIMITS } from './config.js';
import { createLogger, parseLogLevel } from './logger.js';
import { startServer } from './server.js';
import { openStorage } from './storage.js';
import { WSOL_MINT } from 'agentvault/execution';
import { MEMO_PROGRAM } from './transaction.js';
import { exampleV2Policy, USDC_MINT } from './venues.js';

const started = Date.now();
const quiet = process.env['LOG_LEVEL'] === undefined;
const logger = createLogger(quiet ? { level: 'error', sink: () => {} } : { level: parseLogLevel(process.env['LOG_LEVEL']) });
const storage = await openStorage(process.env, DEFAULT_LIMITS, (what, e) => logger.warn('driver-error', { what, error: e.message }));
const server = await startServer({ port: 0, host: '127.0.0.1', logger, storage });
// Instance B: same storage, same KEK, same origin (one deployment behind a load balancer).
const serverB = await startServer({ port: 0, host: '127.0.0.1', logger, storage, origin: server.config.origin, notice: () => {} });

let step = 0;
const line = (what: string, result: string) => console.log(`${String(++step).padStart(2)}. ${what.padEnd(22)} ${result}`);
const short = (s: string) => `${s.slice(0, 6)}…${s.slice(-4)}`;
const refused = (what: string, reply: Reply, status: number, code: string, extra = '') => {
  if (reply.status !== status || reply.body?.error?.code !== code)
    throw new Error(`${what}: expected HTTP ${status} ${code}, got ${reply.status} ${reply.body?.error?.code ?? reply.text}`);
  line(what, `refused: ${status} ${code}${extra}`);
};

try {
  const user = new Client(server.url);
  const viaB = new Client(serverB.url, user.wallet);
  console.log(`agentvault demo: instances A ${server.url} and B ${serverB.url} (${server.storage}, chain ${server.config.chain}, no sticky sessions)`);
  console.log(`    wallet ${user.wallet.address} (generated keypair)`);

  // Enrollment: the unlock message signs the wallet in (no separate sign-in), the key message is signed twice.
  const vault = must(await user.createVault(), 'create vault');
  const cookie = vault.headers.get('set-cookie') ?? '';
  viaB.credential = user.credential;
  line('A: enroll', `ok: unlock + key message x2 (${user.wallet.signatures} signatures), session cookie (${['HttpOnly', 'SameSite=Strict'].filter((f) => cookie.includes(f)).join(', ')}) until ${vault.body.session.expiresAt}, vault unlocked until ${vault.body.unlockedUntil}`);

  const bot = must(await viaB.createBot('sol-momentum'), 'create bot').body;
  line('B: create bot', `ok: vault reopened on B from the shared store, ${bot.id}, agent wallet ${short(bot.agent)}, webhook secret shown once (hidden here)`);

  const policy = {
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
  const set = must(await viaB.setPolicy(bot.id, policy), 'set policy').body;
  line('B: set policy', `ok: sha256 ${set.policyHash.slice(0, 12)}…, inactive until signed`);

  const grant = must(await user.enableExecution(bot.id), 'enable execution').body;
  line('A: enable execution', `ok: signed enable-execution, grant ${grant.grantId.slice(0, 8)}… until ${grant.expiresAt}`);

  const alert = { secret: bot.webhookSecret, market: 'SOL-PERP', side: 'buy', type: 'limit', notional: '1000', leverage: '2' };
  const fired = must(await viaB.webhook(bot.id, alert), 'webhook').body;
  const verified = nacl.sign.detached.verify(Buffer.from(fired.transactionMessage, 'base64'), base58.decode(fired.signature), base58.decode(bot.agent));
  if (!verified) throw new Error('webhook: the signature does not verify under the agent wallet');
  line('B: webhook 1000 @ 2x', `ok: transaction signed by the agent (${short(fired.signature)}), verified`);

  const risky = await user.webhook(bot.id, { ...alert, type: 'market', leverage: '10', slippageBps: 200 });
  refused('webhook: 10x market', risky, 422, 'POLICY_VIOLATION', ` (${risky.body?.error?.details?.rules?.join(', ')})`);

  // Spot under a v2 policy (SPEC 10.4): the user signs the policy's summary; a swap alert wraps SOL
  // and routes through Jupiter (instructions from the pinned IDL), signed through the Kit adapter.
  const spot = must(await viaB.createBot('sol-spot'), 'create spot bot').body;
  must(await viaB.setPolicy(spot.id, exampleV2Policy({ destinations: [user.wallet.address] })), 'set v2 policy');
  const summary = must(await user.challenge('enable-execution', { botId: spot.id }), 'v2 challenge').body;
  must(await user.request('POST', `/bots/${spot.id}/execution`, { message: summary.message, signature: user.wallet.sign(summary.message) }), 'enable v2');
  const swapsPart = /swaps [^;]*/.exec(String(summary.policySummary))?.[0] ?? '';
  line('A: enable v2 (spot)', `ok: the signed message states the limits: "…${swapsPart}…"`);
  const swap = { secret: spot.webhookSecret, type: 'swap', inputMint: WSOL_MINT, outputMint: USDC_MINT, amount: '500000000', slippageBps: 50 };
  const swapped = must(await viaB.webhook(spot.id, swap), 'swap').body;
  if (!nacl.sign.detached.verify(Buffer.from(swapped.transactionMessage, 'base64'), base58.decode(swapped.signature), base58.decode(spot.agent)))
    throw new Error('swap: the signature does not verify under the agent wallet');
  line('B: swap 0.5 SOL->USDC', `ok: wrap + Jupiter route + unwrap signed via Kit (${short(swapped.signature)}), verified`);
  const big = await user.webhook(spot.id, { ...swap, amount: '2000000000' });
  refused('swap 2 SOL (cap 1)', big, 422, 'POLICY_VIOLATION', ` (${big.body?.error?.details?.rules?.join(', ')})`);

  refused('webhook: bad secret', await user.webhook(bot.id, { ...alert, secret: `whsec_${'A'.repeat(43)}` }), 401, 'AUTHORIZATION_REQUIRED');

  must(await user.revoke(bot.id), 'revoke');
  line('revoke execution', 'ok: revoked in the shared store');

  // Another alert (the server signs one alert body at most once: a replayed body is refused first).
  refused('webhook after revoke', await user.webhook(bot.id, { ...alert, notional: '500' }), 403, 'GRANT_REVOKED');

  const reveal = must(await viaB.revealMnemonic(bot.id), 'reveal mnemonic');
  const words = String(reveal.body.mnemonic).split(' ').length;
  line('B: reveal mnemonic', `ok: ${words} words (not printed), Cache-Control: ${reveal.headers.get('cache-control')}`);

  const again = await user.revealMnemonic(bot.id);
  const retry = again.body?.error?.details?.retryAfterMs;
  refused('reveal again', again, 429, 'RATE_LIMITED', typeof retry === 'number' ? ` (retry in ${Math.round(retry / 3_600_000)} h)` : '');

  must(await user.unlock(), 'unlock');
  line('A: unlock again', 'ok: sealed for this session in the shared store');

  must(await viaB.request('POST', '/vault/lock', {}), 'lock');
  line('B: lock vault', 'ok: the sealed session deleted for every instance');
  refused('A: create bot', await user.createBot('too-late'), 423, 'VAULT_LOCKED');

  const before = user.wallet.signatures;
  const both = must(await user.unlockAndEnable(bot.id), 'unlock and enable');
  line('A: unlock + enable', `ok: one unlock-and-enable-execution message + key message (${user.wallet.signatures - before} signatures), grant ${both.body.grantId.slice(0, 8)}…, vault unlocked`);

  must(await user.request('POST', '/kill', {}), 'kill switch');
  line('A: wallet kill switch', 'ok: every bot and every vault session of this wallet stopped');

  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: every step behaved as expected`);
} catch (e) {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await server.close();
  await serverB.close();
  await storage.close();
}
