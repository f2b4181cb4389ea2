/**
 * Vault lifecycle: create, unlock (wallet or recovery), rewrap (DESIGN 3, 7; SPEC 6).
 * @module
 */
import { base64urlnopad } from '@scure/base';
import { decodeBase64url } from '../_encoding.js';
import { aoptions } from '../_options.js';
import { abytes, aint, equalBytes, zero } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { AgentvaultError, fail } from '../errors.js';
import { _useAuthorizationPart, useAuthorization, type SignedAs, type VerifiedMessage } from '../messages/authorization.js';
import { decodeAddress } from '../primitives/address.js';
import { openRecord, sealRecord } from '../records/record.js';
import type { SecretBytes } from '../secret.js';
import { kdmSalt, parseVault, recoverySalt, VAULT_FORMAT, VAULT_SCHEMA, type UmkEntry, type VaultData } from './data.js';
import { assertChain, assertDomain, createKeyMessage, deriveWalletKey, KDM_SALT_LENGTH, KDM_VERSION, type VaultChain } from './kdm.js';
import { signVault, verifyVaultMac, type UnsignedVault } from './mac.js';
import {
  deriveRecoveryCodeKey,
  deriveRecoveryPassphraseKey,
  generateRecoveryCode,
  RECOVERY_SALT_LENGTH,
  SCRYPT_DEFAULTS,
  type ScryptParams,
} from './recovery.js';
import { _stateOf, UnlockedVault, type UnlockedState } from './unlocked.js';

export const UMK_LENGTH = 32;
/** Default and hard maximum lifetime of an unlocked vault (DESIGN 4: at most 24 h). */
export const DEFAULT_UNLOCK_TTL_MS = 60 * 60 * 1000;
export const MAX_UNLOCK_TTL_MS = 24 * 60 * 60 * 1000;

/** Recovery keyslot request: a random code shown once, or a passphrase (scrypt). */
export type RecoveryRequest =
  | { readonly kind: 'code' }
  | { readonly kind: 'passphrase'; readonly passphrase: string; readonly scrypt?: ScryptParams };

/** Step 1 of creation (or rewrap): the KDM text the wallet must sign, twice. Keep it server-side. */
export interface PreparedVault {
  /** The wallet that will sign the key message (the vault owner at creation). */
  readonly owner: string;
  readonly domain: string;
  readonly chain: VaultChain;
  /** base64url of the fresh 32-byte KDM salt. */
  readonly salt: string;
  readonly keyMessage: string;
}

/**
 * Choose a fresh KDM salt and build the key message for a new vault (or a rewrap). Keep the
 * result in server state between the two steps: never accept it back from the client.
 * @example
 * const p = prepareVault({ address, domain: 'app.example', chain: 'mainnet' });
 * // ask the wallet to sign p.keyMessage twice
 */
export function prepareVault(opts: { address: string; domain: string; chain: VaultChain }): PreparedVault {
  aoptions(opts, 'options', ['address', 'domain', 'chain']);
  decodeAddress(opts.address);
  const salt = randomBytes(KDM_SALT_LENGTH);
  const fields = { address: opts.address, domain: assertDomain(opts.domain), chain: assertChain(opts.chain), salt };
  return Object.freeze({
    owner: opts.address,
    domain: fields.domain,
    chain: fields.chain,
    salt: base64urlnopad.encode(salt),
    keyMessage: createKeyMessage(fields),
  });
}

function decodeKdmSalt(salt: unknown): Uint8Array {
  if (typeof salt !== 'string') return fail('INVALID_INPUT', 'salt: expected the base64url salt from prepareVault', { field: 'salt' });
  return decodeBase64url(salt, { field: 'salt' }, KDM_SALT_LENGTH);
}

/**
 * DESIGN 3: some signers randomize. Two KDM signatures must be equal before anything is
 * encrypted; both must verify. Returns the wrapping key.
 */
