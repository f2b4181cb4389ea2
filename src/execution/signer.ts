/**
 * The scoped signer handed to bot code (DESIGN 9, SPEC 10.4). The strict message decoder it relies
 * on lives in `transaction/decode.ts` (re-exported here).
 * @module
 */
import { abytes } from '../_utils.js';
import { AgentvaultError, fail } from '../errors.js';
import { decodeAddress } from '../primitives/address.js';
import { createEd25519Signer } from '../primitives/ed25519.js';
import type { ExecutionPolicy } from './policy/index.js';
import { insideTimeOfDay, NEVER_ALLOWED_PROGRAMS } from './policy/index.js';
import { decodeTransactionMessage, looksLikeTransactionMessage, type CompiledInstruction, type DecodedTransactionMessage, type DecodeReason } from './transaction/decode.js';

export { decodeTransactionMessage, looksLikeTransactionMessage, PACKET_DATA_SIZE } from './transaction/decode.js';
export type {
  AddressTableLookup,
  CompiledInstruction,
  DecodedTransactionMessage,
  DecodeReason,
  MessageHeader,
} from './transaction/decode.js';

/** Stable reasons in `details.reason` of SIGNING_REFUSED errors (and, for the decoder's own, INVALID_INPUT). */
export type RefusalReason =
  | DecodeReason
  | 'fee-payer-not-agent'
  | 'program-never-allowed'
  | 'program-not-allowed'
  | 'token-instruction-not-allowed'
  | 'ata-instruction-not-allowed'
  | 'compute-budget-not-allowed'
  | 'priority-fee-too-high'
  | 'signature-fee-too-high'
  | 'sign-message-disabled'
  | 'looks-like-transaction'
  | 'signer-closed'
  | 'grant-expired'
  | 'outside-time-of-day'
  | 'signature-limit-reached';

// -- signing rules ------------------------------------------------------------------------------

export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
export const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
export const ASSOCIATED_TOKEN_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
/** Signature-verification precompiles: the runtime charges the base fee for every signature they verify. */
export const ED25519_PRECOMPILE = 'Ed25519SigVerify111111111111111111111111111';
export const SECP256K1_PRECOMPILE = 'KeccakSecp256k11111111111111111111111111111';
export const SECP256R1_PRECOMPILE = 'Secp256r1SigVerify1111111111111111111111111';
const PRECOMPILES: readonly string[] = [ED25519_PRECOMPILE, SECP256K1_PRECOMPILE, SECP256R1_PRECOMPILE];
/** Base fee per signature (lamports), charged to the fee payer (the agent). */
export const LAMPORTS_PER_SIGNATURE = 5000n;
// A mistyped id would silently never match (it happened once): every constant must decode to a
// canonical 32-byte address, checked when the module loads.
for (const p of [TOKEN_PROGRAM, TOKEN_2022_PROGRAM, COMPUTE_BUDGET_PROGRAM, ASSOCIATED_TOKEN_PROGRAM, ...PRECOMPILES, ...NEVER_ALLOWED_PROGRAMS])
  decodeAddress(p, 'program constant');

/**
 * SPL Token / Token-2022 instructions the signer allows (an allowlist, SPEC 10.4.2):
 * InitializeAccount (1), Revoke (5), InitializeAccount2 (16), SyncNative (17),
 * InitializeAccount3 (18), and CloseAccount (9) only when the lamports go to the agent itself.
 * Everything else (Transfer, TransferChecked, Approve, ApproveChecked, SetAuthority, Burn, MintTo,
 * every Token-2022 extension instruction...) is refused whoever the authority is.
 */
const TOKEN_SAFE = new Set([1, 5, 16, 17, 18]);
const TOKEN_CLOSE_ACCOUNT = 9;
/** Compute-unit limit the runtime assumes when a message sets none: the per-transaction maximum. */
const MAX_COMPUTE_UNITS = 1_400_000n;

function u32le(d: Uint8Array, off: number): bigint {
  return BigInt(d[off]! | (d[off + 1]! << 8) | (d[off + 2]! << 16)) + BigInt(d[off + 3]!) * 0x1000000n;
}
function u64le(d: Uint8Array, off: number): bigint {
  return u32le(d, off) + (u32le(d, off + 4) << 32n);
}

function refuse(reason: RefusalReason, message: string): never {
  throw new AgentvaultError('SIGNING_REFUSED', `signer refused: ${message}`, { reason });
}

/**
 * Check a decoded message against the grant's rules (SPEC 10.4.2). Throws SIGNING_REFUSED.
 * @internal exported for tests and the SPEC; the signer calls it.
 */
