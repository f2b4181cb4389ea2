/**
 * The example's transaction builder for v2 policies: Kit instructions for a swap (Jupiter v6), an
 * SPL token transfer, a Drift v2 perp order and a Drift cancel. The router compiles them into a
 * v0 message whose fee payer is the agent's Kit signer (`createKitSigner`, `agentvault/kit`) and
 * signs with Kit's `signTransactionMessageWithSigners`, so every signature still goes through the
 * scoped signer and its policy.
 *
 * Real bytes, no network: instructions of native programs come from the `@solana-program/*`
 * clients; Jupiter and Drift instructions are encoded from their pinned Anchor IDLs with Codama's
 * dynamic codecs (a client independent of agentvault's own decoder). Program-derived accounts
 * (Jupiter's program authority and event authority, Drift's state and user accounts, the
 * associated token accounts) are derived for real. What the example cannot know without an RPC
 * and a quote API: the route plan (a fixed one-leg plan here, with no AMM accounts), the oracle
 * and market accounts Drift reads, and a recent blockhash. A production server takes the route
 * from Jupiter's quote API and the accounts from Drift's SDK; the signer checks the result either
 * way, and the IDL decoders (`decoders`) are what it checks it with.
 *
 * The IDLs are the pinned files of `shared/idl` (AGENTVAULT_IDL_DIR): vendor them in your app. The
 * library hashes the file it is given and refuses a policy rule written for another IDL.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getNodeCodec } from '@codama/dynamic-codecs';
import { rootNodeFromAnchor } from '@codama/nodes-from-anchor';
import { getTransferSolInstruction } from '@solana-program/system';
import {
  findAssociatedTokenPda,
  getCloseAccountInstruction,
  getCreateAssociatedTokenIdempotentInstruction,
  getSyncNativeInstruction,
  getTransferCheckedInstruction,
} from '@solana-program/token';
import { AccountRole, address, getAddressEncoder, getProgramDerivedAddress, getU16Encoder, type Address, type Instruction, type TransactionSigner } from '@solana/kit';
import { DRIFT_V2_PROGRAM, driftV2Preset, JUPITER_V6_PROGRAM, jupiterV6Preset, TOKEN_2022_PROGRAM, TOKEN_PROGRAM, WSOL_MINT, type OrderV2 } from 'agentvault/execution';
import { createProgramDecoder, type ProgramDecoder } from 'agentvault/execution/idl';

export const USDC_MINT = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
/** Decimals of the mints this example transfers (TransferChecked restates them; an RPC would read the mint). */
export const MINT_DECIMALS: Readonly<Record<string, number>> = Object.freeze({ [WSOL_MINT]: 9, [USDC_MINT]: 6 });
/** Drift perp market indexes of the symbols the example trades (as the Drift preset maps them). */
export const DRIFT_MARKETS: Readonly<Record<string, number>> = Object.freeze({ 'SOL-PERP': 0, 'BTC-PERP': 1 });

/** The pinned IDLs of the repository (shared/idl); override with AGENTVAULT_IDL_DIR. */
export const DEFAULT_IDL_DIR = fileURLToPath(new URL('../../../shared/idl/', import.meta.url));

/** What a builder receives: the checked order, the agent as a Kit signer, the bot id, the policy version. */
export interface BuildInput {
  readonly order: Readonly<Record<string, unknown>>;
  readonly agent: TransactionSigner;
  readonly bot: string;
  readonly policyVersion: 1 | 2;
}
/** A transaction builder: the instructions that implement the order (the router adds fee payer and lifetime). */
export type BuildTransaction = (input: BuildInput) => readonly Instruction[] | Promise<readonly Instruction[]>;

type Root = ReturnType<typeof rootNodeFromAnchor>;

const enc = { address: getAddressEncoder(), u16: getU16Encoder() };
const text = (s: string) => new TextEncoder().encode(s);

