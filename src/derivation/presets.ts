/**
 * Named derivation presets and the wallets they match (DESIGN 8; the table with sources is in
 * docs/DERIVATION.md).
 *
 * | preset           | path                          | matches                                      |
 * |------------------|-------------------------------|----------------------------------------------|
 * | `phantom`        | m/44'/501'/{account}'/0'      | Phantom, Solflare, Backpack, Trezor Suite    |
 * | `solflare`       | alias of `phantom`            |                                              |
 * | `backpack`       | alias of `phantom`            |                                              |
 * | `ledger-live`    | m/44'/501'/{account}'         | Ledger Live, Trust Wallet default            |
 * | `solana-cli`     | none: first 32 bytes of seed  | `solana-keygen new/recover` with `prompt://` |
 * | `solana-cli-key` | m/44'/501'/{account}'/{change}' | `solana-keygen ... prompt://?key=i/j`      |
 * | `custom`         | the `path` option             |                                              |
 * @module
 */
import { aobject } from '../_utils.js';
import { fail } from '../errors.js';
import { assertIndex, formatDerivationPath, parseDerivationPath, parseSolanaCliKeyUri, type DerivationPath } from './path.js';

/** Every preset name (aliases included). */
export const DERIVATION_PRESETS = ['phantom', 'solflare', 'backpack', 'ledger-live', 'solana-cli', 'solana-cli-key', 'custom'] as const;
export type DerivationPreset = (typeof DERIVATION_PRESETS)[number];

const PURPOSE = 44;
const SOLANA_COIN = 501;

/** What to derive. Default: `{ preset: 'phantom', account: 0 }`. */
export interface DerivationOptions {
  /** A preset name; `custom` needs `path`. Omit it and pass `path` for the same effect as `custom`. */
  readonly preset?: DerivationPreset;
  /** An explicit path (preset `custom`): every segment hardened. */
  readonly path?: string;
  /** Account index for `phantom`/aliases, `ledger-live`, `solana-cli-key`. Default 0. */
  readonly account?: number;
  /** Change index for `solana-cli-key` only. Default 0. */
  readonly change?: number;
  /** A `prompt://?key=i[/j]` URI for `solana-cli-key`, instead of `account`/`change`. */
  readonly uri?: string;
}

/** A resolved derivation: the preset name given, and the path (null for `solana-cli`). */
export interface ResolvedDerivation {
  readonly preset: DerivationPreset;
  readonly path: DerivationPath | null;
}

/** The option names `resolveDerivation` knows; any other key is refused (a misspelling must not derive another key). */
const DERIVATION_OPTION_KEYS: readonly string[] = ['preset', 'path', 'account', 'change', 'uri'];

function refuse(field: string, preset: string): never {
  return fail('INVALID_INPUT', `${field}: not used by preset '${preset}'`, { field, preset });
}

/**
 * Turn derivation options into a path (or null for `solana-cli`). Unknown option names (a
 * misspelt `acount`, say) and options that the chosen preset does not use are refused with
 * INVALID_INPUT naming the key, rather than ignored, so a mistaken call cannot quietly derive
 * some other key.
 * @example
 * resolveDerivation({ preset: 'ledger-live', account: 2 }).path?.text; // "m/44'/501'/2'"
 */
export function resolveDerivation(opts: DerivationOptions = {}): ResolvedDerivation {
  aobject(opts, 'options');
  for (const k of Object.keys(opts))
    if (!DERIVATION_OPTION_KEYS.includes(k))
      fail('INVALID_INPUT', `${JSON.stringify(k.slice(0, 64))}: unknown derivation option (expected one of ${DERIVATION_OPTION_KEYS.join(', ')})`, {
        field: k.slice(0, 64),
      });
  const given = (k: keyof DerivationOptions) => opts[k] !== undefined;
  let preset = opts.preset;
  if (preset === undefined) preset = given('path') ? 'custom' : 'phantom';
  if (!(DERIVATION_PRESETS as readonly unknown[]).includes(preset))
    fail('INVALID_INPUT', `preset: expected one of ${DERIVATION_PRESETS.join(', ')}`, { field: 'preset' });
  const account = () => (given('account') ? assertIndex(opts.account, 'account') : 0);
  switch (preset) {
    case 'phantom':
    case 'solflare':
    case 'backpack':
      for (const k of ['path', 'change', 'uri'] as const) if (given(k)) refuse(k, preset);
      return freeze(preset, [PURPOSE, SOLANA_COIN, account(), 0]);
    case 'ledger-live':
      for (const k of ['path', 'change', 'uri'] as const) if (given(k)) refuse(k, preset);
      return freeze(preset, [PURPOSE, SOLANA_COIN, account()]);
    case 'solana-cli':
      for (const k of ['path', 'account', 'change', 'uri'] as const) if (given(k)) refuse(k, preset);
      return Object.freeze({ preset, path: null });
    case 'solana-cli-key': {
      if (given('path')) refuse('path', preset);
      if (given('uri')) {
        if (given('account') || given('change'))
          fail('INVALID_INPUT', 'uri: give either uri or account/change, not both', { field: 'uri', preset });
        const key = parseSolanaCliKeyUri(opts.uri);
        return freeze(preset, key.change === undefined ? [PURPOSE, SOLANA_COIN, key.account] : [PURPOSE, SOLANA_COIN, key.account, key.change]);
      }
      const change = given('change') ? assertIndex(opts.change, 'change') : 0;
      return freeze(preset, [PURPOSE, SOLANA_COIN, account(), change]);
    }
    case 'custom':
      for (const k of ['account', 'change', 'uri'] as const) if (given(k)) refuse(k, preset);
      if (!given('path')) fail('INVALID_INPUT', "path: preset 'custom' needs a path", { field: 'path', preset });
      return Object.freeze({ preset, path: parseDerivationPath(opts.path) });
  }
}

function freeze(preset: DerivationPreset, indexes: number[]): ResolvedDerivation {
  return Object.freeze({ preset, path: Object.freeze({ text: formatDerivationPath(indexes), indexes: Object.freeze(indexes) }) });
}
