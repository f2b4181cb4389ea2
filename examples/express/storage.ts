/**
 * Storage for the example: the app's own tables (sessions, vaults, bots, grants) behind a small
 * repository interface, and the library's stores (nonces, revocations / kill switches, rate
 * limits).
 *
 * - No configuration: everything in memory (one process; gone on exit).
 * - `AGENTVAULT_PGLITE=memory|<dir>`: app tables and stores in PGlite, an embedded PostgreSQL.
 * - `DATABASE_URL`: app tables and stores in PostgreSQL (`pg.Pool`).
 * - `REDIS_URL`: nonces, revocations and rate limits in Redis (app tables stay where they are).
 *
 * What is stored is never a plaintext secret: vaults hold wrapped UMKs, bots hold sealed records
 * (agent key, mnemonic) and the SHA-256 of their webhook secret, sessions the SHA-256 of their token,
 * grants a wrapped data key. A database dump alone decrypts nothing (DESIGN 2).
 */
import { parseVault, type VaultChain, type VaultData } from 'agentvault/vault';
import { MemoryNonceStore, MemoryRateLimiter, MemoryRevocationStore } from 'agentvault/stores';
import type { NonceStore, RateLimiter, RevocationStore } from 'agentvault/stores';
import { migratePostgresStores, PostgresNonceStore, PostgresRateLimiter, PostgresRevocationStore, type PgClientLike } from 'agentvault/stores/postgres';
import { RedisNonceStore, RedisRateLimiter, RedisRevocationStore, type RedisClientLike } from 'agentvault/stores/redis';
import { REVEAL_WINDOW_MS, type KeyWrapper } from 'agentvault/execution';
import { createSessionPepper, loadSessionPeppers, MemorySessionStore, type SessionPeppers, type SessionStore, type WrappedSessionPepper } from 'agentvault/sessions';
import { migratePostgresSessionStore, PostgresSessionStore } from 'agentvault/sessions/postgres';
import { RedisSessionStore } from 'agentvault/sessions/redis';

// -- the app's rows ---------------------------------------------------------------------------

export interface SessionRow {
  /** Hex SHA-256 of the session token; the token itself is never stored. */
  readonly tokenHash: string;
  readonly address: string;
  readonly expiresAt: number;
}

/** The prepared key message of a vault being created (between the unlock challenge and POST /vault). */
export interface PendingVault {
  readonly owner: string;
  readonly domain: string;
  readonly chain: VaultChain;
  readonly salt: string;
  readonly keyMessage: string;
}

export interface BotRow {
  /** `bot-<16 hex>`: also the bot id signed into enable-execution messages. */
  readonly id: string;
  readonly owner: string;
  readonly name: string;
  /** The agent wallet address. */
  readonly agent: string;
  /** Sealed records from createAgentWallet, bound to `{ address: owner, bot: id }`. */
  readonly mnemonicRecord: string;
  readonly agentKeyRecord: string;
  /** Hex SHA-256 of the webhook secret. */
  readonly webhookSecretHash: string;
  /** Canonical policy JSON and its SHA-256 (what the user signs), once set. */
  readonly policy: string | null;
  readonly policyHash: string | null;
  /** Account state for the policy's order rules (decimal strings). A real app reads these from its venue. */
  readonly positionNotional: string;
  readonly dailyLoss: string;
  readonly createdAt: number;
}

export interface GrantRow {
  readonly id: string;
  readonly botId: string;
  readonly owner: string;
  /** serializeGrant(grant): the grant JSON, including the user's signed message. */
  readonly grant: string;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  readonly createdAt: number;
}

/** The app's persistence. Small on purpose: copy it and put your own ORM behind it. */
export interface Repository {
  createSession(row: SessionRow): Promise<void>;
  /** The session if it exists and `now < expiresAt`. */
  getSession(tokenHash: string, now: number): Promise<SessionRow | null>;
  deleteSession(tokenHash: string): Promise<void>;

  getVault(owner: string): Promise<VaultData | null>;
  /** Insert the first vault of `owner`; false when one already exists (never overwrites). */
  insertVault(vault: VaultData): Promise<boolean>;
  savePendingVault(pending: PendingVault, expiresAt: number): Promise<void>;
  getPendingVault(owner: string, now: number): Promise<PendingVault | null>;
  deletePendingVault(owner: string): Promise<void>;

