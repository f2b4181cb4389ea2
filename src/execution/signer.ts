/**
 * The scoped signer handed to bot code (DESIGN 9 and 13, SPEC 10.4): the signing pipeline's last
 * two stages (spend, sign) around the evaluation of `pipeline/evaluate.ts`. The strict message
 * decoder lives in `transaction/decode.ts`, the v1 rules in `pipeline/v1.ts` (both re-exported).
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { abytes, concatBytes } from '../_utils.js';
import { AgentvaultError, fail } from '../errors.js';
import { decodeAddress } from '../primitives/address.js';
import { createEd25519Signer, type Ed25519Signer } from '../primitives/ed25519.js';
import { insideTimeOfDay, type NormalizedPolicy } from './policy/index.js';
import type { OrderV2 } from './policy/types.js';
import { bindUse, newUseTotals } from './pipeline/bind.js';
import { evaluateTransaction, type PipelineInput } from './pipeline/evaluate.js';
import type { ProgramDecoders } from './pipeline/instructions.js';
import type { PipelineReason } from './pipeline/refuse.js';
import { spendMessageStage, spendStage } from './pipeline/spend.js';
import type { AuditEvent, BudgetStore } from '../stores/types.js';
import { aLookupTables, type LookupTables } from './transaction/accounts.js';
import { looksLikeTransactionMessage, type DecodeReason } from './transaction/decode.js';

export { decodeTransactionMessage, looksLikeTransactionMessage, PACKET_DATA_SIZE } from './transaction/decode.js';
export type {
  AddressTableLookup,
  CompiledInstruction,
  DecodedTransactionMessage,
  DecodeReason,
  MessageHeader,
} from './transaction/decode.js';
export {
  ASSOCIATED_TOKEN_PROGRAM,
  checkTransactionRules,
  COMPUTE_BUDGET_PROGRAM,
  ED25519_PRECOMPILE,
  LAMPORTS_PER_SIGNATURE,
  SECP256K1_PRECOMPILE,
  SECP256R1_PRECOMPILE,
  TOKEN_2022_PROGRAM,
  TOKEN_PROGRAM,
} from './pipeline/v1.js';

/** Stable reasons in `details.reason` of SIGNING_REFUSED errors (and, for the decoder's own, INVALID_INPUT). SPEC 10.4.10. */
export type RefusalReason =
  | DecodeReason
  | PipelineReason
  | 'token-instruction-not-allowed'
  | 'ata-instruction-not-allowed'
  | 'compute-budget-not-allowed'
  | 'sign-message-disabled'
  | 'looks-like-transaction'
  | 'signer-closed'
  | 'grant-expired'
  | 'outside-time-of-day'
  | 'signature-limit-reached';

/** What bot code receives: it can sign what the grant allows, and nothing after the callback returns. */
export interface ExecutionSigner {
  /** The agent wallet's address (base58). */
  readonly address: string;
  /**
   * Sign the bytes of a legacy or v0 transaction message (what `@solana/kit`'s
   * `compileTransactionMessage` + `getCompiledTransactionMessageEncoder` produce). Resolves to the
   * 64-byte ed25519 signature. Rejects with SIGNING_REFUSED `{ reason, rule, instructionIndex? }`.
   * Async because the budget stage may await a shared store (SPEC 10.4.9).
   */
  signTransactionMessage(message: Uint8Array): Promise<Uint8Array>;
  /** Sign arbitrary bytes; only if the policy allows it and the bytes are not a transaction message. */
  signMessage(message: Uint8Array): Promise<Uint8Array>;
}

/** Prefix of a signed message's budget key (SPEC 10.4.9): never equal to a transaction's hash input. */
const SIGN_MESSAGE_DOMAIN = new TextEncoder().encode('agentvault/v1/sign-message\n');

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
  /**
   * The key to sign with, imported from `secretKey` by the caller: `withExecutionSigner` passes
   * its own lease (SPEC 10.8). Without it the signer looks the seed up among the live leases, and
   * under concurrent uses of one agent key in one process it may pick another call's lease, which
   * is released when that call ends (`signer-closed` after the budget was spent).
   */
  readonly key?: Ed25519Signer;
}

/** @internal What the pipeline needs beyond the policy (validated by the caller, `withExecutionSigner`). */
export interface ScopedSignerPipeline {
  /** The order the bot was authorized for (required by v2 policies). */
  readonly order?: OrderV2;
  readonly lookupTables?: LookupTables;
  readonly programs?: ProgramDecoders;
  readonly budgets?: BudgetStore;
  readonly audit?: (event: AuditEvent) => void | Promise<void>;
  /** Grant id, bot and the wallet that signed the grant: budget counters and audit events. */
  readonly identity?: { readonly grantId: string; readonly bot: string; readonly wallet: string };
}

function refuse(reason: RefusalReason, message: string): never {
  throw new AgentvaultError('SIGNING_REFUSED', `signer refused: ${message}`, { reason });
}

/**
 * @internal Build the signer around `secretKey` (64 bytes, seed || public key, owned by the caller,
 * who zeroes it). Every call re-checks time (`grant-expired` once `clock() >= notAfter`,
 * `outside-time-of-day` outside the policy's daily window), before and after awaiting the budget
 * store; `signTransactionMessage` refuses after `maxSignatures` signatures
 * (`signature-limit-reached`, concurrent calls included). `close()` makes every later call reject
 * with SIGNING_REFUSED ('signer-closed').
 */
