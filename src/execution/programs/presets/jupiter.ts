/**
 * Jupiter v6 preset (SPEC 10.5.5): rule data for the three route instructions a bot uses, bound to
 * a `swap` order. Every other Jupiter instruction is absent and so refused by default deny.
 * @module
 */
import type { InstructionRule, ProgramRule } from '../../policy/types.js';
import { checkDecoder, deepFreeze, optBool, optInt, presetOptions } from './_options.js';

/** Jupiter aggregator v6 program id. */
export const JUPITER_V6_PROGRAM = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4';
/** SHA-256 of the IDL the preset was written against (`jup-ag/jupiter-cpi` `idl.json` at 12bc5f6). */
export const JUPITER_V6_IDL_SHA256 = '764ea6d71b77458fd33aeb308d6e6bb19e660fc5320c5359f3b9cac96eba5c50';

/** Options of {@link jupiterV6Preset}. */
export interface JupiterV6PresetOptions {
  /** Largest `platformFeeBps` a route may carry (u8), e.g. `0` for none. */
  readonly maxPlatformFeeBps: number;
  /** Cap on `slippageBps` besides the order's own (the policy's `spot.maxSlippageBps`), 0..10000. */
  readonly maxSlippageBps?: number;
  /**
   * Allow `sharedAccountsExactOutRoute` (default false). Opt-in because Jupiter may take up to
   * `quotedInAmount x (1 + slippageBps/10^4)` from the source, more than the order's `inputAmount`
   * and so more than the per-swap cap the user signed (`spot.maxInput`) when the quote equals it
   * (SPEC 10.5.5; review F3).
   */
  readonly exactOut?: boolean;
  /** When given, must be a decoder of the pinned IDL (refused otherwise). */
  readonly decoder?: unknown;
}

/**
 * Rules for `route`, `sharedAccountsRoute` and (only with `exactOut: true`) `sharedAccountsExactOutRoute`.
 * @example
 * const policy = { v: 2, ..., programs: [jupiterV6Preset({ maxPlatformFeeBps: 0, maxSlippageBps: 100 })] };
 */
export function jupiterV6Preset(options: JupiterV6PresetOptions): ProgramRule {
  const o = presetOptions(options, 'jupiterV6Preset', ['maxPlatformFeeBps', 'maxSlippageBps', 'exactOut', 'decoder']);
  const fee = optInt(o, 'maxPlatformFeeBps', 'jupiterV6Preset', 0, 255);
  const maxSlip = o['maxSlippageBps'] === undefined ? undefined : optInt(o, 'maxSlippageBps', 'jupiterV6Preset', 0, 10000);
  const exactOut = optBool(o, 'exactOut', 'jupiterV6Preset', false);
  checkDecoder(o['decoder'], 'jupiterV6Preset', JUPITER_V6_PROGRAM, JUPITER_V6_IDL_SHA256);

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
      ],
    },
    sharedAccountsRoute: shared('inAmount'),
  };
  if (exactOut) instructions['sharedAccountsExactOutRoute'] = shared('quotedInAmount');
  return deepFreeze({ program: JUPITER_V6_PROGRAM, name: 'Jupiter v6', idlSha256: JUPITER_V6_IDL_SHA256, instructions });
}