  createBot(row: BotRow): Promise<void>;
  getBot(id: string): Promise<BotRow | null>;
  listBots(owner: string): Promise<BotRow[]>;
  setBotPolicy(id: string, policy: string, policyHash: string): Promise<void>;
  /** Add `notional` (decimal string) to the bot's position, atomically. */
  addPosition(id: string, notional: string): Promise<void>;

  saveGrant(row: GrantRow): Promise<void>;
  /** The newest grant of a bot, revoked or not. */
  latestGrant(botId: string): Promise<GrantRow | null>;
  markGrantRevoked(id: string, at: number): Promise<void>;

  /** The wrapped session peppers (SPEC 12.1): wrapped by the key wrapper, so a dump alone opens nothing. */
  listSessionPeppers(): Promise<WrappedSessionPepper[]>;
  /** Insert a pepper version; false when that version exists (another instance made it first). */
  insertSessionPepper(pepper: WrappedSessionPepper): Promise<boolean>;

  close(): Promise<void>;
}

// -- decimals (positions are decimal strings, as in the policy; never floats) -----------------

const SCALE = 10n ** 18n;
function toScaled(d: string): bigint {
  const m = /^(\d{1,30})(?:\.(\d{1,18}))?$/.exec(d);
  if (m === null) throw new Error('not a decimal string');
  return BigInt(m[1]!) * SCALE + BigInt((m[2] ?? '').padEnd(18, '0'));
}
function fromScaled(n: bigint): string {
  const frac = (n % SCALE).toString().padStart(18, '0').replace(/0+$/, '');
  return frac === '' ? `${n / SCALE}` : `${n / SCALE}.${frac}`;
}
export function addDecimal(a: string, b: string): string {
  return fromScaled(toScaled(a) + toScaled(b));
}

// -- memory -------------------------------------------------------------------------------------

export class MemoryRepository implements Repository {
  readonly #sessions = new Map<string, SessionRow>();
  readonly #vaults = new Map<string, string>();
  readonly #pending = new Map<string, { pending: PendingVault; expiresAt: number }>();
  readonly #bots = new Map<string, BotRow>();
  readonly #grants = new Map<string, GrantRow>();
  readonly #peppers = new Map<number, WrappedSessionPepper>();

