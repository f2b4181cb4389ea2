/**
 * Bench rows for program rules (issue 13): deciding a real Jupiter route and a Drift perp order,
 * i.e. IDL decode + the constraint engine with a preset. `native` is a hand-written fixed-offset
 * read of the same fields (the near-limit, knows nothing but this one layout); the peer is Codama's
 * dynamic codec decoding the same bytes (decode only, no decision).
 */
import { readFileSync } from 'node:fs';
import { getNodeCodec } from '@codama/dynamic-codecs';
import { rootNodeFromAnchor } from '@codama/nodes-from-anchor';
import { findAssociatedTokenPda } from '@solana-program/token';
import { address } from '@solana/kit';
import { base58 } from '@scure/base';
import { checkInstructionRule, driftV2Preset, jupiterV6Preset, type OrderV2 } from '../src/execution/index.js';
import { createProgramDecoder } from '../src/execution/programs/idl/index.js';
import type { Impl, Timed } from './harness.js';

const SHARED = new URL('../../shared/', import.meta.url);
const JUP = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4';
const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
const TOKENS = ['TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'];

export interface ProgramRow {
  readonly name: string;
  readonly agentvault: Impl;
  readonly native: Impl;
  readonly peers: readonly Impl[];
  readonly note?: string;
}
const batch = (fn: () => unknown) => (n: number): Timed => () => {
  for (let i = 0; i < n; i++) fn();
};

export async function programRows(check: (c: boolean, what: string) => void): Promise<ProgramRow[]> {
  const jIdl = readFileSync(new URL('idl/jupiter-v6.json', SHARED));
  const dIdl = readFileSync(new URL('idl/drift-v2.json', SHARED));
  const jupiter = createProgramDecoder(jIdl, { program: JUP });
  const drift = createProgramDecoder(dIdl, { program: DRIFT });
  const tx = JSON.parse(readFileSync(new URL('txs/jupiter-4cWStqraSHpM.json', SHARED), 'utf8'));
  const all: string[] = [...tx.staticAccounts, ...tx.loadedAddresses.writable, ...tx.loadedAddresses.readonly];
  const raw = tx.topLevelInstructions.find((x: { programId: string }) => x.programId === JUP);
  const data = base58.decode(raw.dataBase58);
  const accounts: string[] = raw.accountIndexes.map((i: number) => all[i]);
  const agent: string = tx.feePayer;
  const atas = new Map<string, Set<string>>();
  for (const mint of [accounts[5]!, 'So11111111111111111111111111111111111111112'])
    atas.set(mint, new Set(await Promise.all(TOKENS.map(async (t) => (await findAssociatedTokenPda({ owner: address(agent), mint: address(mint), tokenProgram: address(t) }))[0] as string))));
  const ataOf = (owner: string, mint: string): ReadonlySet<string> => (owner === agent ? (atas.get(mint) ?? new Set()) : new Set());
  const jRule = (jupiterV6Preset({ maxPlatformFeeBps: 0, maxSlippageBps: 1000 }) as unknown as { instructions: Record<string, never> }).instructions['route']!;
  const order: OrderV2 = { type: 'swap', inputMint: 'So11111111111111111111111111111111111111112', outputMint: accounts[5]!, inputAmount: '1000000000', slippageBps: 500 };
  const decideRoute = () => checkInstructionRule(jRule, { index: 4, program: JUP, ...jupiter.decode(data, accounts) }, { agent, order, ataOf, path: 'programs[0].instructions.route' });
  check(decideRoute() === undefined, 'the real route is allowed for its order');

  const dRoot = rootNodeFromAnchor(JSON.parse(dIdl.toString('utf8')));
  const jRoot = rootNodeFromAnchor(JSON.parse(jIdl.toString('utf8')));
  const codec = (root: any, name: string) => getNodeCodec([root, root.program, root.program.instructions.find((i: { name: string }) => i.name === name)]);
  const placeCodec = codec(dRoot, 'placePerpOrder');
  const routeCodec = codec(jRoot, 'route');
  const disc = (dRoot.program.instructions.find((i: { name: string }) => i.name === 'placePerpOrder') as any).arguments[0].defaultValue.data;
  const place = new Uint8Array(placeCodec.encode({
    discriminator: ['base16', disc],
    params: { orderType: 'market', marketType: 'perp', direction: 'long', userOrderId: 0, baseAssetAmount: 1_000_000_000n, price: 0n, marketIndex: 0, reduceOnly: false, postOnly: 'none', bitFlags: 0, maxTs: null, triggerPrice: null, triggerCondition: 'above', oraclePriceOffset: null, auctionDuration: null, auctionStartPrice: null, auctionEndPrice: null },
  }));
  const dAccounts = [accounts[7]!, accounts[8]!, agent];
  const dRule = (driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '5000000000' }) as unknown as { instructions: Record<string, never> }).instructions['placePerpOrder']!;
  const perp: OrderV2 = { type: 'market', market: 'SOL-PERP', side: 'buy', notional: '150', leverage: '1', baseAmount: '1000000000', reduceOnly: false };
  const decidePlace = () => checkInstructionRule(dRule, { index: 0, program: DRIFT, ...drift.decode(place, dAccounts) }, { agent, order: perp, ataOf, path: 'programs[1].instructions.placePerpOrder' });
  check(decidePlace() === undefined, 'the Drift order is allowed');

  // Near-limit: fixed offsets of this one layout (route plan length known), no general decoding.
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const routeTail = data.length - 19;
  const nativeRoute = () => dv.getBigUint64(routeTail, true) <= 1_000_000_000n && dv.getUint16(routeTail + 16, true) <= 500 && data[routeTail + 18] === 0 && accounts[1] === agent && (atas.get(accounts[5]!)?.has(accounts[3]!) ?? false);
  const pv = new DataView(place.buffer, place.byteOffset, place.byteLength);
  const nativePlace = () => place[9] === 1 && place[10] === 0 && pv.getBigUint64(12, true) <= 1_000_000_000n && pv.getUint16(28, true) === 0 && dAccounts[2] === agent;
  check(nativeRoute() && nativePlace(), 'native references agree');
  return [
    {
      name: 'decide a Jupiter route (mainnet bytes, decode + preset)',
      agentvault: { name: 'agentvault', prepare: batch(decideRoute) },
      native: { name: 'fixed offsets', prepare: batch(nativeRoute) },
      peers: [{ name: '@codama/dynamic-codecs (decode only)', prepare: batch(() => routeCodec.decode(data)) }],
    },
    {
      name: 'decide a Drift placePerpOrder (decode + preset)',
      agentvault: { name: 'agentvault', prepare: batch(decidePlace) },
      native: { name: 'fixed offsets', prepare: batch(nativePlace) },
      peers: [{ name: '@codama/dynamic-codecs (decode only)', prepare: batch(() => placeCodec.decode(place)) }],
    },
  ];
}
