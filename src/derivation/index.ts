/**
 * `agentvault/derivation`: BIP39 mnemonics and Solana ed25519 keys at m/44'/501'/... validated
 * against what real wallets produce (DESIGN 8, docs/DERIVATION.md).
 * @module
 */
export { AGENT_CONTEXT_FIELD, AGENT_KEY_RECORD, AGENT_MNEMONIC_RECORD, createAgentWallet, openAgentKey } from './agent-wallet.js';
export type { AgentWallet, AgentWalletRecords, CreateAgentWalletOptions, OpenAgentKeyOptions, RecordSealer } from './agent-wallet.js';
export { deriveSolanaKeypair } from './keypair.js';
export type { DeriveSolanaKeypairOptions, SolanaKeypair } from './keypair.js';
export {
  GENERATE_WORD_COUNTS,
  generateMnemonic,
  isValidMnemonic,
  MNEMONIC_WORD_COUNTS,
  mnemonicToSeed,
  validateMnemonic,
} from './mnemonic.js';
export type { GenerateMnemonicOptions, MnemonicInput, MnemonicWordCount } from './mnemonic.js';
export { formatDerivationPath, HARDENED_OFFSET, MAX_PATH_DEPTH, parseDerivationPath, parseSolanaCliKeyUri } from './path.js';
export type { DerivationPath, SolanaCliKey } from './path.js';
export { DERIVATION_PRESETS, resolveDerivation } from './presets.js';
export type { DerivationOptions, DerivationPreset, ResolvedDerivation } from './presets.js';