export function checkTransactionRules(msg: DecodedTransactionMessage, agent: string, policy: ExecutionPolicy): void {
  if (msg.staticAccounts[0] !== agent) refuse('fee-payer-not-agent', 'the agent must be the fee payer (first signer)');
  /** The account at `ix.accountIndices[pos]` is a static key equal to the agent. */
  const isAgent = (ix: CompiledInstruction, pos: number): boolean => {
    const i = ix.accountIndices[pos];
    return i !== undefined && i < msg.staticAccounts.length && msg.staticAccounts[i] === agent;
  };
  let cuLimit: bigint | undefined;
  let cuPrice = 0n;
  // Signatures beyond the agent's own: each costs the agent LAMPORTS_PER_SIGNATURE (SPEC 10.4.2 rule 4).
  let extraSignatures = BigInt(msg.header.numSignerAccounts - 1);
  for (const ix of msg.instructions) {
    const program = msg.staticAccounts[ix.programAddressIndex]!; // decoder guarantees a static index
    if (NEVER_ALLOWED_PROGRAMS.includes(program)) refuse('program-never-allowed', 'instruction for a program that can move funds out (System, Stake, Vote, loaders)');
    if (!policy.allowedPrograms.includes(program)) refuse('program-not-allowed', 'instruction for a program outside the allowlist');
    const d = ix.data;
    if (program === TOKEN_PROGRAM || program === TOKEN_2022_PROGRAM) {
      const tag = d[0];
      if (tag === TOKEN_CLOSE_ACCOUNT && d.length === 1) {
        // CloseAccount: [account, destination, owner, ...]: lamports may only return to the agent.
        if (!isAgent(ix, 1)) refuse('token-instruction-not-allowed', 'CloseAccount must send the lamports to the agent');
      } else if (tag === undefined || !TOKEN_SAFE.has(tag)) {
        refuse('token-instruction-not-allowed', 'token instruction that can move or delegate tokens');
      }
    }
    if (program === ASSOCIATED_TOKEN_PROGRAM) {
      // Borsh enum, no trailing bytes: [] or [0] Create, [1] CreateIdempotent, [2] RecoverNested.
      // Create accounts: [funder, ata, wallet, mint, system, token program]. The funder pays the
      // rent; the ATA belongs to `wallet`, who alone can close it and collect the rent, so
      // `wallet` must be the agent (else the rent is handed to someone else, review E1).
      if (d.length === 0 || (d.length === 1 && (d[0] === 0 || d[0] === 1))) {
        if (!isAgent(ix, 2)) refuse('ata-instruction-not-allowed', "Create/CreateIdempotent must create the agent's own associated token account");
      } else if (d.length === 1 && d[0] === 2) {
        // RecoverNested: [nested ata, nested mint, destination ata, owner ata, owner mint, wallet, token program].
        if (!isAgent(ix, 5)) refuse('ata-instruction-not-allowed', "RecoverNested must recover the agent's own nested account");
      } else {
        refuse('ata-instruction-not-allowed', 'unknown associated-token-account instruction');
      }
    }
    if (program === COMPUTE_BUDGET_PROGRAM) {
      if (d[0] === 2 && d.length === 5) cuLimit = u32le(d, 1);
      else if (d[0] === 3 && d.length === 9) cuPrice = u64le(d, 1);
      else if (!((d[0] === 1 || d[0] === 4) && d.length === 5)) refuse('compute-budget-not-allowed', 'unknown compute-budget instruction');
    }
    // The runtime charges every signature a precompile instruction declares (its first data byte).
    if (PRECOMPILES.includes(program)) extraSignatures += BigInt(d[0] ?? 0);
  }
  // Priority fee = ceil(price (micro-lamports per CU) * limit / 1e6); without a limit, assume the maximum.
  const max = BigInt(policy.maxPriorityFeeLamports);
  const fee = (cuPrice * (cuLimit ?? MAX_COMPUTE_UNITS) + 999_999n) / 1_000_000n;
  if (fee > max) refuse('priority-fee-too-high', 'priority fee above the policy maximum');
  if (fee + LAMPORTS_PER_SIGNATURE * extraSignatures > max)
    refuse('signature-fee-too-high', 'the fees of extra signatures (other signers, precompile signatures) and the priority fee exceed the policy maximum');
}

/** What bot code receives: it can sign what the grant allows, and nothing after the callback returns. */
export interface ExecutionSigner {
  /** The agent wallet's address (base58). */
  readonly address: string;
  /**
   * Sign the bytes of a legacy or v0 transaction message (what `@solana/kit`'s
   * `compileTransactionMessage` + `getCompiledTransactionMessageEncoder` produce). Returns the
   * 64-byte ed25519 signature. Throws SIGNING_REFUSED with `details.reason`.
   */
  signTransactionMessage(message: Uint8Array): Uint8Array;
  /** Sign arbitrary bytes; only if the policy allows it and the bytes are not a transaction message. */
  signMessage(message: Uint8Array): Uint8Array;
}

/** Hard maximum of `maxSignatures` (transactions one checked order may sign). */
export const MAX_SIGNATURES_PER_USE = 16;