  async createSession(row: SessionRow) {
    this.#sessions.set(row.tokenHash, { ...row });
  }
  async getSession(tokenHash: string, now: number) {
    const s = this.#sessions.get(tokenHash);
    if (s === undefined) return null;
    if (now >= s.expiresAt) {
      this.#sessions.delete(tokenHash);
      return null;
    }
    return s;
  }
  async deleteSession(tokenHash: string) {
    this.#sessions.delete(tokenHash);
  }
  async getVault(owner: string) {
    const v = this.#vaults.get(owner);
    return v === undefined ? null : parseVault(JSON.parse(v));
  }
  async insertVault(vault: VaultData) {
    if (this.#vaults.has(vault.owner)) return false;
    this.#vaults.set(vault.owner, JSON.stringify(vault));
    return true;
  }
  async savePendingVault(pending: PendingVault, expiresAt: number) {
    this.#pending.set(pending.owner, { pending: { ...pending }, expiresAt });
  }
  async getPendingVault(owner: string, now: number) {
    // An unlock challenge without a session writes one (review-popups F4): expired ones are swept
    // here, so anonymous challenges for throwaway addresses do not accumulate.
    for (const [k, v] of this.#pending) if (now >= v.expiresAt) this.#pending.delete(k);
    const p = this.#pending.get(owner);
    return p !== undefined && now < p.expiresAt ? p.pending : null;
  }
  async deletePendingVault(owner: string) {
    this.#pending.delete(owner);
  }
  async createBot(row: BotRow) {
    if (this.#bots.has(row.id)) throw new Error('bot id already exists');
    this.#bots.set(row.id, { ...row });
  }
  async getBot(id: string) {
    return this.#bots.get(id) ?? null;
  }
  async listBots(owner: string) {
    return [...this.#bots.values()].filter((b) => b.owner === owner).sort((a, b) => a.createdAt - b.createdAt);
  }
  async setBotPolicy(id: string, policy: string, policyHash: string) {
    const b = this.#bots.get(id);
    if (b !== undefined) this.#bots.set(id, { ...b, policy, policyHash });
  }
  async addPosition(id: string, notional: string) {
    const b = this.#bots.get(id);
    if (b !== undefined) this.#bots.set(id, { ...b, positionNotional: addDecimal(b.positionNotional, notional) });
  }
  async saveGrant(row: GrantRow) {
    this.#grants.set(row.id, { ...row });
  }
  async latestGrant(botId: string) {
    let latest: GrantRow | null = null;
    for (const g of this.#grants.values()) if (g.botId === botId && (latest === null || g.createdAt >= latest.createdAt)) latest = g;
    return latest;
  }
  async markGrantRevoked(id: string, at: number) {
    const g = this.#grants.get(id);
    if (g !== undefined && g.revokedAt === null) this.#grants.set(id, { ...g, revokedAt: at });
  }
  async listSessionPeppers() {
    return [...this.#peppers.values()];
  }
  async insertSessionPepper(p: WrappedSessionPepper) {
    if (this.#peppers.has(p.version)) return false;
    this.#peppers.set(p.version, p);
    return true;
  }
  async close() {}
}

// -- SQL (PostgreSQL through pg, or PGlite) -----------------------------------------------------

const PREFIX_RE = /^[a-z_][a-z0-9_]{0,39}$/;

export function appSchema(prefix: string): string[] {
  const p = prefix;
  return [
    `CREATE TABLE IF NOT EXISTS "${p}sessions" (token_hash text PRIMARY KEY, address text NOT NULL, expires_at bigint NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${p}sessions_expires_at" ON "${p}sessions" (expires_at)`,
    `CREATE TABLE IF NOT EXISTS "${p}vaults" (owner text PRIMARY KEY, data text NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS "${p}pending_vaults" (owner text PRIMARY KEY, prepared text NOT NULL, expires_at bigint NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS "${p}bots" (id text PRIMARY KEY, owner text NOT NULL, name text NOT NULL, agent text NOT NULL,
      mnemonic_record text NOT NULL, agent_key_record text NOT NULL, webhook_secret_hash text NOT NULL,
      policy text, policy_hash text, position_notional numeric NOT NULL DEFAULT 0, daily_loss numeric NOT NULL DEFAULT 0,
      created_at bigint NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${p}bots_owner" ON "${p}bots" (owner)`,
    `CREATE TABLE IF NOT EXISTS "${p}grants" (id text PRIMARY KEY, bot_id text NOT NULL, owner text NOT NULL, grant_json text NOT NULL,
      expires_at bigint NOT NULL, revoked_at bigint, created_at bigint NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${p}grants_bot" ON "${p}grants" (bot_id, created_at)`,
    `CREATE TABLE IF NOT EXISTS "${p}session_peppers" (version integer PRIMARY KEY, wrapped text NOT NULL)`,
  ];
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v);

function botOf(r: Row): BotRow {
  return {
    id: String(r['id']),
    owner: String(r['owner']),
    name: String(r['name']),
    agent: String(r['agent']),
    mnemonicRecord: String(r['mnemonic_record']),
    agentKeyRecord: String(r['agent_key_record']),
    webhookSecretHash: String(r['webhook_secret_hash']),
    policy: r['policy'] === null ? null : String(r['policy']),
    policyHash: r['policy_hash'] === null ? null : String(r['policy_hash']),
    positionNotional: String(r['position_notional']),
    dailyLoss: String(r['daily_loss']),
    createdAt: num(r['created_at']),
  };
}
function grantOf(r: Row): GrantRow {
  return {
    id: String(r['id']),
    botId: String(r['bot_id']),
    owner: String(r['owner']),
    grant: String(r['grant_json']),
    expiresAt: num(r['expires_at']),
    revokedAt: r['revoked_at'] === null ? null : num(r['revoked_at']),
    createdAt: num(r['created_at']),
  };
}

/** The repository on PostgreSQL or PGlite (anything with pg's `query(text, values)`). */
export class SqlRepository implements Repository {
  readonly #db: PgClientLike;
  readonly #p: string;
  readonly #onClose: () => Promise<void>;

  private constructor(db: PgClientLike, prefix: string, onClose: () => Promise<void>) {
    this.#db = db;
    this.#p = prefix;
    this.#onClose = onClose;
  }

  /** Create the tables if missing (idempotent) and return the repository. */
  static async open(db: PgClientLike, options: { prefix?: string; onClose?: () => Promise<void> } = {}): Promise<SqlRepository> {
    const prefix = options.prefix ?? 'app_';
    if (!PREFIX_RE.test(prefix)) throw new Error('table prefix: expected [a-z_][a-z0-9_]{0,39}');
    for (const sql of appSchema(prefix)) await db.query(sql, []);
    return new SqlRepository(db, prefix, options.onClose ?? (async () => {}));
  }

  async #q(sql: string, values: unknown[]): Promise<Row[]> {
    return (await this.#db.query(sql, values)).rows as Row[];
  }
  #t(name: string): string {
    return `"${this.#p}${name}"`;
  }

  async createSession(row: SessionRow) {
    await this.#q(`INSERT INTO ${this.#t('sessions')} (token_hash, address, expires_at) VALUES ($1, $2, $3)`, [row.tokenHash, row.address, row.expiresAt]);
  }
  async getSession(tokenHash: string, now: number) {
    const [r] = await this.#q(`SELECT address, expires_at FROM ${this.#t('sessions')} WHERE token_hash = $1 AND expires_at > $2`, [tokenHash, now]);
    return r === undefined ? null : { tokenHash, address: String(r['address']), expiresAt: num(r['expires_at']) };
  }
  async deleteSession(tokenHash: string) {
    await this.#q(`DELETE FROM ${this.#t('sessions')} WHERE token_hash = $1`, [tokenHash]);
  }
  async getVault(owner: string) {
    const [r] = await this.#q(`SELECT data FROM ${this.#t('vaults')} WHERE owner = $1`, [owner]);
    // parseVault: a stored vault is validated before anything uses it (SPEC 6.1).
    return r === undefined ? null : parseVault(JSON.parse(String(r['data'])));
  }
  async insertVault(vault: VaultData) {
    const rows = await this.#q(`INSERT INTO ${this.#t('vaults')} (owner, data) VALUES ($1, $2) ON CONFLICT (owner) DO NOTHING RETURNING 1 AS ok`, [
      vault.owner,
      JSON.stringify(vault),
    ]);
    return rows.length === 1;
  }
  async savePendingVault(pending: PendingVault, expiresAt: number) {
    await this.#q(
      `INSERT INTO ${this.#t('pending_vaults')} (owner, prepared, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (owner) DO UPDATE SET prepared = EXCLUDED.prepared, expires_at = EXCLUDED.expires_at`,
      [pending.owner, JSON.stringify(pending), expiresAt],
    );
  }
  async getPendingVault(owner: string, now: number) {
    // An unlock challenge without a session writes one (review-popups F4): expired rows are swept
    // here, so anonymous challenges for throwaway addresses do not accumulate.
    await this.#q(`DELETE FROM ${this.#t('pending_vaults')} WHERE expires_at <= $1`, [now]);
    const [r] = await this.#q(`SELECT prepared FROM ${this.#t('pending_vaults')} WHERE owner = $1 AND expires_at > $2`, [owner, now]);
    return r === undefined ? null : (JSON.parse(String(r['prepared'])) as PendingVault);
  }
  async deletePendingVault(owner: string) {
    await this.#q(`DELETE FROM ${this.#t('pending_vaults')} WHERE owner = $1`, [owner]);
  }
  async createBot(b: BotRow) {
    await this.#q(
      `INSERT INTO ${this.#t('bots')} (id, owner, name, agent, mnemonic_record, agent_key_record, webhook_secret_hash, policy, policy_hash,
         position_notional, daily_loss, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [b.id, b.owner, b.name, b.agent, b.mnemonicRecord, b.agentKeyRecord, b.webhookSecretHash, b.policy, b.policyHash, b.positionNotional, b.dailyLoss, b.createdAt],
    );
  }
  // numeric -> text without exponent or trailing zeros, as the policy's decimal strings are written.
  #botColumns = `id, owner, name, agent, mnemonic_record, agent_key_record, webhook_secret_hash, policy, policy_hash,
    trim_scale(position_notional)::text AS position_notional, trim_scale(daily_loss)::text AS daily_loss, created_at`;
  async getBot(id: string) {
    const [r] = await this.#q(`SELECT ${this.#botColumns} FROM ${this.#t('bots')} WHERE id = $1`, [id]);
    return r === undefined ? null : botOf(r);
  }
  async listBots(owner: string) {
    return (await this.#q(`SELECT ${this.#botColumns} FROM ${this.#t('bots')} WHERE owner = $1 ORDER BY created_at, id`, [owner])).map(botOf);
  }
  async setBotPolicy(id: string, policy: string, policyHash: string) {
    await this.#q(`UPDATE ${this.#t('bots')} SET policy = $2, policy_hash = $3 WHERE id = $1`, [id, policy, policyHash]);
  }
  async addPosition(id: string, notional: string) {
    // One statement: concurrent webhooks never lose an update.
    await this.#q(`UPDATE ${this.#t('bots')} SET position_notional = position_notional + $2::numeric WHERE id = $1`, [id, notional]);
  }
  async saveGrant(g: GrantRow) {
    await this.#q(
      `INSERT INTO ${this.#t('grants')} (id, bot_id, owner, grant_json, expires_at, revoked_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [g.id, g.botId, g.owner, g.grant, g.expiresAt, g.revokedAt, g.createdAt],
    );
  }
  async latestGrant(botId: string) {
    const [r] = await this.#q(`SELECT * FROM ${this.#t('grants')} WHERE bot_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [botId]);
    return r === undefined ? null : grantOf(r);
  }
  async markGrantRevoked(id: string, at: number) {
    await this.#q(`UPDATE ${this.#t('grants')} SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [id, at]);
  }
  async listSessionPeppers() {
    const rows = await this.#q(`SELECT version, wrapped FROM ${this.#t('session_peppers')} ORDER BY version`, []);
    return rows.map((r) => ({ version: num(r['version']), wrapped: JSON.parse(String(r['wrapped'])) }));
  }
  async insertSessionPepper(p: WrappedSessionPepper) {
    const rows = await this.#q(`INSERT INTO ${this.#t('session_peppers')} (version, wrapped) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING RETURNING 1 AS ok`, [
      p.version,
      JSON.stringify(p.wrapped),
    ]);
    return rows.length === 1;
  }
  async close() {
    await this.#onClose();
  }
}

// -- the library's stores -----------------------------------------------------------------------

export interface Stores {
  readonly nonces: NonceStore;
  readonly revocations: RevocationStore;
  /** Mnemonic reveals: `revealLimit` per 24 h per wallet (the library's key and check). */
  readonly revealLimiter: RateLimiter;
  /** Challenge and sign-in attempts per client IP per minute. */
  readonly authLimiter: RateLimiter;
  /** Unlocked vaults, sealed per session (SPEC 12): what lets any instance serve any request. */
  readonly sessions: SessionStore;
  /** Signed alerts per bot (issue 14 item 8); optional: the app falls back to a per-process limiter. */
  readonly webhookLimiter?: RateLimiter;
  /** Outstanding challenges per wallet (issue 14 item 8); optional, as above. */
  readonly challengeLimiter?: RateLimiter;
  /** Human-readable backend name for the startup line. */
  readonly backend: string;
  close(): Promise<void>;
}

export interface LimitSettings {
  readonly revealLimit: number;
  readonly authRateLimit: number;
}

export function memoryStores(limits: LimitSettings): Stores {
  const nonces = new MemoryNonceStore();
  const revocations = new MemoryRevocationStore();
  const revealLimiter = new MemoryRateLimiter({ limit: limits.revealLimit, windowMs: REVEAL_WINDOW_MS });
  const authLimiter = new MemoryRateLimiter({ limit: limits.authRateLimit, windowMs: 60_000 });
  const sessions = new MemorySessionStore();
  return {
    nonces,
    revocations,
    revealLimiter,
    authLimiter,
    sessions,
    backend: 'memory',
    async close() {
      nonces.close();
      revocations.close();
      revealLimiter.close();
      authLimiter.close();
      sessions.close();
    },
  };
}

export async function postgresStores(db: PgClientLike, limits: LimitSettings, prefix = 'agentvault_'): Promise<Stores> {
  await migratePostgresStores(db, { prefix });
  await migratePostgresSessionStore(db, { prefix });
  return {
    nonces: new PostgresNonceStore(db, { prefix }),
    revocations: new PostgresRevocationStore(db, { prefix }),
    revealLimiter: new PostgresRateLimiter(db, { prefix, limit: limits.revealLimit, windowMs: REVEAL_WINDOW_MS }),
    authLimiter: new PostgresRateLimiter(db, { prefix, limit: limits.authRateLimit, windowMs: 60_000 }),
    sessions: new PostgresSessionStore(db, { prefix }),
    backend: 'postgres',
    async close() {},
  };
}

export function redisStores(redis: RedisClientLike, limits: LimitSettings, prefix = 'agentvault:'): Stores {
  return {
    nonces: new RedisNonceStore(redis, { prefix }),
    revocations: new RedisRevocationStore(redis, { prefix }),
    revealLimiter: new RedisRateLimiter(redis, { prefix, limit: limits.revealLimit, windowMs: REVEAL_WINDOW_MS }),
    authLimiter: new RedisRateLimiter(redis, { prefix, limit: limits.authRateLimit, windowMs: 60_000 }),
    sessions: new RedisSessionStore(redis, { prefix }),
    backend: 'redis',
    async close() {},
  };
}

// -- selection from the environment -----------------------------------------------------------

export interface Storage {
  readonly repo: Repository;
  readonly stores: Stores;
  /** `memory`, `pglite + pglite`, `postgres + redis`, ...: app tables + library stores. */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Pick storage from the environment (see the module comment). Drivers are imported only when
 * used, so the memory default loads none of them.
 */
export async function openStorage(env: NodeJS.ProcessEnv, limits: LimitSettings, onDriverError: (what: string, e: Error) => void): Promise<Storage> {
  const closers: (() => Promise<void>)[] = [];
  let repo: Repository;
  let sqlStores: Stores | undefined;
  let tables = 'memory';
  const databaseUrl = env['DATABASE_URL'];
  const pglite = env['AGENTVAULT_PGLITE'];
  if (databaseUrl) {
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({ connectionString: databaseUrl, connectionTimeoutMillis: 2000, query_timeout: 5000, max: 10 });
    // An idle connection cut by the server must not crash the process (SPEC 9.5).
    pool.on('error', (e) => onDriverError('postgres', e));
    closers.push(() => pool.end());
    repo = await SqlRepository.open(pool);
    sqlStores = await postgresStores(pool, limits);
    tables = 'postgres';
  } else if (pglite) {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(pglite === 'memory' ? undefined : pglite);
    closers.push(() => db.close());
    repo = await SqlRepository.open(db);
    sqlStores = await postgresStores(db, limits);
    tables = 'pglite';
  } else {
    repo = new MemoryRepository();
  }
  let stores: Stores;
  const redisUrl = env['REDIS_URL'];
  if (redisUrl) {
    const { Redis } = await import('ioredis');
    // SPEC 9.4: fail fast rather than queue commands while disconnected.
    const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000, lazyConnect: true });
    redis.on('error', (e: Error) => onDriverError('redis', e));
    await redis.connect();
    closers.push(async () => void (await redis.quit()));
    stores = redisStores(redis, limits);
  } else {
    stores = sqlStores ?? memoryStores(limits);
  }
  return {
    repo,
    stores,
    description: `${tables} tables + ${stores.backend} stores`,
    async close() {
      await stores.close();
      for (const c of closers.reverse()) await c();
    },
  };
}

/**
 * The session peppers every instance loads at start (SPEC 12.1): the stored wrapped versions, or a
 * first version made now (insert-if-absent, so two instances starting together agree on one).
 * Rotation: insert version n+1 (createSessionPepper) and restart the instances; sessions sealed
 * under older versions are resealed on their next use; drop an old version once none is left.
 */
export async function ensureSessionPeppers(repo: Repository, wrapper: KeyWrapper): Promise<SessionPeppers> {
  let stored = await repo.listSessionPeppers();
  if (stored.length === 0) {
    await repo.insertSessionPepper(await createSessionPepper(wrapper, 1));
    stored = await repo.listSessionPeppers();
  }
  return loadSessionPeppers(wrapper, stored);
}
