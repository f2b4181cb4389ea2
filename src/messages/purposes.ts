/**
 * Purposes (DESIGN 4 table, SPEC 7.4): what a signed message authorizes, its human statement, its
 * machine-readable `Resources` URNs and its lifetime. Built-in lifetimes are hard maxima: an app
 * may ask for a shorter lifetime, never a longer one (`LIFETIME_TOO_LONG`).
 *
 * URNs (all under `urn:agentvault:`, a namespace reserved to this library; app resources may not
 * use it):
 * - `urn:agentvault:purpose:<purpose>` (always the first resource)
 * - `urn:agentvault:bot:<bot id>`, `urn:agentvault:agent:<agent wallet address>`,
 *   `urn:agentvault:policy:sha256:<64 hex>`, `urn:agentvault:grant-not-before:<RFC 3339>`,
 *   `urn:agentvault:grant-expires:<RFC 3339>` (enable-execution and
 *   unlock-and-enable-execution, in this order); their statement may carry the policy summary
 *   (SPEC 10.3.7), exposed as `params.policySummary`
 * - `urn:agentvault:ack:reveal-mnemonic:v1` (reveal-mnemonic)
 * @module
 */
import { fail } from '../errors.js';
import { isAddress } from '../primitives/address.js';
import { assertStatement, formatTimestamp, parseTimestamp } from './fields.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The built-in purposes. */
export const BUILTIN_PURPOSES = ['sign-in', 'unlock', 'enable-execution', 'reveal-mnemonic', 'unlock-and-enable-execution'] as const;
export type BuiltinPurpose = (typeof BUILTIN_PURPOSES)[number];
/** App-defined purposes live in their own `app:` namespace so they never collide with built-ins. */
export type AppPurpose = `app:${string}`;
export type Purpose = BuiltinPurpose | AppPurpose;

/** SPEC 7.4: hard maximum message lifetime (also the default) per built-in purpose. */
export const MESSAGE_LIFETIME_MS: Readonly<Record<BuiltinPurpose, number>> = Object.freeze({
  'sign-in': 10 * MINUTE,
  unlock: 10 * MINUTE,
  'enable-execution': 15 * MINUTE,
  'reveal-mnemonic': 2 * MINUTE,
  // The shorter of its two parts' lifetimes (unlock 10 min, enable-execution 15 min).
  'unlock-and-enable-execution': 10 * MINUTE,
});

/**
 * SPEC 7.4.1: a combined purpose stands for exactly these built-in purposes, each usable once
 * (`useAuthorization`), in one message with one nonce. `unlockVault` and `createExecutionGrant`
 * accept it for their part; nothing else does.
 */
export const COMBINED_PURPOSES: Readonly<Record<string, readonly BuiltinPurpose[]>> = Object.freeze({
  'unlock-and-enable-execution': Object.freeze(['unlock', 'enable-execution'] as const),
});
/** The longest lifetime an app-defined purpose may declare. */
export const MAX_APP_MESSAGE_LIFETIME_MS = 1 * HOUR;
/** Execution grant window: default and default hard maximum (configurable up to the ceiling). */
export const DEFAULT_GRANT_WINDOW_MS = 1 * HOUR;
export const DEFAULT_MAX_GRANT_WINDOW_MS = 7 * DAY;
export const GRANT_WINDOW_CEILING_MS = 90 * DAY;

export const URN_PREFIX = 'urn:agentvault:';
export const URN_PURPOSE = `${URN_PREFIX}purpose:`;
export const URN_BOT = `${URN_PREFIX}bot:`;
export const URN_AGENT = `${URN_PREFIX}agent:`;
export const URN_POLICY_SHA256 = `${URN_PREFIX}policy:sha256:`;
export const URN_GRANT_NOT_BEFORE = `${URN_PREFIX}grant-not-before:`;
export const URN_GRANT_EXPIRES = `${URN_PREFIX}grant-expires:`;
export const URN_ACK_REVEAL_MNEMONIC = `${URN_PREFIX}ack:reveal-mnemonic:v1`;

/** Statements of the built-in purposes (the enable-execution one is filled in per grant). */
export const STATEMENT_SIGN_IN = 'Sign in. This request will not trigger a blockchain transaction or cost any fee.';
export const STATEMENT_UNLOCK =
  'Unlock your encrypted keys on this server for this session. This request will not trigger a blockchain transaction or cost any fee.';
/** SPEC 7.4: the user's acknowledgement, carried in the statement of every reveal-mnemonic message. */
export const STATEMENT_REVEAL_MNEMONIC =
  'Reveal the recovery phrase of your agent wallet, once. I understand that anyone who sees it can take every asset in that wallet, and that I must never share it.';
