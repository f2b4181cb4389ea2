/**
 * Strict checks of what the server asks the wallet to sign (SPEC 12.8), in the browser, before the
 * wallet is asked: the SIWS grammar (the library's own parser), this page's domain, URI and chain,
 * the wallet's address, the purpose read back from the signed URNs and statement (the library's own
 * reader, so the statement the user sees is exactly the one the server will verify), the time
 * window, and for the key message its exact template. A forged or phished challenge is refused
 * here with a typed error and the wallet is never called. No Node API is used.
 * @module
 */
import { AgentvaultError, fail } from '../errors.js';
import { MESSAGE_LIFETIME_MS, readSignedPurpose } from '../messages/purposes.js';
import { parseSiwsMessage, type SiwsFields } from '../messages/siws.js';
import { isAddress } from '../primitives/address.js';

/** What this page expects every challenge to name. */
export interface ExpectedOrigin {
  /** The SIWS domain (host[:port]), normally `location.host`. */
  readonly domain: string;
  /** The SIWS URI, normally `location.origin`. */
  readonly uri: string;
  /** The cluster: `mainnet`, `devnet`, `testnet` or `localnet`. */
  readonly chain: string;
}

/** The purposes the kit signs. */
export type ClientPurpose = 'sign-in' | 'unlock' | 'enable-execution' | 'reveal-mnemonic';

/** A challenge that passed every check: the text to sign and what it says. */
export interface CheckedChallenge {
  readonly purpose: ClientPurpose;
  readonly message: string;
  readonly fields: SiwsFields;
  /** The statement the user reads (for enable-execution: the grant and policy summary). */
  readonly statement: string;
  /** The purpose's parameters from the signed URNs (bot, agent, policyHash, window...). */
  readonly params: Readonly<Record<string, string>>;
}

/** Largest clock skew tolerated between this page and the server. */
const SKEW_MS = 5 * 60_000;
const chainOf = (c: string) => (c.startsWith('solana:') ? c.slice(7) : c);

/**
 * Check a challenge text against this page and wallet, for one purpose.
 * Errors: MESSAGE_MALFORMED / MESSAGE_TOO_LONG (grammar), DOMAIN_MISMATCH (domain or URI),
 * ADDRESS_MISMATCH, CHAIN_MISMATCH, PURPOSE_MISMATCH (purpose, statement, bot or policy hash),
 * MESSAGE_EXPIRED, MESSAGE_ISSUED_IN_FUTURE.
 * @example
 * const c = checkChallenge(reply.message, 'unlock', { domain: location.host, uri: location.origin, chain: 'mainnet' }, address);
 */
export function checkChallenge(
  message: unknown,
  purpose: ClientPurpose,
  expected: ExpectedOrigin,
  address: string,
  extra: { readonly bot?: string; readonly policyHash?: string; readonly resource?: string; readonly now?: number } = {},
): CheckedChallenge {
  if (typeof message !== 'string') return fail('MESSAGE_MALFORMED', 'challenge: expected the message text');
  const f = parseSiwsMessage(message);
  if (f.domain !== expected.domain || f.uri !== expected.uri) fail('DOMAIN_MISMATCH', 'challenge: names another site than this page');
  if (f.address !== address) fail('ADDRESS_MISMATCH', 'challenge: names another wallet than the connected one');
  if (chainOf(f.chainId) !== chainOf(expected.chain)) fail('CHAIN_MISMATCH', 'challenge: names another cluster');
  const signed = readSignedPurpose(f.resources, f.statement);
  if (signed === undefined || signed.purpose !== purpose) fail('PURPOSE_MISMATCH', `challenge: is not a ${purpose} request in the agentvault form`);
  const now = extra.now ?? Date.now();
  if (f.expirationTime === undefined || Date.parse(f.expirationTime) <= now - SKEW_MS) fail('MESSAGE_EXPIRED', 'challenge: expired or without an expiry');
  if (Date.parse(f.issuedAt) > now + SKEW_MS) fail('MESSAGE_ISSUED_IN_FUTURE', 'challenge: issued in the future');
  // SPEC 12.8: the kit signs nothing that stays valid longer than its purpose allows (7.4), nor
  // anything that only becomes valid later (a signature held back for later use).
  if (Date.parse(f.expirationTime!) - Date.parse(f.issuedAt) > MESSAGE_LIFETIME_MS[purpose])
    fail('LIFETIME_TOO_LONG', 'challenge: valid for longer than its purpose allows');
  if (f.notBefore !== undefined && Date.parse(f.notBefore) > now + SKEW_MS) fail('MESSAGE_NOT_YET_VALID', 'challenge: not valid yet');
  const params = signed.params;
  if (purpose === 'enable-execution') {
    if (extra.bot !== undefined && params['bot'] !== extra.bot) fail('PURPOSE_MISMATCH', 'challenge: names another bot');
    if (extra.policyHash !== undefined && params['policyHash'] !== extra.policyHash) fail('PURPOSE_MISMATCH', 'challenge: names another policy than the one shown');
  }
  // SPEC 12.8: the kit signs only the resources it asked for. After the library's URNs (1 for
  // sign-in and unlock, 2 for reveal, 6 for enable-execution) the only app resource allowed is
  // the expected one (reveal: the bot's URL); an extra resource could widen what the server
  // reads into the signature.
  const own = purpose === 'enable-execution' ? 6 : purpose === 'reveal-mnemonic' ? 2 : 1;
  const appResources = (f.resources ?? []).slice(own);
  const wanted = extra.resource === undefined ? [] : [extra.resource];
  if (appResources.length !== wanted.length || appResources.some((r, i) => r !== wanted[i])) fail('PURPOSE_MISMATCH', 'challenge: names another resource');
  return Object.freeze({ purpose, message, fields: f, statement: f.statement ?? '', params });
}

const KDM_RE =
  /^agentvault key message v1\n\nSign this text to unlock your encrypted agentvault data on ([^\n]+)\.\nIt is not a login and not a transaction\. Sign it only on this site\.\n\nDomain: ([^\n]+)\nAddress: ([^\n]+)\nChain: (mainnet|devnet|testnet|localnet)\nKey version: 1\nSalt: ([A-Za-z0-9_-]{43})$/;

/**
 * Check the key message (SPEC 5.1) before the wallet signs it: the exact template, this page's
 * domain, the connected wallet, the cluster. DOMAIN_MISMATCH / ADDRESS_MISMATCH / CHAIN_MISMATCH /
 * MESSAGE_MALFORMED.
 */
export function checkKeyMessage(text: unknown, expected: ExpectedOrigin, address: string): string {
  const m = typeof text === 'string' && text.length <= 1024 ? KDM_RE.exec(text) : null;
  if (m === null) return fail('MESSAGE_MALFORMED', 'key message: not the agentvault key message template');
  if (m[1] !== m[2] || m[2] !== expected.domain) fail('DOMAIN_MISMATCH', 'key message: names another site than this page');
  if (m[3] !== address || !isAddress(m[3])) fail('ADDRESS_MISMATCH', 'key message: names another wallet');
  if (m[4] !== chainOf(expected.chain)) fail('CHAIN_MISMATCH', 'key message: names another cluster');
  return text as string;
}

/** True when `e` is a refusal of this kit (typed), as opposed to a network or wallet failure. */
export function isChallengeRefusal(e: unknown): e is AgentvaultError {
  return e instanceof AgentvaultError;
}
