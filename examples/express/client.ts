/**
 * A scripted wallet and a small HTTP client for the reference server, as a browser app would
 * drive it: ask for a challenge, have the wallet sign it, post the signature. Used by demo.ts and
 * the end-to-end tests. The wallet is a generated ed25519 keypair (tweetnacl: what
 * `@solana/web3.js` 1.x uses), signing deterministically like Phantom, Solflare or Backpack.
 */
import { base58 } from '@scure/base';
import nacl from 'tweetnacl';

export class Wallet {
  readonly address: string;
  readonly #secretKey: Uint8Array;
  /** Signature requests so far: each one is a wallet pop-up (README "Wallet pop-ups per flow"). */
  signatures = 0;

  private constructor(keyPair: nacl.SignKeyPair) {
    this.address = base58.encode(keyPair.publicKey);
    this.#secretKey = keyPair.secretKey;
  }
  static generate(): Wallet {
    return new Wallet(nacl.sign.keyPair());
  }
  /** A wallet from a 32-byte ed25519 seed (tests). */
  static fromSeed(seed: Uint8Array): Wallet {
    return new Wallet(nacl.sign.keyPair.fromSeed(seed));
  }
  /** ed25519 signature of the text's UTF-8 bytes (or of the bytes), base58 as wallets return it. */
  sign(message: string | Uint8Array): string {
    const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
    this.signatures++;
    return base58.encode(nacl.sign.detached(bytes, this.#secretKey));
  }
  toString(): string {
    return `Wallet(${this.address})`;
  }
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: any;
}

export interface ClientOptions {
  /** How the session is carried: the HttpOnly cookie (browser style) or a bearer token. */
  readonly session?: 'cookie' | 'bearer';
  /** Called with every reply (tests use it to scan response bodies for secrets). */
  readonly onReply?: (path: string, reply: Reply) => void;
}

export class Client {
  readonly wallet: Wallet;
  readonly baseUrl: string;
  readonly #mode: 'cookie' | 'bearer';
  readonly #onReply: ((path: string, reply: Reply) => void) | undefined;
  /** The session credential (cookie value or bearer token); set by signIn. */
  credential: string | undefined;

  constructor(baseUrl: string, wallet: Wallet = Wallet.generate(), options: ClientOptions = {}) {
    this.baseUrl = baseUrl;
    this.wallet = wallet;
    this.#mode = options.session ?? 'cookie';
    this.#onReply = options.onReply;
  }

  /** One request. JSON in and out; `raw` sends a body as is (webhooks, malformed bodies). */
  async request(method: string, path: string, body?: unknown, options: { raw?: string; contentType?: string; anonymous?: boolean } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (body !== undefined || options.raw !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (this.credential !== undefined && !options.anonymous) {
      if (this.#mode === 'cookie') headers['cookie'] = `av_session=${this.credential}`;
      else headers['authorization'] = `Bearer ${this.credential}`;
    }
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      ...(options.raw !== undefined ? { body: options.raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const reply: Reply = { status: res.status, headers: res.headers, text, body: parsed };
    this.#onReply?.(path, reply);
    return reply;
  }

  /** POST /auth/challenge; the wallet never signs anything it did not first receive from the server. */
  challenge(purpose: string, extra: Record<string, unknown> = {}): Promise<Reply> {
    return this.request('POST', '/auth/challenge', { purpose, ...extra });
  }

  /** Challenge + signature for a purpose: the body to post to the route that consumes it. */
  async signed(purpose: string, extra: Record<string, unknown> = {}): Promise<{ message: string; signature: string; reply: Reply }> {
    const reply = must(await this.challenge(purpose, extra), `challenge ${purpose}`);
    return { message: reply.body.message, signature: this.wallet.sign(reply.body.message), reply };
  }

  async signIn(): Promise<Reply> {
    const { message, signature } = await this.signed('sign-in', { address: this.wallet.address });
    const reply = await this.request('POST', '/auth/sign-in', { message, signature, session: this.#mode });
    this.#keepSession(reply, reply.body);
    return reply;
  }

  /** The session credential from a reply that started a session (`body` or `body.session`). */
  #keepSession(reply: Reply, session: { token?: string } | undefined): void {
    if (reply.status < 200 || reply.status >= 300 || session === undefined) return;
    if (this.#mode === 'bearer') this.credential = session.token;
    else this.credential = /av_session=([^;]+)/.exec(reply.headers.get('set-cookie') ?? '')?.[1];
  }

  /**
   * Without a session, the unlock challenge is asked for this wallet and the vault route signs it
   * in (one pop-up fewer than sign-in first); with one, the session wallet signs.
   */
  #anonymous(): Record<string, unknown> {
    return this.credential === undefined ? { address: this.wallet.address } : {};
  }

  /**
   * Create the vault: an unlock challenge (which returns the key message), the key message signed
   * twice. Without a session this also signs the wallet in: 3 signatures for enrollment.
   */
  async createVault(): Promise<Reply> {
    const anonymous = this.#anonymous();
    const { message, signature, reply } = await this.signed('unlock', anonymous);
    const kdm: string = reply.body.keyMessage.text;
    const session = 'address' in anonymous ? { ...anonymous, session: this.#mode } : {};
    const r = await this.request('POST', '/vault', { message, signature, keyMessageSignatures: [this.wallet.sign(kdm), this.wallet.sign(kdm)], ...session });
    this.#keepSession(r, r.body?.session);
    return r;
  }

  /** Unlock: a fresh unlock message and the (same as ever) key-message signature; signs in when there is no session. */
  async unlock(): Promise<Reply> {
    const anonymous = this.#anonymous();
    const { message, signature, reply } = await this.signed('unlock', anonymous);
    const session = 'address' in anonymous ? { ...anonymous, session: this.#mode } : {};
    const r = await this.request('POST', '/vault/unlock', { message, signature, keyMessageSignature: this.wallet.sign(reply.body.keyMessage.text), ...session });
    this.#keepSession(r, r.body?.session);
    return r;
  }

  createBot(name: string): Promise<Reply> {
    return this.request('POST', '/bots', { name });
  }

  setPolicy(botId: string, policy: unknown): Promise<Reply> {
    return this.request('PUT', `/bots/${botId}/policy`, policy);
  }

  async enableExecution(botId: string, windowMs?: number): Promise<Reply> {
    const { message, signature } = await this.signed('enable-execution', { botId, ...(windowMs !== undefined ? { windowMs } : {}) });
    return this.request('POST', `/bots/${botId}/execution`, { message, signature });
  }

  /**
   * Vault locked: one `unlock-and-enable-execution` message (unlocks the vault and enables the bot)
   * and the key-message signature: 2 signatures instead of unlock + key message + enable (3).
   */
  async unlockAndEnable(botId: string, windowMs?: number): Promise<Reply> {
    const { message, signature, reply } = await this.signed('unlock-and-enable-execution', { botId, ...(windowMs !== undefined ? { windowMs } : {}) });
    return this.request('POST', `/bots/${botId}/execution`, { message, signature, keyMessageSignature: this.wallet.sign(reply.body.keyMessage.text) });
  }

  revoke(botId: string): Promise<Reply> {
    return this.request('DELETE', `/bots/${botId}/execution`, {});
  }

  async revealMnemonic(botId: string): Promise<Reply> {
    const { message, signature } = await this.signed('reveal-mnemonic', { botId });
    return this.request('POST', '/vault/mnemonic/reveal', { botId, message, signature });
  }

  /** A TradingView-style alert: JSON text with the bot's secret in the body. No session. */
  webhook(botId: string, alert: Record<string, unknown>): Promise<Reply> {
    return this.request('POST', `/webhooks/tradingview/${botId}`, undefined, { raw: JSON.stringify(alert), anonymous: true });
  }
}

/** The reply if it is a 2xx, else an error naming the step and the server's error code. */
export function must(reply: Reply, step: string): Reply {
  if (reply.status < 200 || reply.status >= 300)
    throw new Error(`${step}: HTTP ${reply.status} ${reply.body?.error?.code ?? ''} ${reply.body?.error?.message ?? reply.text}`);
  return reply;
}
