/**
 * End to end under a v2 policy (issue 12 "Done when", issue 13 e2e): a real enable-execution
 * authorization (summary + hash, signed with tweetnacl), `createExecutionGrant`, then
 * `withExecutionSigner` with the order bound to every transaction. Instructions from
 * `@solana-program/*` clients and Codama-encoded Anchor instructions, compiled by Kit 8.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  address,
  appendTransactionMessageInstructions,
  blockhash,
  compileTransactionMessage,
  createTransactionMessage,
  getCompiledTransactionMessageEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Instruction,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { findAssociatedTokenPda, getCloseAccountInstruction, getCreateAssociatedTokenIdempotentInstruction, getSyncNativeInstruction, getTransferCheckedInstruction } from '@solana-program/token';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { createExecutionGrant, withExecutionSigner } from '../../src/execution/grant.js';
import { normalizePolicy, policyHash, summarizePolicy } from '../../src/execution/policy/index.js';
import { createProgramDecoder } from '../../src/execution/programs/idl/decoder.js';
import { driftV2Preset, DRIFT_V2_PROGRAM } from '../../src/execution/programs/presets/drift.js';
import { jupiterV6Preset, JUPITER_V6_PROGRAM } from '../../src/execution/programs/presets/jupiter.js';
import type { ExecutionSigner } from '../../src/execution/signer.js';
import type { AuditEvent } from '../../src/execution/index.js';
import { issueChallenge, verifySignedMessage } from '../../src/messages/challenge.js';
import { expectCodeAsync } from '../helpers/errors.js';
import { testWallet } from '../helpers/wallet.js';
import { BOT, DOMAIN, newNonces, newRevocations, NOW, setup, URI, wrapperV1, type Setup } from './_fixtures.js';
import { encodeIx, randomAddress } from './programs/_fixtures.js';

const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const friend = testWallet(61).address;
const attacker = testWallet(62).address;
const jupiterBytes = readFileSync(`${SHARED}idl/jupiter-v6.json`);
const driftBytes = readFileSync(`${SHARED}idl/drift-v2.json`);
const programs = [createProgramDecoder(jupiterBytes, { program: JUPITER_V6_PROGRAM }), createProgramDecoder(driftBytes, { program: DRIFT_V2_PROGRAM })];
const jupiterJson = JSON.parse(jupiterBytes.toString('utf8'));
const driftJson = JSON.parse(driftBytes.toString('utf8'));

const policy = {
  v: 2 as const,
  enabled: true,
  killSwitch: false,
  maxPriorityFeeLamports: '10000',
  wrapSol: { maxLamports: '1000000000' },
  spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1000000000' }, maxSlippageBps: 50 },
  transfers: { maxAmount: { [USDC]: '5000000' }, destinations: [friend] },
  perps: { markets: ['SOL-PERP'], orderTypes: ['market', 'cancel'] as ('market' | 'cancel')[], maxLeverage: '2', maxPositionNotional: '1000', maxSlippageBps: 100, dailyLossLimit: '0' },
  programs: [
    { program: '11111111111111111111111111111111', native: 'system' as const, instructions: ['Transfer'] },
    { program: TOKEN, native: 'spl-token' as const, instructions: ['CloseAccount', 'SyncNative', 'TransferChecked'] },
    { program: 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', native: 'associated-token' as const, instructions: ['CreateIdempotent'] },
    jupiterV6Preset({ maxPlatformFeeBps: 0 }),
    driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '5000000000' }),
  ],
};

async function grantFor(s: Setup) {
  const nonces = newNonces();
  const { message } = await issueChallenge({
    purpose: 'enable-execution', domain: DOMAIN, uri: URI, chain: 'mainnet', address: s.owner.address, nonces, now: NOW,
    grant: { bot: BOT, agent: s.agent.address, policyHash: policyHash(policy), policySummary: summarizePolicy(normalizePolicy(policy)) },
  });
  const auth = await verifySignedMessage({ message, signature: s.owner.sign(message), nonces, expected: { domain: DOMAIN, uri: URI, chain: 'mainnet', purpose: 'enable-execution' }, now: NOW });
  return createExecutionGrant({ authorization: auth, vault: s.vault, agentKeyRecord: s.agent.records.agentKey, agentAddress: s.agent.address, policy, wrapper: wrapperV1(), now: NOW });
}

const ata = async (owner: string, mint: string, p = TOKEN) => (await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: address(p) }))[0] as string;
const compile = (payer: string, ixs: Instruction[]) =>
  Uint8Array.from(
    getCompiledTransactionMessageEncoder().encode(
      compileTransactionMessage(
        pipe(
          createTransactionMessage({ version: 0 }),
          (x) => setTransactionMessageFeePayer(address(payer), x),
          (x) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash('4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi'), lastValidBlockHeight: 1n }, x),
          (x) => appendTransactionMessageInstructions(ixs, x),
        ),
      ),
    ),
  );
const names = ['tokenProgram', 'programAuthority', 'userTransferAuthority', 'sourceTokenAccount', 'programSourceTokenAccount', 'programDestinationTokenAccount', 'destinationTokenAccount', 'sourceMint', 'destinationMint', 'platformFeeAccount', 'token2022Program', 'eventAuthority', 'program'];
const readonly = new Set(['tokenProgram', 'programAuthority', 'sourceMint', 'destinationMint', 'token2022Program', 'eventAuthority', 'program']);

/** Create the wSOL ATA, wrap, sync, Jupiter sharedAccountsRoute WSOL -> USDC, close the wSOL account. */
async function spotSwap(agent: string, destinationOwner: string, inAmount: bigint) {
  const me = { address: address(agent) } as never;
  const wsol = await ata(agent, WSOL);
  const fixed: Record<string, string> = { tokenProgram: TOKEN, userTransferAuthority: agent, sourceTokenAccount: wsol, destinationTokenAccount: await ata(destinationOwner, USDC), sourceMint: WSOL, destinationMint: USDC, program: JUPITER_V6_PROGRAM, token2022Program: TOKEN22 };
  const route = {
    programAddress: address(JUPITER_V6_PROGRAM),
    accounts: names.map((n, i) => ({ address: address(fixed[n] ?? randomAddress(500 + i)), role: n === 'userTransferAuthority' ? 3 : readonly.has(n) ? 0 : 1 })),
    data: encodeIx(jupiterJson, 'sharedAccountsRoute', { id: 0, routePlan: [{ swap: { __kind: 'Raydium' }, percent: 100, inputIndex: 0, outputIndex: 1 }], inAmount, quotedOutAmount: 150_000_000n, slippageBps: 50, platformFeeBps: 0 }),
  } as unknown as Instruction;
  return compile(agent, [
    getCreateAssociatedTokenIdempotentInstruction({ payer: me, ata: address(wsol), owner: address(agent), mint: address(WSOL) }),
    getTransferSolInstruction({ source: me, destination: address(wsol), amount: inAmount }),
    getSyncNativeInstruction({ account: address(wsol) }),
    route,
    getCloseAccountInstruction({ account: address(wsol), destination: address(agent), owner: me }),
  ]);
}

