/**
 * The reference Express adapter (DESIGN 11): `createAgentvaultRouter(deps)` is a router you can
 * mount in your own app; `createApp(deps)` wraps it with request logging for `server.ts`.
 * One line per route in README.md. Only the public entry points of the library are used.
 *
 * Who may do what:
 * - sign in: a fresh `sign-in` message (-> a session, at most 24 h);
 * - create / unlock the vault: a fresh `unlock` message + the key-message signature(s); without a
 *   session, the same signatures also sign the wallet in (one pop-up fewer: README "Wallet pop-ups");
 * - enable execution: a fresh `enable-execution` message naming the bot, its agent wallet, the policy hash and the window;
 *   with the vault locked, one `unlock-and-enable-execution` message (the same names) + the key-message signature;
 * - reveal a mnemonic: a fresh `reveal-mnemonic` message (with the user's acknowledgement), rate limited;
 * - everything that stops things (lock, revoke, kill switches) and bookkeeping (create a bot, store
 *   a policy): the session alone. Stopping must be easy (DESIGN 4); a stored policy does nothing
 *   until the user signs its hash.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { constantTimeEqual, isAddress, isAgentvaultError } from 'agentvault';
import { MemoryRateLimiter } from 'agentvault/stores';
import { createAgentWallet } from 'agentvault/derivation';
import {
  appendTransactionMessageInstructions,
  blockhash,
  compileTransaction,
  createTransactionMessage,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import {
  canonicalPolicyJson,
  createExecutionGrant,
  explainTransaction,
  normalizePolicy,
  ORDER_TYPES,
  policyHash,
  revealMnemonic,
  serializeGrant,
  summarizePolicy,
  withExecutionSigner,
  type KeyWrapper,
  type AuditEvent,
  type OrderInput,
  type PolicyInput,
} from 'agentvault/execution';
import { createKitSigner } from 'agentvault/kit';
import {
  BUILTIN_PURPOSES,
  decodeSignature,
  issueChallenge,
  MAX_SKEW_MS,
  useAuthorization,
  verifySignedMessage,
  type BuiltinPurpose,
  type VerifiedMessage,
} from 'agentvault/messages';
import { createVault, prepareVault, unlockVault, vaultKeyMessage, type UnlockedVault } from 'agentvault/vault';
import { beginSession, endSession, endWalletSessions, openSession, type SessionPeppers } from 'agentvault/sessions';
import { base58 } from '@scure/base';
import type { AppConfig } from './config.js';
import { HttpError, int, object, oneOf, str, toErrorResponse, type Body } from './http.js';
import type { Logger } from './logger.js';
import { clearSessionCookie, loadSession, newSessionToken, setSessionCookie, sha256Hex, type Session } from './session.js';
import type { BotRow, Repository, Stores } from './storage.js';
import { browserPage } from './static.js';
import { memoInstructions } from './transaction.js';
import { VenueTransactions, type BuildTransaction } from './venues.js';

export interface AgentvaultDeps {
  readonly config: AppConfig;
  readonly repo: Repository;
  readonly stores: Pick<Stores, 'nonces' | 'revocations' | 'revealLimiter' | 'authLimiter' | 'sessions' | 'webhookLimiter' | 'challengeLimiter'>;
  /** Session peppers (storage.ts `ensureSessionPeppers`): every instance loads the same wrapped versions. */
  readonly peppers: SessionPeppers;
  /** Webhook and challenge limits (issue 14 item 8); every field has a safe default. */
  readonly limits?: AbuseLimits;
  /** The key wrapper that protects grant data keys (LocalKeyWrapper, or your KMS). */
  readonly wrapper: KeyWrapper;
  readonly logger: Logger;
  /** ms since the epoch; default `Date.now`. Tests move it to expire messages and sessions. */
  readonly clock?: () => number;
  /**
   * The instructions for a webhook order (Kit instructions; the router sets the agent's Kit signer as
   * fee payer and signs with `signTransactionMessageWithSigners`). Default: a memo for a v1 policy
   * (transaction.ts), the venue builder for a v2 policy (venues.ts: Jupiter, Drift, token transfers).
   */
  readonly buildTransaction?: BuildTransaction;
  /**
   * Mark price (quote per whole base asset) of a perps market, from the app's own oracle: a v2
   * perps order's notional must cover baseAmount x markPrice (SPEC 10.3.6), so the bot cannot
   * understate its size. Default: a fixed demo table (`DEMO_MARK_PRICES`); a real server reads its
   * own price feed here, never the alert.
   */
  readonly markPrice?: (market: string) => string | undefined;
  /** IDL decoders and the v2 builder (default: the pinned IDLs, `VenueTransactions.load()`, loaded once). */
  readonly venues?: VenueTransactions;
}

export interface AbuseLimits {
  /** Signed alerts per bot per minute (default 30), when `stores.webhookLimiter` is not given. */
  readonly webhookPerMinute?: number;
  /**
   * An alert body (per bot) is signed at most once within this window, ms (default 10 min; 0 turns
   * it off). The body's SHA-256 is issued as a nonce in the shared nonce store, so every instance
   * refuses the replay. Put `{{timenow}}` in the alert text so that two real alerts differ.
   */
  readonly replayWindowMs?: number;
  /** Challenges one wallet may hold at once, counted over `challengeWindowMs` (default 20). */
  readonly maxOutstandingChallenges?: number;
  /** Default 10 min: the longest challenge lifetime. */
  readonly challengeWindowMs?: number;
}

export interface AgentvaultRouter extends express.Router {
  /** Lock (zero) every vault handle a request of this process holds open: call on shutdown. */
  lockAll(): void;
}

const BOT_ID_RE = /^bot-[0-9a-f]{16}$/;
const MARKET_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
const DECIMAL_RE = /^(0|[1-9][0-9]{0,29})(\.[0-9]{1,18})?$/;
const U64_RE = /^(0|[1-9][0-9]{0,19})$/;
const ADDRESS_RE = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;
/** Every field an alert may carry; each order type accepts its own subset (alertOrder). */
/** Demo oracle for `markPrice` (no network in the example): quote units per whole base asset. */
export const DEMO_MARK_PRICES: Readonly<Record<string, string>> = Object.freeze({ 'SOL-PERP': '150', 'BTC-PERP': '60000', 'ETH-PERP': '3000' });

const ALERT_FIELDS = ['secret', 'type', 'market', 'side', 'notional', 'leverage', 'slippageBps', 'baseAmount', 'reduceOnly', 'inputMint', 'outputMint', 'amount', 'mint', 'destination'];
const V2_ORDER_TYPES = [...ORDER_TYPES, 'swap', 'transfer'] as const;
const WEBHOOK_SECRET_RE = /^whsec_[A-Za-z0-9_-]{43}$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const DEFAULT_GRANT_WINDOW_MS = 3_600_000;
/** Compared against when the bot does not exist, so an unknown bot costs the same as a wrong secret. */
const DUMMY_SECRET_HASH = sha256Hex('agentvault-example: no such bot');

