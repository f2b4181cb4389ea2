/**
 * Sessions: a random 32-byte token, handed to the client once (an HttpOnly cookie, or a bearer
 * token for non-browser clients); only its SHA-256 is stored. At most 24 h (DESIGN 4).
 *
 * CSRF: the cookie is `SameSite=Strict` (never sent on cross-site requests), and every
 * state-changing route requires `Content-Type: application/json`, which a cross-site HTML form
 * cannot send and a cross-site `fetch` can only send after a CORS preflight this server never
 * answers. That is enough for this example; add a CSRF token if you relax either.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Repository } from './storage.js';

export const SESSION_COOKIE = 'av_session';
/** base64url of 32 random bytes. */
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Hex SHA-256: what the repository stores and looks up. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Set the session cookie: HttpOnly, SameSite=Strict, Secure on https origins, Path=/. */
export function setSessionCookie(res: Response, token: string, maxAgeMs: number, secure: boolean): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, secure, sameSite: 'strict', path: '/', maxAge: maxAgeMs });
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, secure, sameSite: 'strict', path: '/' });
}

/** The presented token: `Authorization: Bearer <token>` or the session cookie. Never logged. */
export function presentedToken(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth !== undefined) {
    const m = /^Bearer ([A-Za-z0-9_-]{43})$/.exec(auth);
    return m?.[1];
  }
  const header = req.get('cookie');
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return TOKEN_RE.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export interface Session {
  readonly address: string;
  readonly expiresAt: number;
  readonly tokenHash: string;
  /**
   * The token's 32 bytes: the client secret of the vault session (agentvault/sessions, SPEC 12),
   * whose id is `tokenHash`. Only in memory for this request; never stored or logged.
   */
  readonly secret: Uint8Array;
}

/** Look the presented token up; null when absent, unknown or expired. */
export async function loadSession(req: Request, repo: Repository, now: number): Promise<Session | null> {
  const token = presentedToken(req);
  if (token === undefined) return null;
  const tokenHash = sha256Hex(token);
  const row = await repo.getSession(tokenHash, now);
  return row === null ? null : { address: row.address, expiresAt: row.expiresAt, tokenHash, secret: new Uint8Array(Buffer.from(token, 'base64url')) };
}
