/**
 * `agentvault/messages`: SIWS-compatible signed messages bound to domain, chain, purpose, nonce
 * and expiry; challenge issue and verification; the Solana off-chain message v1 envelope
 * (DESIGN 4, SPEC 7).
 * @module
 */
export { AUTHORIZATION_CLOCK_TOLERANCE_MS, isVerifiedMessage, useAuthorization } from './authorization.js';
export type { AuthorizationExpectation } from './authorization.js';
export type { SignedAs, VerifiedMessage } from './authorization.js';
export {
  DEFAULT_SKEW_MS,
  MAX_SKEW_MS,
  decodeSignature,
  issueChallenge,
  nonceHash,
  verifySignedMessage,
} from './challenge.js';
export type { Challenge, ExpectedMessage, IssueChallengeOptions, VerifySignedMessageCommon, VerifySignedMessageOptions } from './challenge.js';
export { CHAIN_IDS, MAX_MESSAGE_BYTES, formatTimestamp, parseTimestamp } from './fields.js';
export type { ChainId } from './fields.js';
export {
  OFFCHAIN_SIGNING_DOMAIN,
  encodeOffchainMessage,
  isOffchainMessage,
  parseOffchainMessage,
  signedBytesFor,
} from './offchain.js';
export type { OffchainMessageV1 } from './offchain.js';
export {
  BUILTIN_PURPOSES,
  COMBINED_PURPOSES,
  DEFAULT_GRANT_WINDOW_MS,
  DEFAULT_MAX_GRANT_WINDOW_MS,
  GRANT_WINDOW_CEILING_MS,
  MAX_APP_MESSAGE_LIFETIME_MS,
  MAX_POLICY_SUMMARY_LENGTH,
  MESSAGE_LIFETIME_MS,
  STATEMENT_REVEAL_MNEMONIC,
  URN_ACK_REVEAL_MNEMONIC,
  definePurpose,
  isBuiltinPurpose,
  isPolicySummaryText,
} from './purposes.js';
export type { AppPurpose, BuiltinPurpose, GrantRequest, Purpose, PurposeDefinition } from './purposes.js';
export { assertSiwsFields, buildSiwsMessage, parseSiwsMessage } from './siws.js';
export type { SiwsFields } from './siws.js';
