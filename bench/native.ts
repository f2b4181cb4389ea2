/**
 * The "native" column: the same work as each library row, written directly against node:crypto
 * (OpenSSL) with as little JavaScript around it as will still do the job. It reads and writes the
 * library's own formats (records, vault, grant, SIWS text), so `run.ts` can check, before timing,
 * that it really does the same work: native opens what the library sealed and vice versa.
 *
 * It is a near-limit reference, not a product: it skips the argument checks, the strict ed25519
 * pre-checks (OpenSSL alone accepts small-order keys), the error taxonomy and the zeroing.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  pbkdf2Sync,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';

const enc = new TextEncoder();
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

// ---------------------------------------------------------------- bytes and base58

export function lp(x: Uint8Array | string): Buffer {
  const b = typeof x === 'string' ? Buffer.from(x, 'utf8') : x;
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  out.set(b, 2);
  return out;
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_MAP = new Int8Array(128).fill(-1);
for (let i = 0; i < 58; i++) B58_MAP[B58.charCodeAt(i)] = i;

/** base58 decode to exactly 32 bytes (an address). */
export function base58To32(s: string): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < s.length; i++) {
    let carry = B58_MAP[s.charCodeAt(i)]!;
    if (carry < 0) throw new Error('bad base58');
    for (let j = 31; j >= 0; j--) {
      carry += out[j]! * 58;
      out[j] = carry & 0xff;
      carry >>= 8;
    }
  }
  return out;
}

export function base58Encode(bytes: Uint8Array): string {
  const digits: number[] = [];
  for (const byte of bytes) {
    let carry = byte;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = '';
  for (const b of bytes) {
    if (b !== 0) break;
    out += '1';
  }
  for (let i = digits.length - 1; i >= 0; i--) out += B58[digits[i]!];
  return out;
}

// ---------------------------------------------------------------- ed25519

/** Raw public key import (JWK): OpenSSL 3.0 decodes SPKI DER ~10x slower. */
export function publicKeyObject(pub: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pub).toString('base64url') }, format: 'jwk' });
}

/** PKCS#8 DER import (binary, zeroable), as the library does; see docs/BENCHMARKS.md on JWK. */
export function privateKeyObject(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8, seed]), format: 'der', type: 'pkcs8' });
}

/** OpenSSL ed25519 verify with a KeyObject built per call (the key is the signer's: no cache). */
export function verifyEd25519(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  return nodeVerify(null, msg, publicKeyObject(pub), sig);
}

export function signEd25519(seed: Uint8Array, msg: Uint8Array): Uint8Array {
  return nodeSign(null, msg, privateKeyObject(seed));
}

export function publicKeyOf(key: KeyObject): Uint8Array {
  return Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url');
}

// ---------------------------------------------------------------- HKDF and records

const ZERO32 = Buffer.alloc(32);
const ONE = Buffer.of(1);

export function hkdf32(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array): Buffer {
  const prk = createHmac('sha256', salt ?? ZERO32).update(ikm).digest();
  return createHmac('sha256', prk).update(info).update(ONE).digest();
}

const DERIVE_INFO = Buffer.concat([Buffer.of(0, 1), Buffer.from('DERIVEKEY')]);
const COMMIT_INFO = Buffer.from('COMMITKEY');

/** SPEC 4.4 context encoding: entries sorted by the bytes of their names, each lp-framed. */
export function encodeContext(ctx: Record<string, string>): Buffer {
  const names = Object.keys(ctx).sort(); // ASCII names: code-unit order = byte order
  const parts: Buffer[] = [Buffer.of(names.length >> 8, names.length & 0xff)];
  for (const n of names) parts.push(lp(n), lp(ctx[n]!));
  return Buffer.concat(parts);
}