const swap = { type: 'swap', inputMint: WSOL, outputMint: USDC, inputAmount: '1000000000', slippageBps: 50 };

describe('v2 end to end: enable with the summary, sign under the bound order', () => {
  const s = setup(7);
  const agent = s.agent.address;
  const run = async <T>(order: unknown, fn: (signer: ExecutionSigner) => Promise<T>, events: AuditEvent[] = []) =>
    withExecutionSigner(await grantFor(s), {
      wrapper: wrapperV1(), policy, order: order as never, state: { positionNotional: '0', dailyLoss: '0' }, revocations: newRevocations(), now: NOW + 60_000,
      expected: { owner: s.owner.address, bot: BOT }, programs, audit: (e) => void events.push(e),
    }, fn);

  it('a spot swap within limits signs (wrap + route + unwrap); the signature verifies', async () => {
    const bytes = await spotSwap(agent, agent, 1_000_000_000n);
    const events: AuditEvent[] = [];
    const sig = await run(swap, (signer) => signer.signTransactionMessage(bytes), events);
    expect(nacl.sign.detached.verify(bytes, sig, testPublicKey(agent))).toBe(true);
    expect(events).toMatchObject([{ allowed: true, bot: BOT, agent }]);
  });

  it('a swap to a foreign destination is refused (account-mismatch), and the audit hook sees it', async () => {
    const events: AuditEvent[] = [];
    const bytes = await spotSwap(agent, attacker, 1_000_000_000n);
    const err = await run(swap, (signer) => expectCodeAsync(signer.signTransactionMessage(bytes), 'SIGNING_REFUSED'), events);
    expect(err.details).toMatchObject({ reason: 'account-mismatch', instructionIndex: 3 });
    expect(events.at(-1)).toMatchObject({ allowed: false, reason: 'account-mismatch', instructionIndex: 3 });
  });

  it('a swap above the cap is refused before any key is opened (POLICY_VIOLATION); a route above the order is refused by the signer', async () => {
    await expectCodeAsync(run({ ...swap, inputAmount: '1000000001' }, async () => 'never'), 'POLICY_VIOLATION');
    const bytes = await spotSwap(agent, agent, 1_000_000_000n);
    const err = await run({ ...swap, inputAmount: '900000000' }, (signer) => expectCodeAsync(signer.signTransactionMessage(bytes), 'SIGNING_REFUSED'));
    expect(['arg-mismatch', 'order-mismatch']).toContain(err.details?.['reason']);
  });

  it('a transfer to a listed destination signs; to another is refused', async () => {
    const me = { address: address(agent) } as never;
    const t = async (to: string) =>
      compile(agent, [getTransferCheckedInstruction({ source: address(await ata(agent, USDC)), mint: address(USDC), destination: address(await ata(to, USDC)), authority: me, amount: 5_000_000n, decimals: 6 })]);
    const order = { type: 'transfer', mint: USDC, amount: '5000000', destination: friend };
    const ok = await t(friend);
    expect(nacl.sign.detached.verify(ok, await run(order, (signer) => signer.signTransactionMessage(ok)), testPublicKey(agent))).toBe(true);
    const bad = await t(attacker);
    expect((await run(order, (signer) => expectCodeAsync(signer.signTransactionMessage(bad), 'SIGNING_REFUSED'))).details?.['reason']).toBe('destination-not-allowed');
  });

  it('Drift: withdraw refused; a cancel order (dailyLossLimit 0) carrying placePerpOrder refused; cancelOrders for its market signs', async () => {
    const acc = [randomAddress(1), randomAddress(2), agent].map((a, i) => ({ address: address(a), role: i === 2 ? 2 : 1 }));
    const ix = (name: string, args: Record<string, unknown>, accounts = acc) => ({ programAddress: address(DRIFT_V2_PROGRAM), accounts, data: encodeIx(driftJson, name, args) }) as unknown as Instruction;
    const place = ix('placePerpOrder', { params: { orderType: 'market', marketType: 'perp', direction: 'long', userOrderId: 0, baseAssetAmount: 1_000_000_000n, price: 0n, marketIndex: 0, reduceOnly: false, postOnly: 'none', bitFlags: 0, maxTs: null, triggerPrice: null, triggerCondition: 'above', oraclePriceOffset: null, auctionDuration: null, auctionStartPrice: null, auctionEndPrice: null } });
    const cancel = { type: 'cancel', market: 'SOL-PERP' };
    const sneaky = compile(agent, [place]);
    const r1 = await run(cancel, (signer) => expectCodeAsync(signer.signTransactionMessage(sneaky), 'SIGNING_REFUSED'));
    expect(['order-kind', 'order-kind-mismatch']).toContain(r1.details?.['reason']);
    const withdraw = compile(agent, [ix('withdraw', { marketIndex: 0, amount: 1n, reduceOnly: false }, [...acc, ...[3, 4, 5, 6, 7].map((i) => ({ address: address(randomAddress(i)), role: 1 }))])]);
    expect((await run(cancel, (signer) => expectCodeAsync(signer.signTransactionMessage(withdraw), 'SIGNING_REFUSED'))).details?.['reason']).toBe('instruction-not-allowed');
    const ok = compile(agent, [ix('cancelOrders', { marketType: { __option: 'Some', value: 'perp' }, marketIndex: { __option: 'Some', value: 0 }, direction: { __option: 'None' } })]);
    expect((await run(cancel, (signer) => signer.signTransactionMessage(ok))).length).toBe(64);
  });

  it('unknown options are refused (a misspelt lookupTables is never ignored)', async () => {
    await expectCodeAsync(run(swap, async () => 1).then(() => withExecutionSigner({} as never, { lookuptables: {} } as never, async () => 1)), 'INVALID_INPUT');
  });
});

function testPublicKey(addressText: string): Uint8Array {
  const A = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for (const c of addressText) n = n * 58n + BigInt(A.indexOf(c));
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}
