/**
 * `agentvault/primitives`: the building blocks every other part uses (SPEC 3).
 * @module
 */
export { cryptoBackend } from './_backend.js';
export type { CryptoBackend } from './_backend.js';
export { aesGcmDecrypt, aesGcmEncrypt, AES_KEY_LENGTH, GCM_IV_LENGTH, GCM_TAG_LENGTH } from './aead.js';
export { decodeAddress, encodeAddress, isAddress } from './address.js';
export { assertWalletSignature, verifyEd25519Strict, verifyWalletSignature } from './ed25519.js';
export { hkdfExpand, hkdfExtract, hkdfSha256 } from './hkdf.js';
export { assertStrongKey } from './keys.js';
export * as labels from './labels.js';
export { equalBytes as constantTimeEqual } from '../_utils.js';