function walletKeyFromPair(
  fields: { address: string; domain: string; chain: VaultChain; salt: Uint8Array },
  signatures: unknown,
  signedAs: SignedAs,
  pepper: Uint8Array | undefined,
): SecretBytes {
  if (!Array.isArray(signatures) || signatures.length !== 2)
    fail('INVALID_INPUT', 'signatures: expected two signatures of the key message (to check the signer is deterministic)', { field: 'signatures' });
  const [a, b] = signatures as unknown[];
  abytes(a, 'signatures[0]', 64);
  abytes(b, 'signatures[1]', 64);
  const withPepper = pepper ? { pepper } : {};
  const key = deriveWalletKey({ ...fields, signature: a as Uint8Array, signedAs, ...withPepper });
  if (!equalBytes(a as Uint8Array, b as Uint8Array)) {
    key.dispose();
    // Still verify the second so a garbage second signature is reported as such.
    deriveWalletKey({ ...fields, signature: b as Uint8Array, signedAs, ...withPepper }).dispose();
    fail('NONDETERMINISTIC_SIGNER', 'the wallet produced two different signatures of the same key message; a vault needs a deterministic (RFC 8032) signer');
  }
  return key;
}

type SlotScope = Pick<VaultData, 'owner' | 'domain' | 'chain'>;

function slotContext(data: SlotScope) {
  return { address: data.owner, domain: data.domain, chain: data.chain };
}

/** @internal Seal a UMK in a keyslot (SPEC 6.1). */
export function _sealSlot(key: SecretBytes, umk: Uint8Array, slot: 'wallet' | 'recovery', version: number, data: SlotScope): string {
  return sealRecord(key, umk, { type: `umk.${slot}`, context: slotContext(data), umkVersion: version });
}

/** @internal Open a keyslot; a wrong key reads as the slot's own error code. */
export function _openSlot(key: SecretBytes, record: string, slot: 'wallet' | 'recovery', data: VaultData): Uint8Array {
  let umk: SecretBytes;
  try {
    umk = openRecord(key, record, { type: `umk.${slot}`, context: slotContext(data) }).plaintext;
  } catch (e) {
    if (e instanceof AgentvaultError && e.code === 'KEY_MISMATCH') {
      if (slot === 'wallet')
        fail(
          'WALLET_KEY_NOT_REPRODUCED',
          `the wallet signature did not reproduce this vault's key; ask the wallet to sign the key message again${data.kdm.signedAs === 'offchain-v1' ? ' as a Solana off-chain message (Ledger)' : ' as plain text'}`,
          { signedAs: data.kdm.signedAs },
        );
      fail('RECOVERY_CODE_MISMATCH', 'the recovery code or passphrase does not open this vault');
    }
    throw e;
  }
  if (umk.length !== UMK_LENGTH) {
    umk.dispose();
    fail('INTEGRITY', 'vault: a keyslot does not hold a 32-byte key');
  }
  return umk.expose();
}

interface RecoverySetup {
  settings: NonNullable<VaultData['recovery']>;
  key: SecretBytes;
  code?: SecretBytes;
}

/** SPEC 2: a recovery request holds only the keys of its kind (checked before anything is spent). */
function aRecoveryRequest(req: RecoveryRequest): void {
  aoptions(req, 'recovery', (req as { kind?: unknown } | null)?.kind === 'passphrase' ? ['kind', 'passphrase', 'scrypt'] : ['kind']);
}