/**
 * Unlocked vaults, one per session (keyed by the session's token hash), never shared between
 * sessions: another session of the same wallet (another device, a leaked token) must unlock with
 * its own signatures, and signing one session out does not lock the others.
 *
 * No sticky sessions (SPEC 12): on unlock the vault is sealed into the shared session store under a
 * key from the session token (which only the client holds) and the server pepper; each request that
 * needs it reopens a handle on whichever instance it reaches and locks it when the response ends.
 * Lock, sign-out, kill and expiry delete the sealed copy for every instance.
 */
class UnlockedVaults {
  readonly #inFlight = new Set<UnlockedVault>();
  constructor(
    readonly deps: { readonly stores: Pick<Stores, 'sessions'>; readonly peppers: SessionPeppers; readonly repo: Repository; readonly clock: () => number },
  ) {}
  #creds(s: Session) {
    return { id: s.tokenHash, secret: s.secret };
  }
  /** A handle for this request, or undefined when locked (unknown, expired, ended or unopenable session). */
  async get(s: Session, res?: Response): Promise<UnlockedVault | undefined> {
    const { stores, peppers, repo, clock } = this.deps;
    let v: UnlockedVault;
    try {
      ({ vault: v } = await openSession(this.#creds(s), { peppers, store: stores.sessions, vault: (w) => repo.getVault(w), now: clock() }));
    } catch (e) {
      if (isAgentvaultError(e, 'SESSION_UNKNOWN') || isAgentvaultError(e, 'SESSION_EXPIRED') || isAgentvaultError(e, 'SESSION_INVALID')) return undefined;
      throw e;
    }
    if (v.owner !== s.address) {
      v.lock();
      return undefined;
    }
    this.#inFlight.add(v);
    const done = () => {
      v.lock();
      this.#inFlight.delete(v);
    };
    if (res) {
      res.once('finish', done);
      res.once('close', done);
    } else done();
    return v;
  }
  /** Seal `vault` into this session (replacing an earlier one) and lock the local handle. */
  async set(s: Session, vault: UnlockedVault): Promise<number> {
    const { stores, peppers, clock } = this.deps;
    try {
      await endSession(this.#creds(s), { store: stores.sessions });
      const begun = await beginSession(vault, { peppers, store: stores.sessions, credentials: this.#creds(s), now: clock() });
      return begun.expiresAt;
    } finally {
      vault.lock();
    }
  }
  async lock(s: Session): Promise<boolean> {
    const was = (await this.deps.stores.sessions.get(s.tokenHash)) !== null;
    await endSession(this.#creds(s), { store: this.deps.stores.sessions });
    return was;
  }
  /** Every session of a wallet, on every instance (the wallet kill switch). */
  async lockWallet(address: string): Promise<void> {
    await endWalletSessions(address, { store: this.deps.stores.sessions });
  }
  lockAll(): void {
    for (const v of this.#inFlight) v.lock();
    this.#inFlight.clear();
  }
}

/** RFC 3339 UTC as the library writes it (whole seconds: `2025-01-31T12:00:00Z`). */
const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const isJson = (req: Request) => /^application\/json(\s*;|$)/i.test(req.get('content-type') ?? '');

let defaultVenues: VenueTransactions | undefined;

/** A base58 address field (isAddress: 32 bytes). */
function addressField(b: Body, key: string): string {
  const v = str(b, key, { re: ADDRESS_RE, max: 44 });
  if (!isAddress(v)) throw new HttpError(400, 'INVALID_INPUT', `${key}: expected a base58 Solana address`, { field: key });
  return v;
}

/**
 * The order an alert asks for, in the shape the bot's policy version evaluates (strict: each order
 * type accepts only its own fields; the library then checks it against the policy).
 * - v1: `{ market, side, type, notional, leverage, slippageBps? }` (perps only, as before);
 * - v2 `swap`: `{ inputMint, outputMint, amount, slippageBps }` (amount in the input mint's base units);
 * - v2 `transfer`: `{ mint, amount, destination }` (destination: the receiving wallet);
 * - v2 `cancel`: `{ market }`;
 * - v2 perps: the v1 fields plus `baseAmount` (Drift base units, 1e9) and `reduceOnly?`.
 */
function alertOrder(b: Body, version: 1 | 2): Record<string, unknown> {
  const only = (keys: string[]) => object(b, ['secret', 'type', ...keys]);
  if (version === 1) {
    only(['market', 'side', 'notional', 'leverage', 'slippageBps']);
    return {
      market: str(b, 'market', { re: MARKET_RE, max: 64 }),
      side: oneOf(b, 'side', ['buy', 'sell'] as const),
      type: oneOf(b, 'type', ORDER_TYPES),
      notional: str(b, 'notional', { re: DECIMAL_RE, max: 64 }),
      leverage: str(b, 'leverage', { re: DECIMAL_RE, max: 64 }),
      ...(b['slippageBps'] !== undefined ? { slippageBps: int(b, 'slippageBps', 0, 10_000)! } : {}),
    };
  }
  const type = oneOf(b, 'type', V2_ORDER_TYPES);
  if (type === 'swap') {
    only(['inputMint', 'outputMint', 'amount', 'slippageBps']);
    return {
      type,
      inputMint: addressField(b, 'inputMint'),
      outputMint: addressField(b, 'outputMint'),
      inputAmount: str(b, 'amount', { re: U64_RE, max: 20 }),
      slippageBps: int(b, 'slippageBps', 0, 10_000)!,
    };
  }
  if (type === 'transfer') {
    only(['mint', 'amount', 'destination']);
    return { type, mint: addressField(b, 'mint'), amount: str(b, 'amount', { re: U64_RE, max: 20 }), destination: addressField(b, 'destination') };
  }
  if (type === 'cancel') {
    only(['market']);
    return { type, market: str(b, 'market', { re: MARKET_RE, max: 64 }) };
  }
  only(['market', 'side', 'notional', 'leverage', 'slippageBps', 'baseAmount', 'reduceOnly']);
  if (b['reduceOnly'] !== undefined && typeof b['reduceOnly'] !== 'boolean') throw new HttpError(400, 'INVALID_INPUT', 'reduceOnly: expected a boolean', { field: 'reduceOnly' });
  return {
    type,
    market: str(b, 'market', { re: MARKET_RE, max: 64 }),
    side: oneOf(b, 'side', ['buy', 'sell'] as const),
    notional: str(b, 'notional', { re: DECIMAL_RE, max: 64 }),
    leverage: str(b, 'leverage', { re: DECIMAL_RE, max: 64 }),
    baseAmount: str(b, 'baseAmount', { re: U64_RE, max: 20 }),
    ...(b['slippageBps'] !== undefined ? { slippageBps: int(b, 'slippageBps', 0, 10_000)! } : {}),
    // Stated always (default false): the Drift preset binds reduce-only to the order (SPEC 10.5.5).
    reduceOnly: b['reduceOnly'] === undefined ? false : (b['reduceOnly'] as boolean),
  };
}

/** The version of a stored (canonical JSON) policy; 1 when absent (the request is refused later). */
const policyVersionOf = (policy: string | null): 1 | 2 => (policy !== null && (JSON.parse(policy) as { v?: unknown }).v === 2 ? 2 : 1);

export function createAgentvaultRouter(deps: AgentvaultDeps): AgentvaultRouter {
  const { config, repo, stores, wrapper, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const markPrice = deps.markPrice ?? ((market: string) => (Object.hasOwn(DEMO_MARK_PRICES, market) ? DEMO_MARK_PRICES[market] : undefined));
  /** The oracle's price for a perps order's market (v1 and v2 perps; swaps, transfers, cancels have none). */
  const markPriceOf = (order: unknown): string | undefined => {
    const o = order as { type?: unknown; market?: unknown };
    return typeof o.market === 'string' && o.type !== 'cancel' ? markPrice(o.market) : undefined;
  };
  // Loaded at the first v2 alert (parsing both IDLs takes about a second), then shared.
  const venues = (): VenueTransactions => deps.venues ?? (defaultVenues ??= VenueTransactions.load());
  const vaults = new UnlockedVaults({ stores, peppers: deps.peppers, repo, clock });
  const router = express.Router() as AgentvaultRouter;
  router.lockAll = () => vaults.lockAll();

  // -- helpers ----------------------------------------------------------------------------------

  const sessionOf = (res: Response): Session => {
    const s = res.locals['session'] as Session | undefined;
    if (s === undefined) throw new HttpError(401, 'AUTHORIZATION_REQUIRED', 'no valid session');
    return s;
  };

  /** Session middleware: the request must carry a live session (cookie or bearer token). */
  const requireSession = async (req: Request, res: Response, next: NextFunction) => {
    const s = await loadSession(req, repo, clock());
    if (s === null) throw new HttpError(401, 'AUTHORIZATION_REQUIRED', 'no valid session');
    res.locals['session'] = s;
    next();
  };

  /** Per-IP attempt limit on the unauthenticated routes (SPEC 7.6: rate-limit the verifier). */
  const hitAuthLimit = async (req: Request) => {
    const r = await stores.authLimiter.hit(`auth:${req.ip ?? 'unknown'}`, clock());
    if (!r.allowed) throw new HttpError(429, 'RATE_LIMITED', 'too many attempts; retry later', { retryAfterMs: r.retryAfterMs });
  };
  const authLimit = async (req: Request, _res: Response, next: NextFunction) => {
    await hitAuthLimit(req);
    next();
  };

  /**
   * The wallet a vault route acts for: the session's, or, without a session, the `address` in the
   * body (the route then signs that wallet in once its signatures verify). With both, they must agree.
   */
  const walletOf = (s: Session | null, b: Body): string => {
    if (s !== null) {
      if (b['address'] !== undefined && b['address'] !== s.address)
        throw new HttpError(400, 'INVALID_INPUT', 'address: the session wallet signs; omit it or give the session address', { field: 'address' });
      if (b['session'] !== undefined) throw new HttpError(400, 'INVALID_INPUT', 'session: already signed in', { field: 'session' });
      return s.address;
    }
    return addressField(b, 'address');
  };

  /**
   * A new session for `address`, not yet stored: it is committed (`commitSession`) only after every
   * signature of the request verified and the operation succeeded, so a refused request leaves no session.
   */
  const draftSession = (address: string): { session: Session; token: string } => {
    const token = newSessionToken();
    const session: Session = { address, expiresAt: clock() + config.sessionTtlMs, tokenHash: sha256Hex(token), secret: new Uint8Array(Buffer.from(token, 'base64url')) };
    return { session, token };
  };
  const commitSession = async (res: Response, draft: { session: Session; token: string }, mode: 'cookie' | 'bearer', via: string) => {
    const { session, token } = draft;
    await repo.createSession({ tokenHash: session.tokenHash, address: session.address, expiresAt: session.expiresAt });
    logger.info('signed-in', { address: session.address, mode, via });
    if (mode === 'cookie') setSessionCookie(res, token, config.sessionTtlMs, config.secureCookies);
    return { address: session.address, expiresAt: new Date(session.expiresAt).toISOString(), ...(mode === 'bearer' ? { token } : {}) };
  };
  /** Without a session, a vault route is an unauthenticated route: the per-IP attempt limit applies. */
  const limitAnonymous = async (req: Request, s: Session | null) => {
    if (s === null) await hitAuthLimit(req);
  };

  // Issue 14 item 8: a per-bot webhook limit, a cap on outstanding challenges per wallet, and one
  // signature per alert body. The shared stores make them hold across instances; without them
  // the limits are per process.
  const limits = deps.limits ?? {};
  const replayWindowMs = limits.replayWindowMs ?? 10 * 60_000;
  const webhookLimiter = stores.webhookLimiter ?? new MemoryRateLimiter({ limit: limits.webhookPerMinute ?? 30, windowMs: 60_000 });
  const challengeLimiter =
    stores.challengeLimiter ?? new MemoryRateLimiter({ limit: limits.maxOutstandingChallenges ?? 20, windowMs: limits.challengeWindowMs ?? 10 * 60_000 });
  const issue: typeof issueChallenge = async (o) => {
    const r = await challengeLimiter.hit(`challenge:${o.address}`, clock());
    if (!r.allowed) throw new HttpError(429, 'RATE_LIMITED', 'too many outstanding challenges for this wallet; retry later', { retryAfterMs: r.retryAfterMs });
    return issueChallenge(o);
  };

  const ownedBot = async (res: Response, id: string): Promise<BotRow> => {
    const bot = BOT_ID_RE.test(id) ? await repo.getBot(id) : null;
    // Another user's bot is "not found" too: ids are not an oracle.
    if (bot === null || bot.owner !== sessionOf(res).address) throw new HttpError(404, 'NOT_FOUND', 'no such bot');
    return bot;
  };

  /** The session's vault for this request; locked again when the response ends. */
  const unlockedVault = async (session: Session, res: Response): Promise<UnlockedVault> => {
    const v = await vaults.get(session, res);
    if (v === undefined) throw new HttpError(423, 'VAULT_LOCKED', 'the vault is locked: unlock it first (POST /vault/unlock)');
    return v;
  };

  /** The app resource that names a bot in a reveal-mnemonic message. */
  const botResource = (id: string) => `${config.origin}/bots/${id}`;

  /** Unlocked for the configured time, never past the session. */
  const unlockTtl = (s: Session) => Math.max(1000, Math.min(config.unlockTtlMs, s.expiresAt - clock()));

  /** Read `{ message | signedBytes, signature }`: the signed text, or the exact bytes (off-chain v1 for Ledger). */
  type SignedInput = { readonly message: string; readonly signature: string } | { readonly signedBytes: Uint8Array; readonly signature: string };
  const signedInput = (b: Body): SignedInput => {
    const signature = str(b, 'signature', { max: 100 });
    const message = str(b, 'message', { max: 2048, optional: true });
    const signedBytes = str(b, 'signedBytes', { max: 2048, re: BASE64_RE, optional: true });
    if ((message === undefined) === (signedBytes === undefined)) throw new HttpError(400, 'INVALID_INPUT', 'give exactly one of message or signedBytes', { field: 'message' });
    if (message !== undefined) return { message, signature };
    return { signedBytes: new Uint8Array(Buffer.from(signedBytes!, 'base64')), signature };
  };

  /** Verify a signed message against this server's domain, URI and chain, for `purpose` (SPEC 7.6). */
  const verify = (purpose: BuiltinPurpose, b: Body, address?: string): Promise<VerifiedMessage> => {
    const input = signedInput(b);
    const common = {
      signature: input.signature,
      expected: { domain: config.domain, uri: config.origin, chain: config.chain, purpose, ...(address !== undefined ? { address } : {}) },
      nonces: stores.nonces,
      now: clock(),
    };
    return 'message' in input ? verifySignedMessage({ ...common, message: input.message }) : verifySignedMessage({ ...common, signedBytes: input.signedBytes });
  };

  const revokeGrant = async (grant: { id: string; expiresAt: number; revokedAt: number | null }) => {
    // The shared store is what every instance checks on every use; the row is the audit trail.
    await stores.revocations.revoke(grant.id, grant.expiresAt);
    await repo.markGrantRevoked(grant.id, clock());
  };

  const botView = async (b: BotRow) => {
    const g = await repo.latestGrant(b.id);
    const now = clock();
    return {
      id: b.id,
      name: b.name,
      agent: b.agent,
      policyHash: b.policyHash,
      execution:
        g === null ? null : { grantId: g.id, expiresAt: isoSeconds(g.expiresAt), active: g.revokedAt === null && now < g.expiresAt },
    };
  };

  const queues = new Map<string, Promise<void>>();
  const perBot = async (id: string, fn: () => Promise<void>): Promise<void> => {
    const run = (queues.get(id) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => {});
    queues.set(id, tail);
    try {
      await run;
    } finally {
      if (queues.get(id) === tail) queues.delete(id);
    }
  };

  // -- the webhook: its own body parser (raw text, small limit), no session, no JSON requirement ---

  router.post(
    '/webhooks/tradingview/:botId',
    express.text({ type: () => true, limit: config.webhookBodyLimitBytes }),
    async (req: Request, res: Response) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(typeof req.body === 'string' ? req.body : '');
      } catch {
        throw new HttpError(400, 'INVALID_INPUT', 'the alert body must be JSON');
      }
      const b = object(parsed, ALERT_FIELDS);
      // 1. The per-bot secret, before anything else, compared in constant time on SHA-256 digests
      //    (equal lengths; an unknown bot is compared against a dummy so it costs the same).
      const secret = typeof b['secret'] === 'string' && WEBHOOK_SECRET_RE.test(b['secret']) ? b['secret'] : '';
      const botId = String(req.params['botId']);
      const bot = BOT_ID_RE.test(botId) ? await repo.getBot(botId) : null;
      const ok = constantTimeEqual(Buffer.from(sha256Hex(secret), 'hex'), Buffer.from(bot?.webhookSecretHash ?? DUMMY_SECRET_HASH, 'hex'));
      if (bot === null || !ok || secret === '') throw new HttpError(401, 'AUTHORIZATION_REQUIRED', bot === null ? 'webhook for an unknown bot' : 'webhook secret mismatch');
      // 1b. Per-bot rate limit, then one signature per alert body (a replayed alert is refused).
      const rl = await webhookLimiter.hit(`webhook:${bot.id}`, clock());
      if (!rl.allowed) throw new HttpError(429, 'RATE_LIMITED', 'too many alerts for this bot; retry later', { retryAfterMs: rl.retryAfterMs });
      if (replayWindowMs > 0) {
        try {
          await stores.nonces.issue(sha256Hex(`webhook-alert\n${bot.id}\n${req.body as string}`), clock() + replayWindowMs, '');
        } catch (e) {
          if (isAgentvaultError(e, 'INVALID_INPUT')) throw new HttpError(409, 'INVALID_INPUT', 'this alert was already received: it is signed at most once');
          throw e;
        }
      }
      // 2. Strict schema for the order, in the shape of the bot's policy version.
      const version = policyVersionOf(bot.policy);
      const order = alertOrder(b, version);
      // One order at a time per bot (in this process), so the position read for the policy check is
      // the one the previous order left. Several instances need a row lock or a queue per bot instead.
      await perBot(bot.id, async () => {
        const fresh = (await repo.getBot(bot.id))!;
        const grant = await repo.latestGrant(bot.id);
        if (grant === null || fresh.policy === null) throw new HttpError(403, 'AUTHORIZATION_REQUIRED', 'execution is not enabled for this bot');
        // Defence in depth: the row remembers a revocation even if the shared store lost it (a Redis
        // without persistence, SPEC 9.6). The store stays the check every instance relies on.
        if (grant.revokedAt !== null) throw new HttpError(403, 'GRANT_REVOKED', 'the execution grant was revoked');
        if (policyVersionOf(fresh.policy) !== version) throw new HttpError(409, 'POLICY_MISMATCH', 'the policy changed while the alert was read; send it again');
        const policy: unknown = JSON.parse(fresh.policy);
        const v2 = version === 2 ? venues() : undefined;
        const build = deps.buildTransaction ?? v2?.build ?? memoInstructions;
        let compiled: Uint8Array | undefined;
        // Every decision of the signer, allowed or refused, with the policy path of the rule and the
        // instruction index (SPEC 10.4.11). The event carries no key material; the message hash
        // identifies the transaction.
        const audit = (e: AuditEvent) =>
          logger[e.allowed ? 'info' : 'warn']('signing-decision', {
            bot: e.bot,
            grant: e.grantId,
            agent: e.agent,
            allowed: e.allowed,
            reason: e.reason,
            rule: e.rule,
            instructionIndex: e.instructionIndex,
            messageHash: e.messageHash,
          });
        let signed: Awaited<ReturnType<typeof signTransactionMessageWithSigners>>;
        try {
          // 3. The library checks revocation, kill switches, window, policy hash, the summary the
          //    user signed and the order, then hands a scoped signer to the callback and zeroes the
          //    key afterwards (DESIGN 9). The transaction is built and signed through Kit: the scoped
          //    signer adapted by createKitSigner is the fee payer, and the v2 pipeline decodes every
          //    instruction (IDL decoders for Jupiter and Drift) and binds it to the order.
          signed = await withExecutionSigner(
            grant.grant,
            {
              wrapper,
              policy: policy as PolicyInput, // stored JSON: validated again at run time (POLICY_INVALID)
              order: order as OrderInput, // the parsed alert: evaluateOrder checks every field at run time
              state: {
                positionNotional: fresh.positionNotional,
                dailyLoss: fresh.dailyLoss,
                ...(markPriceOf(order) !== undefined ? { markPrice: markPriceOf(order)! } : {}),
              },
              revocations: stores.revocations,
              // Only this bot's grant, signed by the wallet that owns the bot (a swapped row is refused).
              expected: { owner: fresh.owner, bot: fresh.id },
              now: clock(),
              ...(v2 !== undefined ? { programs: v2.decoders } : {}),
              audit,
            },
            async (signer) => {
              const agent = createKitSigner(signer);
              const instructions = await build({ order, agent, bot: bot.id, policyVersion: version });
              const message = pipe(
                createTransactionMessage({ version: 0 }),
                (m) => setTransactionMessageFeePayerSigner(agent, m),
                // No RPC here: a placeholder blockhash. A real server takes a recent one from its RPC.
                (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(base58.encode(randomBytes(32))), lastValidBlockHeight: 0n }, m),
                (m) => appendTransactionMessageInstructions(instructions, m),
              );
              compiled = Uint8Array.from(compileTransaction(message).messageBytes);
              return signTransactionMessageWithSigners(message);
            },
          );
        } catch (e) {
          // A refused transaction: say which instruction, decoded (explainTransaction runs the same
          // pipeline without a key), so the operator sees `Jupiter v6.route` rather than an index.
          if (isAgentvaultError(e, 'SIGNING_REFUSED') && compiled !== undefined && v2 !== undefined) {
            const x = explainTransaction({ policy: policy as PolicyInput, agent: bot.agent, message: compiled, order: order as OrderInput, programs: v2.decoders });
            const ix = x.instructionIndex === undefined ? undefined : x.decoded.find((d) => d.index === x.instructionIndex);
            logger.warn('signing-explained', { bot: bot.id, allowed: x.allowed, reason: x.reason, rule: x.rule, instructionIndex: x.instructionIndex, program: ix?.program, instruction: ix?.name });
          }
          throw e;
        }
        const type = String(order['type']);
        if (type !== 'cancel' && type !== 'swap' && type !== 'transfer') await repo.addPosition(bot.id, String(order['notional']));
        logger.info('webhook-signed', { bot: bot.id, grant: grant.id, orderType: type, market: order['market'] as string | undefined, inputMint: order['inputMint'] as string | undefined, outputMint: order['outputMint'] as string | undefined });
        res.json({
          bot: bot.id,
          agent: bot.agent,
          grantId: grant.id,
          orderType: type,
          // The example has no RPC: it returns what it would send.
          transactionMessage: Buffer.from(signed.messageBytes).toString('base64'),
          signature: base58.encode(signed.signatures[bot.agent as keyof typeof signed.signatures]!),
        });
      });
    },
  );

  // -- everything else: JSON only (CSRF, see session.ts), no caching ----------------------------

  router.use((req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD' && !isJson(req))
      throw new HttpError(415, 'INVALID_INPUT', 'send Content-Type: application/json');
    next();
  });
  router.use(express.json({ limit: config.jsonBodyLimitBytes, strict: true, type: 'application/json' }));
  const body = (req: Request, allowed: readonly string[]): Body => object(req.body ?? {}, allowed);

  // POST /auth/challenge { purpose, address? (sign-in), botId? (enable-execution, reveal-mnemonic), windowMs? }
  router.post('/auth/challenge', authLimit, async (req: Request, res: Response) => {
    const b = body(req, ['purpose', 'address', 'botId', 'windowMs']);
    const purpose = oneOf(b, 'purpose', BUILTIN_PURPOSES);
    const common = { domain: config.domain, uri: config.origin, chain: config.chain, nonces: stores.nonces, now: clock() };

    if (purpose === 'sign-in') {
      const address = str(b, 'address', { max: 44 });
      if (!isAddress(address)) throw new HttpError(400, 'INVALID_INPUT', 'address: expected a base58 Solana address', { field: 'address' });
      if (b['botId'] !== undefined || b['windowMs'] !== undefined) throw new HttpError(400, 'INVALID_INPUT', 'sign-in takes only an address', { field: 'purpose' });
      const c = await issue({ ...common, purpose, address });
      res.json({ purpose, message: c.message, expiresAt: new Date(c.expiresAt).toISOString() });
      return;
    }

    // `unlock` may be asked for without a session (with `address`): its signatures then also sign
    // the wallet in (POST /vault, POST /vault/unlock). Every other purpose is for the signed-in wallet.
    const current = purpose === 'unlock' ? await loadSession(req, repo, clock()) : null;
    let address: string;
    if (purpose === 'unlock' && current === null) address = addressField(b, 'address');
    else {
      await requireSession(req, res, () => {});
      address = sessionOf(res).address;
      if (b['address'] !== undefined && b['address'] !== address)
        throw new HttpError(400, 'INVALID_INPUT', 'address: the session wallet signs; omit it', { field: 'address' });
    }

    if (purpose === 'unlock') {
      if (b['botId'] !== undefined || b['windowMs'] !== undefined) throw new HttpError(400, 'INVALID_INPUT', 'unlock takes no bot', { field: 'purpose' });
      const c = await issue({ ...common, purpose, address });
      const vault = await repo.getVault(address);
      let keyMessage: { text: string; signedAs: string; create: boolean };
      if (vault !== null) {
        const k = vaultKeyMessage(vault);
        keyMessage = { text: k.text, signedAs: k.signedAs, create: false };
      } else {
        // No vault yet: this challenge also starts vault creation (POST /vault signs the KDM twice).
        // A pending key message is kept (and extended) so that two challenges in a row name the same salt.
        const pending = (await repo.getPendingVault(address, clock())) ?? prepareVault({ address, domain: config.domain, chain: config.chain });
        await repo.savePendingVault(
          { owner: pending.owner, domain: pending.domain, chain: pending.chain, salt: pending.salt, keyMessage: pending.keyMessage },
          c.expiresAt + MAX_SKEW_MS,
        );
        keyMessage = { text: pending.keyMessage, signedAs: 'raw', create: true };
      }
      res.json({ purpose, message: c.message, expiresAt: new Date(c.expiresAt).toISOString(), keyMessage });
      return;
    }

    const bot = await ownedBot(res, str(b, 'botId', { max: 64 }));
    if (purpose === 'enable-execution' || purpose === 'unlock-and-enable-execution') {
      // The combined message (SPEC 7.4.1) unlocks the existing vault and enables the bot at once.
      const vault = purpose === 'unlock-and-enable-execution' ? await repo.getVault(address) : null;
      if (purpose === 'unlock-and-enable-execution' && vault === null) throw new HttpError(404, 'NOT_FOUND', 'no vault for this wallet: create one (POST /vault)');
      if (bot.policy === null || bot.policyHash === null) throw new HttpError(409, 'POLICY_INVALID', 'set a policy first (PUT /bots/:id/policy)');
      const windowMs = int(b, 'windowMs', 60_000, config.maxGrantWindowMs, true) ?? Math.min(DEFAULT_GRANT_WINDOW_MS, config.maxGrantWindowMs);
      // A v2 policy is signed with its human-readable summary (SPEC 10.3.7): the wallet shows the
      // limits, not only a hash, and the grant is refused unless the summary is this policy's.
      const normalized = normalizePolicy(JSON.parse(bot.policy));
      const policySummary = normalized.v === 2 ? summarizePolicy(normalized) : undefined;
      const c = await issue({
        ...common,
        purpose,
        address,
        // The message names the bot's agent wallet: the user authorizes that wallet, not any of theirs.
        grant: { bot: bot.id, agent: bot.agent, policyHash: bot.policyHash, windowMs, ...(policySummary !== undefined ? { policySummary } : {}) },
        maxGrantWindowMs: config.maxGrantWindowMs,
      });
      const k = vault === null ? undefined : vaultKeyMessage(vault);
      // The policy itself, so the client can show the user what the hash in the message stands for.
      res.json({
        purpose,
        message: c.message,
        expiresAt: new Date(c.expiresAt).toISOString(),
        ...(k === undefined ? {} : { keyMessage: { text: k.text, signedAs: k.signedAs, create: false } }),
        policyHash: bot.policyHash,
        ...(policySummary !== undefined ? { policySummary } : {}),
        policy: JSON.parse(bot.policy),
      });
      return;
    }
    // reveal-mnemonic: the bot whose agent wallet is revealed is named in the message (an app resource).
    if (b['windowMs'] !== undefined) throw new HttpError(400, 'INVALID_INPUT', 'reveal-mnemonic takes no window', { field: 'windowMs' });
    const c = await issue({ ...common, purpose, address, resources: [botResource(bot.id)] });
    res.json({ purpose, message: c.message, expiresAt: new Date(c.expiresAt).toISOString() });
  });

  // POST /auth/sign-in { message | signedBytes, signature, session?: 'cookie' | 'bearer' }
  router.post('/auth/sign-in', authLimit, async (req: Request, res: Response) => {
    const b = body(req, ['message', 'signedBytes', 'signature', 'session']);
    const mode = oneOf(b, 'session', ['cookie', 'bearer'] as const, 'cookie');
    const auth = await verify('sign-in', b);
    useAuthorization(auth, { purpose: 'sign-in', address: auth.address, domain: config.domain, chain: config.chain, now: clock() });
    res.json(await commitSession(res, draftSession(auth.address), mode, 'sign-in'));
  });

  // POST /auth/sign-out {}: ends the session and locks the wallet's vault.
  router.post('/auth/sign-out', requireSession, async (_req: Request, res: Response) => {
    const s = sessionOf(res);
    await repo.deleteSession(s.tokenHash);
    await vaults.lock(s);
    clearSessionCookie(res, config.secureCookies);
    res.json({ signedOut: true });
  });

  // POST /vault { message | signedBytes, signature, keyMessageSignatures: [sig, sig], signedAs?, address?, session? }
  // With a session: creates the session wallet's vault. Without one (`address` and optionally
  // `session: 'cookie' | 'bearer'`): the unlock authorization and the two key-message signatures
  // also sign the wallet in; the session is created only after all of them verified.
  router.post('/vault', async (req: Request, res: Response) => {
    const current = await loadSession(req, repo, clock());
    await limitAnonymous(req, current);
    const b = body(req, ['message', 'signedBytes', 'signature', 'keyMessageSignatures', 'signedAs', 'address', 'session']);
    const address = walletOf(current, b);
    const mode = oneOf(b, 'session', ['cookie', 'bearer'] as const, 'cookie');
    const sigs = b['keyMessageSignatures'];
    if (!Array.isArray(sigs) || sigs.length !== 2 || !sigs.every((x) => typeof x === 'string'))
      throw new HttpError(400, 'INVALID_INPUT', 'keyMessageSignatures: two signatures of the key message (base58 or base64)', { field: 'keyMessageSignatures' });
    const signedAs = oneOf(b, 'signedAs', ['raw', 'offchain-v1'] as const, 'raw');
    if ((await repo.getVault(address)) !== null) throw new HttpError(409, 'INVALID_INPUT', 'this wallet already has a vault: unlock it');
    const pending = await repo.getPendingVault(address, clock());
    if (pending === null) throw new HttpError(409, 'INVALID_INPUT', "request an 'unlock' challenge first: it returns the key message to sign");
    const keySignatures = [decodeSignature(sigs[0]), decodeSignature(sigs[1])] as const;
    const auth = await verify('unlock', b, address);
    const draft = current === null ? draftSession(address) : undefined;
    const s = current ?? draft!.session;
    // Two equal signatures or NONDETERMINISTIC_SIGNER; nothing is encrypted before that (DESIGN 3).
    const created = createVault({ prepared: pending, signatures: keySignatures, signedAs, authorization: auth, ttlMs: unlockTtl(s), clock });
    keySignatures[0].fill(0);
    keySignatures[1].fill(0);
    let signedIn = {};
    try {
      if (!(await repo.insertVault(created.vault))) throw new HttpError(409, 'INVALID_INPUT', 'this wallet already has a vault: unlock it');
      await repo.deletePendingVault(address);
      if (draft !== undefined) signedIn = { session: await commitSession(res, draft, mode, 'vault-create') };
    } catch (e) {
      // Whatever fails before the handle is sealed into the session (vaults.set), zero it here.
      created.unlocked?.lock();
      throw e;
    }
    const unlockedUntil = await vaults.set(s, created.unlocked!);
    logger.info('vault-created', { address, signedAs });
    res.status(201).json({ owner: created.vault.owner, chain: created.vault.chain, unlockedUntil: new Date(unlockedUntil).toISOString(), ...signedIn });
  });

  // POST /vault/unlock { message | signedBytes, signature, keyMessageSignature, address?, session? }
  // Without a session (`address`, `session?`): the unlock also signs the wallet in, once both signatures verified.
  router.post('/vault/unlock', async (req: Request, res: Response) => {
    const current = await loadSession(req, repo, clock());
    await limitAnonymous(req, current);
    const b = body(req, ['message', 'signedBytes', 'signature', 'keyMessageSignature', 'address', 'session']);
    const address = walletOf(current, b);
    const mode = oneOf(b, 'session', ['cookie', 'bearer'] as const, 'cookie');
    const keySignature = decodeSignature(str(b, 'keyMessageSignature', { max: 100 }));
    const vault = await repo.getVault(address);
    if (vault === null) throw new HttpError(404, 'NOT_FOUND', 'no vault for this wallet: create one (POST /vault)');
    const auth = await verify('unlock', b, address);
    const draft = current === null ? draftSession(address) : undefined;
    const s = current ?? draft!.session;
    let unlocked: UnlockedVault;
    try {
      // The fresh authorization AND the key-message signature: neither alone unlocks (SPEC 6.2).
      unlocked = unlockVault(vault, { authorization: auth, signature: keySignature, ttlMs: unlockTtl(s), clock });
    } finally {
      keySignature.fill(0);
    }
    let signedIn = {};
    try {
      if (draft !== undefined) signedIn = { session: await commitSession(res, draft, mode, 'vault-unlock') };
    } catch (e) {
      unlocked.lock();
      throw e;
    }
    const unlockedUntil = await vaults.set(s, unlocked);
    logger.info('vault-unlocked', { address });
    res.json({ unlockedUntil: new Date(unlockedUntil).toISOString(), ...signedIn });
  });

  // POST /vault/lock {}: zero the UMK held for this wallet.
  router.post('/vault/lock', requireSession, async (_req: Request, res: Response) => {
    const s = sessionOf(res);
    const wasUnlocked = await vaults.lock(s);
    logger.info('vault-locked', { address: s.address });
    res.json({ locked: true, wasUnlocked });
  });

  // POST /vault/mnemonic/reveal { botId, message | signedBytes, signature }
  router.post('/vault/mnemonic/reveal', requireSession, async (req: Request, res: Response) => {
    const s = sessionOf(res);
    const b = body(req, ['botId', 'message', 'signedBytes', 'signature']);
    const bot = await ownedBot(res, str(b, 'botId', { max: 64 }));
    const vault = await unlockedVault(s, res);
    const auth = await verify('reveal-mnemonic', b, s.address);
    if (!auth.resources.includes(botResource(bot.id))) throw new HttpError(401, 'AUTHORIZATION_REQUIRED', 'the reveal message names another bot');
    // Acknowledgement, 2-minute age, single use and the per-wallet rate limit: the library's checks.
    const phrase = await revealMnemonic({
      authorization: auth,
      vault,
      mnemonicRecord: bot.mnemonicRecord,
      agentAddress: bot.agent,
      fields: { bot: bot.id },
      limiter: stores.revealLimiter,
      now: clock(),
    });
    try {
      logger.warn('mnemonic-revealed', { address: s.address, bot: bot.id });
      res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');
      res.json({ bot: bot.id, agent: bot.agent, mnemonic: phrase.exposeText() });
    } finally {
      phrase.dispose();
    }
  });

  // GET /bots: the wallet's bots, with their policy hash and execution state.
  router.get('/bots', requireSession, async (_req: Request, res: Response) => {
    const bots = await repo.listBots(sessionOf(res).address);
    res.json({ bots: await Promise.all(bots.map(botView)) });
  });

  // POST /bots { name? }: a new agent wallet, sealed under the unlocked vault, and a webhook secret shown once.
  router.post('/bots', requireSession, async (req: Request, res: Response) => {
    const s = sessionOf(res);
    const b = body(req, ['name']);
    const name = str(b, 'name', { max: 64, re: /^[\x20-\x7e]{1,64}$/, optional: true }) ?? 'bot';
    const vault = await unlockedVault(s, res);
    const id = `bot-${randomBytes(8).toString('hex')}`;
    // Both records are bound to { address: owner, bot: id }: a record moved to another row fails to open.
    const agent = createAgentWallet(vault, { fields: { bot: id } });
    const webhookSecret = `whsec_${randomBytes(32).toString('base64url')}`;
    await repo.createBot({
      id,
      owner: s.address,
      name,
      agent: agent.address,
      mnemonicRecord: agent.records.mnemonic,
      agentKeyRecord: agent.records.agentKey,
      webhookSecretHash: sha256Hex(webhookSecret),
      policy: null,
      policyHash: null,
      positionNotional: '0',
      dailyLoss: '0',
      createdAt: clock(),
    });
    logger.info('bot-created', { address: s.address, bot: id, agent: agent.address });
    res.status(201).json({ id, name, agent: agent.address, webhookUrl: `${config.origin}${req.baseUrl}/webhooks/tradingview/${id}`, webhookSecret });
  });

  // PUT /bots/:id/policy <policy>: store it; trading under it needs a signature (POST /bots/:id/execution).
  router.put('/bots/:id/policy', requireSession, async (req: Request, res: Response) => {
    const bot = await ownedBot(res, String(req.params['id']));
    const policy = normalizePolicy(req.body);
    const hash = policyHash(policy);
    await repo.setBotPolicy(bot.id, canonicalPolicyJson(policy), hash);
    // A grant signed for another policy can never be used again (POLICY_MISMATCH); revoke it now.
    const g = await repo.latestGrant(bot.id);
    const revoked = g !== null && g.revokedAt === null && clock() < g.expiresAt && bot.policyHash !== hash;
    if (revoked) await revokeGrant(g);
    logger.info('policy-stored', { bot: bot.id, policyHash: hash, grantRevoked: revoked });
    res.json({ bot: bot.id, policyHash: hash, policy, executionEnabled: false, grantRevoked: revoked, next: 'sign an enable-execution challenge to trade under this policy' });
  });

  // POST /bots/:id/execution { message | signedBytes, signature, keyMessageSignature? }: a grant from a
  // signed enable-execution message (vault unlocked), or, with the vault locked, from one signed
  // unlock-and-enable-execution message + the key-message signature, which also unlocks the vault
  // for this session (SPEC 7.4.1). All or nothing: if the grant is refused the vault stays locked.
  router.post('/bots/:id/execution', requireSession, async (req: Request, res: Response) => {
    const s = sessionOf(res);
    const bot = await ownedBot(res, String(req.params['id']));
    const b = body(req, ['message', 'signedBytes', 'signature', 'keyMessageSignature']);
    if (bot.policy === null) throw new HttpError(409, 'POLICY_INVALID', 'set a policy first (PUT /bots/:id/policy)');
    const combined = b['keyMessageSignature'] !== undefined;
    let vault: UnlockedVault;
    let auth: VerifiedMessage;
    if (combined) {
      const keySignature = decodeSignature(str(b, 'keyMessageSignature', { max: 100 }));
      const stored = await repo.getVault(s.address);
      if (stored === null) throw new HttpError(404, 'NOT_FOUND', 'no vault for this wallet: create one (POST /vault)');
      auth = await verify('unlock-and-enable-execution', b, s.address);
      if (auth.params?.['bot'] !== bot.id) throw new HttpError(401, 'AUTHORIZATION_REQUIRED', 'the message names another bot');
      try {
        // The unlock part of the message AND the key-message signature (SPEC 6.2, 7.4.1).
        vault = unlockVault(stored, { authorization: auth, signature: keySignature, ttlMs: unlockTtl(s), clock });
      } finally {
        keySignature.fill(0);
      }
    } else {
      vault = await unlockedVault(s, res);
      auth = await verify('enable-execution', b, s.address);
      if (auth.params?.['bot'] !== bot.id) throw new HttpError(401, 'AUTHORIZATION_REQUIRED', 'the enable-execution message names another bot');
    }
    let grant: Awaited<ReturnType<typeof createExecutionGrant>>;
    try {
      // The enable part: the same message, spent once for this grant.
      grant = await createExecutionGrant({
        authorization: auth,
        vault,
        agentKeyRecord: bot.agentKeyRecord,
        agentKeyFields: { bot: bot.id },
        agentAddress: bot.agent,
        policy: JSON.parse(bot.policy),
        wrapper,
        maxWindowMs: config.maxGrantWindowMs,
        now: clock(),
      });
    } catch (e) {
      if (combined) vault.lock();
      throw e;
    }
    // SPEC 7.4.1, all or nothing: the unlocked vault is sealed into the session first (vaults.set
    // zeroes the local handle whether it succeeds or not); the grant row is the last write, and if
    // anything up to it fails the session is locked again. A failed request thus leaves neither a
    // live grant (the user was told it failed) nor an unlocked vault.
    const unlockedUntil = combined ? { unlockedUntil: new Date(await vaults.set(s, vault)).toISOString() } : {};
    try {
      const previous = await repo.latestGrant(bot.id);
      if (previous !== null && previous.revokedAt === null) await revokeGrant(previous);
      // A fresh signature re-arms a bot whose kill switch was tripped (the wallet-wide switch stays).
      // Before the row: if the row cannot be stored, the bot has no live grant to re-arm.
      await stores.revocations.unkill({ bot: bot.id });
      await repo.saveGrant({ id: grant.id, botId: bot.id, owner: s.address, grant: serializeGrant(grant), expiresAt: Date.parse(grant.expiresAt), revokedAt: null, createdAt: clock() });
    } catch (e) {
      if (combined) await vaults.lock(s).catch(() => logger.warn('vault-relock-failed', { address: s.address }));
      throw e;
    }
    if (combined) logger.info('vault-unlocked', { address: s.address, via: 'unlock-and-enable-execution' });
    logger.info('execution-enabled', { address: s.address, bot: bot.id, grant: grant.id, expiresAt: grant.expiresAt });
    res.status(201).json({ bot: bot.id, grantId: grant.id, agent: grant.agent, policyHash: grant.policyHash, notBefore: grant.notBefore, expiresAt: grant.expiresAt, ...unlockedUntil });
  });

  // DELETE /bots/:id/execution {}: revoke at once (shared store, checked on every use).
  router.delete('/bots/:id/execution', requireSession, async (req: Request, res: Response) => {
    const bot = await ownedBot(res, String(req.params['id']));
    const g = await repo.latestGrant(bot.id);
    if (g !== null && g.revokedAt === null) await revokeGrant(g);
    logger.info('execution-revoked', { bot: bot.id, grant: g?.id });
    res.json({ bot: bot.id, revoked: g !== null, grantId: g?.id ?? null });
  });

  // POST /bots/:id/kill {} and POST /kill {}: kill switches for one bot, or every bot of the wallet.
  router.post('/bots/:id/kill', requireSession, async (req: Request, res: Response) => {
    const bot = await ownedBot(res, String(req.params['id']));
    await stores.revocations.kill({ bot: bot.id });
    logger.warn('kill-switch', { scope: 'bot', bot: bot.id });
    res.json({ killed: true, scope: 'bot', bot: bot.id });
  });
  router.post('/kill', requireSession, async (_req: Request, res: Response) => {
    const s = sessionOf(res);
    await stores.revocations.kill({ wallet: s.address });
    // The wallet kill switch also locks the vault in every session of the wallet, on every instance.
    await vaults.lockWallet(s.address);
    logger.warn('kill-switch', { scope: 'wallet', address: s.address });
    res.json({ killed: true, scope: 'wallet', address: s.address });
  });

  // -- errors: one JSON shape; uniform for authentication failures; precise in the log ----------
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    // A route parameter with malformed percent-encoding (`/bots/%/kill`): Express's decoder throws
    // a URIError with status 400; answer it as the client error it is, not as a 500.
    if (err instanceof URIError || (err instanceof Error && (err as { status?: unknown }).status === 400 && /decode param/i.test(err.message)))
      err = new HttpError(400, 'INVALID_INPUT', 'malformed percent-encoding in the URL');
    const r = toErrorResponse(err);
    // `refusal`, `rule`, `instructionIndex`, `rules`: which policy rule refused (never a secret: SPEC 2).
    const fields = { method: req.method, path: req.baseUrl + req.path, status: r.status, code: r.log.code, reason: r.log.message, ...r.log.details };
    if (r.log.unexpected) logger.error('failed', fields);
    else logger.warn(r.log.auth ? 'auth-refused' : 'refused', fields);
    if (r.status === 429 && typeof r.body.error.details?.['retryAfterMs'] === 'number')
      res.set('Retry-After', String(Math.ceil((r.body.error.details['retryAfterMs'] as number) / 1000)));
    res.status(r.status).json(r.body);
  });

  return router;
}

/** Request logging: method, path, status and duration only. Never bodies, headers, cookies or query strings. */
export function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number((process.hrtime.bigint() - start) / 1_000_000n);
      logger.info('request', { method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms });
    });
    next();
  };
}

/** The server app: request logging, the agentvault routes at `/`, a JSON 404. */
export function createApp(deps: AgentvaultDeps): { app: express.Express; router: AgentvaultRouter } {
  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy set TRUST_PROXY (Express's 'trust proxy' value, e.g. 1 or 'loopback'),
  // or every client shares the proxy's IP and one of them can exhaust the sign-in rate limit.
  app.set('trust proxy', deps.config.trustProxy ?? false);
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(requestLogger(deps.logger));
  // The browser side: a minimal page walking the flow with agentvault/client (static.ts).
  app.use(browserPage(deps.config.chain));
  const router = createAgentvaultRouter(deps);
  app.use(router);
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });
  return { app, router };
}