/**
 * The enable-execution statement (SPEC 7.4). With a policy summary (SPEC 10.3.7) the user reads
 * the limits themselves; without one (grants issued before policy summaries, v1 policies only)
 * the statement refers to "the risk policy you approved".
 */
export function statementEnableExecution(bot: string, notBefore: string, expires: string, policySummary?: string): string {
  return grantStatement('Allow bot', bot, notBefore, expires, policySummary);
}
/**
 * The unlock-and-enable-execution statement (SPEC 7.4.1): the unlock sentence and the
 * enable-execution sentence in one, so the user reads both things they authorize.
 */
export function statementUnlockAndEnableExecution(bot: string, notBefore: string, expires: string, policySummary?: string): string {
  return grantStatement(UNLOCK_AND_ALLOW, bot, notBefore, expires, policySummary);
}
const UNLOCK_AND_ALLOW = 'Unlock your encrypted keys on this server for this session, and allow bot';
function grantStatement(lead: string, bot: string, notBefore: string, expires: string, policySummary: string | undefined): string {
  if (policySummary === undefined)
    return `${lead} ${bot} to trade from your agent wallet from ${notBefore} until ${expires}, within the risk policy you approved. You can revoke this at any time.`;
  return `${summaryStatementPrefix(lead, bot, notBefore, expires)}${policySummary}`;
}
function summaryStatementPrefix(lead: string, bot: string, notBefore: string, expires: string): string {
  return `${lead} ${bot} to trade from your agent wallet from ${notBefore} until ${expires}. You can revoke this at any time. Limits: `;
}
/** The statement lead of a purpose that carries grant parameters. */
const grantLead = (purpose: 'enable-execution' | 'unlock-and-enable-execution') => (purpose === 'enable-execution' ? 'Allow bot' : UNLOCK_AND_ALLOW);

/**
 * SPEC 10.3.7: the longest policy summary an enable-execution statement carries (ASCII
 * characters). With it the message still fits MAX_MESSAGE_BYTES for a domain, URI and bot id of
 * ordinary length; a message that does not fit is refused by `issueChallenge`.
 */
export const MAX_POLICY_SUMMARY_LENGTH = 400;
// The statement charset (SPEC 7.2) without leading, trailing or doubled spaces, ending with '.'.
const POLICY_SUMMARY_RE = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]+(?: [A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]+)*$/;

/** True for a string that may stand as the policy summary of an enable-execution statement. */
export function isPolicySummaryText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_POLICY_SUMMARY_LENGTH && value.endsWith('.') && POLICY_SUMMARY_RE.test(value);
}

const APP_PURPOSE_RE = /^app:[a-z0-9][a-z0-9-]{0,47}$/;
const BOT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const POLICY_HASH_RE = /^[0-9a-f]{64}$/;

/** An app-defined purpose, made by `definePurpose`. */
export interface PurposeDefinition {
  readonly name: AppPurpose;
  readonly statement: string;
  /** Default message lifetime. */
  readonly lifetimeMs: number;
  /** Hard maximum message lifetime for this purpose. */
  readonly maxLifetimeMs: number;
}

// Only definitions made by definePurpose (validated, frozen) are accepted by issueChallenge.
const defined = new WeakSet<object>();

function aLifetime(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1000 || value % 1000 !== 0)
    fail('INVALID_INPUT', `${field}: expected a whole number of seconds in ms, at least 1000`, { field });
  if (value > max) fail('LIFETIME_TOO_LONG', `${field}: ${value} ms exceeds the hard maximum of ${max} ms`, { field, max });
  return value;
}

/**
 * Declare an app-defined purpose: a name in the `app:` namespace, a statement in the SIWS charset
 * and a lifetime (at most 1 hour). Pass it to `issueChallenge` in `purposes`.
 * @example
 * const exportCsv = definePurpose({ name: 'app:export-history', statement: 'Export my trade history.', lifetimeMs: 300_000 });
 */