/** SPEC 4: open an `avr1.` record. Throws on any failure. */
export function openRecord(key: Uint8Array, text: string, type: string, context: Uint8Array): Buffer {
  const bytes = Buffer.from(text.slice(5), 'base64url');
  const body = bytes.subarray(0, bytes.length - 4);
  if (!createHash('sha256').update(body).digest().subarray(0, 4).equals(bytes.subarray(bytes.length - 4))) throw new Error('checksum');
  const typeLen = body[10]!;
  if (body.toString('latin1', 11, 11 + typeLen) !== type) throw new Error('type');
  let off = 11 + typeLen;
  const salt = body.subarray(off, (off += 32));
  const commitment = body.subarray(off, (off += 32));
  const iv = body.subarray(off, (off += 12));
  const header = body.subarray(0, off);
  const sealed = body.subarray(off);
  const prk = createHmac('sha256', salt).update(key).digest();
  const encKey = createHmac('sha256', prk).update(DERIVE_INFO).update(ONE).digest();
  const commit = createHmac('sha256', prk).update(COMMIT_INFO).update(ONE).digest();
  if (!timingSafeEqual(commit, commitment)) throw new Error('key mismatch');
  const d = createDecipheriv('aes-256-gcm', encKey, iv, { authTagLength: 16 });
  d.setAAD(Buffer.concat([header, context]));
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const pt = d.update(sealed.subarray(0, sealed.length - 16));
  d.final();
  return pt;
}

const RNG_POOL = 4096;
let pool = Buffer.alloc(0);
let poolOff = 0;
/** CSPRNG bytes, pooled (what crypto.randomBytes does for small sizes anyway). */
function random(n: number): Buffer {
  if (poolOff + n > pool.length) {
    pool = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(RNG_POOL)));
    poolOff = 0;
  }
  return pool.subarray(poolOff, (poolOff += n));
}

/** SPEC 4: seal an `avr1.` record (suite 1, umk version 1). */
export function sealRecord(key: Uint8Array, plaintext: Uint8Array, type: string, context: Uint8Array, umkVersion = 1): string {
  const salt = random(32);
  const iv = random(12);
  const prk = createHmac('sha256', salt).update(key).digest();
  const encKey = createHmac('sha256', prk).update(DERIVE_INFO).update(ONE).digest();
  const commit = createHmac('sha256', prk).update(COMMIT_INFO).update(ONE).digest();
  const fixed = Buffer.allocUnsafe(11);
  fixed.write('AVR', 0, 'latin1');
  fixed[3] = 1;
  fixed.writeUInt16BE(1, 4);
  fixed.writeUInt32BE(umkVersion, 6);
  fixed[10] = type.length;
  const header = Buffer.concat([fixed, Buffer.from(type, 'latin1'), salt, commit, iv]);
  const c = createCipheriv('aes-256-gcm', encKey, iv, { authTagLength: 16 });
  c.setAAD(Buffer.concat([header, context]));
  const body = Buffer.concat([header, c.update(plaintext), c.final(), c.getAuthTag()]);
  const sum = createHash('sha256').update(body).digest().subarray(0, 4);
  return 'avr1.' + Buffer.concat([body, sum]).toString('base64url');
}

// ---------------------------------------------------------------- SIWS messages

export interface StoredChallenge {
  domain: string;
  address: string;
  statement: string;
  uri: string;
  chain: string;
  purpose: string;
  issuedAt: string;
  expirationTime: string;
  resources: string[];
}

export function siwsText(s: StoredChallenge, nonce: string): string {
  let t =
    `${s.domain} wants you to sign in with your Solana account:\n${s.address}\n\n${s.statement}\n\n` +
    `URI: ${s.uri}\nVersion: 1\nChain ID: ${s.chain}\nNonce: ${nonce}\nIssued At: ${s.issuedAt}\nExpiration Time: ${s.expirationTime}`;
  if (s.resources.length > 0) t += '\nResources:' + s.resources.map((r) => `\n- ${r}`).join('');
  return t;
}

export const nonceKey = (nonce: string) => createHash('sha256').update(nonce).digest('hex');

/**
 * Verify a signed SIWS message: find address and nonce in the text, verify the signature under
 * the address, consume the nonce from a Map, rebuild the text from what was stored, compare,
 * check domain/URI/chain/purpose and times.
 */
