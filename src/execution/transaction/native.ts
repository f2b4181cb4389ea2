/**
 * Decoders of the native programs the pipeline judges itself (SPEC 10.4.7): System, SPL Token,
 * Token-2022, Associated Token Account and Compute Budget. Each turns an instruction's data and
 * resolved accounts into a `DecodedInstruction` (named accounts, typed arguments).
 *
 * Strict: an unknown tag refuses (`unknown-instruction`); an instruction whose data has the wrong
 * length for its tag refuses (`instruction-data-invalid`); fewer accounts than the instruction
 * names refuses (`accounts-missing`). Instructions no rule can ever allow are still named (so an
 * explanation says what was refused) but their arguments are not decoded.
 * @module
 */
import { fail } from '../../errors.js';
import { encodeAddress } from '../../primitives/address.js';
import { ASSOCIATED_TOKEN_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from './ata.js';
import type { DecodedValue } from '../programs/types.js';
import type { NativeProgram } from '../policy/types.js';

export const SYSTEM_PROGRAM = '11111111111111111111111111111111';
export const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';

/** Program id of each native kind a policy can name. */
export const NATIVE_PROGRAMS: Readonly<Record<NativeProgram, string>> = Object.freeze({
  system: SYSTEM_PROGRAM,
  'spl-token': TOKEN_PROGRAM,
  'spl-token-2022': TOKEN_2022_PROGRAM,
  'associated-token': ASSOCIATED_TOKEN_PROGRAM,
  'compute-budget': COMPUTE_BUDGET_PROGRAM,
});

/** The native kind of a program id, or undefined. */
export function nativeKindOf(program: string): NativeProgram | undefined {
  for (const [k, p] of Object.entries(NATIVE_PROGRAMS)) if (p === program) return k as NativeProgram;
  return undefined;
}

/** What a native decoder returns (the pipeline adds index and program). */
export interface NativeDecoded {
  readonly name: string;
  readonly args: { readonly [field: string]: DecodedValue };
  readonly accounts: Readonly<Record<string, string | undefined>>;
  readonly remainingAccounts: readonly (string | undefined)[];
}

function invalid(reason: 'unknown-instruction' | 'instruction-data-invalid' | 'accounts-missing', message: string, rule: string): never {
  return fail('SIGNING_REFUSED', `signer refused: ${message}`, { reason, rule });
}

function u32(d: Uint8Array, off: number): bigint {
  return BigInt(d[off]! | (d[off + 1]! << 8) | (d[off + 2]! << 16)) + BigInt(d[off + 3]!) * 0x1000000n;
}
function u64(d: Uint8Array, off: number): bigint {
  return u32(d, off) + (u32(d, off + 4) << 32n);
}

function named(
  name: string,
  args: { readonly [field: string]: DecodedValue },
  names: readonly string[],
  accounts: readonly (string | undefined)[],
  rule: string,
): NativeDecoded {
  if (accounts.length < names.length) invalid('accounts-missing', `${name} names ${names.length} accounts, the instruction has ${accounts.length}`, rule);
  const acc: Record<string, string | undefined> = {};
  names.forEach((n, i) => (acc[n] = accounts[i]));
  return Object.freeze({
    name,
    args: Object.freeze(args),
    accounts: Object.freeze(acc),
    remainingAccounts: Object.freeze(accounts.slice(names.length)),
  });
}

/** System instruction names by u32 tag (Agave `SystemInstruction`). */
export const SYSTEM_INSTRUCTIONS = [
  'CreateAccount',
  'Assign',
  'Transfer',
  'CreateAccountWithSeed',
  'AdvanceNonceAccount',
  'WithdrawNonceAccount',
  'InitializeNonceAccount',
  'AuthorizeNonceAccount',
  'Allocate',
  'AllocateWithSeed',
  'AssignWithSeed',
  'TransferWithSeed',
  'UpgradeNonceAccount',
] as const;

/** SPL Token instruction names by tag; Token-2022 continues past 24 with its extensions. */
export const TOKEN_INSTRUCTIONS = [
  'InitializeMint',
  'InitializeAccount',
  'InitializeMultisig',
  'Transfer',
  'Approve',
  'Revoke',
  'SetAuthority',
  'MintTo',
  'Burn',
  'CloseAccount',
  'FreezeAccount',
  'ThawAccount',
  'TransferChecked',
  'ApproveChecked',
  'MintToChecked',
  'BurnChecked',
  'InitializeAccount2',
  'SyncNative',
  'InitializeAccount3',
  'InitializeMultisig2',
  'InitializeMint2',
  'GetAccountDataSize',
  'InitializeImmutableOwner',
  'AmountToUiAmount',
  'UiAmountToAmount',
] as const;
/** Token-2022 tags 25.. (extension instructions, all refused by every rule). */
export const TOKEN_2022_EXTENSIONS = [
  'InitializeMintCloseAuthority',
  'TransferFeeExtension',
  'ConfidentialTransferExtension',
  'DefaultAccountStateExtension',
  'Reallocate',
  'MemoTransferExtension',
  'CreateNativeMint',
  'InitializeNonTransferableMint',
  'InterestBearingMintExtension',
  'CpiGuardExtension',
  'InitializePermanentDelegate',
  'TransferHookExtension',
  'ConfidentialTransferFeeExtension',
  'WithdrawExcessLamports',
  'MetadataPointerExtension',
  'GroupPointerExtension',
  'GroupMemberPointerExtension',
  'ConfidentialMintBurnExtension',
  'ScaledUiAmountExtension',
  'PausableExtension',
] as const;

export const ATA_INSTRUCTIONS = ['Create', 'CreateIdempotent', 'RecoverNested'] as const;
export const COMPUTE_BUDGET_INSTRUCTIONS = [
  'RequestUnitsDeprecated',
  'RequestHeapFrame',
  'SetComputeUnitLimit',
  'SetComputeUnitPrice',
  'SetLoadedAccountsDataSizeLimit',
] as const;

function decodeSystem(d: Uint8Array, acc: readonly (string | undefined)[], rule: string): NativeDecoded {
  if (d.length < 4) invalid('instruction-data-invalid', 'System instruction shorter than its tag', rule);
  const tag = u32(d, 0);
  const name = tag < BigInt(SYSTEM_INSTRUCTIONS.length) ? SYSTEM_INSTRUCTIONS[Number(tag)]! : undefined;
  if (name === undefined) return invalid('unknown-instruction', 'unknown System instruction', rule);
  if (name === 'Transfer') {
    if (d.length !== 12) invalid('instruction-data-invalid', 'System Transfer data must be 12 bytes', rule);
    return named(name, { lamports: u64(d, 4) }, ['source', 'destination'], acc, rule);
  }
  return named(name, {}, [], acc, rule);
}

function decodeToken(d: Uint8Array, acc: readonly (string | undefined)[], is2022: boolean, rule: string): NativeDecoded {
  const tag = d[0];
  if (tag === undefined) return invalid('instruction-data-invalid', 'empty token instruction', rule);
  const name: string | undefined =
    tag < TOKEN_INSTRUCTIONS.length ? TOKEN_INSTRUCTIONS[tag] : is2022 ? TOKEN_2022_EXTENSIONS[tag - TOKEN_INSTRUCTIONS.length] : undefined;
  if (name === undefined) return invalid('unknown-instruction', 'unknown token instruction', rule);
  const len = (n: number) => {
    if (d.length !== n) invalid('instruction-data-invalid', `${name} data must be ${n} bytes`, rule);
  };
  switch (name) {
    case 'Transfer':
      len(9);
      return named(name, { amount: u64(d, 1) }, ['source', 'destination', 'authority'], acc, rule);
    case 'TransferChecked':
      len(10);
      return named(name, { amount: u64(d, 1), decimals: d[9]! }, ['source', 'mint', 'destination', 'authority'], acc, rule);
    case 'CloseAccount':
      len(1);
      return named(name, {}, ['account', 'destination', 'owner'], acc, rule);
    case 'SyncNative':
      len(1);
      return named(name, {}, ['account'], acc, rule);
    case 'InitializeAccount':
      len(1);
      return named(name, {}, ['account', 'mint', 'owner', 'rent'], acc, rule);
    case 'InitializeAccount2':
      len(33);
      return named(name, { owner: encodeAddress(d.subarray(1, 33)) }, ['account', 'mint', 'rent'], acc, rule);
    case 'InitializeAccount3':
      len(33);
      return named(name, { owner: encodeAddress(d.subarray(1, 33)) }, ['account', 'mint'], acc, rule);
    case 'Revoke':
      len(1);
      return named(name, {}, ['source', 'owner'], acc, rule);
    default:
      // Approvals, authority changes, mints, burns, freezes, extensions: never allowed (SPEC 10.4.7).
      return named(name, {}, [], acc, rule);
  }
}

function decodeAta(d: Uint8Array, acc: readonly (string | undefined)[], rule: string): NativeDecoded {
  // Borsh enum, no trailing bytes; empty data is the legacy Create.
  if (d.length > 1) invalid('instruction-data-invalid', 'associated-token instruction data longer than its tag', rule);
  const tag = d.length === 0 ? 0 : d[0]!;
  const name = ATA_INSTRUCTIONS[tag];
  if (name === undefined) return invalid('unknown-instruction', 'unknown associated-token instruction', rule);
  if (name === 'RecoverNested')
    return named(name, {}, ['nestedAta', 'nestedMint', 'destinationAta', 'ownerAta', 'ownerMint', 'wallet', 'tokenProgram'], acc, rule);
  return named(name, {}, ['payer', 'ata', 'wallet', 'mint', 'systemProgram', 'tokenProgram'], acc, rule);
}

function decodeComputeBudget(d: Uint8Array, acc: readonly (string | undefined)[], rule: string): NativeDecoded {
  const tag = d[0];
  const name = tag === undefined ? undefined : COMPUTE_BUDGET_INSTRUCTIONS[tag];
  if (name === undefined) return invalid('unknown-instruction', 'unknown compute-budget instruction', rule);
  const want = name === 'SetComputeUnitPrice' ? 9 : 5;
  if (name === 'RequestUnitsDeprecated') {
    if (d.length !== 9) invalid('instruction-data-invalid', 'RequestUnitsDeprecated data must be 9 bytes', rule);
    return named(name, { units: u32(d, 1), additionalFee: u32(d, 5) }, [], acc, rule);
  }
  if (d.length !== want) invalid('instruction-data-invalid', `${name} data must be ${want} bytes`, rule);
  const field = { RequestHeapFrame: 'bytes', SetComputeUnitLimit: 'units', SetComputeUnitPrice: 'microLamports', SetLoadedAccountsDataSizeLimit: 'bytes' }[name];
  return named(name, { [field]: name === 'SetComputeUnitPrice' ? u64(d, 1) : u32(d, 1) }, [], acc, rule);
}

/**
 * Decode one instruction of a native program. `rule` is the policy path named in a refusal.
 * Throws SIGNING_REFUSED (`unknown-instruction`, `instruction-data-invalid`, `accounts-missing`).
 */
export function decodeNativeInstruction(kind: NativeProgram, data: Uint8Array, accounts: readonly (string | undefined)[], rule: string): NativeDecoded {
  switch (kind) {
    case 'system':
      return decodeSystem(data, accounts, rule);
    case 'spl-token':
      return decodeToken(data, accounts, false, rule);
    case 'spl-token-2022':
      return decodeToken(data, accounts, true, rule);
    case 'associated-token':
      return decodeAta(data, accounts, rule);
    case 'compute-budget':
      return decodeComputeBudget(data, accounts, rule);
  }
}
