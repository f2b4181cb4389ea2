/**
 * Verified authorizations (DESIGN 3, 4; SPEC 7.6). A `VerifiedMessage` is what
 * `verifySignedMessage` returns after every check passed. It carries a runtime brand that user
 * code cannot forge (a module-private WeakSet, not a property), so functions that need a fresh
 * wallet authorization (vault unlock, enable execution, mnemonic reveal) can refuse plain objects.
 * Each authorization is single-use: `useAuthorization` spends it.
 * @module
 */
import { fail } from '../errors.js';
import { COMBINED_PURPOSES } from './purposes.js';

/** How the wallet signed the bytes: the plain UTF-8 text, or the Solana off-chain message v1 envelope. */
export type SignedAs = 'raw' | 'offchain-v1';

/** The fields of a signed message after verification. Frozen. */
export interface VerifiedMessage {
  readonly purpose: string;
  readonly address: string;
  readonly domain: string;
  readonly uri: string;
  readonly chain: string;
  readonly nonce: string;
  readonly statement: string | undefined;
  readonly issuedAt: string;
  readonly expirationTime: string | undefined;
  readonly notBefore: string | undefined;
  readonly requestId: string | undefined;
  readonly resources: readonly string[];
  /**
   * The purpose's parameters, as signed (SPEC 7.4): for `enable-execution`
   * `{ bot, agent, policyHash, grantNotBefore, grantExpires }` (times RFC 3339); for `reveal-mnemonic`
   * `{ acknowledgement }`; otherwise empty.
   */
  readonly params?: Readonly<Record<string, string>>;
  /** The exact message text. */
  readonly text: string;
  /** The exact bytes the wallet signed (the text, or its off-chain envelope). */
  readonly signedBytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly signedAs: SignedAs;
  /** Milliseconds since the epoch at which verification passed. */
  readonly verifiedAt: number;
}

const branded = new WeakSet<object>();
/**
 * What has been spent of each authorization: its whole purpose (`*`), or, for a combined purpose
 * (SPEC 7.4.1), each part used so far. One message, one nonce, each part at most once.
 */
const spent = new WeakMap<object, Set<string>>();
const WHOLE = '*';

/** @internal Only `verifySignedMessage` calls this, after every check passed. */
export function _brandVerifiedMessage(fields: VerifiedMessage): VerifiedMessage {
  const frozen = Object.freeze({
    ...fields,
    resources: Object.freeze([...fields.resources]),
    params: Object.freeze({ ...fields.params }),
  });
  branded.add(frozen);
  return frozen;
}

/** True when `value` came from `verifySignedMessage` in this process (not a look-alike object). */
export function isVerifiedMessage(value: unknown): value is VerifiedMessage {
  // WeakSet#has answers false for null and every primitive (it never throws), so no type guard is needed.
  return branded.has(value as object);
}

/** Time at which an authorization stops being usable: its Expiration Time (required for use). */
function expiresAtMs(auth: VerifiedMessage): number {
  // Date.parse(undefined) is NaN, which no `now` is <= to: a message without one is never usable.
  return Date.parse(auth.expirationTime as string);
}

/** `solana:mainnet` and `mainnet` name the same cluster when binding an authorization to a vault. */
function clusterOf(chain: string): string {
  return chain.startsWith('solana:') ? chain.slice('solana:'.length) : chain;
}

/**
 * How far the spending call's clock may lag the verifying call's (`verifiedAt`): 5 minutes, the
 * largest message skew (SPEC 7.6). Verification and use may run on different hosts; a `now`
 * further behind than this is a wrong clock (seconds instead of milliseconds, 0, a stale value),
 * never a real time, and is refused.
 */
export const AUTHORIZATION_CLOCK_TOLERANCE_MS = 5 * 60_000;

/** What an operation requires of the authorization it spends. Every field is mandatory. */
export interface AuthorizationExpectation {
  readonly purpose: string;
  /** The wallet that must have signed. */
  readonly address: string;
  /** The site (host[:port]) the operation belongs to, e.g. the vault's domain. */
  readonly domain: string;
  /** The cluster the operation belongs to (`mainnet` or `solana:mainnet` alike). */
  readonly chain: string;
  /**
   * The caller's clock, ms since the epoch (a safe integer). Pass the real time (`Date.now()`)
   * outside tests. It must not precede the authorization's `verifiedAt` by more than
   * `AUTHORIZATION_CLOCK_TOLERANCE_MS` (5 min): a clock in seconds, or 0, is refused.
   */
  readonly now: number;
}