function setupRecovery(req: RecoveryRequest, owner: string, pepper: Uint8Array | undefined): RecoverySetup {
  aRecoveryRequest(req);
  const salt = randomBytes(RECOVERY_SALT_LENGTH);
  const saltText = base64urlnopad.encode(salt);
  const peppered = pepper !== undefined;
  if (req.kind === 'code') {
    const code = generateRecoveryCode();
    try {
      return { settings: { kind: 'code', salt: saltText, peppered }, key: deriveRecoveryCodeKey(code.exposeText(), salt, owner, pepper), code };
    } catch (e) {
      code.dispose();
      throw e;
    }
  }
  if (req.kind === 'passphrase') {
    const params = req.scrypt ?? SCRYPT_DEFAULTS;
    return {
      settings: { kind: 'passphrase', salt: saltText, scrypt: { ...params }, peppered },
      key: deriveRecoveryPassphraseKey(req.passphrase, salt, owner, params, pepper),
    };
  }
  return fail('INVALID_INPUT', "recovery.kind: expected 'code' or 'passphrase'", { field: 'recovery.kind' });
}

function unlockTtl(ttlMs: unknown): number {
  return aint(ttlMs ?? DEFAULT_UNLOCK_TTL_MS, 'ttlMs', 1, MAX_UNLOCK_TTL_MS);
}

function newHandle(
  state: Omit<UnlockedState, 'expiresAt' | 'realExpiresAt' | 'clock' | 'restrictedTo'> & { restrictedTo?: string | undefined },
  opts: { ttlMs?: number | undefined; clock?: (() => number) | undefined },
): UnlockedVault {
  const clock = opts.clock ?? Date.now;
  const ttl = unlockTtl(opts.ttlMs);
  return new UnlockedVault({ ...state, restrictedTo: state.restrictedTo, clock, expiresAt: clock() + ttl, realExpiresAt: Date.now() + ttl });
}

function assertPepperMatches(peppered: boolean, pepper: unknown, what: string): void {
  if (peppered !== (pepper !== undefined))
    fail('INVALID_INPUT', peppered ? `pepper: this vault's ${what} was created with a pepper; pass it` : `pepper: this vault's ${what} has no pepper`, { field: 'pepper' });
}

/** What `prepared` may hold: a `PreparedVault` as `prepareVault` returned it (SPEC 2: nothing else). */
const PREPARED_KEYS = ['owner', 'domain', 'chain', 'salt', 'keyMessage'];

export interface CreateVaultOptions {
  /** The prepared vault (from `prepareVault`, kept server-side): owner, domain, chain, salt. */
  readonly prepared: Pick<PreparedVault, 'owner' | 'domain' | 'chain' | 'salt'>;
  /** Two signatures of `prepared.keyMessage` by the owner's wallet. */
  readonly signatures: readonly [Uint8Array, Uint8Array];
  /**
   * A verified, unspent `unlock` authorization (from `verifySignedMessage`) by the owner for the
   * vault's domain and chain: the KDM signatures alone never authenticate (DESIGN 3).
   */
  readonly authorization: VerifiedMessage;
  readonly signedAs?: SignedAs;
  /** Optional server-side pepper (32 random bytes); the same pepper is needed at every unlock. */
  readonly pepper?: Uint8Array;
  readonly recovery?: RecoveryRequest;
  readonly ttlMs?: number;
  readonly clock?: () => number;
}

export interface CreatedVault {
  /** Store this (JSON). */
  readonly vault: VaultData;
  /** The new vault, unlocked: seal the first records (for example `createAgentWallet`), then `lock()`. */
  readonly unlocked: UnlockedVault;
  /** The recovery code, when one was asked for: show it to the user once, then dispose it. */
  readonly recoveryCode?: SecretBytes;
}

/**
 * Create a vault (SPEC 6.2): spend a fresh `unlock` authorization of the owner, verify two
 * equal KDM signatures, then generate UMK v1 and seal it in the wallet keyslot (and the
 * recovery keyslot if asked). Nothing is generated or encrypted before those checks pass.
 */
