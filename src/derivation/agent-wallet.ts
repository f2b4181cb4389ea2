/**
 * Agent wallets (DESIGN 8): generate a mnemonic, derive the Solana key, and seal both as records
 * under the vault's `mnemonic` and `agent-key` subkeys. The caller gets the public address and the
 * two sealed record texts, never a secret.
 *
 * No BIP39 passphrase is used for agent wallets: the sealed mnemonic alone must be enough to
 * recover the funds (DESIGN 3: "the agent wallet's mnemonic is the last line of recovery").
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { aobject, equalBytes, utf8, zero } from '../_utils.js';
import { aoptions } from '../_options.js';
import { fail } from '../errors.js';
import { decodeAddress } from '../primitives/address.js';
import type { SecretBytes } from '../secret.js';
import { _agentRecordFields, _assertAgentAppFields, AGENT_CONTEXT_FIELD } from './_agent-context.js';
import { deriveSolanaKeypair } from './keypair.js';
import { generateMnemonic, type MnemonicWordCount } from './mnemonic.js';
import { resolveDerivation, type DerivationOptions, type DerivationPreset } from './presets.js';

/** Record types (= vault subkey purposes) the agent wallet uses. */
export const AGENT_MNEMONIC_RECORD = 'mnemonic';
export const AGENT_KEY_RECORD = 'agent-key';
/** Context field (reserved) in which both records bind the agent's address. */
export { AGENT_CONTEXT_FIELD };

/**
 * What the agent-wallet helpers need from an unlocked vault. `UnlockedVault` from
 * `agentvault/vault` satisfies it; the structural type keeps this module free of the vault's
 * internals and lets an app wrap the vault (for auditing, say).
 */
export interface RecordSealer {
  readonly address: string;
  seal(type: string, plaintext: Uint8Array, fields?: Readonly<Record<string, string>>): string;
  open(type: string, record: string, fields?: Readonly<Record<string, string>>): SecretBytes;
}

export interface CreateAgentWalletOptions extends DerivationOptions {
  /** Mnemonic length: 24 (default) or 12. */
  readonly words?: MnemonicWordCount;
  /**
   * App fields bound into both records' context (e.g. `{ bot: 'b1' }`); needed again to open.
   * The library adds `agent: <agent address>` itself, so the name `agent` is reserved.
   */
  readonly fields?: Readonly<Record<string, string>>;
}

/** Options of `openAgentKey`. */
export interface OpenAgentKeyOptions {
  /** The agent wallet's address (`createAgentWallet(...).address`): required, bound in the record context. */
  readonly address: string;
  /** The app fields the records were sealed with. */
  readonly fields?: Readonly<Record<string, string>>;
}

/** The sealed records of one agent wallet: store both (text columns). */
export interface AgentWalletRecords {
  /** The mnemonic (UTF-8, NFKD, single spaces) sealed as a `mnemonic` record. */
  readonly mnemonic: string;
  /** The 64-byte secret key (seed || publicKey) sealed as an `agent-key` record. */
  readonly agentKey: string;
}

/** A new agent wallet: public facts and sealed records only. */
export interface AgentWallet {
  readonly address: string;
  readonly publicKey: Uint8Array;
  readonly preset: DerivationPreset;
  readonly path: string | null;
  readonly records: AgentWalletRecords;
}

function sealer(vault: unknown): RecordSealer {
  if (
    typeof vault !== 'object' ||
    vault === null ||
    typeof (vault as RecordSealer).seal !== 'function' ||
    typeof (vault as RecordSealer).open !== 'function'
  )
    fail('INVALID_INPUT', 'vault: expected an unlocked vault (seal/open)', { field: 'vault' });
  return vault as RecordSealer;
}

/**
 * Create an agent wallet inside an unlocked vault. Both records are sealed with the context
 * `{ ...fields, agent: <address> }`, so the records of one agent wallet cannot be passed off as
 * another's (they fail to open with CONTEXT_MISMATCH).
 * @example
 * const agent = createAgentWallet(unlocked, { fields: { bot: 'b1' } });
 * await db.save(agent.address, agent.records.mnemonic, agent.records.agentKey);
 */
export function createAgentWallet(vault: RecordSealer, opts: CreateAgentWalletOptions = {}): AgentWallet {
  const v = sealer(vault);
  aobject(opts, 'options');
  const { words, fields, passphrase, ...derivation } = opts as CreateAgentWalletOptions & { readonly passphrase?: unknown };
  if (passphrase !== undefined)
    fail('INVALID_INPUT', 'passphrase: agent wallets take no BIP39 passphrase (the sealed mnemonic must recover the funds alone)', {
      field: 'passphrase',
    });
  // Check the fields (reserved name included) and the derivation options before generating anything.
  _assertAgentAppFields(fields, 'fields');
  resolveDerivation(derivation);
  const mnemonic = generateMnemonic(words === undefined ? {} : { words });
  const kp = deriveSolanaKeypair(mnemonic, derivation);
  // generateMnemonic output is already canonical (ASCII words, single spaces): NFKD is identity.
  const mnemonicBytes = utf8(mnemonic.normalize('NFKD'));
  try {
    const context = _agentRecordFields(kp.address, fields, { address: 'address', fields: 'fields' });
    const records = Object.freeze({
      mnemonic: v.seal(AGENT_MNEMONIC_RECORD, mnemonicBytes, context),
      agentKey: v.seal(AGENT_KEY_RECORD, kp.secretKey.expose(), context),
    });
    return Object.freeze({ address: kp.address, publicKey: Uint8Array.from(kp.publicKey), preset: kp.preset, path: kp.path, records });
  } finally {
    zero(mnemonicBytes);
    kp.seed.dispose();
    kp.secretKey.dispose();
  }
}

/**
 * Open an agent wallet's `agent-key` record: a SecretBytes of 64 bytes (seed || publicKey).
 * `address` is required: it is part of the record context (another agent's record does not open:
 * CONTEXT_MISMATCH), and the opened key is checked to be a consistent ed25519 pair (INTEGRITY
 * otherwise) whose public key is that address (ADDRESS_MISMATCH otherwise). Dispose it after
 * signing.
 * @example
 * const key = openAgentKey(unlocked, agent.records, { address: agent.address, fields: { bot: 'b1' } });
 * try { sign(key.expose()) } finally { key.dispose() }
 */
export function openAgentKey(vault: RecordSealer, records: Pick<AgentWalletRecords, 'agentKey'>, opts: OpenAgentKeyOptions): SecretBytes {
  const v = sealer(vault);
  aobject(records, 'records');
  aoptions(opts, 'options', ['address', 'fields']);
  if (typeof records.agentKey !== 'string') fail('INVALID_INPUT', 'records.agentKey: expected the sealed record text', { field: 'records.agentKey' });
  const context = _agentRecordFields(opts.address, opts.fields, { address: 'address', fields: 'fields' });
  const expected = decodeAddress(opts.address, 'address');
  const key = v.open(AGENT_KEY_RECORD, records.agentKey, context);
  let ok = false;
  try {
    const bytes = key.expose();
    if (bytes.length !== 64) fail('INTEGRITY', 'agent-key record: expected a 64-byte secret key');
    const derived = ed25519.getPublicKey(bytes.subarray(0, 32));
    if (!equalBytes(derived, bytes.subarray(32))) fail('INTEGRITY', 'agent-key record: the public half does not match the private half');
    if (!equalBytes(derived, expected)) fail('ADDRESS_MISMATCH', 'agent-key record: holds the key of another address');
    ok = true;
    return key;
  } finally {
    if (!ok) key.dispose();
  }
}