export function verifySiws(
  text: string,
  sig: Uint8Array,
  store: Map<string, string>,
  expected: { domain: string; uri: string; chain: string; purpose: string },
  now: number,
): StoredChallenge {
  const l1 = text.indexOf('\n');
  const address = text.slice(l1 + 1, text.indexOf('\n', l1 + 1));
  const n = text.indexOf('\nNonce: ');
  const nonce = text.slice(n + 8, text.indexOf('\n', n + 8));
  const bytes = enc.encode(text);
  if (!verifyEd25519(base58To32(address), bytes, sig)) throw new Error('signature');
  const k = nonceKey(nonce);
  const meta = store.get(k);
  if (meta === undefined) throw new Error('nonce');
  store.delete(k);
  const s = JSON.parse(meta) as StoredChallenge;
  if (siwsText(s, nonce) !== text) throw new Error('mismatch');
  if (s.domain !== expected.domain || s.uri !== expected.uri || s.chain !== expected.chain || s.purpose !== expected.purpose)
    throw new Error('expectation');
  if (now > Date.parse(s.expirationTime) || Date.parse(s.issuedAt) > now + 60_000) throw new Error('time');
  return s;
}

// ---------------------------------------------------------------- vault unlock

/** The vault fields native unlock reads (from the library's vault JSON). */
export interface VaultView {
  owner: string;
  domain: string;
  chain: string;
  kdmText: string;
  kdmSalt: Buffer;
  kdmVersion: number;
  walletSlot: string;
  /** The vault without `mac`, as canonical JSON, and the MAC (when the vault has one). */
  unsigned?: Record<string, unknown>;
  mac?: Buffer;
}

/** Canonical JSON: keys sorted by code unit, no whitespace (the vault MAC's input). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null)
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export function vaultView(
  vault: { readonly owner: string; readonly domain: string; readonly chain: string; readonly kdm: { readonly salt: string; readonly version: number }; readonly umks: readonly { readonly wallet?: string | undefined }[] },
  kdmText: string,
): VaultView {
  const { mac, ...unsigned } = vault as typeof vault & { mac?: string };
  return {
    ...(mac !== undefined ? { mac: Buffer.from(mac, 'base64url'), unsigned } : {}),
    owner: vault.owner,
    domain: vault.domain,
    chain: vault.chain,
    kdmText,
    kdmSalt: Buffer.from(vault.kdm.salt, 'base64url'),
    kdmVersion: vault.kdm.version,
    walletSlot: vault.umks[0]!.wallet!,
  };
}

/** KDM signature -> wrapping key -> UMK -> the subkey for `purpose`. */
export function unlockSubkey(v: VaultView, signature: Uint8Array, purpose: string): Buffer {
  if (!verifyEd25519(base58To32(v.owner), enc.encode(v.kdmText), signature)) throw new Error('signature');
  const version = Buffer.allocUnsafe(4);
  version.writeUInt32BE(v.kdmVersion, 0);
  const info = Buffer.concat([lp('agentvault/v1/wallet-key'), lp(v.owner), lp(v.chain), lp(v.domain), version, Buffer.of(0)]);
  const wk = hkdf32(signature, v.kdmSalt, info);
  const umk = openRecord(wk, v.walletSlot, 'umk.wallet', encodeContext({ address: v.owner, domain: v.domain, chain: v.chain }));
  if (v.mac !== undefined) {
    // The vault MAC (keyed from the UMK) over the canonical JSON of the stored vault.
    const macKey = hkdf32(umk, undefined, Buffer.concat([lp('agentvault/v1/vault-mac'), lp(v.owner)]));
    if (!timingSafeEqual(createHmac('sha256', macKey).update(canonicalJson(v.unsigned)).digest(), v.mac)) throw new Error('vault mac');
  }
  return hkdf32(umk, undefined, Buffer.concat([lp('agentvault/v1/subkey'), lp(purpose), lp(v.owner)]));
}

// ---------------------------------------------------------------- grant-sign

export interface GrantJson {
  id: string;
  owner: string;
  user: string;
  bot: string;
  agent: string;
  policyHash: string;
  notBefore: string;
  expiresAt: string;
  wrappedKey: { wrapper: string; version: string; data: string };
  agentKey: string;
  authorization: { message: string; signature: string };
}

export interface NativePolicy {
  json: string;
  hash: string;
  markets: Set<string>;
  types: Set<string>;
  maxLeverage: number;
  maxPositionNotional: number;
  dailyLossLimit: number;
  programs: Set<string>;
}