export function createVault(opts: CreateVaultOptions): CreatedVault {
  aoptions(opts, 'options', ['prepared', 'signatures', 'authorization', 'signedAs', 'pepper', 'recovery', 'ttlMs', 'clock']);
  const prepared = aoptions(opts.prepared, 'prepared', PREPARED_KEYS) as unknown as PreparedVault;
  if (opts.recovery !== undefined) aRecoveryRequest(opts.recovery);
  const owner = prepared.owner;
  decodeAddress(owner, 'prepared.owner');
  const fields = { address: owner, domain: assertDomain(prepared.domain), chain: assertChain(prepared.chain), salt: decodeKdmSalt(prepared.salt) };
  const signedAs = opts.signedAs ?? 'raw';
  const clock = opts.clock ?? Date.now;
  unlockTtl(opts.ttlMs);
  useAuthorization(opts.authorization, { purpose: 'unlock', address: owner, domain: fields.domain, chain: fields.chain, now: clock() });
  const walletKey = walletKeyFromPair(fields, opts.signatures, signedAs, opts.pepper);
  let recovery: RecoverySetup | undefined;
  const umk = randomBytes(UMK_LENGTH);
  try {
    recovery = opts.recovery ? setupRecovery(opts.recovery, owner, opts.pepper) : undefined;
    const scope = { owner, domain: fields.domain, chain: fields.chain };
    const entry: UmkEntry = {
      version: 1,
      state: 'active',
      wallet: _sealSlot(walletKey, umk, 'wallet', 1, scope),
      ...(recovery ? { recovery: _sealSlot(recovery.key, umk, 'recovery', 1, scope) } : {}),
    };
    const data = signVault(
      {
        format: VAULT_FORMAT,
        schema: VAULT_SCHEMA,
        owner,
        wallet: owner,
        domain: fields.domain,
        chain: fields.chain,
        kdm: { version: KDM_VERSION, salt: prepared.salt, signedAs, peppered: opts.pepper !== undefined },
        ...(recovery ? { recovery: recovery.settings } : {}),
        activeUmkVersion: 1,
        umks: [entry],
        revision: 1,
      },
      umk,
    );
    const unlocked = newHandle({ data, umks: new Map([[1, Uint8Array.from(umk)]]), walletKey, recoveryKey: recovery?.key }, opts);
    return Object.freeze({ vault: data, unlocked, ...(recovery?.code ? { recoveryCode: recovery.code } : {}) });
  } catch (e) {
    walletKey.dispose();
    recovery?.key.dispose();
    recovery?.code?.dispose();
    throw e;
  } finally {
    zero(umk);
  }
}

/** Open every live version's keyslot, then check the vault MAC with the active UMK. */
function openAllVersions(data: VaultData, key: SecretBytes, slot: 'wallet' | 'recovery'): Map<number, Uint8Array> {
  const umks = new Map<number, Uint8Array>();
  try {
    for (const e of data.umks) {
      if (e.state === 'retired') continue;
      const record = slot === 'wallet' ? e.wallet : e.recovery;
      if (record === undefined) fail('NO_RECOVERY_SLOT', `UMK version ${e.version} has no ${slot} keyslot`);
      umks.set(e.version, _openSlot(key, record, slot, data));
    }
    verifyVaultMac(data, umks.get(data.activeUmkVersion)!);
    return umks;
  } catch (e) {
    for (const u of umks.values()) zero(u);
    throw e;
  }
}

export interface UnlockVaultOptions {
  /**
   * A verified, unspent `unlock` authorization (from `verifySignedMessage`) by the vault's wallet,
   * or an `unlock-and-enable-execution` one whose unlock part is unspent (SPEC 7.4.1).
   */
  readonly authorization: VerifiedMessage;
  /** The wallet's signature of this vault's key message (`vaultKeyMessage(vault)`). */
  readonly signature: Uint8Array;
  readonly pepper?: Uint8Array;
  readonly ttlMs?: number;
  readonly clock?: () => number;
}