export function definePurpose(def: {
  name: AppPurpose;
  statement: string;
  lifetimeMs: number;
  maxLifetimeMs?: number;
}): PurposeDefinition {
  if (typeof def !== 'object' || def === null) fail('INVALID_INPUT', 'definePurpose: expected an object', { field: 'def' });
  if (typeof def.name !== 'string' || !APP_PURPOSE_RE.test(def.name))
    fail('INVALID_INPUT', "name: app purposes must match 'app:[a-z0-9][a-z0-9-]{0,47}'", { field: 'name' });
  const statement = assertStatement(def.statement, 'statement');
  const maxLifetimeMs =
    def.maxLifetimeMs === undefined
      ? aLifetime(def.lifetimeMs, 'lifetimeMs', MAX_APP_MESSAGE_LIFETIME_MS)
      : aLifetime(def.maxLifetimeMs, 'maxLifetimeMs', MAX_APP_MESSAGE_LIFETIME_MS);
  const lifetimeMs = aLifetime(def.lifetimeMs, 'lifetimeMs', maxLifetimeMs);
  const out: PurposeDefinition = Object.freeze({ name: def.name, statement, lifetimeMs, maxLifetimeMs });
  defined.add(out);
  return out;
}

/** True for a built-in purpose name. */
export function isBuiltinPurpose(value: unknown): value is BuiltinPurpose {
  return typeof value === 'string' && (BUILTIN_PURPOSES as readonly string[]).includes(value);
}

/** Grant parameters of an enable-execution challenge (times in ms since the epoch). */
export interface GrantRequest {
  /** Bot id: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`. */
  readonly bot: string;
  /**
   * The agent wallet the bot will trade from (base58 address, `createAgentWallet(...).address`):
   * signed into the message so the user authorizes this wallet, not any of theirs.
   */
  readonly agent: string;
  /** SHA-256 of the bot's canonical policy JSON, 64 lower-case hex digits. */
  readonly policyHash: string;
  /** Start of the grant window; default: the challenge's Issued At. Whole seconds. */
  readonly notBefore?: number;
  /** Length of the grant window; default 1 hour; at most `maxGrantWindowMs`. Whole seconds. */
  readonly windowMs?: number;
  /**
   * `summarizePolicy(policy)` (from `agentvault/execution`): the limits the user reads in the
   * statement (SPEC 10.3.7). Required for a v2 policy (grant creation refuses a v2 grant without
   * it); optional for v1. Grant creation and use regenerate it from the policy and refuse a mismatch.
   */
  readonly policySummary?: string;
}

/** What a purpose puts into a message. */
export interface PurposeContent {
  readonly statement: string;
  /** Library URNs, before any app resources. */
  readonly resources: readonly string[];
  /** Parsed parameters exposed on the verified message. */
  readonly params: Readonly<Record<string, string>>;
  /** Message lifetime to use and its hard maximum. */
  readonly lifetimeMs: number;
  readonly maxLifetimeMs: number;
}

/**
 * Resolve a purpose into its statement, URNs, parameters and lifetimes (SPEC 7.4). Throws
 * `INVALID_INPUT` for an unknown purpose or bad parameters, `GRANT_WINDOW_TOO_LONG` for a grant
 * window beyond the maximum.
 */
