/**
 * End to end under a v2 policy (issue 12 item 7, issue 13 "Done when"): a bot enabled with a v2
 * policy (the enable-execution message carries its summary), TradingView-style alerts for swaps,
 * transfers and Drift orders, transactions built from the pinned IDLs (Codama) and the
 * `@solana-program/*` clients, signed through the Kit adapter. A hostile transaction builder (a
 * compromised swap API or server dependency) stands in for the attacks of the issues: each is
 * refused with SIGNING_REFUSED, the reason and the policy path of the rule in the response and in
 * the log; no secret appears in any response or log line.
 */
import { base58 } from '@scure/base';
import { AccountRole, address } from '@solana/kit';
import nacl from 'tweetnacl';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deriveSolanaKeypair } from 'agentvault/derivation';
import { decodeTransactionMessage, DRIFT_V2_PROGRAM, JUPITER_V6_PROGRAM, WSOL_MINT } from 'agentvault/execution';
import { expectNoSecretIn } from '../../test/helpers/secrets.js';
import { Client, must, Wallet, type Reply } from './client.js';
import { backends, startHarness, type Harness } from './_harness.js';
import { ataOf, exampleV2Policy, USDC_MINT, VenueTransactions, type BuildTransaction } from './venues.js';

const venues = VenueTransactions.load();
const treasury = Wallet.generate().address;
const attacker = Wallet.generate().address;
const SOL = 1_000_000_000n;

const SWAP = { type: 'swap', inputMint: WSOL_MINT, outputMint: USDC_MINT, amount: '500000000', slippageBps: 50 };
const PERP = { type: 'market', market: 'SOL-PERP', side: 'buy', notional: '150', leverage: '2', slippageBps: 50, baseAmount: String(SOL) };

/** The refusal in the response: SIGNING_REFUSED (422) with this reason, a policy path, and the same in the log. */
function expectSigningRefused(h: Harness, reply: Reply, reason: string | RegExp, rule: RegExp): { rule: string; instructionIndex?: number } {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status: 422, code: 'SIGNING_REFUSED' });
  const d = reply.body.error.details;
  if (typeof reason === 'string') expect(d.reason).toBe(reason);
  else expect(d.reason).toMatch(reason);
  expect(d.rule).toMatch(rule);
  // The audit hook's line (every decision) and the error line both name the reason and the rule.
  const decision = h.logs.filter((l) => l.includes(' signing-decision ') && l.includes('allowed=false')).at(-1) ?? '';
  expect(decision).toContain(`reason=${d.reason}`);
  expect(decision).toContain(`rule=${d.rule}`);
  const error = h.logs.filter((l) => / refused .*code=SIGNING_REFUSED /.test(l)).at(-1) ?? '';
  expect(error).toContain(`refusal=${d.reason}`);
  expect(error).toContain(`rule=${d.rule}`);
  return d;
}