export function createScopedSigner(
  secretKey: Uint8Array,
  agent: string,
  policy: NormalizedPolicy,
  limits: ScopedSignerLimits,
  pipeline: ScopedSignerPipeline = {},
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
  const input: PipelineInput = {
    policy,
    agent,
    order: pipeline.order,
    lookupTables: pipeline.lookupTables ?? aLookupTables(undefined),
    programs: pipeline.programs ?? new Map(),
  };
  const identity = pipeline.identity ?? { grantId: '', bot: '', wallet: agent };
  let open = true;
  let signed = 0;
  // SPEC 10.4.8 "one use" (review F6): what the signatures of this use already implemented.
  const use = newUseTotals();
  let inFlight = 0;
  const live = (): number => {
    if (!open) refuse('signer-closed', 'the signer is only valid inside the withExecutionSigner callback');
    // Time is checked on every call, not only on entry: a callback may run for long (review E3).
    // Anything but a number below notAfter (NaN, a throwing or odd clock) refuses.
    const t: unknown = clock();
    if (typeof t !== 'number' || !(t < notAfter)) refuse('grant-expired', 'the grant or policy window has ended');
    if (timeOfDay !== undefined && !insideTimeOfDay(timeOfDay, t)) refuse('outside-time-of-day', 'outside the policy time of day (UTC)');
    return t;
  };
  const audit = async (event: Omit<AuditEvent, 'grantId' | 'bot' | 'agent'>) => {
    if (pipeline.audit === undefined) return;
    await pipeline.audit(Object.freeze({ grantId: identity.grantId, bot: identity.bot, agent, ...event }));
  };
  /**
   * SPEC 10.4.11 (review F10): every failure is audited as a refusal, not only SIGNING_REFUSED, so
   * a probe while the store is down leaves a trace. The reason is stable, never a message; the
   * refusal stands whatever the audit hook does.
   */
  const auditRefusal = async (e: unknown, at: number, messageHash: string): Promise<void> => {
    const refused = e instanceof AgentvaultError && e.code === 'SIGNING_REFUSED';
    const d = refused ? (e.details ?? {}) : {};
    const reason = refused ? String(d['reason']) : e instanceof AgentvaultError && e.code === 'STORE_UNAVAILABLE' ? 'store-unavailable' : 'internal-error';
    await audit({
      at,
      allowed: false,
      messageHash,
      reason,
      ...(typeof d['rule'] === 'string' ? { rule: d['rule'] } : {}),
      ...(typeof d['instructionIndex'] === 'number' ? { instructionIndex: d['instructionIndex'] } : {}),
    }).catch(() => undefined);
  };
  // Backend signer (SPEC 3.6): OpenSSL where available, noble elsewhere; same bytes (RFC 8032).
  const sign = (limits.key ?? createEd25519Signer(secretKey.subarray(0, 32))).sign;
  const signer: ExecutionSigner = Object.freeze({
    address: agent,
    async signTransactionMessage(message: Uint8Array): Promise<Uint8Array> {
      const t0 = live();
      // Concurrent calls reserve their slot before awaiting the store (no overshoot of maxSignatures).
      if (signed + inFlight >= maxSignatures)
        refuse('signature-limit-reached', `this use of the grant may sign ${maxSignatures} transaction(s) (maxSignatures)`);
      abytes(message, 'message');
      const bytes = Uint8Array.from(message); // decode and sign the same bytes, even if the caller mutates its buffer
      const messageHash = bytesToHex(sha256(bytes));
      inFlight++;
      try {
        let budgetAfter: Readonly<Record<string, string>> | undefined;
        try {
          const facts = evaluateTransaction(bytes, input);
          if (facts !== undefined && pipeline.order !== undefined) bindUse(facts, pipeline.order, use, messageHash);
          if (facts !== undefined && policy.v === 2)
            budgetAfter = await spendStage(pipeline.budgets, policy, facts, pipeline.order, { grantId: identity.grantId, wallet: identity.wallet }, messageHash, t0);
        } catch (e) {
          await auditRefusal(e, t0, messageHash);
          throw e;
        }
        // The store was awaited: the callback may have ended or the window closed meanwhile.
        const t1 = live();
        // Audit before the signature leaves: a hook that fails stops the signature (fail closed).
        await audit({ at: t1, allowed: true, messageHash, ...(budgetAfter === undefined ? {} : { budgetAfter }) });
        live();
        const sig = sign(bytes);
        signed++;
        return sig;
      } finally {
        inFlight--;
      }
    },
    async signMessage(message: Uint8Array): Promise<Uint8Array> {
      const t0 = live();
      abytes(message, 'message');
      const bytes = Uint8Array.from(message);
      // Idempotency key apart from transaction hashes: a message and a transaction never share a
      // budget record (SPEC 10.4.9).
      const messageHash = bytesToHex(sha256(concatBytes(SIGN_MESSAGE_DOMAIN, bytes)));
      let budgetAfter: Readonly<Record<string, string>> | undefined;
      try {
        if (!policy.allowSignMessage) refuse('sign-message-disabled', 'the policy does not allow signing messages');
        if (looksLikeTransactionMessage(bytes)) refuse('looks-like-transaction', 'the bytes parse as a transaction message; use signTransactionMessage');
        // Issue 14: `signatures` budgets count signed messages too; audited like transactions.
        if (policy.v === 2) budgetAfter = await spendMessageStage(pipeline.budgets, policy, { grantId: identity.grantId, wallet: identity.wallet }, messageHash, t0);
      } catch (e) {
        await auditRefusal(e, t0, messageHash);
        throw e;
      }
      const t1 = live();
      await audit({ at: t1, allowed: true, messageHash, ...(budgetAfter === undefined ? {} : { budgetAfter }) });
      live();
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