/** @internal Limits of a scoped signer (SPEC 10.4.4). */
export interface ScopedSignerLimits {
  /**
   * ms since the epoch: at or after it every call is refused (`grant-expired`). `withExecutionSigner`
   * passes min(grant expiresAt, policy window notAfter).
   */
  readonly notAfter: number;
  /** How many transaction messages the signer may sign, 1..MAX_SIGNATURES_PER_USE. */
  readonly maxSignatures: number;
  /** Clock, ms since the epoch; default `Date.now`. Read on every call. */
  readonly clock?: () => number;
}

/**
 * @internal Build the signer around `secretKey` (64 bytes, seed || public key, owned by the caller,
 * who zeroes it). Every call re-checks time (`grant-expired` once `clock() >= notAfter`,
 * `outside-time-of-day` outside the policy's daily window); `signTransactionMessage` refuses after
 * `maxSignatures` signatures (`signature-limit-reached`). `close()` makes every later call throw
 * SIGNING_REFUSED ('signer-closed').
 */
export function createScopedSigner(
  secretKey: Uint8Array,
  agent: string,
  policy: ExecutionPolicy,
  limits: ScopedSignerLimits,
): { signer: ExecutionSigner; close(): void } {
  abytes(secretKey, 'secretKey', 64);
  decodeAddress(agent, 'agent');
  if (typeof limits !== 'object' || limits === null) fail('INVALID_INPUT', 'limits: expected { notAfter, maxSignatures, clock? }', { field: 'limits' });
  const { notAfter, maxSignatures } = limits;
  const clock = limits.clock ?? Date.now;
  if (typeof notAfter !== 'number' || Number.isNaN(notAfter)) fail('INVALID_INPUT', 'limits.notAfter: expected ms since the epoch', { field: 'limits.notAfter' });
  if (typeof maxSignatures !== 'number' || !Number.isSafeInteger(maxSignatures) || maxSignatures < 1 || maxSignatures > MAX_SIGNATURES_PER_USE)
    fail('INVALID_INPUT', `limits.maxSignatures: expected an integer in [1, ${MAX_SIGNATURES_PER_USE}]`, { field: 'limits.maxSignatures' });
  if (typeof clock !== 'function') fail('INVALID_INPUT', 'limits.clock: expected a function', { field: 'limits.clock' });
  const timeOfDay = policy.window.timeOfDayUtc;
  let open = true;
  let signed = 0;
  const live = () => {
    if (!open) refuse('signer-closed', 'the signer is only valid inside the withExecutionSigner callback');
    // Time is checked on every call, not only on entry: a callback may run for long (review E3).
    // Anything but a number below notAfter (NaN, a throwing or odd clock) refuses.
    const t: unknown = clock();
    if (typeof t !== 'number' || !(t < notAfter)) refuse('grant-expired', 'the grant or policy window has ended');
    if (timeOfDay !== undefined && !insideTimeOfDay(timeOfDay, t)) refuse('outside-time-of-day', 'outside the policy time of day (UTC)');
  };
  // Backend signer (SPEC 3.6): OpenSSL where available, noble elsewhere; same bytes (RFC 8032).
  const sign = createEd25519Signer(secretKey.subarray(0, 32)).sign;
  const signer: ExecutionSigner = Object.freeze({
    address: agent,
    signTransactionMessage(message: Uint8Array): Uint8Array {
      live();
      if (signed >= maxSignatures)
        refuse('signature-limit-reached', `this use of the grant may sign ${maxSignatures} transaction(s) (maxSignatures)`);
      abytes(message, 'message');
      const bytes = Uint8Array.from(message); // decode and sign the same bytes, even if the caller mutates its buffer
      let msg: DecodedTransactionMessage;
      try {
        msg = decodeTransactionMessage(bytes);
      } catch (e) {
        const reason = e instanceof AgentvaultError ? String(e.details?.['reason'] ?? 'malformed') : 'malformed';
        return fail('SIGNING_REFUSED', `signer refused: ${e instanceof Error ? e.message : 'malformed message'}`, { reason });
      }
      checkTransactionRules(msg, agent, policy);
      const sig = sign(bytes);
      signed++;
      return sig;
    },
    signMessage(message: Uint8Array): Uint8Array {
      live();
      abytes(message, 'message');
      const bytes = Uint8Array.from(message);
      if (!policy.allowSignMessage) refuse('sign-message-disabled', 'the policy does not allow signing messages');
      if (looksLikeTransactionMessage(bytes)) refuse('looks-like-transaction', 'the bytes parse as a transaction message; use signTransactionMessage');
      return sign(bytes);
    },
    toString: () => `ExecutionSigner(${agent})`,
    toJSON: () => `ExecutionSigner(${agent})`,
    [Symbol.for('nodejs.util.inspect.custom')]: () => `ExecutionSigner(${agent})`,
  });
  return {
    signer,
    close() {
      open = false;
    },
  };
}
