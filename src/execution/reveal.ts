/**
 * Mnemonic reveal (DESIGN 4 table, DESIGN 8, SPEC 10.6): the agent wallet's recovery phrase
 * leaves its record only for a fresh, single-use, user-acknowledged `reveal-mnemonic`
 * authorization, at most 3 times per 24 hours per wallet.
 * @module
 */
import { aoptions } from '../_options.js';
import { aobject, typeName } from '../_utils.js';
import { _agentRecordFields } from '../derivation/_agent-context.js';
import { fail } from '../errors.js';
import { isVerifiedMessage, useAuthorization, type VerifiedMessage } from '../messages/authorization.js';
import { MESSAGE_LIFETIME_MS, STATEMENT_REVEAL_MNEMONIC, URN_ACK_REVEAL_MNEMONIC } from '../messages/purposes.js';
import type { SecretBytes } from '../secret.js';
import { MemoryRateLimiter } from '../stores/memory.js';
import type { RateLimiter } from '../stores/types.js';
import { UnlockedVault } from '../vault/unlocked.js';

/** Hard limits: at most 3 reveals per 24 hours per wallet (an app may tighten, never loosen). */
export const REVEAL_LIMIT = 3;
export const REVEAL_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A reveal message older than this (from its Issued At) is refused, whatever its expiration says. */
export const REVEAL_MAX_AGE_MS: number = MESSAGE_LIFETIME_MS['reveal-mnemonic'];
const MNEMONIC_RECORD = 'mnemonic';

let defaultLimiter: MemoryRateLimiter | undefined;

/** Options of `revealMnemonic`. */
export interface RevealMnemonicOptions {
  /** A verified `reveal-mnemonic` authorization (with the acknowledgement); spent by this call. */
  readonly authorization: VerifiedMessage;
  /** The owner's unlocked vault. */
  readonly vault: UnlockedVault;
  /** The sealed `mnemonic` record (`createAgentWallet(...).records.mnemonic`). */
  readonly mnemonicRecord: string;
  /**
   * The agent wallet's address (`createAgentWallet(...).address`): required, it is part of the
   * record context, so another agent wallet's mnemonic record does not open (CONTEXT_MISMATCH).
   */
  readonly agentAddress: string;
  /** App fields the record was sealed with (without `agent`, which the library adds). */
  readonly fields?: Readonly<Record<string, string>>;
  /**
   * Shared rate limiter, at most 3 per 24 h (keyed `reveal-mnemonic:<owner address>`). Default: a
   * process-local memory limiter, which is only correct for a single server process.
   */
  readonly limiter?: RateLimiter;
  /** Clock, ms since the epoch; default `Date.now()`. */
  readonly now?: number;
}

function aLimiter(value: unknown): RateLimiter {
  if (value === undefined) return (defaultLimiter ??= new MemoryRateLimiter({ limit: REVEAL_LIMIT, windowMs: REVEAL_WINDOW_MS }));
  const l = value as RateLimiter | null;
  if (typeof l !== 'object' || l === null || typeof l.hit !== 'function')
    fail('INVALID_INPUT', `limiter: expected a RateLimiter, got ${typeName(value)}`, { field: 'limiter' });
  // DESIGN 4: an app can tighten the reveal limit, never loosen it.
  if (!(typeof l.limit === 'number' && l.limit >= 1 && l.limit <= REVEAL_LIMIT && typeof l.windowMs === 'number' && l.windowMs >= REVEAL_WINDOW_MS))
    fail('INVALID_INPUT', `limiter: must allow at most ${REVEAL_LIMIT} reveals per ${REVEAL_WINDOW_MS} ms`, { field: 'limiter' });
  return l;
}

/**
 * Reveal the agent wallet's mnemonic, once per authorization. Checks, in order (each refusal its
 * own code): a verified authorization (AUTHORIZATION_REQUIRED); purpose `reveal-mnemonic` and the
 * user's acknowledgement (statement and URN) (AUTHORIZATION_REQUIRED); age at most 2 minutes from
 * Issued At and not past its Expiration Time (MESSAGE_EXPIRED); signer = vault owner, not spent
 * (AUTHORIZATION_REQUIRED; the authorization is spent here); the rate limit (RATE_LIMITED with
 * `details.retryAfterMs`); only then the record is opened. Returns the mnemonic as UTF-8
 * `SecretBytes`: send it to the user and `dispose()` it; never log it.
 * @example
 * const phrase = await revealMnemonic({ authorization, vault, mnemonicRecord: agent.records.mnemonic, agentAddress: agent.address, limiter });
 * try { res.json({ mnemonic: phrase.exposeText() }) } finally { phrase.dispose() }
 */
export async function revealMnemonic(options: RevealMnemonicOptions): Promise<SecretBytes> {
  const o = aoptions(options, 'options', [
    'authorization', 'vault', 'mnemonicRecord', 'agentAddress', 'fields', 'limiter', 'now',
  ] satisfies (keyof RevealMnemonicOptions)[]) as Partial<RevealMnemonicOptions>;
  const now = o.now ?? Date.now();
  if (typeof now !== 'number' || !Number.isSafeInteger(now) || now < 0)
    fail('INVALID_INPUT', 'now: expected ms since the epoch (a non-negative integer)', { field: 'now' });
  const vault = o.vault;
  if (!(vault instanceof UnlockedVault)) return fail('INVALID_INPUT', 'vault: expected an UnlockedVault', { field: 'vault' });
  if (typeof o.mnemonicRecord !== 'string') fail('INVALID_INPUT', 'mnemonicRecord: expected the sealed record text', { field: 'mnemonicRecord' });
  const context = _agentRecordFields(o.agentAddress, o.fields, { address: 'agentAddress', fields: 'fields' });
  const limiter = aLimiter(o.limiter);

  const auth = o.authorization;
  if (!isVerifiedMessage(auth)) return fail('AUTHORIZATION_REQUIRED', "a verified 'reveal-mnemonic' authorization is required");
  if (auth.purpose !== 'reveal-mnemonic') fail('AUTHORIZATION_REQUIRED', `authorization is for '${auth.purpose}', not 'reveal-mnemonic'`);
  if (auth.statement !== STATEMENT_REVEAL_MNEMONIC || !auth.resources.includes(URN_ACK_REVEAL_MNEMONIC))
    fail('AUTHORIZATION_REQUIRED', "the message does not carry the user's acknowledgement");
  const issuedAt = Date.parse(auth.issuedAt);
  const expires = auth.expirationTime === undefined ? Number.NaN : Date.parse(auth.expirationTime);
  if (!(now - issuedAt <= REVEAL_MAX_AGE_MS) || !(now <= expires))
    fail('MESSAGE_EXPIRED', 'the reveal authorization is older than 2 minutes; request a new one');
  const owner = vault.owner;
  const { wallet, domain, chain } = vault.data;
  useAuthorization(auth, { purpose: 'reveal-mnemonic', address: wallet, domain, chain, now });

  const r = await limiter.hit(`reveal-mnemonic:${owner}`, now);
  if (!r.allowed)
    fail('RATE_LIMITED', 'too many mnemonic reveals for this wallet; retry later', { retryAfterMs: Math.max(0, r.retryAfterMs) });
  return vault.open(MNEMONIC_RECORD, o.mnemonicRecord, context);
}
