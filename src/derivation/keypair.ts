/**
 * Mnemonic -> Solana keypair (DESIGN 8): BIP39 seed, then SLIP-0010 ed25519 at the preset's path
 * (or, for `solana-cli`, the first 32 bytes of the BIP39 seed), then the ed25519 public key.
 * Output matches what the wallets named in docs/DERIVATION.md produce; the known-answer tests in
 * test/derivation check it against their published addresses.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { aobject, concatBytes, zero } from '../_utils.js';
import { fail } from '../errors.js';
import { encodeAddress } from '../primitives/address.js';
import { SecretBytes } from '../secret.js';
import { assertPassphrase, bip39Seed as bip39SeedOf, validateMnemonic, type MnemonicInput } from './mnemonic.js';
import { resolveDerivation, type DerivationOptions, type DerivationPreset } from './presets.js';
import { _deriveSlip10Node } from './slip10.js';

export interface DeriveSolanaKeypairOptions extends DerivationOptions {
  /** BIP39 passphrase ("25th word"), NFKD-normalized. Default: none (empty). */
  readonly passphrase?: string;
}

/** A derived Solana keypair. Dispose `seed` and `secretKey` when done. */
export interface SolanaKeypair {
  /** The preset used (`custom` when only a path was given). */
  readonly preset: DerivationPreset;
  /** Canonical path (with `'`), or null for `solana-cli` (no derivation). */
  readonly path: string | null;
  /** The 32-byte ed25519 private key (RFC 8032 seed). */
  readonly seed: SecretBytes;
  /** The 64-byte Solana secret key: seed || publicKey (the `id.json` / web3.js layout). */
  readonly secretKey: SecretBytes;
  /** The 32-byte ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** Base58 of the public key. */
  readonly address: string;
}

/**
 * Derive the Solana keypair a wallet would show for `mnemonic`.
 * @example
 * const kp = deriveSolanaKeypair(mnemonic, { preset: 'phantom', account: 1 });
 * try { console.log(kp.address, kp.path) } finally { kp.seed.dispose(); kp.secretKey.dispose() }
 */
export function deriveSolanaKeypair(mnemonic: MnemonicInput, opts: DeriveSolanaKeypairOptions = {}): SolanaKeypair {
  aobject(opts, 'options');
  const canonical = validateMnemonic(mnemonic);
  const passphrase = assertPassphrase(opts.passphrase);
  const { passphrase: _omit, ...derivation } = opts;
  const resolved = resolveDerivation(derivation);
  let bip39Seed: Uint8Array | undefined;
  let privateKey: Uint8Array | undefined;
  let chainCode: Uint8Array | undefined;
  try {
    bip39Seed = bip39SeedOf(canonical, passphrase);
    if (resolved.path === null) {
      // solana-keygen's default (`prompt://` with no key): the ed25519 seed is the first half of
      // the BIP39 seed (solana-sdk keypair_from_seed_phrase_and_passphrase).
      privateKey = bip39Seed.slice(0, 32);
    } else {
      ({ privateKey, chainCode } = _deriveSlip10Node(bip39Seed, resolved.path));
    }
    if (privateKey.length !== 32) fail('INVALID_INPUT', 'derived key has the wrong length');
    const publicKey = ed25519.getPublicKey(privateKey);
    const seed = SecretBytes.copy(privateKey);
    const secretKey = SecretBytes.from(concatBytes(privateKey, publicKey));
    return Object.freeze({
      preset: resolved.preset,
      path: resolved.path === null ? null : resolved.path.text,
      seed,
      secretKey,
      publicKey,
      address: encodeAddress(publicKey),
    });
  } finally {
    zero(bip39Seed, privateKey, chainCode);
  }
}
