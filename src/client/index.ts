/**
 * `agentvault/client`: the browser half of every flow (SPEC 12.8). It asks the server for a
 * challenge, checks it strictly (this page, this wallet, this purpose, in time), asks a
 * wallet-standard wallet to sign through `solana:signIn` or `solana:signMessage`, and posts the
 * signature to the reference server's routes. No Node API: it bundles for the browser platform.
 *
 * Enrollment signs the key message twice and refuses a wallet whose two signatures differ
 * (DESIGN 3: such a wallet can never unlock the vault again) before anything is sent.
 * @example
 * const av = createAgentvaultClient({ wallet, account: wallet.accounts[0], chain: 'mainnet' });
 * await av.signIn();
 * await av.enroll();            // or av.unlock() on later visits
 * await av.enableExecution(botId, { confirm: (text) => window.confirm(text) });
 * @module
 */
import { base58 } from '@scure/base';
import { fail } from '../errors.js';
import { DEFAULT_GRANT_WINDOW_MS } from '../messages/purposes.js';
import { isAddress } from '../primitives/address.js';
import { checkChallenge, checkKeyMessage, type CheckedChallenge, type ClientPurpose, type ExpectedOrigin } from './challenge.js';

export { checkChallenge, checkKeyMessage, isChallengeRefusal } from './challenge.js';
export type { CheckedChallenge, ClientPurpose, ExpectedOrigin } from './challenge.js';
export { AgentvaultError, isAgentvaultError } from '../errors.js';
export type { ErrorCode } from '../errors.js';

/** Feature names of the Solana wallet standard the kit uses. */
export const SOLANA_SIGN_IN = 'solana:signIn';
export const SOLANA_SIGN_MESSAGE = 'solana:signMessage';

/** The part of a wallet-standard `WalletAccount` the kit reads. */
export interface WalletAccountLike {
  readonly address: string;
  readonly publicKey: Uint8Array;
  readonly features?: readonly string[];
}
/** The part of a wallet-standard `Wallet` the kit reads: its `features` map. */
export interface WalletLike {
  readonly features: Readonly<Record<string, unknown>>;
}
interface SignMessageFeature {
  signMessage(...inputs: { account: WalletAccountLike; message: Uint8Array }[]): Promise<readonly { signedMessage: Uint8Array; signature: Uint8Array }[]>;
}
interface SignInFeature {
  signIn(...inputs: Record<string, unknown>[]): Promise<readonly { account: WalletAccountLike; signedMessage: Uint8Array; signature: Uint8Array }[]>;
}

export interface AgentvaultClientOptions {
  readonly wallet: WalletLike;
  readonly account: WalletAccountLike;
  /** The cluster the server runs on. */
  readonly chain: string;
  /** Default `location.host`. */
  readonly domain?: string;
  /** Default `location.origin`; also the base of the API URLs. */
  readonly origin?: string;
  /** Default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Use `solana:signIn` for sign-in when the wallet has it (default true). */
  readonly preferSignIn?: boolean;
}

/** A refusal by the server, with its error code (`AUTHORIZATION_REQUIRED`, `NONCE_UNKNOWN`...). */
export class ServerRefusal extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ServerRefusal';
    this.status = status;
    this.code = code;
  }
}

/** The wallet's confirmation step: shown the statement the wallet will sign; false cancels. */
export type Confirm = (statement: string, challenge: CheckedChallenge) => boolean | Promise<boolean>;

const utf8 = (s: string) => new TextEncoder().encode(s);
const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function globalLocation(): { host: string; origin: string } | undefined {
  return (globalThis as { location?: { host: string; origin: string } }).location;
}

/**
 * The client kit. Every method: challenge -> strict check -> wallet -> POST; returns the server's
 * JSON reply, throws `AgentvaultError` (refused before signing) or `ServerRefusal` (refused by the server).
 */
