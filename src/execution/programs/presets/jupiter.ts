/**
 * Jupiter v6 preset (SPEC 10.5.5): rule data for the three route instructions a bot uses, bound to
 * a `swap` order. Every other Jupiter instruction is absent and so refused by default deny.
 * @module
 */
import { fail } from '../../../errors.js';
import { decodeAddress } from '../../../primitives/address.js';
import type { AccountConstraint, InstructionRule, ProgramRule } from '../../policy/types.js';
import type { ProgramDecoder } from '../types.js';
import { checkDecoder, deepFreeze, optBool, optInt, presetOptions } from './_options.js';

/** Jupiter aggregator v6 program id. */
export const JUPITER_V6_PROGRAM = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4';
/** SHA-256 of the IDL the preset was written against (`jup-ag/jupiter-cpi` `idl.json` at 12bc5f6). */
export const JUPITER_V6_IDL_SHA256 = '764ea6d71b77458fd33aeb308d6e6bb19e660fc5320c5359f3b9cac96eba5c50';

/** Options of {@link jupiterV6Preset}. */
export interface JupiterV6PresetOptions {
  /** Largest `platformFeeBps` a route may carry (u8), e.g. `0` for none. */
  readonly maxPlatformFeeBps: number;
  /**
   * Token accounts that may receive the platform fee (at most 16). With `maxPlatformFeeBps > 0` the
   * route's `platformFeeAccount` must be None or one of these: the fee goes to whoever that account
   * belongs to, so a bot must not pick it (review F14). Absent: no fee account, so no fee.
   */
  readonly platformFeeAccounts?: readonly string[];
  /** Cap on `slippageBps` besides the order's own (the policy's `spot.maxSlippageBps`), 0..10000. */
  readonly maxSlippageBps?: number;
  /**
   * Allow `sharedAccountsExactOutRoute` (default false). Opt-in because Jupiter may take up to
   * `quotedInAmount x (1 + slippageBps/10^4)` from the source, more than the order's `inputAmount`
   * and so more than the per-swap cap the user signed (`spot.maxInput`) when the quote equals it
   * (SPEC 10.5.5; review F3).
   */
  readonly exactOut?: boolean;
  /**
   * When given, must be a decoder of the pinned IDL (`createProgramDecoder` of that IDL); a decoder
   * of another program or IDL is refused at run time (`INVALID_INPUT`, reason `idl-mismatch`).
   */
  readonly decoder?: ProgramDecoder;
}

/**
 * Rules for `route`, `sharedAccountsRoute` and (only with `exactOut: true`) `sharedAccountsExactOutRoute`.
 * @example
 * const policy = { v: 2, ..., programs: [jupiterV6Preset({ maxPlatformFeeBps: 0, maxSlippageBps: 100 })] };
 */
export function jupiterV6Preset(options: JupiterV6PresetOptions): ProgramRule {
  const o = presetOptions(options, 'jupiterV6Preset', ['maxPlatformFeeBps', 'platformFeeAccounts', 'maxSlippageBps', 'exactOut', 'decoder']);
  const fee = optInt(o, 'maxPlatformFeeBps', 'jupiterV6Preset', 0, 255);
  const maxSlip = o['maxSlippageBps'] === undefined ? undefined : optInt(o, 'maxSlippageBps', 'jupiterV6Preset', 0, 10000);
  const exactOut = optBool(o, 'exactOut', 'jupiterV6Preset', false);
  checkDecoder(o['decoder'], 'jupiterV6Preset', JUPITER_V6_PROGRAM, JUPITER_V6_IDL_SHA256);
  const feeRaw = o['platformFeeAccounts'] ?? [];
  if (!Array.isArray(feeRaw) || feeRaw.length > 16)
    fail('INVALID_INPUT', 'jupiterV6Preset.platformFeeAccounts: expected at most 16 addresses', { field: 'jupiterV6Preset.platformFeeAccounts' });
  for (const a of feeRaw) {
    try {
      decodeAddress(a, 'platformFeeAccounts');
    } catch {
      fail('INVALID_INPUT', 'jupiterV6Preset.platformFeeAccounts: expected base58 addresses', { field: 'jupiterV6Preset.platformFeeAccounts' });
    }
  }
  if (feeRaw.length > 0 && fee === 0)
    fail('INVALID_INPUT', 'jupiterV6Preset.platformFeeAccounts: only with maxPlatformFeeBps > 0', { field: 'jupiterV6Preset.platformFeeAccounts' });
  // SPEC 10.5.5: a fee goes to the platform fee account; with a fee allowed, only None (the program
  // id) or an account the user listed may receive it (review F14). With no fee allowed the account
  // receives nothing and stays unconstrained.
  const feeAccount: AccountConstraint[] =
    fee === 0 ? [] : [{ account: 'platformFeeAccount', oneOf: [...new Set([JUPITER_V6_PROGRAM, ...(feeRaw as string[])])].sort() }];

  const common = (amountArg: string) => [
    // The amount the route may take from the agent is bound to the order (for ExactOut: the quoted input).
    { path: amountArg, atMost: { order: 'inputAmount' } },
    { path: 'slippageBps', atMost: { order: 'slippageBps' } },
    ...(maxSlip === undefined ? [] : [{ path: 'slippageBps', atMost: String(maxSlip) }]),
    { path: 'platformFeeBps', atMost: String(fee) },
  ];
  const shared = (amountArg: string): InstructionRule => ({
    for: ['swap'],
    args: common(amountArg),
    accounts: [
      { account: 'userTransferAuthority', is: 'agent' },
      { account: 'sourceTokenAccount', agentAta: { order: 'inputMint' } },
      { account: 'destinationTokenAccount', agentAta: { order: 'outputMint' } },
      ...feeAccount,
    ],
  });
  const instructions: Record<string, InstructionRule> = {
    route: {
      for: ['swap'],
      args: common('inAmount'),
      accounts: [
        { account: 'userTransferAuthority', is: 'agent' },
        { account: 'userSourceTokenAccount', agentAta: { order: 'inputMint' } },
        { account: 'userDestinationTokenAccount', agentAta: { order: 'outputMint' } },
        // Optional account: Some(x) would send the output to x; only None (the program id) is allowed.
        { account: 'destinationTokenAccount', oneOf: [JUPITER_V6_PROGRAM] },
        ...feeAccount,
      ],
    },
    sharedAccountsRoute: shared('inAmount'),
  };
  if (exactOut) instructions['sharedAccountsExactOutRoute'] = shared('quotedInAmount');
  return deepFreeze({ program: JUPITER_V6_PROGRAM, name: 'Jupiter v6', idlSha256: JUPITER_V6_IDL_SHA256, instructions });
}
