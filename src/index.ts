/**
 * agentvault: a correct key hierarchy for Solana trading-bot backends.
 * The root entry re-exports the common path by name; each area also has its own subpath
 * (`agentvault/records`, `agentvault/vault`, ...). See docs/SPEC.md.
 * @module
 */
export { AgentvaultError, ERROR_CODES, isAgentvaultError } from './errors.js';
export type { ErrorCode, ErrorDetails } from './errors.js';
export { SecretBytes } from './secret.js';
export {
  assertWalletSignature,
  constantTimeEqual,
  decodeAddress,
  encodeAddress,
  isAddress,
  verifyEd25519Strict,
  verifyWalletSignature,
} from './primitives/index.js';