export class AgentvaultClient {
  readonly expected: ExpectedOrigin;
  readonly address: string;
  readonly #wallet: WalletLike;
  readonly #account: WalletAccountLike;
  readonly #fetch: typeof fetch;
  readonly #preferSignIn: boolean;

  constructor(options: AgentvaultClientOptions) {
    if (typeof options !== 'object' || options === null) fail('INVALID_INPUT', 'options: expected an object');
    for (const k of Object.keys(options))
      if (!['wallet', 'account', 'chain', 'domain', 'origin', 'fetch', 'preferSignIn'].includes(k)) fail('INVALID_INPUT', 'options: unknown option', { field: `options.${k}` });
    const loc = globalLocation();
    const domain = options.domain ?? loc?.host;
    const uri = options.origin ?? loc?.origin;
    if (typeof domain !== 'string' || typeof uri !== 'string') fail('INVALID_INPUT', 'options: domain and origin are required outside a browser page');
    if (typeof options.chain !== 'string') fail('INVALID_INPUT', 'options.chain: expected the cluster name');
    const account = options.account;
    if (typeof account?.address !== 'string' || !isAddress(account.address) || !(account.publicKey instanceof Uint8Array) || !eq(base58.decode(account.address), account.publicKey))
      fail('INVALID_INPUT', 'options.account: expected a wallet-standard account whose address is its public key');
    if (typeof options.wallet?.features !== 'object' || options.wallet.features === null) fail('INVALID_INPUT', 'options.wallet: expected a wallet-standard wallet');
    this.expected = Object.freeze({ domain, uri, chain: options.chain });
    this.address = account.address;
    this.#wallet = options.wallet;
    this.#account = account;
    const f = options.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
    if (typeof f !== 'function') fail('INVALID_INPUT', 'options.fetch: no fetch available');
    this.#fetch = f.bind(globalThis);
    this.#preferSignIn = options.preferSignIn ?? true;
  }

  async #post(path: string, body: unknown, method = 'POST'): Promise<any> {
    // Only an absolute path on this origin: `@evil.example/x` appended to the origin would name
    // another host (userinfo), `//x` another authority in some URL joins (SPEC 12.8).
    if (typeof path !== 'string' || !/^\/(?!\/)[\x21-\x7e]*$/.test(path) || path.includes('\\'))
      fail('INVALID_INPUT', 'path: expected an absolute path on this origin', { field: 'path' });
    const bodyless = method === 'GET' || method === 'HEAD';
    const res = await this.#fetch(this.expected.uri + path, {
      method,
      credentials: 'same-origin',
      ...(bodyless ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const json = await res.json().catch(() => undefined);
    if (!res.ok) throw new ServerRefusal(res.status, String(json?.error?.code ?? 'HTTP_' + res.status), String(json?.error?.message ?? res.statusText));
    return json;
  }

  #feature<T>(name: string): T | undefined {
    const f = this.#wallet.features[name];
    if (f === undefined) return undefined;
    if (this.#account.features !== undefined && !this.#account.features.includes(name)) return undefined;
    return f as T;
  }

  /** `solana:signMessage` of the exact bytes; the wallet must return a 64-byte signature of those bytes. */
  async #signText(text: string): Promise<string> {
    const f = this.#feature<SignMessageFeature>(SOLANA_SIGN_MESSAGE);
    if (f === undefined || typeof f.signMessage !== 'function') return fail('INVALID_INPUT', `wallet: no ${SOLANA_SIGN_MESSAGE} feature`);
    const bytes = utf8(text);
    const [out] = await f.signMessage({ account: this.#account, message: bytes });
    if (out === undefined || !(out.signature instanceof Uint8Array) || out.signature.length !== 64) return fail('INVALID_SIGNATURE', 'wallet: no 64-byte signature');
    if (out.signedMessage !== undefined && (!(out.signedMessage instanceof Uint8Array) || !eq(out.signedMessage, bytes)))
      fail('MESSAGE_MISMATCH', 'wallet: signed other bytes than asked');
    return base58.encode(out.signature);
  }

  async #challenge(purpose: ClientPurpose, body: Record<string, unknown>, extra: Parameters<typeof checkChallenge>[4] = {}) {
    const reply = await this.#post('/auth/challenge', { purpose, ...body });
    return { reply, checked: checkChallenge(reply?.message, purpose, this.expected, this.address, extra) };
  }