export async function ataOf(owner: string, mint: string, tokenProgram: string = TOKEN_PROGRAM): Promise<Address> {
  return (await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: address(tokenProgram) }))[0];
}

async function pda(program: string, seeds: (string | Uint8Array)[]): Promise<Address> {
  return (await getProgramDerivedAddress({ programAddress: address(program), seeds: seeds.map((s) => (typeof s === 'string' ? text(s) : s)) }))[0];
}

const meta = (a: string, role: AccountRole) => ({ address: address(a), role });

/** Jupiter v6 and Drift v2 instructions from their IDLs, plus the native instructions around them. */
export class VenueTransactions {
  /** agentvault's decoders of the same IDL files: pass them to `withExecutionSigner` as `programs`. */
  readonly decoders: readonly ProgramDecoder[];
  readonly #jupiter: Root;
  readonly #drift: Root;

  private constructor(jupiter: Uint8Array, drift: Uint8Array) {
    this.decoders = Object.freeze([createProgramDecoder(jupiter, { program: JUPITER_V6_PROGRAM }), createProgramDecoder(drift, { program: DRIFT_V2_PROGRAM })]);
    const parse = (b: Uint8Array) => rootNodeFromAnchor(JSON.parse(new TextDecoder().decode(b)));
    this.#jupiter = parse(jupiter);
    this.#drift = parse(drift);
  }

  /** Read `jupiter-v6.json` and `drift-v2.json` from `dir`. */
  static load(dir: string = DEFAULT_IDL_DIR): VenueTransactions {
    const d = dir.endsWith('/') ? dir : `${dir}/`;
    return new VenueTransactions(readFileSync(`${d}jupiter-v6.json`), readFileSync(`${d}drift-v2.json`));
  }

