/**
 * Associated token account derivation (SPEC 10.4.7): the ATA of (owner, token program, mint) is the
 * program-derived address of the seeds [owner, token program, mint] under the Associated Token
 * Account program. A PDA is `sha256(seeds || bump || program || "ProgramDerivedAddress")` for the
 * largest bump (255 down to 0) whose hash is NOT an ed25519 point, so no private key exists for it.
 *
 * Why derive instead of trusting an account list: a destination "token account of the agent" that
 * the bot names is only the agent's if it is the address this derivation gives; checked in the tests
 * against `@solana-program/token`'s `findAssociatedTokenPda`.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../../_utils.js';
import { fail } from '../../errors.js';
import { decodeAddress, encodeAddress } from '../../primitives/address.js';

export const ASSOCIATED_TOKEN_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
/** The wrapped-SOL mint (SPL Token's native mint). */
export const WSOL_MINT = 'So11111111111111111111111111111111111111112';

const PDA_MARKER = utf8('ProgramDerivedAddress');

/** True when 32 bytes decode to a point of edwards25519 (as Agave's `bytes_are_curve_point`, which accepts non-canonical y). */
export function isOnCurve(bytes: Uint8Array): boolean {
  try {
    ed25519.Point.fromBytes(bytes, true);
    return true;
  } catch {
    return false;
  }
}

/**
 * Find the program address of `seeds` under `program` (Agave `find_program_address`). Seeds at
 * most 16, each at most 32 bytes. Returns the address (base58) and the bump.
 */
export function findProgramAddress(seeds: readonly Uint8Array[], program: string): { readonly address: string; readonly bump: number } {
  if (seeds.length > 15 || seeds.some((s) => s.length > 32)) fail('INVALID_INPUT', 'seeds: at most 15 seeds of at most 32 bytes (plus the bump)', { field: 'seeds' });
  const prog = decodeAddress(program, 'program');
  for (let bump = 255; bump >= 0; bump--) {
    const h = sha256(concatBytes(...seeds, Uint8Array.of(bump), prog, PDA_MARKER));
    if (!isOnCurve(h)) return Object.freeze({ address: encodeAddress(h), bump });
  }
  // Probability about 2^-256; Agave fails the same way.
  return fail('INVALID_INPUT', 'no viable program address bump', { field: 'seeds' });
}

// ATA inputs repeat within and across transactions (the agent, a few mints): cache, bounded.
const CACHE_MAX = 4096;
const cache = new Map<string, string>();

/** The associated token account of `owner` for `mint` under `tokenProgram` (Token or Token-2022), base58. */
export function associatedTokenAddress(owner: string, tokenProgram: string, mint: string): string {
  const key = `${owner}:${tokenProgram}:${mint}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const seeds = [decodeAddress(owner, 'owner'), decodeAddress(tokenProgram, 'tokenProgram'), decodeAddress(mint, 'mint')];
  const { address } = findProgramAddress(seeds, ASSOCIATED_TOKEN_PROGRAM);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, address);
  return address;
}

/** The owner's ATAs for `mint` under both token programs (the set a rule compares against). */
export function associatedTokenAddresses(owner: string, mint: string): ReadonlySet<string> {
  return new Set([associatedTokenAddress(owner, TOKEN_PROGRAM, mint), associatedTokenAddress(owner, TOKEN_2022_PROGRAM, mint)]);
}