describe.each(backends())('v2 spot flow over $name', (backend) => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0).reverse()) await h.close();
  });
  afterAll(() => backend.close());

  /**
   * A server whose transaction builder can be swapped for a hostile one (`builder.evil`), a signed-in
   * user with a vault, one bot under the example v2 policy, execution enabled.
   */
  async function ready(policy = exampleV2Policy({ destinations: [treasury] })) {
    const builder: { evil: BuildTransaction | undefined } = { evil: undefined };
    const replies: { path: string; reply: Reply }[] = [];
    const h = await startHarness(backend, { buildTransaction: (input) => (builder.evil ?? venues.build)(input) });
    harnesses.push(h);
    const user = new Client(h.url, Wallet.generate(), { onReply: (path, reply) => replies.push({ path, reply }) });
    must(await user.signIn(), 'sign in');
    must(await user.createVault(), 'create vault');
    const bot = must(await user.createBot('spot'), 'create bot').body;
    const stored = must(await user.setPolicy(bot.id, policy), 'policy').body;
    const enable = must(await user.challenge('enable-execution', { botId: bot.id }), 'challenge').body;
    must(await user.request('POST', `/bots/${bot.id}/execution`, { message: enable.message, signature: user.wallet.sign(enable.message) }), 'enable');
    const fire = (alert: Record<string, unknown>) => user.webhook(bot.id, { secret: bot.webhookSecret, ...alert });
    return { h, user, bot, stored, enable, builder, replies, fire };
  }

  const verifies = (reply: Reply, agent: string) =>
    nacl.sign.detached.verify(Buffer.from(reply.body.transactionMessage, 'base64'), base58.decode(reply.body.signature), base58.decode(agent));

  it.skipIf(backend.skip !== '')('the user signs the policy summary; an honest swap within limits signs (wrap SOL, Jupiter route, unwrap) through the Kit adapter', async () => {
    const { h, bot, stored, enable, fire } = await ready();
    // Refusals name rules by their path in the normalized policy (the one PUT /bots/:id/policy returns).
    expect(stored.policy.programs.map((p: { program: string }) => p.program)).toEqual([
      '11111111111111111111111111111111',
      'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL',
      JUPITER_V6_PROGRAM,
      'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
      DRIFT_V2_PROGRAM,
    ]);
    // The enable-execution message carries the human-readable summary of the v2 policy (SPEC 10.3.7).
    expect(typeof enable.policySummary).toBe('string');
    expect(enable.message).toContain(enable.policySummary);
    expect(enable.policySummary).toMatch(/USDC/);

    const ok = must(await fire(SWAP), 'swap');
    expect(ok.body.orderType).toBe('swap');
    expect(verifies(ok, bot.agent)).toBe(true);
    const tx = decodeTransactionMessage(new Uint8Array(Buffer.from(ok.body.transactionMessage, 'base64')));
    expect(tx.version).toBe(0);
    expect(tx.staticAccounts[0]).toBe(bot.agent);
    const programs = tx.instructions.map((ix) => tx.staticAccounts[ix.programAddressIndex]);
    expect(programs).toEqual([
      'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', // create the agent's wSOL ATA
      '11111111111111111111111111111111', // System transfer into it
      'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', // SyncNative
      'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', // the agent's USDC ATA
      JUPITER_V6_PROGRAM, // sharedAccountsRoute
      'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', // CloseAccount: unwrap what is left
    ]);
    // The wSOL ATA the System transfer pays into is the agent's own (derived independently by Kit).
    expect(tx.staticAccounts).toContain(await ataOf(bot.agent, WSOL_MINT));
    expect(h.logs.some((l) => l.includes(' signing-decision ') && l.includes('allowed=true') && /messageHash=[0-9a-f]{64}/.test(l))).toBe(true);
    expect(h.logs.some((l) => l.includes(' webhook-signed ') && l.includes('orderType=swap'))).toBe(true);

    // USDC -> wSOL: no wrapping, the output wSOL account is closed (unwrapped) after the route.
    const back = must(await fire({ type: 'swap', inputMint: USDC_MINT, outputMint: WSOL_MINT, amount: '100000000', slippageBps: 30 }), 'swap back');
    expect(verifies(back, bot.agent)).toBe(true);
  });

  it.skipIf(backend.skip !== '')('a swap above the cap is refused before any key is opened; a route above the order by the signer', async () => {
    const { h, builder, fire } = await ready();
    const over = await fire({ ...SWAP, amount: String(SOL + 1n) });
    expect({ status: over.status, code: over.body.error.code }).toEqual({ status: 422, code: 'POLICY_VIOLATION' });
    expect(over.body.error.details.rules).toEqual([`spot.maxInput.${WSOL_MINT}`]);
    expect(h.logs.at(-2)).toMatch(new RegExp(`code=POLICY_VIOLATION .*rules=spot.maxInput.${WSOL_MINT}`));
    // A pair the policy does not list, and a slippage above the maximum.
    const pair = await fire({ ...SWAP, outputMint: 'Es9vMFrzaCERmJfrF4H2FYD3KNfqA2ZrBh5Yk1LvNs1T', slippageBps: 80 });
    expect(pair.body.error.details.rules).toEqual(['spot.pairs', 'spot.maxSlippageBps']);
    // The alert says 0.5 SOL, the (compromised) builder routes 1 SOL: the route is bound to the order.
    builder.evil = async ({ agent }) => [...(await venues.wrapSol(agent, SOL)), await venues.sharedAccountsRoute({ agent, inputMint: WSOL_MINT, outputMint: USDC_MINT, inAmount: SOL, slippageBps: 50 })];
    expectSigningRefused(h, await fire(SWAP), 'arg-mismatch', /^programs\[2\]\.instructions\.sharedAccountsRoute\.args\[\d+\]$/);
  });

  it.skipIf(backend.skip !== '')('a swap to a foreign destination and a Jupiter route to an attacker\'s token account are refused', async () => {
    const { h, builder, fire } = await ready();
    // sharedAccountsRoute whose destination token account is the attacker's USDC ATA.
    builder.evil = async ({ agent }) => [
      ...(await venues.wrapSol(agent, 500_000_000n)),
      await venues.sharedAccountsRoute({ agent, inputMint: WSOL_MINT, outputMint: USDC_MINT, inAmount: 500_000_000n, slippageBps: 50, destination: await ataOf(attacker, USDC_MINT) }),
    ];
    const d = expectSigningRefused(h, await fire(SWAP), 'account-mismatch', /^programs\[2\]\.instructions\.sharedAccountsRoute\.accounts\[\d+\]$/);
    expect(d.instructionIndex).toBe(3);
    // explainTransaction names the decoded instruction in the log.
    expect(h.logs.some((l) => l.includes(' signing-explained ') && l.includes('instruction=sharedAccountsRoute') && l.includes(`program=${JUPITER_V6_PROGRAM}`))).toBe(true);

    // `route` whose optional destinationTokenAccount is Some(attacker's token account).
    builder.evil = async ({ agent }) => [
      ...(await venues.wrapSol(agent, 500_000_000n)),
      await venues.route({ agent, inputMint: WSOL_MINT, outputMint: USDC_MINT, inAmount: 500_000_000n, slippageBps: 50, destinationTokenAccount: await ataOf(attacker, USDC_MINT) }),
    ];
    expectSigningRefused(h, await fire(SWAP), 'account-mismatch', /^programs\[2\]\.instructions\.route\.accounts\[\d+\]$/);
    // The same route with its output to the agent's own account signs.
    builder.evil = async ({ agent }) => [...(await venues.wrapSol(agent, 500_000_000n)), await venues.route({ agent, inputMint: WSOL_MINT, outputMint: USDC_MINT, inAmount: 500_000_000n, slippageBps: 50 })];
    must(await fire(SWAP), 'honest route');
  });

  it.skipIf(backend.skip !== '')('a transfer to a listed destination signs; to another is refused (by the policy, and by the signer when the builder lies)', async () => {
    const { h, bot, builder, fire } = await ready();
    const ok = must(await fire({ type: 'transfer', mint: USDC_MINT, amount: '25000000', destination: treasury }), 'transfer');
    expect(verifies(ok, bot.agent)).toBe(true);
    const refused = await fire({ type: 'transfer', mint: USDC_MINT, amount: '25000000', destination: attacker });
    expect({ status: refused.status, code: refused.body.error.code, rules: refused.body.error.details.rules }).toEqual({ status: 422, code: 'POLICY_VIOLATION', rules: ['transfers.destinations'] });
    expect((await fire({ type: 'transfer', mint: USDC_MINT, amount: '50000001', destination: treasury })).body.error.details.rules).toEqual([`transfers.maxAmount.${USDC_MINT}`]);
    // The alert names the treasury; the builder sends to the attacker.
    builder.evil = async ({ agent }) => [await venues.transfer(agent, USDC_MINT, 25_000_000n, attacker)];
    expectSigningRefused(h, await fire({ type: 'transfer', mint: USDC_MINT, amount: '25000000', destination: treasury }), 'destination-not-allowed', /^transfers\.destinations$/);
    // System transfers other than wrapping into the agent's own wSOL account stay refused.
    builder.evil = async ({ agent }) => [...(await venues.wrapSol(agent, 1n)).slice(0, 1), { ...(await venues.wrapSol(agent, 1n))[1]!, accounts: [{ address: agent.address, role: AccountRole.WRITABLE_SIGNER, signer: agent }, { address: address(attacker), role: AccountRole.WRITABLE }] } as never];
    expectSigningRefused(h, await fire({ type: 'transfer', mint: USDC_MINT, amount: '1', destination: treasury }), 'destination-not-allowed', /^wrapSol$/);
  });

  it.skipIf(backend.skip !== '')('Drift: an honest perps order and a cancel sign; a withdraw and a cancel carrying placePerpOrder are refused', async () => {
    const { h, bot, builder, fire } = await ready();
    const placed = must(await fire(PERP), 'perp order');
    expect(verifies(placed, bot.agent)).toBe(true);
    const tx = decodeTransactionMessage(new Uint8Array(Buffer.from(placed.body.transactionMessage, 'base64')));
    expect(tx.instructions.map((ix) => tx.staticAccounts[ix.programAddressIndex])).toEqual([DRIFT_V2_PROGRAM]);
    must(await fire({ type: 'cancel', market: 'SOL-PERP' }), 'cancel');
    // The order is bound: a perps order above the size cap, or another market, is refused.
    // BTC-PERP is not allowed; at the demo oracle's 60000 the claimed notional (150) is also too small for 1 BTC.
    expect((await fire({ ...PERP, market: 'BTC-PERP' })).body.error.details.rules).toEqual(['perps.markets', 'order.notional']);
    builder.evil = async ({ agent }) => [await venues.placePerpOrder(agent, { market: 'SOL-PERP', side: 'buy', type: 'market', baseAmount: 2n * SOL })];
    expectSigningRefused(h, await fire(PERP), 'arg-mismatch', /^programs\[4\]\.instructions\.placePerpOrder\.args\[\d+\]$/);
    // withdraw: not in the preset, refused whatever the order.
    builder.evil = async ({ agent }) => [
      await venues.drift('withdraw', { marketIndex: 0, amount: SOL, reduceOnly: false }, agent, [1, 2, 3, 4, 5].map(() => ({ address: Wallet.generate().address, role: AccountRole.WRITABLE }))),
    ];
    expectSigningRefused(h, await fire(PERP), 'instruction-not-allowed', /^programs\[4\]\.instructions$/);
    // A cancel order whose transaction places an order (issue 12: cancels skip the loss limit).
    builder.evil = async ({ agent }) => [await venues.placePerpOrder(agent, { market: 'SOL-PERP', side: 'buy', type: 'market', baseAmount: SOL })];
    expectSigningRefused(h, await fire({ type: 'cancel', market: 'SOL-PERP' }), 'order-kind', /^programs\[4\]\.instructions\.placePerpOrder\.for$/);
  });

  it.skipIf(backend.skip !== '')('daily loss limit "0": perps orders are refused, and a cancel cannot smuggle one in', async () => {
    const { h, builder, fire } = await ready(exampleV2Policy({ destinations: [treasury], dailyLossLimit: '0' }));
    expect((await fire(PERP)).body.error.details.rules).toEqual(['perps.dailyLossLimit']);
    must(await fire({ type: 'cancel', market: 'SOL-PERP' }), 'honest cancel');
    builder.evil = async ({ agent }) => [await venues.cancelOrders(agent, 'SOL-PERP'), await venues.placePerpOrder(agent, { market: 'SOL-PERP', side: 'sell', type: 'market', baseAmount: SOL })];
    const d = expectSigningRefused(h, await fire({ type: 'cancel', market: 'SOL-PERP' }), 'order-kind', /^programs\[4\]\.instructions\.placePerpOrder\.for$/);
    expect(d.instructionIndex).toBe(1);
  });

  it.skipIf(backend.skip !== '')('alerts are strict per order type', async () => {
    const { fire } = await ready();
    const bad = async (alert: Record<string, unknown>, field: string) => {
      const r = await fire(alert);
      expect({ status: r.status, code: r.body.error.code, field: r.body.error.details?.field }).toEqual({ status: 400, code: 'INVALID_INPUT', field });
    };
    await bad({ ...SWAP, market: 'SOL-PERP' }, 'market');
    await bad({ ...SWAP, amount: '1.5' }, 'amount');
    await bad({ ...SWAP, amount: '-1' }, 'amount');
    await bad({ ...SWAP, inputMint: 'not-an-address' }, 'inputMint');
    await bad({ type: 'transfer', mint: USDC_MINT, amount: '1' }, 'destination');
    await bad({ type: 'cancel', market: 'SOL-PERP', side: 'buy' }, 'side');
    const { baseAmount: _, ...noSize } = PERP;
    await bad(noSize, 'baseAmount');
    await bad({ ...SWAP, type: 'withdraw' }, 'type');
  });

  it.skipIf(backend.skip !== '')('no secret in any response or log line of the spot flow', async () => {
    const { h, user, bot, builder, fire, replies } = await ready();
    must(await fire(SWAP), 'swap');
    await fire({ ...SWAP, amount: String(2n * SOL) });
    must(await fire({ type: 'transfer', mint: USDC_MINT, amount: '1', destination: treasury }), 'transfer');
    must(await fire(PERP), 'perp');
    builder.evil = async ({ agent }) => [await venues.sharedAccountsRoute({ agent, inputMint: WSOL_MINT, outputMint: USDC_MINT, inAmount: 1n, slippageBps: 50, destination: await ataOf(attacker, USDC_MINT) })];
    expect((await fire(SWAP)).status).toBe(422);
    builder.evil = undefined;
    const reveal = must(await user.revealMnemonic(bot.id), 'reveal');
    const agent = deriveSolanaKeypair(reveal.body.mnemonic);
    expect(agent.address).toBe(bot.agent);
    const secrets = [reveal.body.mnemonic as string, agent.seed.expose(), agent.secretKey.expose(), h.kek, user.credential!];
    expectNoSecretIn(h.logs.join('\n'), [...secrets, bot.webhookSecret], 'server log');
    for (const { path, reply } of replies) {
      if (reply === reveal) continue;
      expectNoSecretIn(reply.text, path === '/bots' && reply.status === 201 ? secrets : [...secrets, bot.webhookSecret], `response of ${path}`);
    }
    expect(h.logs.filter((l) => l.includes(' signing-decision ')).length).toBeGreaterThanOrEqual(4);
  });
});