  /** Instruction data through Codama (names camelCase, scalar enums by camelCase name, data enums `{ __kind }`). */
  #encode(root: Root, name: string, args: Record<string, unknown>): Uint8Array {
    const ix = root.program.instructions.find((i) => i.name === name);
    if (ix === undefined) throw new Error(`no instruction ${name} in ${root.program.name}`);
    const disc = ix.arguments[0]?.defaultValue as { data: string } | undefined;
    if (disc === undefined) throw new Error(`${name}: no discriminator`);
    return new Uint8Array(getNodeCodec([root, root.program, ix]).encode({ discriminator: ['base16', disc.data], ...args }));
  }

  // -- native ------------------------------------------------------------------------------------

  /** Wrap `lamports` of SOL: create the agent's wSOL ATA (idempotent), System transfer into it, SyncNative. */
  async wrapSol(agent: TransactionSigner, lamports: bigint): Promise<Instruction[]> {
    const wsol = await ataOf(agent.address, WSOL_MINT);
    return [
      getCreateAssociatedTokenIdempotentInstruction({ payer: agent, ata: wsol, owner: agent.address, mint: address(WSOL_MINT) }),
      getTransferSolInstruction({ source: agent, destination: wsol, amount: lamports }),
      getSyncNativeInstruction({ account: wsol }),
    ];
  }

  /** Close the agent's wSOL ATA: what is left is unwrapped back to the agent. */
  async unwrapSol(agent: TransactionSigner): Promise<Instruction> {
    return getCloseAccountInstruction({ account: await ataOf(agent.address, WSOL_MINT), destination: agent.address, owner: agent });
  }

  /** TransferChecked of `amount` from the agent's ATA to `destinationOwner`'s ATA for `mint`. */
  async transfer(agent: TransactionSigner, mint: string, amount: bigint, destinationOwner: string): Promise<Instruction> {
    const decimals = MINT_DECIMALS[mint];
    if (decimals === undefined) throw new Error(`transfer: decimals of ${mint} unknown to this example`);
    return getTransferCheckedInstruction({
      source: await ataOf(agent.address, mint),
      mint: address(mint),
      destination: await ataOf(destinationOwner, mint),
      authority: agent,
      amount,
      decimals,
    });
  }

  // -- Jupiter v6 --------------------------------------------------------------------------------

  /**
   * `sharedAccountsRoute` from the agent's `inputMint` ATA to `destination` (default: the agent's
   * `outputMint` ATA), with a fixed one-leg route plan. A quote API would give the plan and the
   * AMM accounts (remaining accounts); the accounts the policy constrains are the named ones.
   */
  async sharedAccountsRoute(input: {
    agent: TransactionSigner;
    inputMint: string;
    outputMint: string;
    inAmount: bigint;
    slippageBps: number;
    destination?: string;
    platformFeeBps?: number;
  }): Promise<Instruction> {
    const { agent, inputMint, outputMint } = input;
    const authority = await pda(JUPITER_V6_PROGRAM, ['authority', Uint8Array.of(0)]);
    const accounts = [
      meta(TOKEN_PROGRAM, AccountRole.READONLY),
      meta(authority, AccountRole.READONLY),
      { address: agent.address, role: AccountRole.READONLY_SIGNER, signer: agent },
      meta(await ataOf(agent.address, inputMint), AccountRole.WRITABLE),
      meta(await ataOf(authority, inputMint), AccountRole.WRITABLE),
      meta(await ataOf(authority, outputMint), AccountRole.WRITABLE),
      meta(input.destination ?? (await ataOf(agent.address, outputMint)), AccountRole.WRITABLE),
      meta(inputMint, AccountRole.READONLY),
      meta(outputMint, AccountRole.READONLY),
      meta(JUPITER_V6_PROGRAM, AccountRole.READONLY), // platformFeeAccount: None (the program id)
      meta(TOKEN_2022_PROGRAM, AccountRole.READONLY),
      meta(await pda(JUPITER_V6_PROGRAM, ['__event_authority']), AccountRole.READONLY),
      meta(JUPITER_V6_PROGRAM, AccountRole.READONLY),
    ];
    const data = this.#encode(this.#jupiter, 'sharedAccountsRoute', {
      id: 0,
      routePlan: [{ swap: { __kind: 'Raydium' }, percent: 100, inputIndex: 0, outputIndex: 1 }],
      inAmount: input.inAmount,
      // No quote without a network. Jupiter's minimum output is quotedOutAmount less slippage, so
      // with 0 it is 0: the price is exactly what the signer cannot judge (README, "What it cannot stop").
      quotedOutAmount: 0n,
      slippageBps: input.slippageBps,
      platformFeeBps: input.platformFeeBps ?? 0,
    });
    return { programAddress: address(JUPITER_V6_PROGRAM), accounts, data };
  }

  /**
   * `route` (the non-shared variant): the agent's own token accounts, and the optional
   * `destinationTokenAccount` None unless `destinationTokenAccount` is given (Some(x) sends the
   * output to x: what a hostile route builder would do).
   */
  async route(input: { agent: TransactionSigner; inputMint: string; outputMint: string; inAmount: bigint; slippageBps: number; destinationTokenAccount?: string }): Promise<Instruction> {
    const { agent, inputMint, outputMint } = input;
    const accounts = [
      meta(TOKEN_PROGRAM, AccountRole.READONLY),
      { address: agent.address, role: AccountRole.READONLY_SIGNER, signer: agent },
      meta(await ataOf(agent.address, inputMint), AccountRole.WRITABLE),
      meta(await ataOf(agent.address, outputMint), AccountRole.WRITABLE),
      meta(input.destinationTokenAccount ?? JUPITER_V6_PROGRAM, input.destinationTokenAccount ? AccountRole.WRITABLE : AccountRole.READONLY),
      meta(outputMint, AccountRole.READONLY),
      meta(JUPITER_V6_PROGRAM, AccountRole.READONLY),
      meta(await pda(JUPITER_V6_PROGRAM, ['__event_authority']), AccountRole.READONLY),
      meta(JUPITER_V6_PROGRAM, AccountRole.READONLY),
    ];
    const data = this.#encode(this.#jupiter, 'route', {
      routePlan: [{ swap: { __kind: 'Raydium' }, percent: 100, inputIndex: 0, outputIndex: 1 }],
      inAmount: input.inAmount,
      quotedOutAmount: 0n,
      slippageBps: input.slippageBps,
      platformFeeBps: 0,
    });
    return { programAddress: address(JUPITER_V6_PROGRAM), accounts, data };
  }

  /** A whole swap: wrap SOL when the input is wSOL, create the output ATA, route, unwrap what is left. */
  async swap(agent: TransactionSigner, o: { inputMint: string; outputMint: string; inputAmount: bigint; slippageBps: number }): Promise<Instruction[]> {
    const ixs: Instruction[] = [];
    if (o.inputMint === WSOL_MINT) ixs.push(...(await this.wrapSol(agent, o.inputAmount)));
    ixs.push(
      getCreateAssociatedTokenIdempotentInstruction({ payer: agent, ata: await ataOf(agent.address, o.outputMint), owner: agent.address, mint: address(o.outputMint) }),
      await this.sharedAccountsRoute({ agent, inputMint: o.inputMint, outputMint: o.outputMint, inAmount: o.inputAmount, slippageBps: o.slippageBps }),
    );
    if (o.inputMint === WSOL_MINT || o.outputMint === WSOL_MINT) ixs.push(await this.unwrapSol(agent));
    return ixs;
  }

  // -- Drift v2 ----------------------------------------------------------------------------------

  /** A Drift instruction `name` with `args`, accounts [state, user (sub-account 0), authority, ...extra]. */
  async drift(name: string, args: Record<string, unknown>, agent: TransactionSigner, extra: { address: string; role: AccountRole }[] = []): Promise<Instruction> {
    const accounts = [
      meta(await pda(DRIFT_V2_PROGRAM, ['drift_state']), AccountRole.READONLY),
      meta(await pda(DRIFT_V2_PROGRAM, ['user', enc.address.encode(agent.address) as Uint8Array, enc.u16.encode(0) as Uint8Array]), AccountRole.WRITABLE),
      { address: agent.address, role: AccountRole.READONLY_SIGNER, signer: agent },
      ...extra.map((a) => meta(a.address, a.role)),
    ];
    return { programAddress: address(DRIFT_V2_PROGRAM), accounts, data: this.#encode(this.#drift, name, args) };
  }

  /** `placePerpOrder` for a perps order (size in base precision, 1e9). */
  async placePerpOrder(agent: TransactionSigner, o: { market: string; side: 'buy' | 'sell'; type: string; baseAmount: bigint; reduceOnly?: boolean }): Promise<Instruction> {
    const marketIndex = DRIFT_MARKETS[o.market];
    if (marketIndex === undefined) throw new Error(`no Drift market index for ${o.market}`);
    const orderType = { market: 'market', limit: 'limit', 'stop-market': 'triggerMarket', 'stop-limit': 'triggerLimit', 'take-profit-market': 'triggerMarket', 'take-profit-limit': 'triggerLimit' }[o.type];
    if (orderType === undefined) throw new Error(`no Drift order type for ${o.type}`);
    const params = {
      orderType,
      marketType: 'perp',
      direction: o.side === 'buy' ? 'long' : 'short',
      userOrderId: 0,
      baseAssetAmount: o.baseAmount,
      price: 0n,
      marketIndex,
      reduceOnly: o.reduceOnly ?? false,
      postOnly: 'none',
      bitFlags: 0,
      maxTs: null,
      triggerPrice: null,
      triggerCondition: 'above',
      oraclePriceOffset: null,
      auctionDuration: null,
      auctionStartPrice: null,
      auctionEndPrice: null,
    };
    // Drift reads the perp market (and its oracle) as remaining accounts; the market PDA is derivable.
    const market = await pda(DRIFT_V2_PROGRAM, ['perp_market', enc.u16.encode(marketIndex) as Uint8Array]);
    return this.drift('placePerpOrder', { params }, agent, [{ address: market, role: AccountRole.READONLY }]);
  }

  /** `cancelOrders` for every perp order of one market. */
  async cancelOrders(agent: TransactionSigner, marketSymbol: string): Promise<Instruction> {
    const marketIndex = DRIFT_MARKETS[marketSymbol];
    if (marketIndex === undefined) throw new Error(`no Drift market index for ${marketSymbol}`);
    return this.drift('cancelOrders', { marketType: 'perp', marketIndex, direction: null }, agent);
  }

  /** The default builder for v2 orders (swap, transfer, perps, cancel). */
  readonly build = async (input: BuildInput): Promise<readonly Instruction[]> => {
    const o = input.order as unknown as OrderV2;
    switch (o.type) {
      case 'swap':
        return this.swap(input.agent, { inputMint: o.inputMint, outputMint: o.outputMint, inputAmount: BigInt(o.inputAmount), slippageBps: o.slippageBps });
      case 'transfer':
        return [await this.transfer(input.agent, o.mint, BigInt(o.amount), o.destination)];
      case 'cancel':
        return [await this.cancelOrders(input.agent, o.market)];
      default:
        if (o.baseAmount === undefined) throw new Error('a Drift order needs baseAmount');
        return [await this.placePerpOrder(input.agent, { market: o.market, side: o.side, type: o.type, baseAmount: BigInt(o.baseAmount), ...(o.reduceOnly !== undefined ? { reduceOnly: o.reduceOnly } : {}) })];
    }
  };
}