/**
 * Unlock (SPEC 6.2): a fresh verified `unlock` authorization AND the KDM signature. The KDM
 * signature alone never unlocks. Errors: AUTHORIZATION_REQUIRED, INVALID_SIGNATURE,
 * WALLET_KEY_NOT_REPRODUCED (a valid signature that is not the one the vault was made with),
 * INTEGRITY (the stored vault was modified).
 *
 * `vault` is the stored vault as JSON data (`VaultData`, e.g. `JSON.parse` of a database column
 * declared as `VaultData`). The type is for the compiler: every field is validated again here
 * (`parseVault`: INVALID_INPUT, UNSUPPORTED_VERSION), then the MAC is checked (INTEGRITY).
 * @example
 * const vault: VaultData = JSON.parse(row.vault);
 * const unlocked = unlockVault(vault, { authorization, signature: keyMessageSignature });
 */
export function unlockVault(vault: VaultData, opts: UnlockVaultOptions): UnlockedVault {
  const data = parseVault(vault);
  aoptions(opts, 'options', ['authorization', 'signature', 'pepper', 'ttlMs', 'clock']);
  unlockTtl(opts.ttlMs);
  const now = (opts.clock ?? Date.now)();
  // SPEC 7.4.1: the unlock part of an unlock-and-enable-execution message counts as an unlock.
  _useAuthorizationPart(opts.authorization, { purpose: 'unlock', address: data.wallet, domain: data.domain, chain: data.chain, now });
  assertPepperMatches(data.kdm.peppered, opts.pepper, 'wallet keyslot');
  const walletKey = deriveWalletKey({
    address: data.wallet,
    domain: data.domain,
    chain: data.chain,
    salt: kdmSalt(data),
    version: data.kdm.version,
    signature: abytes(opts.signature, 'signature', 64),
    signedAs: data.kdm.signedAs,
    ...(opts.pepper ? { pepper: opts.pepper } : {}),
  });
  try {
    return newHandle({ data, umks: openAllVersions(data, walletKey, 'wallet'), walletKey, recoveryKey: undefined }, opts);
  } catch (e) {
    walletKey.dispose();
    throw e;
  }
}

/**
 * The key message a wallet must sign to unlock this vault (same text every time). `vault` is the
 * stored vault as JSON data (`VaultData`); it is validated here (`parseVault`) whatever its static type.
 * @example
 * const { text, signedAs } = vaultKeyMessage(vault); // ask the wallet to sign `text` as `signedAs`
 */
export function vaultKeyMessage(vault: VaultData): { readonly text: string; readonly signedAs: SignedAs; readonly address: string } {
  const data = parseVault(vault);
  return {
    text: createKeyMessage({ address: data.wallet, domain: data.domain, chain: data.chain, salt: kdmSalt(data), version: data.kdm.version }),
    signedAs: data.kdm.signedAs,
    address: data.wallet,
  };
}

export interface RecoveryUnlockOptions {
  /** A verified `unlock` authorization by the vault's wallet or, after losing it, by the new wallet. */
  readonly authorization: VerifiedMessage;
  /** The authorization's signer: defaults to the vault's wallet. */
  readonly authorizedBy?: string;
  readonly recoveryCode?: string;
  readonly passphrase?: string;
  /** The server pepper, when the recovery keyslot is peppered. */
  readonly pepper?: Uint8Array;
  readonly ttlMs?: number;
  readonly clock?: () => number;
}

/**
 * Unlock through the recovery keyslot (SPEC 6.4). Still needs a fresh authorization. With the
 * vault's own wallet, the handle is a full one. With another wallet (`authorizedBy`, the user
 * lost the old one), the recovery code is a bearer credential, so the handle is restricted: the
 * only thing it can do is `rewrapVault` to that same wallet.
 *
 * `vault` is the stored vault as JSON data (`VaultData`); it is validated here (`parseVault`)
 * whatever its static type, then the MAC is checked (INTEGRITY).
 * @example
 * const unlocked = unlockVaultWithRecovery(vault, { authorization, authorizedBy: newWallet, recoveryCode });
 */