export function resolvePurpose(
  purpose: unknown,
  opts: {
    issuedAtMs: number;
    grant?: GrantRequest | undefined;
    maxGrantWindowMs?: number | undefined;
    purposes?: readonly PurposeDefinition[] | undefined;
  },
): PurposeContent & { readonly purpose: Purpose } {
  if (typeof purpose !== 'string') fail('INVALID_INPUT', 'purpose: expected a string', { field: 'purpose' });
  if (purpose !== 'enable-execution' && purpose !== 'unlock-and-enable-execution' && opts.grant !== undefined)
    fail('INVALID_INPUT', "grant: only 'enable-execution' and 'unlock-and-enable-execution' take grant parameters", { field: 'grant' });
  const urn = `${URN_PURPOSE}${purpose}`;
  switch (purpose) {
    case 'sign-in':
    case 'unlock':
    case 'reveal-mnemonic': {
      const max = MESSAGE_LIFETIME_MS[purpose];
      const statement =
        purpose === 'sign-in' ? STATEMENT_SIGN_IN : purpose === 'unlock' ? STATEMENT_UNLOCK : STATEMENT_REVEAL_MNEMONIC;
      const resources = purpose === 'reveal-mnemonic' ? [urn, URN_ACK_REVEAL_MNEMONIC] : [urn];
      const params: Record<string, string> = purpose === 'reveal-mnemonic' ? { acknowledgement: 'reveal-mnemonic:v1' } : {};
      return { purpose, statement, resources, params, lifetimeMs: max, maxLifetimeMs: max };
    }
    case 'enable-execution':
    case 'unlock-and-enable-execution': {
      const g = opts.grant;
      if (typeof g !== 'object' || g === null)
        fail('INVALID_INPUT', `grant: '${purpose}' needs { bot, agent, policyHash }`, { field: 'grant' });
      if (typeof g.bot !== 'string' || !BOT_RE.test(g.bot))
        fail('INVALID_INPUT', 'grant.bot: must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}', { field: 'grant.bot' });
      if (!isAddress(g.agent))
        fail('INVALID_INPUT', "grant.agent: required, the agent wallet's base58 address", { field: 'grant.agent' });
      if (typeof g.policyHash !== 'string' || !POLICY_HASH_RE.test(g.policyHash))
        fail('INVALID_INPUT', 'grant.policyHash: must be 64 lower-case hex digits (SHA-256)', { field: 'grant.policyHash' });
      const maxWindow = opts.maxGrantWindowMs ?? DEFAULT_MAX_GRANT_WINDOW_MS;
      if (!Number.isSafeInteger(maxWindow) || maxWindow < 1000 || maxWindow > GRANT_WINDOW_CEILING_MS)
        fail('INVALID_INPUT', `maxGrantWindowMs: must be in [1000, ${GRANT_WINDOW_CEILING_MS}]`, { field: 'maxGrantWindowMs' });
      const windowMs = g.windowMs ?? Math.min(DEFAULT_GRANT_WINDOW_MS, maxWindow);
      // Number.isSafeInteger is false for every non-number (no coercion): a string window is refused here too.
      if (!Number.isSafeInteger(windowMs) || windowMs < 1000 || windowMs % 1000 !== 0)
        fail('INVALID_INPUT', 'grant.windowMs: expected a whole number of seconds in ms, at least 1000', { field: 'grant.windowMs' });
      if (windowMs > maxWindow)
        fail('GRANT_WINDOW_TOO_LONG', `grant.windowMs: exceeds the maximum of ${maxWindow} ms`, { field: 'grant.windowMs', max: maxWindow });
      const notBefore = g.notBefore ?? opts.issuedAtMs;
      if (!Number.isSafeInteger(notBefore) || notBefore % 1000 !== 0)
        fail('INVALID_INPUT', 'grant.notBefore: expected whole seconds in ms since the epoch', { field: 'grant.notBefore' });
      // A grant may start now or later, but not in the past and not further ahead than one maximum window.
      if (notBefore < opts.issuedAtMs || notBefore > opts.issuedAtMs + maxWindow)
        fail('INVALID_INPUT', 'grant.notBefore: must be between the issue time and one maximum window later', {
          field: 'grant.notBefore',
        });
      const summary = g.policySummary;
      if (summary !== undefined && !isPolicySummaryText(summary))
        fail('INVALID_INPUT', `grant.policySummary: expected summarizePolicy(policy) (statement charset, at most ${MAX_POLICY_SUMMARY_LENGTH} characters)`, {
          field: 'grant.policySummary',
        });
      const nb = formatTimestamp(notBefore, 'grant.notBefore');
      const exp = formatTimestamp(notBefore + windowMs, 'grant.windowMs');
      const max = MESSAGE_LIFETIME_MS[purpose];
      return {
        purpose,
        statement: grantStatement(grantLead(purpose), g.bot, nb, exp, summary),
        resources: [
          urn,
          `${URN_BOT}${g.bot}`,
          `${URN_AGENT}${g.agent}`,
          `${URN_POLICY_SHA256}${g.policyHash}`,
          `${URN_GRANT_NOT_BEFORE}${nb}`,
          `${URN_GRANT_EXPIRES}${exp}`,
        ],
        params: {
          bot: g.bot,
          agent: g.agent,
          policyHash: g.policyHash,
          grantNotBefore: nb,
          grantExpires: exp,
          ...(summary === undefined ? {} : { policySummary: summary }),
        },
        lifetimeMs: max,
        maxLifetimeMs: max,
      };
    }
    default: {
      if (!APP_PURPOSE_RE.test(purpose))
        fail('INVALID_INPUT', `purpose: expected one of ${BUILTIN_PURPOSES.join(', ')} or a registered 'app:' purpose`, {
          field: 'purpose',
        });
      if (opts.purposes !== undefined && !Array.isArray(opts.purposes))
        fail('INVALID_INPUT', 'purposes: expected an array of definePurpose() results', { field: 'purposes' });
      const def = opts.purposes?.find((p) => defined.has(p) && p.name === purpose);
      if (def === undefined)
        fail('INVALID_INPUT', 'purpose: app purpose is not registered (pass its definePurpose() result in `purposes`)', {
          field: 'purpose',
        });
      return {
        purpose: def.name,
        statement: def.statement,
        resources: [urn],
        params: {},
        lifetimeMs: def.lifetimeMs,
        maxLifetimeMs: def.maxLifetimeMs,
      };
    }
  }
}