/**
 * The example's v2 policy: spot swaps wSOL <-> USDC through Jupiter (at most 1 SOL or 200 USDC in
 * one swap, 0.5 % slippage, no platform fee), SOL wrapping up to 1 SOL per transaction, USDC
 * transfers of at most 50 USDC to `destinations`, and Drift SOL-PERP orders (market, limit,
 * cancel; at most 10 SOL of size, 3x, 5000 notional, 250 daily loss). Presets give the Jupiter and
 * Drift rules; everything not listed is refused (default deny).
 */
export function exampleV2Policy(options: { readonly destinations: readonly string[]; readonly dailyLossLimit?: string }) {
  return {
    v: 2 as const,
    enabled: true,
    killSwitch: false,
    maxPriorityFeeLamports: '10000',
    wrapSol: { maxLamports: '1000000000' },
    spot: {
      pairs: [
        { inputMint: WSOL_MINT, outputMint: USDC_MINT },
        { inputMint: USDC_MINT, outputMint: WSOL_MINT },
      ],
      maxInput: { [WSOL_MINT]: '1000000000', [USDC_MINT]: '200000000' },
      maxSlippageBps: 50,
    },
    transfers: { maxAmount: { [USDC_MINT]: '50000000' }, destinations: [...options.destinations] },
    perps: {
      markets: ['SOL-PERP'],
      orderTypes: ['market', 'limit', 'cancel'] as ('market' | 'limit' | 'cancel')[],
      maxLeverage: '3',
      maxPositionNotional: '5000',
      maxSlippageBps: 100,
      dailyLossLimit: options.dailyLossLimit ?? '250',
    },
    programs: [
      { program: '11111111111111111111111111111111', native: 'system' as const, instructions: ['Transfer'] },
      { program: TOKEN_PROGRAM, native: 'spl-token' as const, instructions: ['CloseAccount', 'SyncNative', 'TransferChecked'] },
      { program: 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', native: 'associated-token' as const, instructions: ['CreateIdempotent'] },
      jupiterV6Preset({ maxPlatformFeeBps: 0 }),
      driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '10000000000' }),
    ],
  };
}
