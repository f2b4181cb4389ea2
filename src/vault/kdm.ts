/**
 * The key message (KDM) and the wallet wrapping key (DESIGN 3, SPEC 5).
 *
 * The KDM is a fixed, versioned, domain-bound text with a per-vault salt and no nonce or time,
 * so that a deterministic (RFC 8032) wallet signs it to the same signature at every unlock.
 * Its first line names the library and version; it does not parse as SIWS (wallets would demand
 * a nonce and a fresh Issued At) and it cannot decode as a Solana transaction message.
 * @module
 */
import { base64urlnopad } from '@scure/base';
import { abytes, aint, concatBytes, lp, u32be, utf8, zero } from '../_utils.js';
import { fail, isAgentvaultError } from '../errors.js';
import { assertDomain as assertSiwsDomain } from '../messages/fields.js';
import { decodeAddress } from '../primitives/address.js';
import { verifyEd25519Strict } from '../primitives/ed25519.js';
import { hkdfSha256 } from '../primitives/hkdf.js';
import { assertStrongKey } from '../primitives/keys.js';
import { LABEL_WALLET_KEY } from '../primitives/labels.js';
import type { SignedAs } from '../messages/authorization.js';
import { signedBytesFor } from '../messages/offchain.js';
import { SecretBytes } from '../secret.js';

export const KDM_VERSION = 1;
export const KDM_FIRST_LINE = 'agentvault key message v1';
export const KDM_SALT_LENGTH = 32;
/** Clusters a vault may be bound to (SPEC 5.1). */
export const VAULT_CHAINS = ['mainnet', 'devnet', 'testnet', 'localnet'] as const;
export type VaultChain = (typeof VAULT_CHAINS)[number];


/** What the KDM binds: the vault's domain, wallet, cluster, KDM version and salt. */
export interface KeyMessageFields {
  readonly domain: string;
  readonly address: string;
  readonly chain: VaultChain;
  readonly salt: Uint8Array;
  readonly version?: number;
}

/**
 * SPEC 5.1: the KDM domain follows the one domain grammar of SPEC 7.2 (the SIWS `domain`), so a
 * vault can only be bound to a domain that a sign-in message can name, and `localhost:0`,
 * `localhost:00080`, `a-.b` or `App.Example` are refused alike here and there. The vault boundary
 * reports `INVALID_INPUT` (`details.reason = 'domain-grammar'`) where the message layer reports
 * `MESSAGE_MALFORMED`.
 */
export function assertDomain(domain: unknown, name = 'domain'): string {
  if (typeof domain !== 'string') return fail('INVALID_INPUT', `${name}: expected a string`, { field: name });
  try {
    return assertSiwsDomain(domain, name);
  } catch (e) {
    if (isAgentvaultError(e))
      fail('INVALID_INPUT', `${name}: expected a lower-case host[:port] as a browser reports it (SPEC 7.2)`, { field: name, reason: 'domain-grammar' });
    throw e;
  }
}

export function assertChain(chain: unknown, name = 'chain'): VaultChain {
  if (typeof chain !== 'string' || !(VAULT_CHAINS as readonly string[]).includes(chain))
    fail('INVALID_INPUT', `${name}: expected one of ${VAULT_CHAINS.join(', ')}`, { field: name });
  return chain as VaultChain;
}

/**
 * The exact KDM text (SPEC 5.1). LF line ends, no trailing newline.
 * @example
 * const text = createKeyMessage({ domain: 'app.example', address, chain: 'mainnet', salt });
 */
export function createKeyMessage(fields: KeyMessageFields): string {
  const domain = assertDomain(fields.domain);
  decodeAddress(fields.address);
  const chain = assertChain(fields.chain);
  const salt = abytes(fields.salt, 'salt', KDM_SALT_LENGTH);
  const version = aint(fields.version ?? KDM_VERSION, 'version', KDM_VERSION, KDM_VERSION);
  return [
    KDM_FIRST_LINE,
    '',
    `Sign this text to unlock your encrypted agentvault data on ${domain}.`,
    'It is not a login and not a transaction. Sign it only on this site.',
    '',
    `Domain: ${domain}`,
    `Address: ${fields.address}`,
    `Chain: ${chain}`,
    `Key version: ${version}`,
    `Salt: ${base64urlnopad.encode(salt)}`,
  ].join('\n');
}

export interface WrappingKeyInput extends KeyMessageFields {
  /** The wallet's signature of the KDM (64 bytes). A secret: it derives the wrapping key. */
  readonly signature: Uint8Array;
  /** How the wallet signed: the raw text (default) or the off-chain message v1 envelope. */
  readonly signedAs?: SignedAs;
  /** Optional server-side secret mixed into the key (SPEC 5.3); 32 random bytes. */
  readonly pepper?: Uint8Array;
}

/**
 * Verify the KDM signature strictly and derive the wallet wrapping key WK (SPEC 5.3):
 *   ikm  = sigma [|| pepper]
 *   salt = vault salt
 *   info = lp(LABEL_WALLET_KEY) || lp(address) || lp(chain) || lp(domain) || u32be(version) || u8(peppered)
 *   WK   = HKDF-SHA256(ikm, salt, info, 32)
 * Throws INVALID_SIGNATURE when the signature does not verify (all-zero included).
 */
export function deriveWalletKey(input: WrappingKeyInput): SecretBytes {
  const text = createKeyMessage(input);
  const signature = abytes(input.signature, 'signature', 64);
  const signedAs = input.signedAs ?? 'raw';
  if (signedAs !== 'raw' && signedAs !== 'offchain-v1') fail('INVALID_INPUT', "signedAs: expected 'raw' or 'offchain-v1'", { field: 'signedAs' });
  const pepper = input.pepper === undefined ? undefined : assertStrongKey(input.pepper, 'pepper');
  // DESIGN 3: verify sigma against the address before using it as key material.
  if (!verifyEd25519Strict(decodeAddress(input.address), signedBytesFor(text, input.address, signedAs), signature))
    fail('INVALID_SIGNATURE', 'key-message signature does not verify for this wallet and vault', { reason: 'kdm-signature' });
  const version = input.version ?? KDM_VERSION;
  const info = concatBytes(
    lp(LABEL_WALLET_KEY),
    lp(input.address),
    lp(input.chain),
    lp(input.domain),
    u32be(version),
    Uint8Array.of(pepper ? 1 : 0),
  );
  const ikm = pepper ? concatBytes(signature, pepper) : Uint8Array.from(signature);
  try {
    return SecretBytes.from(hkdfSha256(ikm, input.salt, info, 32));
  } finally {
    zero(ikm);
  }
}

/** The UTF-8 bytes a wallet must sign for this KDM in the given form. */
export function keyMessageBytes(fields: KeyMessageFields, signedAs: SignedAs = 'raw'): Uint8Array {
  return signedBytesFor(createKeyMessage(fields), fields.address, signedAs);
}