/** Program ids of a legacy or v0 transaction message (static keys only). */
function programsOf(m: Uint8Array): string[] {
  let off = m[0]! & 0x80 ? 1 : 0;
  off += 3;
  const shortVec = () => {
    let v = 0;
    for (let s = 0; ; s += 7) {
      const b = m[off++]!;
      v |= (b & 0x7f) << s;
      if (!(b & 0x80)) return v;
    }
  };
  const nKeys = shortVec();
  const keysAt = off;
  off += 32 * nKeys + 32;
  const nIx = shortVec();
  const out: string[] = [];
  for (let i = 0; i < nIx; i++) {
    const p = m[off++]!;
    off += shortVec();
    off += shortVec();
    out.push(base58Encode(m.subarray(keysAt + 32 * p, keysAt + 32 * p + 32)));
  }
  return out;
}

/**
 * Use a grant: check its user signature, policy hash and the order, unwrap the data key, open the
 * agent key, check it is the grant's agent, check the transaction's programs, sign.
 */
export function grantSign(
  grantText: string,
  policy: NativePolicy,
  order: { market: string; type: string; notional: string; leverage: string },
  state: { positionNotional: string; dailyLoss: string },
  kek: Uint8Array,
  txMessage: Uint8Array,
): Uint8Array {
  const g = JSON.parse(grantText) as GrantJson;
  if (!verifyEd25519(base58To32(g.owner), enc.encode(g.authorization.message), Buffer.from(g.authorization.signature, 'base64')))
    throw new Error('grant signature');
  if (createHash('sha256').update(policy.json).digest('hex') !== policy.hash) throw new Error('policy hash');
  if (
    !policy.markets.has(order.market) ||
    !policy.types.has(order.type) ||
    Number(order.leverage) > policy.maxLeverage ||
    Number(state.positionNotional) + Number(order.notional) > policy.maxPositionNotional ||
    Number(state.dailyLoss) >= policy.dailyLossLimit
  )
    throw new Error('order');
  const context = encodeContext({
    address: g.owner,
    user: g.user,
    label: 'agentvault/v1/grant-data-key',
    grant: g.id,
    bot: g.bot,
    agent: g.agent,
    policy: g.policyHash,
    notBefore: g.notBefore,
    expiresAt: g.expiresAt,
  });
  const w = Buffer.from(g.wrappedKey.data, 'base64url');
  const d = createDecipheriv('aes-256-gcm', kek, w.subarray(0, 12), { authTagLength: 16 });
  d.setAAD(Buffer.concat([lp('agentvault/v1/local-wrap'), lp(g.wrappedKey.wrapper), lp(g.wrappedKey.version), lp(context)]));
  d.setAuthTag(w.subarray(w.length - 16));
  const dataKey = d.update(w.subarray(12, w.length - 16));
  d.final();
  const secret = openRecord(dataKey, g.agentKey, 'grant.agent-key', encodeContext({ address: g.owner, user: g.user, grant: g.id, bot: g.bot, agent: g.agent }));
  const key = privateKeyObject(secret.subarray(0, 32));
  if (base58Encode(publicKeyOf(key)) !== g.agent) throw new Error('agent');
  for (const p of programsOf(txMessage)) if (!policy.programs.has(p)) throw new Error('program');
  return nodeSign(null, txMessage, key);
}

// ---------------------------------------------------------------- derivation

const ED25519_SEED = Buffer.from('ed25519 seed');

/** BIP39 seed (PBKDF2-HMAC-SHA512, 2048) + SLIP-0010 ed25519 along hardened `path` + public key. */
export function deriveKeypair(mnemonic: string, path: readonly number[]): { seed: Buffer; publicKey: Uint8Array } {
  const bip39Seed = pbkdf2Sync(mnemonic.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512');
  let I = createHmac('sha512', ED25519_SEED).update(bip39Seed).digest();
  const data = Buffer.alloc(37);
  for (const index of path) {
    data.set(I.subarray(0, 32), 1);
    data.writeUInt32BE((index | 0x80000000) >>> 0, 33);
    I = createHmac('sha512', I.subarray(32)).update(data).digest();
  }
  const seed = I.subarray(0, 32);
  return { seed, publicKey: publicKeyOf(privateKeyObject(seed)) };
}