/**
 * Spend a verified authorization for one operation: refuses anything not branded, of another
 * purpose, wallet, domain or cluster, past its expiration time, or already spent
 * (`AUTHORIZATION_REQUIRED`), and a clock that is not an integer or lags the verification time by
 * more than 5 minutes (`INVALID_INPUT`). Every check is mandatory. The purpose must be exactly the
 * expected one: a combined authorization (`unlock-and-enable-execution`) is spent whole here, and
 * is never taken for one of its parts (only `unlockVault` and `createExecutionGrant` do that).
 */
export function useAuthorization(auth: VerifiedMessage, expected: AuthorizationExpectation): VerifiedMessage {
  return spend(auth, expected, false);
}

/**
 * @internal SPEC 7.4.1: as `useAuthorization`, and also accepts a combined authorization one of
 * whose parts is `expected.purpose`, spending that part only (once). Only `unlockVault`
 * (`unlock`) and `createExecutionGrant` (`enable-execution`) call this.
 */
export function _useAuthorizationPart(auth: VerifiedMessage, expected: AuthorizationExpectation): VerifiedMessage {
  return spend(auth, expected, true);
}

function spend(auth: VerifiedMessage, expected: AuthorizationExpectation, part: boolean): VerifiedMessage {
  // Typed for callers (issue 15 item 2); still checked at run time: only the library's brand passes.
  for (const k of ['purpose', 'address', 'domain', 'chain'] as const)
    if (typeof expected?.[k] !== 'string') fail('INVALID_INPUT', `expected.${k}: required`, { field: `expected.${k}` });
  // Number.isSafeInteger is false for every non-number (no coercion).
  if (!Number.isSafeInteger(expected.now))
    fail('INVALID_INPUT', 'expected.now: required, ms since the epoch (an integer)', { field: 'expected.now' });
  if (!isVerifiedMessage(auth))
    fail('AUTHORIZATION_REQUIRED', `a verified '${expected.purpose}' authorization from verifySignedMessage is required`);
  if (expected.now < auth.verifiedAt - AUTHORIZATION_CLOCK_TOLERANCE_MS)
    fail('INVALID_INPUT', 'expected.now: earlier than the verification time by more than 5 minutes; pass Date.now() (milliseconds)', {
      field: 'expected.now',
    });
  const parts = Object.hasOwn(COMBINED_PURPOSES, auth.purpose) ? COMBINED_PURPOSES[auth.purpose]! : undefined;
  const asPart = part && auth.purpose !== expected.purpose && parts !== undefined && (parts as readonly string[]).includes(expected.purpose);
  if (auth.purpose !== expected.purpose && !asPart)
    fail('AUTHORIZATION_REQUIRED', `authorization is for '${auth.purpose}', not '${expected.purpose}'`);
  if (auth.address !== expected.address) fail('AUTHORIZATION_REQUIRED', 'authorization was signed by another wallet');
  if (auth.domain !== expected.domain) fail('AUTHORIZATION_REQUIRED', 'authorization was signed for another domain');
  if (clusterOf(auth.chain) !== clusterOf(expected.chain)) fail('AUTHORIZATION_REQUIRED', 'authorization was signed for another cluster');
  const exp = expiresAtMs(auth);
  if (!(expected.now <= exp))
    fail('AUTHORIZATION_REQUIRED', 'authorization has expired; request a new challenge');
  const used = spent.get(auth);
  // Whole: nothing of it may have been used. Part: neither the whole nor this part.
  const taken = asPart ? used !== undefined && (used.has(WHOLE) || used.has(expected.purpose)) : used !== undefined && used.size > 0;
  if (taken) fail('AUTHORIZATION_REQUIRED', 'authorization was already used; request a new challenge');
  if (used === undefined) spent.set(auth, new Set([asPart ? expected.purpose : WHOLE]));
  else used.add(asPart ? expected.purpose : WHOLE);
  return auth;
}