/** What a signed message itself says it authorizes (SPEC 7.6 step 10). */
export interface SignedPurpose {
  readonly purpose: string;
  readonly params: Readonly<Record<string, string>>;
}

/** A library-written time: `YYYY-MM-DDTHH:MM:SSZ`, calendar-valid. */
function isCanonicalTime(value: string): boolean {
  try {
    // Stryker disable next-line StringLiteral: equivalent, the field name only appears in an error the catch below turns into false
    return formatTimestamp(parseTimestamp(value, 'time'), 'time') === value;
  } catch {
    return false;
  }
}

/**
 * Read the purpose and its parameters back from the signed `Resources` URNs and statement (SPEC
 * 7.4, 7.6): the first resource is the purpose URN; a built-in purpose's URNs follow in their
 * order and its statement is exactly the built-in one (for `enable-execution`, filled in from the
 * URNs); any later resource is outside `urn:agentvault:`. Returns `undefined` when the text does
 * not carry a purpose in this form. An app purpose's statement is the app's; it is not checked here.
 */
export function readSignedPurpose(
  resources: readonly string[] | undefined,
  statement: string | undefined,
): SignedPurpose | undefined {
  if (resources === undefined || resources.length === 0 || statement === undefined) return undefined;
  const first = resources[0]!;
  if (!first.startsWith(URN_PURPOSE)) return undefined;
  const purpose = first.slice(URN_PURPOSE.length);
  let params: Record<string, string> = {};
  let libraryUrns = 1;
  switch (purpose) {
    case 'sign-in':
    case 'unlock':
      if (statement !== (purpose === 'sign-in' ? STATEMENT_SIGN_IN : STATEMENT_UNLOCK)) return undefined;
      break;
    case 'reveal-mnemonic':
      if (statement !== STATEMENT_REVEAL_MNEMONIC || resources[1] !== URN_ACK_REVEAL_MNEMONIC) return undefined;
      params = { acknowledgement: 'reveal-mnemonic:v1' };
      libraryUrns = 2;
      break;
    case 'enable-execution':
    case 'unlock-and-enable-execution': {
      const [, botUrn, agentUrn, policyUrn, nbUrn, expUrn] = resources;
      if (
        botUrn?.startsWith(URN_BOT) !== true ||
        agentUrn?.startsWith(URN_AGENT) !== true ||
        policyUrn?.startsWith(URN_POLICY_SHA256) !== true ||
        nbUrn?.startsWith(URN_GRANT_NOT_BEFORE) !== true ||
        expUrn?.startsWith(URN_GRANT_EXPIRES) !== true
      )
        return undefined;
      const bot = botUrn.slice(URN_BOT.length);
      const agent = agentUrn.slice(URN_AGENT.length);
      const policyHash = policyUrn.slice(URN_POLICY_SHA256.length);
      const grantNotBefore = nbUrn.slice(URN_GRANT_NOT_BEFORE.length);
      const grantExpires = expUrn.slice(URN_GRANT_EXPIRES.length);
      if (!BOT_RE.test(bot) || !isAddress(agent) || !POLICY_HASH_RE.test(policyHash) || !isCanonicalTime(grantNotBefore) || !isCanonicalTime(grantExpires))
        return undefined;
      params = { bot, agent, policyHash, grantNotBefore, grantExpires };
      const lead = grantLead(purpose);
      if (statement !== grantStatement(lead, bot, grantNotBefore, grantExpires, undefined)) {
        // SPEC 10.3.7: the summary form; the summary is what follows the fixed prefix.
        const prefix = summaryStatementPrefix(lead, bot, grantNotBefore, grantExpires);
        if (!statement.startsWith(prefix)) return undefined;
        const policySummary = statement.slice(prefix.length);
        if (!isPolicySummaryText(policySummary)) return undefined;
        params = { ...params, policySummary };
      }
      libraryUrns = 6;
      break;
    }
    default:
      if (!APP_PURPOSE_RE.test(purpose)) return undefined;
  }
  // App resources follow the library's URNs and never use the reserved namespace (issueChallenge).
  for (const r of resources.slice(libraryUrns)) if (r.toLowerCase().startsWith(URN_PREFIX)) return undefined;
  return { purpose, params };
}

/** Check a requested lifetime against the purpose's hard maximum. */
export function checkLifetime(requested: unknown, content: PurposeContent): number {
  if (requested === undefined) return content.lifetimeMs;
  return aLifetime(requested, 'lifetimeMs', content.maxLifetimeMs);
}
