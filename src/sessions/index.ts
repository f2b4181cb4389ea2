/**
 * `agentvault/sessions`: HKDF session keys (DESIGN 13, SPEC 12). An unlocked vault sealed under a
 * key only the client's secret and the server's pepper together derive, in a store every instance
 * shares. The Redis and PostgreSQL stores are `agentvault/sessions/redis` and
 * `agentvault/sessions/postgres`, so this entry never loads a driver.
 * @module
 */
export { MemorySessionStore } from './memory.js';
export type { MemorySessionStoreOptions } from './memory.js';
export { createSessionPepper, loadSessionPeppers, SESSION_PEPPER_LENGTH, SessionPeppers } from './peppers.js';
export type { WrappedSessionPepper } from './peppers.js';
export {
  assertSessionId,
  beginSession,
  createSessionCredentials,
  encodeSessionToken,
  endSession,
  endWalletSessions,
  openSession,
  parseSessionToken,
  SESSION_RECORD_TYPE,
  SESSION_SECRET_LENGTH,
  SESSION_TOKEN_PREFIX,
} from './session.js';
export type {
  BeginSessionOptions,
  BegunSession,
  OpenedSession,
  OpenSessionOptions,
  SessionCredentials,
  SessionInvalidReason,
} from './session.js';
export type { SessionStore, StoredSession } from './types.js';