  /** Sign in: `solana:signIn` with the server's fields (the wallet must rebuild the same text), else `solana:signMessage`. */
  async signIn(): Promise<{ address: string; expiresAt: string }> {
    const { checked } = await this.#challenge('sign-in', { address: this.address });
    const f = this.#preferSignIn ? this.#feature<SignInFeature>(SOLANA_SIGN_IN) : undefined;
    let signature: string;
    if (f !== undefined && typeof f.signIn === 'function') {
      const x = checked.fields;
      const input: Record<string, unknown> = { domain: x.domain, address: x.address, statement: x.statement, uri: x.uri, version: x.version, chainId: x.chainId, nonce: x.nonce, issuedAt: x.issuedAt };
      if (x.expirationTime !== undefined) input['expirationTime'] = x.expirationTime;
      if (x.notBefore !== undefined) input['notBefore'] = x.notBefore;
      if (x.requestId !== undefined) input['requestId'] = x.requestId;
      if (x.resources !== undefined) input['resources'] = [...x.resources];
      const [out] = await f.signIn(input);
      if (out === undefined || out.account?.address !== this.address) return fail('ADDRESS_MISMATCH', 'wallet: signed in with another account');
      // The server verifies the text it issued: the wallet must have signed exactly that text.
      if (!(out.signedMessage instanceof Uint8Array) || !eq(out.signedMessage, utf8(checked.message)))
        fail('MESSAGE_MISMATCH', 'wallet: built another sign-in text than the server issued');
      if (!(out.signature instanceof Uint8Array) || out.signature.length !== 64) fail('INVALID_SIGNATURE', 'wallet: no 64-byte signature');
      signature = base58.encode(out.signature);
    } else {
      signature = await this.#signText(checked.message);
    }
    return this.#post('/auth/sign-in', { message: checked.message, signature, session: 'cookie' });
  }

  /**
   * Enrollment (create the vault): the unlock message once, the key message twice. Two different
   * signatures -> `NONDETERMINISTIC_SIGNER` and nothing is sent (DESIGN 3).
   */
  async enroll(): Promise<{ owner: string; unlockedUntil: string }> {
    const { reply, checked } = await this.#challenge('unlock', {});
    if (reply?.keyMessage?.create !== true) fail('INVALID_INPUT', 'this wallet already has a vault: unlock it');
    const kdm = checkKeyMessage(reply.keyMessage.text, this.expected, this.address);
    const signature = await this.#signText(checked.message);
    const a = await this.#signText(kdm);
    const b = await this.#signText(kdm);
    if (a !== b) fail('NONDETERMINISTIC_SIGNER', 'the wallet signed the key message twice with different signatures; it cannot hold a vault');
    return this.#post('/vault', { message: checked.message, signature, keyMessageSignatures: [a, b] });
  }

  /** Unlock on a later visit: the unlock message and the key message. */
  async unlock(): Promise<{ unlockedUntil: string }> {
    const { reply, checked } = await this.#challenge('unlock', {});
    if (reply?.keyMessage?.create !== false) fail('INVALID_INPUT', 'this wallet has no vault yet: enroll first');
    const kdm = checkKeyMessage(reply.keyMessage.text, this.expected, this.address);
    const signature = await this.#signText(checked.message);
    return this.#post('/vault/unlock', { message: checked.message, signature, keyMessageSignature: await this.#signText(kdm) });
  }