export function unlockVaultWithRecovery(vault: VaultData, opts: RecoveryUnlockOptions): UnlockedVault {
  const data = parseVault(vault);
  aoptions(opts, 'options', ['authorization', 'authorizedBy', 'recoveryCode', 'passphrase', 'pepper', 'ttlMs', 'clock']);
  if (!data.recovery) fail('NO_RECOVERY_SLOT', 'the vault has no recovery keyslot');
  unlockTtl(opts.ttlMs);
  const now = (opts.clock ?? Date.now)();
  const signer = opts.authorizedBy ?? data.wallet;
  decodeAddress(signer, 'authorizedBy');
  useAuthorization(opts.authorization, { purpose: 'unlock', address: signer, domain: data.domain, chain: data.chain, now });
  const key = recoveryKeyFor(data, opts);
  try {
    const umks = openAllVersions(data, key, 'recovery');
    return newHandle({ data, umks, walletKey: undefined, recoveryKey: key, restrictedTo: signer === data.wallet ? undefined : signer }, opts);
  } catch (e) {
    key.dispose();
    throw e;
  }
}

/** @internal Derive the recovery key from a code or passphrase as the vault's settings say. */
export function recoveryKeyFor(
  data: VaultData,
  opts: { recoveryCode?: string | undefined; passphrase?: string | undefined; pepper?: Uint8Array | undefined },
): SecretBytes {
  const salt = recoverySalt(data);
  const settings = data.recovery!;
  assertPepperMatches(settings.peppered, opts.pepper, 'recovery keyslot');
  if (settings.kind === 'code') {
    if (typeof opts.recoveryCode !== 'string') fail('INVALID_INPUT', 'recoveryCode: this vault recovers with a code', { field: 'recoveryCode' });
    return deriveRecoveryCodeKey(opts.recoveryCode, salt, data.owner, opts.pepper);
  }
  if (typeof opts.passphrase !== 'string') fail('INVALID_INPUT', 'passphrase: this vault recovers with a passphrase', { field: 'passphrase' });
  return deriveRecoveryPassphraseKey(opts.passphrase, salt, data.owner, settings.scrypt!, opts.pepper);
}

export interface RewrapOptions {
  /** A fresh prepared key message for the (possibly new) wallet: `prepareVault({ address: newWallet, ... })`. */
  readonly prepared: Pick<PreparedVault, 'owner' | 'domain' | 'chain' | 'salt'>;
  /** Two equal signatures of the new key message by the new wallet. */
  readonly signatures: readonly [Uint8Array, Uint8Array];
  /** Default: the form the vault recorded. */
  readonly signedAs?: SignedAs;
  /** The pepper for the new wallet keyslot (and new recovery slots). Required if the vault is peppered, unless `dropPepper`. */
  readonly pepper?: Uint8Array;
  /** Explicitly stop peppering a peppered vault's wallet keyslot. */
  readonly dropPepper?: boolean;
  /** Keep the recovery slots (default), replace them with a new code/passphrase, or remove them. */
  readonly recovery?: 'keep' | 'remove' | RecoveryRequest;
}

/**
 * Rewrap (SPEC 6.4): seal the same UMK versions under a new wallet key (new salt, new wallet,
 * new pepper) and optionally a new recovery key. No record changes. `prepared.owner` is the
 * wallet that signs from now on; the vault owner (record contexts) stays the same. The handle
 * switches to the new vault data; the result is the vault to store (revision + 1).
 */
