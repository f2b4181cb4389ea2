/**
 * HTTP plumbing shared by the routes: the error shape, the mapping from library codes to HTTP
 * statuses, and strict body validation.
 *
 * Every error response is `{ "error": { "code", "message" } }` (+ `details` with non-secret facts
 * such as `rules`, `field`, `retryAfterMs`), with the library's codes. Authentication failures are
 * deliberately uniform toward the client: a replayed nonce, a wrong domain, an expired message, a
 * bad signature, a missing session or a bad webhook secret all answer
 * `401 AUTHORIZATION_REQUIRED` with one message, so a client cannot probe which check failed. The
 * server log keeps the precise code (SPEC 7.9) for the operator.
 */
import { isAgentvaultError, type ErrorCode } from 'agentvault';

/** Codes this app adds for things the library does not do (routing). */
export type AppErrorCode = ErrorCode | 'NOT_FOUND' | 'INTERNAL';

/** An error a route throws on purpose. A 401 is answered with the uniform authentication failure. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: AppErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Refusals of a signed message, a session or a webhook secret: all answered the same way. */
const AUTH_FAILURES: ReadonlySet<string> = new Set([
  'AUTHORIZATION_REQUIRED',
  'INVALID_SIGNATURE',
  'NONCE_UNKNOWN',
  'MESSAGE_MISMATCH',
  'MESSAGE_MALFORMED',
  'MESSAGE_TOO_LONG',
  'OFFCHAIN_MALFORMED',
  'DOMAIN_MISMATCH',
  'CHAIN_MISMATCH',
  'PURPOSE_MISMATCH',
  'ADDRESS_MISMATCH',
  'MESSAGE_EXPIRED',
  'MESSAGE_NOT_YET_VALID',
  'MESSAGE_ISSUED_IN_FUTURE',
]);
export const AUTH_FAILURE_MESSAGE = 'authorization failed: sign in again, or request a new challenge and sign it';

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  UNSUPPORTED_VERSION: 400,
  LIFETIME_TOO_LONG: 400,
  GRANT_WINDOW_TOO_LONG: 400,
  POLICY_INVALID: 400,
  NONDETERMINISTIC_SIGNER: 422,
  // After a verified unlock authorization: the user proved the wallet, so tell them how to re-sign.
  WALLET_KEY_NOT_REPRODUCED: 403,
  VAULT_LOCKED: 423,
  GRANT_REVOKED: 403,
  GRANT_KILLED: 403,
  GRANT_EXPIRED: 403,
  GRANT_NOT_YET_VALID: 403,
  POLICY_MISMATCH: 409,
  POLICY_VIOLATION: 422,
  SIGNING_REFUSED: 422,
  RATE_LIMITED: 429,
  STORE_FULL: 503,
  STORE_UNAVAILABLE: 503,
};

/** Detail keys that may reach the client (all non-secret by the library's rule, SPEC 2). */
const CLIENT_DETAILS = new Set(['field', 'rules', 'retryAfterMs', 'signedAs', 'reason', 'rule', 'instructionIndex', 'max', 'limit']);
/** Detail keys the server log records beside the code (a refusal's reason, policy path, instruction). */
const LOG_DETAILS = ['reason', 'rule', 'instructionIndex', 'rules'] as const;

export interface ErrorResponse {
  readonly status: number;
  readonly body: { error: { code: string; message: string; details?: Record<string, unknown> } };
  /** What the server log records: the precise code, the library message, and whether it was an auth failure. */
  readonly log: { code: string; message: string; auth: boolean; unexpected: boolean; details?: Readonly<Record<string, string | number | readonly string[]>> };
}

