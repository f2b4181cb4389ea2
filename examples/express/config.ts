/**
 * Configuration from the environment, and the key-wrapper key (KEK).
 *
 * | variable              | default                         | meaning                                           |
 * |-----------------------|---------------------------------|---------------------------------------------------|
 * | `AGENTVAULT_ORIGIN`   | `http://127.0.0.1:<port>`       | the site origin wallets see; its host is the SIWS domain |
 * | `AGENTVAULT_CHAIN`    | `devnet`                        | mainnet, devnet, testnet or localnet              |
 * | `AGENTVAULT_KEK`      | (demo: generated, see below)    | `v1:<base64 32 bytes>[,v2:...]` for LocalKeyWrapper |
 * | `DATABASE_URL`        | (none: memory)                  | PostgreSQL for app tables and the library stores  |
 * | `REDIS_URL`           | (none)                          | Redis for nonces, revocations and rate limits     |
 * | `AGENTVAULT_PGLITE`   | (none)                          | `memory` or a directory: embedded PostgreSQL (PGlite) |
 * | `PORT`, `HOST`        | `0` (ephemeral), `127.0.0.1`    | where to listen                                   |
 * | `LOG_LEVEL`           | `info`                          | debug, info, warn, error                          |
 * | `TRUST_PROXY`         | (none: false)                   | Express 'trust proxy' behind a reverse proxy (hops or subnet) |
 *
 * KEK: when `AGENTVAULT_KEK` is unset and `NODE_ENV` is not `production`, a fresh random key is
 * generated once into `examples/express/.agentvault-kek` (git-ignored, mode 0600) with a loud
 * one-line notice, and read from there on later runs. There is no built-in key, ever; in
 * production a missing key is a startup error (`WEAK_KEY`) that says how to make one.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOCAL_WRAPPER_ENV, LocalKeyWrapper } from 'agentvault/execution';
import { VAULT_CHAINS, type VaultChain } from 'agentvault/vault';

/** Settings the router needs; everything else (stores, repository, wrapper) is passed as objects. */
export interface AppConfig {
  /** `https://app.example.com`: no path. Used as the SIWS URI. */
  readonly origin: string;
  /** The origin's `host[:port]`: the SIWS domain and the key message's domain. */
  readonly domain: string;
  readonly chain: VaultChain;
  /** Session lifetime; at most 24 h (DESIGN 4). */
  readonly sessionTtlMs: number;
  /** How long an unlocked vault stays in server memory; at most 24 h, and never past the session. */
  readonly unlockTtlMs: number;
  /** Longest execution grant a user may sign (the library's default maximum is 7 days). */
  readonly maxGrantWindowMs: number;
  /** Mnemonic reveals per 24 h per wallet: 1..3 (the library refuses a looser limiter). */
  readonly revealLimit: number;
  /** Attempts per minute per client IP on the challenge and sign-in routes. */
  readonly authRateLimit: number;
  /** Body limits. The webhook's is small on purpose: an alert is a few hundred bytes. */
  readonly jsonBodyLimitBytes: number;
  readonly webhookBodyLimitBytes: number;
  /** `Secure` cookies: true whenever the origin is https. */
  readonly secureCookies: boolean;
  /**
   * Express 'trust proxy' (TRUST_PROXY): false by default; behind a reverse proxy set the hop
   * count or subnet so `req.ip` (the sign-in rate-limit key) is the client, not the proxy.
   */
  readonly trustProxy?: boolean | number | string;
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Storage needs the limits before the origin is known (server.ts listens first). */
export const DEFAULT_LIMITS = Object.freeze({ revealLimit: 1, authRateLimit: 120 });

/** Build the app config for an origin; every other setting has a safe default. */
export function appConfig(origin: string, overrides: Partial<Omit<AppConfig, 'origin' | 'domain' | 'secureCookies'>> = {}): AppConfig {
  const url = new URL(origin);
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '')
    throw new Error(`AGENTVAULT_ORIGIN must be a bare http(s) origin like https://app.example.com (got a path, query or credentials)`);
  const config: AppConfig = {
    origin: url.origin,
    domain: url.host,
    chain: 'devnet',
    sessionTtlMs: DAY,
    unlockTtlMs: HOUR,
    maxGrantWindowMs: 7 * DAY,
    ...DEFAULT_LIMITS,
    jsonBodyLimitBytes: 16 * 1024,
    webhookBodyLimitBytes: 2 * 1024,
    secureCookies: url.protocol === 'https:',
    ...overrides,
  };
  if (!(VAULT_CHAINS as readonly string[]).includes(config.chain)) throw new Error(`AGENTVAULT_CHAIN must be one of ${VAULT_CHAINS.join(', ')}`);
  if (!(config.sessionTtlMs > 0 && config.sessionTtlMs <= DAY)) throw new Error('sessionTtlMs: at most 24 h');
  if (!(config.unlockTtlMs > 0 && config.unlockTtlMs <= DAY)) throw new Error('unlockTtlMs: at most 24 h');
  if (!(Number.isInteger(config.revealLimit) && config.revealLimit >= 1 && config.revealLimit <= 3)) throw new Error('revealLimit: 1..3');
  return Object.freeze(config);
}

/** Parse the chain from the environment. */
export function chainFromEnv(env: NodeJS.ProcessEnv): VaultChain {
  const chain = env['AGENTVAULT_CHAIN'] ?? 'devnet';
  if (!(VAULT_CHAINS as readonly string[]).includes(chain)) throw new Error(`AGENTVAULT_CHAIN must be one of ${VAULT_CHAINS.join(', ')}`);
  return chain as VaultChain;
}

/** The git-ignored file the demo keeps its generated KEK in. */
export const KEK_FILE = fileURLToPath(new URL('./.agentvault-kek', import.meta.url));

/**
 * The key wrapper. `AGENTVAULT_KEK` if set (any weakness is a startup error). Otherwise, outside
 * production, the KEK file, generated on first use with a loud notice.
 */
export function loadKeyWrapper(env: NodeJS.ProcessEnv, notice: (line: string) => void, file = KEK_FILE): LocalKeyWrapper {
  if (env[LOCAL_WRAPPER_ENV] !== undefined && env[LOCAL_WRAPPER_ENV] !== '') return LocalKeyWrapper.fromEnv(env);
  // Production: no generated key. fromEnv throws WEAK_KEY with the command that makes one.
  if (env['NODE_ENV'] === 'production') return LocalKeyWrapper.fromEnv(env);
  let generated = false;
  if (!existsSync(file)) {
    const line = `v1:${randomBytes(32).toString('base64')}`;
    // 'wx': never overwrite a key another process just wrote (grants wrapped under it would be lost).
    try {
      writeFileSync(file, `${line}\n`, { mode: 0o600, flag: 'wx' });
      generated = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  try {
    chmodSync(file, 0o600);
  } catch {
    // best effort (e.g. a read-only checkout)
  }
  const value = readFileSync(file, 'utf8').trim();
  notice(
    generated
      ? `!!! ${LOCAL_WRAPPER_ENV} is not set: GENERATED a demo key-wrapper key into ${file} (git-ignored); in production set ${LOCAL_WRAPPER_ENV} from your secret manager (openssl rand -base64 32) !!!`
      : `!!! ${LOCAL_WRAPPER_ENV} is not set: using the demo key-wrapper key in ${file}; in production set ${LOCAL_WRAPPER_ENV} from your secret manager !!!`,
  );
  return LocalKeyWrapper.fromEnv({ [LOCAL_WRAPPER_ENV]: value });
}