  /**
   * Enable execution for a bot: `confirm` is shown the statement the wallet will sign (the grant
   * and its policy summary, as the server will verify it); the policy hash in the message must be
   * the one the server returned with the policy (a reply without one is refused), and, when the
   * page passes `policyHash` (the hash it showed the user, e.g. from `PUT /bots/:id/policy`), that one.
   */
  async enableExecution(botId: string, options: { readonly confirm: Confirm; readonly windowMs?: number; readonly policyHash?: string }): Promise<any> {
    if (typeof options !== 'object' || options === null) fail('INVALID_INPUT', 'options: expected an object');
    for (const k of Object.keys(options))
      if (!['confirm', 'windowMs', 'policyHash'].includes(k)) fail('INVALID_INPUT', 'options: unknown option', { field: `options.${k}` });
    if (options.windowMs !== undefined && (typeof options.windowMs !== 'number' || !Number.isSafeInteger(options.windowMs) || options.windowMs < 1000))
      fail('INVALID_INPUT', 'options.windowMs: expected whole milliseconds', { field: 'options.windowMs' });
    if (options.policyHash !== undefined && (typeof options.policyHash !== 'string' || !/^[0-9a-f]{64}$/.test(options.policyHash)))
      fail('INVALID_INPUT', 'options.policyHash: expected 64 lower-case hex digits', { field: 'options.policyHash' });
    const { reply, checked } = await this.#challenge(
      'enable-execution',
      { botId, ...(options.windowMs !== undefined ? { windowMs: options.windowMs } : {}) },
      { bot: botId, ...(options.policyHash !== undefined ? { policyHash: options.policyHash } : {}) },
    );
    // SPEC 12.8: fail closed when the reply does not say which policy it shows.
    if (typeof reply?.policyHash !== 'string' || checked.params['policyHash'] !== reply.policyHash)
      fail('PURPOSE_MISMATCH', 'challenge: names another policy than the one shown');
    // SPEC 12.8: the grant window is at most the one asked for (the server's default: 1 h).
    const window = Date.parse(checked.params['grantExpires']!) - Date.parse(checked.params['grantNotBefore']!);
    if (!(window > 0 && window <= (options.windowMs ?? DEFAULT_GRANT_WINDOW_MS)))
      fail('GRANT_WINDOW_TOO_LONG', 'challenge: grants execution for longer than asked');
    if (!(await options.confirm(checked.statement, checked))) fail('AUTHORIZATION_REQUIRED', 'cancelled by the user');
    const signature = await this.#signText(checked.message);
    return this.#post(`/bots/${encodeURIComponent(botId)}/execution`, { message: checked.message, signature });
  }

  /** Reveal a bot's recovery phrase: `confirm` is shown the acknowledgement the wallet will sign. */
  async revealMnemonic(botId: string, options: { readonly confirm: Confirm }): Promise<{ bot: string; agent: string; mnemonic: string }> {
    const { checked } = await this.#challenge('reveal-mnemonic', { botId }, { resource: `${this.expected.uri}/bots/${botId}` });
    if (!(await options.confirm(checked.statement, checked))) fail('AUTHORIZATION_REQUIRED', 'cancelled by the user');
    const signature = await this.#signText(checked.message);
    return this.#post('/vault/mnemonic/reveal', { botId, message: checked.message, signature });
  }

  /** Lock the vault everywhere (every instance). */
  lock(): Promise<{ locked: boolean }> {
    return this.#post('/vault/lock', {});
  }
  /** End the session and lock the vault everywhere. */
  signOut(): Promise<{ signedOut: boolean }> {
    return this.#post('/auth/sign-out', {});
  }
  /** A JSON request on the same session (routes the kit does not wrap: bots, policies, kill switches). */
  request(method: string, path: string, body: unknown = {}): Promise<any> {
    return this.#post(path, body, method);
  }
}

/** Make a client kit for one wallet account. */
export function createAgentvaultClient(options: AgentvaultClientOptions): AgentvaultClient {
  return new AgentvaultClient(options);
}