function pickDetails(details: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | undefined {
  if (details === undefined) return undefined;
  const out = Object.fromEntries(Object.entries(details).filter(([k]) => CLIENT_DETAILS.has(k)));
  return Object.keys(out).length > 0 ? out : undefined;
}

function logDetails(details: Readonly<Record<string, unknown>> | undefined): { details?: Record<string, string | number | readonly string[]> } {
  const out: Record<string, string | number | readonly string[]> = {};
  for (const k of LOG_DETAILS) {
    const v = details?.[k];
    if (typeof v === 'string' || typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) out[k === 'reason' ? 'refusal' : k] = v as string | number | readonly string[];
  }
  return Object.keys(out).length > 0 ? { details: out } : {};
}

export function authFailure(logCode: string, logMessage: string): ErrorResponse {
  return {
    status: 401,
    body: { error: { code: 'AUTHORIZATION_REQUIRED', message: AUTH_FAILURE_MESSAGE } },
    log: { code: logCode, message: logMessage, auth: true, unexpected: false },
  };
}

/** Map anything thrown by a route to the response and the log record. */
export function toErrorResponse(e: unknown): ErrorResponse {
  if (e instanceof HttpError) {
    if (e.status === 401) return authFailure(e.code, e.message);
    const details = pickDetails(e.details);
    return {
      status: e.status,
      body: { error: { code: e.code, message: e.message, ...(details ? { details } : {}) } },
      log: { code: e.code, message: e.message, auth: false, unexpected: false },
    };
  }
  if (isAgentvaultError(e)) {
    if (AUTH_FAILURES.has(e.code)) return authFailure(e.code, e.message);
    const status = STATUS[e.code];
    if (status === undefined) {
      // KEY_MISMATCH, INTEGRITY, UNWRAP_FAILED, ...: the server's own data or keys are wrong.
      return {
        status: 500,
        body: { error: { code: 'INTERNAL', message: 'the server could not process this request' } },
        log: { code: e.code, message: e.message, auth: false, unexpected: true },
      };
    }
    const details = pickDetails(e.details as Readonly<Record<string, unknown>> | undefined);
    return {
      status,
      body: { error: { code: e.code, message: e.message, ...(details ? { details } : {}) } },
      log: { code: e.code, message: e.message, auth: false, unexpected: false, ...logDetails(e.details as Readonly<Record<string, unknown>> | undefined) },
    };
  }
  // body-parser errors carry `type` and `status`; their messages contain no body content.
  const bp = e as { type?: unknown; status?: unknown; limit?: unknown };
  if (bp?.type === 'entity.too.large')
    return {
      status: 413,
      body: { error: { code: 'INVALID_INPUT', message: 'request body too large', ...(typeof bp.limit === 'number' ? { details: { limit: bp.limit } } : {}) } },
      log: { code: 'INVALID_INPUT', message: 'request body too large', auth: false, unexpected: false },
    };
  if (typeof bp?.type === 'string' && typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500)
    return {
      status: bp.status,
      body: { error: { code: 'INVALID_INPUT', message: 'malformed request body' } },
      log: { code: 'INVALID_INPUT', message: `malformed request body (${bp.type})`, auth: false, unexpected: false },
    };
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'the server could not process this request' } },
    // Driver errors (pg, ioredis) describe the failure, not the parameters; only name and message are logged.
    log: { code: 'INTERNAL', message: `${err.name}: ${err.message}`, auth: false, unexpected: true },
  };
}

// -- strict body validation -------------------------------------------------------------------

export type Body = Readonly<Record<string, unknown>>;

const bad = (field: string, why: string): never => {
  throw new HttpError(400, 'INVALID_INPUT', `${field}: ${why}`, { field });
};

/** A JSON object with exactly these keys allowed (unknown keys are refused, not ignored). */
export function object(value: unknown, allowed: readonly string[], name = 'body'): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(name, 'expected a JSON object');
  for (const k of Object.keys(value)) if (!allowed.includes(k)) bad(name === 'body' ? k : `${name}.${k}`, 'unknown field');
  return value as Body;
}

export function str(o: Body, key: string, options: { re?: RegExp; max?: number; optional?: false }): string;
export function str(o: Body, key: string, options: { re?: RegExp; max?: number; optional: true }): string | undefined;
export function str(o: Body, key: string, options: { re?: RegExp; max?: number; optional?: boolean }): string | undefined {
  const v = o[key];
  if (v === undefined && options.optional) return undefined;
  if (typeof v !== 'string') return bad(key, 'expected a string');
  if (v.length > (options.max ?? 256)) bad(key, 'too long');
  if (options.re !== undefined && !options.re.test(v)) bad(key, 'malformed');
  return v;
}

export function int(o: Body, key: string, min: number, max: number, optional = false): number | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) return bad(key, `expected an integer in [${min}, ${max}]`);
  return v;
}

export function oneOf<T extends string>(o: Body, key: string, values: readonly T[], fallback?: T): T {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) return bad(key, `expected one of ${values.join(', ')}`);
  return v as T;
}