export function rewrapVault(unlocked: UnlockedVault, opts: RewrapOptions): { readonly vault: VaultData; readonly recoveryCode?: SecretBytes } {
  const state = _stateOf(unlocked, true);
  // SPEC 12.3 / 6.4: moving the vault to another wallet needs a handle opened by a key (the
  // wallet's or the recovery slot's). A handle reopened from a session holds only the UMKs: a
  // stolen session cookie must not be enough to take the vault over for good.
  if (state.walletKey === undefined && state.recoveryKey === undefined)
    fail('AUTHORIZATION_REQUIRED', 'a handle reopened from a session cannot rewrap the vault: unlock it with the wallet (or recover) first', { reason: 'session-handle' });
  aoptions(opts, 'options', ['prepared', 'signatures', 'signedAs', 'pepper', 'dropPepper', 'recovery']);
  const prepared = aoptions(opts.prepared, 'prepared', PREPARED_KEYS) as unknown as PreparedVault;
  if (opts.recovery !== undefined && opts.recovery !== 'keep' && opts.recovery !== 'remove') aRecoveryRequest(opts.recovery);
  const wallet = prepared.owner;
  decodeAddress(wallet, 'prepared.owner');
  const old = state.data;
  if (state.restrictedTo !== undefined && wallet !== state.restrictedTo)
    fail('AUTHORIZATION_REQUIRED', 'a recovery handle can only move the vault to the wallet that authorized the recovery');
  if (prepared.domain !== old.domain || prepared.chain !== old.chain)
    fail('INVALID_INPUT', 'prepared: domain and chain must stay those of the vault', { field: 'prepared' });
  if (old.kdm.peppered && opts.pepper === undefined && opts.dropPepper !== true)
    fail('INVALID_INPUT', 'pepper: this vault is peppered; pass the pepper, or dropPepper: true to stop peppering', { field: 'pepper' });
  const fields = { address: wallet, domain: old.domain, chain: old.chain, salt: decodeKdmSalt(prepared.salt) };
  const signedAs = opts.signedAs ?? old.kdm.signedAs;
  const walletKey = walletKeyFromPair(fields, opts.signatures, signedAs, opts.pepper);
  const recoveryMode = opts.recovery ?? 'keep';
  let recovery: RecoverySetup | undefined;
  try {
    if (recoveryMode !== 'keep' && recoveryMode !== 'remove') recovery = setupRecovery(recoveryMode, old.owner, opts.pepper);
    const umks = old.umks.map((e): UmkEntry => {
      if (e.state === 'retired') return e;
      const umk = state.umks.get(e.version)!;
      const recoverySlot = recoveryMode === 'keep' ? e.recovery : recovery ? _sealSlot(recovery.key, umk, 'recovery', e.version, old) : undefined;
      return { version: e.version, state: e.state, wallet: _sealSlot(walletKey, umk, 'wallet', e.version, old), ...(recoverySlot ? { recovery: recoverySlot } : {}) };
    });
    const recoverySettings = recoveryMode === 'keep' ? old.recovery : recovery?.settings;
    const { mac: _mac, recovery: _r, ...rest } = old;
    const data = signVault(
      {
        ...rest,
        wallet,
        kdm: { version: KDM_VERSION, salt: prepared.salt, signedAs, peppered: opts.pepper !== undefined },
        ...(recoverySettings ? { recovery: recoverySettings } : {}),
        umks,
        revision: old.revision + 1,
      },
      state.umks.get(old.activeUmkVersion)!,
    );
    state.walletKey?.dispose();
    state.walletKey = walletKey;
    if (recovery || recoveryMode === 'remove') {
      state.recoveryKey?.dispose();
      state.recoveryKey = recovery?.key;
    }
    state.restrictedTo = undefined;
    state.data = data;
    return Object.freeze({ vault: data, ...(recovery?.code ? { recoveryCode: recovery.code } : {}) });
  } catch (e) {
    walletKey.dispose();
    recovery?.key.dispose();
    recovery?.code?.dispose();
    throw e;
  }
}

/** @internal The live, unrestricted state of a handle. */
export function stateFor(unlocked: UnlockedVault): UnlockedState {
  return _stateOf(unlocked);
}

export type { UnsignedVault };
