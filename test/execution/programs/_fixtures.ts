/**
 * Fixtures for program-rule tests: the two shared IDLs, real instruction bytes encoded by Codama's
 * dynamic codecs (an independent client, never hand-packed), discriminators from node:crypto and
 * associated token accounts derived through @solana/kit.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getNodeCodec } from '@codama/dynamic-codecs';
import { rootNodeFromAnchor } from '@codama/nodes-from-anchor';
import { findAssociatedTokenPda } from '@solana-program/token';
import { address } from '@solana/kit';
import { base58 } from '@scure/base';

export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
export const JUP = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4';
export const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
export const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
export const WSOL = 'So11111111111111111111111111111111111111112';
export const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';

export const jupiterIdlBytes = readFileSync(`${SHARED}idl/jupiter-v6.json`);
export const driftIdlBytes = readFileSync(`${SHARED}idl/drift-v2.json`);
export const jupiterIdl = JSON.parse(jupiterIdlBytes.toString('utf8'));
export const driftIdl = JSON.parse(driftIdlBytes.toString('utf8'));

/** Independent discriminator: sha256("global:" + snake_case(name))[0..8] (the regex of shared/txs/verify.mjs). */
export function nodeDiscriminator(name: string): Buffer {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return createHash('sha256').update(`global:${snake}`).digest().subarray(0, 8);
}

const roots = new Map<unknown, any>();
function rootOf(idl: unknown): any {
  let r = roots.get(idl);
  if (!r) roots.set(idl, (r = rootNodeFromAnchor(idl as never)));
  return r;
}
/** Encode an instruction through Codama (names camelCase, scalar enums by camelCase name, data enums `{ __kind }`). */
export function encodeIx(idl: unknown, name: string, args: Record<string, unknown>): Uint8Array {
  const root = rootOf(idl);
  const ix = root.program.instructions.find((i: { name: string }) => i.name === name);
  if (!ix) throw new Error(`no instruction ${name}`);
  const codec = getNodeCodec([root, root.program, ix]);
  const disc = ix.arguments[0].defaultValue;
  return new Uint8Array(codec.encode({ discriminator: ['base16', disc.data], ...args }));
}
/** Decode through Codama (the independent reference decoder). */
export function codamaDecode(idl: unknown, name: string, data: Uint8Array): any {
  const root = rootOf(idl);
  const ix = root.program.instructions.find((i: { name: string }) => i.name === name);
  return getNodeCodec([root, root.program, ix]).decode(data);
}

export async function ataAddress(owner: string, mint: string, tokenProgram = TOKEN): Promise<string> {
  const [pda] = await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: address(tokenProgram) });
  return pda;
}
/** A synchronous `ataOf` over precomputed (owner, mint) pairs; anything else has no ATA (refuses). */
export async function makeAtaOf(pairs: readonly (readonly [string, string])[]): Promise<(owner: string, mint: string) => ReadonlySet<string>> {
  const table = new Map<string, Set<string>>();
  for (const [owner, mint] of pairs) table.set(`${owner}:${mint}`, new Set([await ataAddress(owner, mint), await ataAddress(owner, mint, TOKEN22)]));
  return (owner, mint) => table.get(`${owner}:${mint}`) ?? new Set();
}

export interface RealTx {
  file: string;
  feePayer: string;
  all: string[];
  loaded: boolean;
  ixs: { programId: string; accountIndexes: number[]; dataBase58: string; instructionName?: string }[];
}
export function realTxs(): RealTx[] {
  return readdirSync(`${SHARED}txs`)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const r = JSON.parse(readFileSync(`${SHARED}txs/${file}`, 'utf8'));
      const nW = Object.values(r.lookupTables as Record<string, { writableIndexes: number[] }>).reduce((a, l) => a + l.writableIndexes.length, 0);
      const nR = Object.values(r.lookupTables as Record<string, { readonlyIndexes: number[] }>).reduce((a, l) => a + l.readonlyIndexes.length, 0);
      // Loaded addresses when the record has them; else undefined (an unresolved lookup table).
      const all: (string | undefined)[] = r.loadedAddresses
        ? [...r.staticAccounts, ...r.loadedAddresses.writable, ...r.loadedAddresses.readonly]
        : [...r.staticAccounts, ...new Array(nW + nR).fill(undefined)];
      return { file, feePayer: r.feePayer, all: all as string[], loaded: !!r.loadedAddresses, ixs: r.topLevelInstructions };
    });
}
export const dataOf = (ix: { dataBase58: string }): Uint8Array => base58.decode(ix.dataBase58);
export const randomAddress = (seed: number): string => base58.encode(createHash('sha256').update(`addr${seed}`).digest());
/** The discriminator Codama computed for an instruction (hex). */
export function codamaDiscriminator(idl: unknown, name: string): string {
  const ix = rootOf(idl).program.instructions.find((i: { name: string }) => i.name === name);
  return ix.arguments[0].defaultValue.data;
}
