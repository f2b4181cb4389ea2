/**
 * `npm run bench`: what agentvault does for a living, side by side with node:crypto doing the same
 * work (the near-limit reference, bench/native.ts) and with what a user would pick instead (peers),
 * in one process, as ops/s (median of interleaved rounds) and ratios. See docs/BENCHMARKS.md.
 *
 * Options: --rounds N (default 5), --round-ms N (default 250), --clock wall|cpu (default wall; cpu
 * times this process's CPU, not the time other jobs get; server rows stay on wall), --only <substring of a row name>,
 * --json <file> (also write the raw results). Environment: AGENTVAULT_CRYPTO=noble|node picks the
 * library's backend; AGENTVAULT_TEST_REDIS_URL / AGENTVAULT_TEST_PG_URL point at servers to use,
 * else throwaway ones are started when redis-server / PostgreSQL 15 are installed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { parseSignInMessageText, verifySignIn } from '@solana/wallet-standard-util';
import bip39 from 'bip39';
import { derivePath, getPublicKey as hdGetPublicKey } from 'ed25519-hd-key';
import nacl from 'tweetnacl';
// The library, through its public entry points only.
import { deriveSolanaKeypair, generateMnemonic } from '../src/derivation/index.js';
import { createExecutionGrant, LocalKeyWrapper, policyHash, serializeGrant, withExecutionSigner } from '../src/execution/index.js';
import { issueChallenge, verifySignedMessage, type VerifiedMessage } from '../src/messages/index.js';
import { cryptoBackend } from '../src/primitives/index.js';
import { openRecord, sealRecord } from '../src/records/index.js';
import { MemoryNonceStore, MemoryRevocationStore, type NonceStore } from '../src/stores/index.js';
import { createAgentWallet } from '../src/derivation/index.js';
import { createVault, prepareVault, unlockVault, vaultKeyMessage, type VaultData } from '../src/vault/index.js';
import { measure, type Impl, type Measured, type Timed } from './harness.js';
import { memoryBudgetRow, pgBudgetRow, redisBudgetRow } from './budget-rows.js';
import * as native from './native.js';
import { programRows } from './programs.js';
import { pipelineRows } from './pipeline.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'round-ms': { type: 'string', default: '250' },
    only: { type: 'string' },
    json: { type: 'string' },
    clock: { type: 'string', default: 'wall' },
  },
});
if (args.clock !== 'wall' && args.clock !== 'cpu') throw new Error('--clock must be wall or cpu');
const OPTS = { rounds: Number(args.rounds), roundMs: Number(args['round-ms']), clock: args.clock as 'wall' | 'cpu' };

const enc = new TextEncoder();
const DOMAIN = 'app.example.com';
const URI = 'https://app.example.com/vault';
const EXPECTED_UNLOCK = { domain: DOMAIN, uri: URI, chain: 'mainnet', purpose: 'unlock' } as const;
/** More wallets than the library's public-key cache holds (512): every verify is a cache miss. */
const WALLETS = 600;

interface Wallet {
  seed: Uint8Array;
  publicKey: Uint8Array;
  address: string;
  secretKey: Uint8Array; // tweetnacl layout
  sign(m: Uint8Array | string): Uint8Array;
}

function wallet(i: number): Wallet {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, i + 1);
  seed[31] = 0xa5;
  const key = native.privateKeyObject(seed);
  const publicKey = native.publicKeyOf(key);
  const secretKey = new Uint8Array(64);
  secretKey.set(seed);
  secretKey.set(publicKey, 32);
  return {
    seed,
    publicKey,
    address: native.base58Encode(publicKey),
    secretKey,
    sign: (m) => native.signEd25519(seed, typeof m === 'string' ? enc.encode(m) : m),
  };
}
const wallets = Array.from({ length: WALLETS }, (_, i) => wallet(i));

function check(cond: unknown, what: string): void {
  if (!cond) throw new Error(`bench sanity check failed: ${what}`);
}
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n));

// ---------------------------------------------------------------------------- rows

interface Row {
  readonly name: string;
  readonly agentvault: Impl;
  readonly native: Impl;
  readonly peers: readonly Impl[];
  readonly note?: string;
}

/** A batch of n calls of a synchronous function. */
const syncBatch =
  (fn: (i: number) => void) =>
  (n: number): Timed =>
  () => {
    for (let i = 0; i < n; i++) fn(i);
  };
const asyncBatch =
  (fn: (i: number) => Promise<unknown>) =>
  (n: number): Timed =>
  async () => {
    for (let i = 0; i < n; i++) await fn(i);
  };

function recordRows(): Row[] {
  const key = random(32);
  const pt = random(64);
  const context = { address: wallets[0]!.address, id: 'profile-1' };
  const opts = { type: 'profile', context };
  const record = sealRecord(key, pt, opts);
  // Same work: native opens the library's record, and the library opens native's.
  check(hex(native.openRecord(key, record, 'profile', native.encodeContext(context))) === hex(pt), 'native opens an agentvault record');
  const nativeRecord = native.sealRecord(key, pt, 'profile', native.encodeContext(context));
  check(hex(openRecord(key, nativeRecord, opts).plaintext.expose()) === hex(pt), 'agentvault opens a native record');

  const naclBox = (() => {
    const nonce = random(24);
    return Buffer.concat([nonce, nacl.secretbox(pt, nonce, key)]).toString('base64');
  })();
  const aad = enc.encode(`profile|${context.address}|${context.id}`);
  const nobleText = (() => {
    const iv = random(12);
    return Buffer.concat([iv, gcm(key, iv, aad).encrypt(pt)]).toString('base64');
  })();

  return [
    {
      name: 'open a record (64 B)',
      agentvault: { name: 'agentvault', prepare: syncBatch(() => openRecord(key, record, opts).plaintext.dispose()) },
      native: { name: 'node:crypto', prepare: syncBatch(() => void native.openRecord(key, record, 'profile', native.encodeContext(context))) },
      peers: [
        {
          name: 'tweetnacl secretbox',
          prepare: syncBatch(() => {
            const b = Buffer.from(naclBox, 'base64');
            check(nacl.secretbox.open(b.subarray(24), b.subarray(0, 24), key), 'secretbox');
          }),
        },
        {
          name: '@noble/ciphers gcm',
          prepare: syncBatch(() => {
            const b = Buffer.from(nobleText, 'base64');
            gcm(key, b.subarray(0, 12), enc.encode(`profile|${context.address}|${context.id}`)).decrypt(b.subarray(12));
          }),
        },
      ],
      note: 'peers: bare AEAD, no key commitment, no per-record key, no checksum',
    },
    {
      name: 'seal a record (64 B)',
      agentvault: { name: 'agentvault', prepare: syncBatch(() => void sealRecord(key, pt, opts)) },
      native: { name: 'node:crypto', prepare: syncBatch(() => void native.sealRecord(key, pt, 'profile', native.encodeContext(context))) },
      peers: [
        {
          name: 'tweetnacl secretbox',
          prepare: syncBatch(() => {
            const nonce = nacl.randomBytes(24);
            void Buffer.concat([nonce, nacl.secretbox(pt, nonce, key)]).toString('base64');
          }),
        },
        {
          name: '@noble/ciphers gcm',
          prepare: syncBatch(() => {
            const iv = random(12);
            void Buffer.concat([iv, gcm(key, iv, enc.encode(`profile|${context.address}|${context.id}`)).encrypt(pt)]).toString('base64');
          }),
        },
      ],
    },
  ];
}

async function messageRow(): Promise<Row> {
  let w = 0;
  const nextWallet = () => wallets[w++ % WALLETS]!;
  /** n issued challenges, each signed by the next wallet of the pool. */
  async function issued(n: number, nonces: NonceStore) {
    const out: { message: string; signature: Uint8Array; wallet: Wallet; nonce: string }[] = [];
    for (let i = 0; i < n; i++) {
      const wl = nextWallet();
      const c = await issueChallenge({ purpose: 'unlock', domain: DOMAIN, uri: URI, chain: 'mainnet', address: wl.address, nonces });
      out.push({ message: c.message, signature: wl.sign(c.message), wallet: wl, nonce: c.nonce });
    }
    return out;
  }
  // Sanity: native verifies what the library issued (same text, same signature).
  {
    const nonces = new MemoryNonceStore({ sweepIntervalMs: 0 });
    const [c] = await issued(1, nonces);
    const store = new Map<string, string>();
    const parsed = parseSignInMessageText(c!.message)!;
    store.set(native.nonceKey(c!.nonce), JSON.stringify(storedOf(parsed)));
    native.verifySiws(c!.message, c!.signature, store, EXPECTED_UNLOCK, Date.now());
    await verifySignedMessage({ message: c!.message, signature: c!.signature, nonces, expected: EXPECTED_UNLOCK });
  }
  return {
    name: 'verify a signed message',
    agentvault: {
      name: 'agentvault',
      async prepare(n) {
        const nonces = new MemoryNonceStore({ sweepIntervalMs: 0, maxEntries: Math.max(100_000, n) });
        const cs = await issued(n, nonces);
        return async () => {
          for (const c of cs) await verifySignedMessage({ message: c.message, signature: c.signature, nonces, expected: EXPECTED_UNLOCK });
        };
      },
    },
    native: {
      name: 'node:crypto',
      async prepare(n) {
        const store = new Map<string, string>();
        const cs = await issued(n, new MemoryNonceStore({ sweepIntervalMs: 0, maxEntries: Math.max(100_000, n) }));
        for (const c of cs) store.set(native.nonceKey(c.nonce), JSON.stringify(storedOf(parseSignInMessageText(c.message)!)));
        return () => {
          const now = Date.now();
          for (const c of cs) native.verifySiws(c.message, c.signature, store, EXPECTED_UNLOCK, now);
        };
      },
    },
    peers: [
      {
        name: 'wallet-standard-util verifySignIn',
        async prepare(n) {
          const cs = await issued(n, new MemoryNonceStore({ sweepIntervalMs: 0, maxEntries: Math.max(100_000, n) }));
          // What the server kept when it issued the challenge, keyed by nonce.
          const inputs = new Map(cs.map((c) => [c.nonce, { ...parseSignInMessageText(c.message)! }]));
          const outputs = cs.map((c) => ({
            nonce: c.nonce,
            output: {
              account: { address: c.wallet.address, publicKey: c.wallet.publicKey, chains: [], features: [] },
              signedMessage: enc.encode(c.message),
              signature: c.signature,
            },
          }));
          return () => {
            for (const { nonce, output } of outputs) {
              const input = inputs.get(nonce);
              inputs.delete(nonce);
              check(input && verifySignIn(input, output), 'verifySignIn');
            }
          };
        },
      },
    ],
    note: 'peer: lenient ed25519 (ZIP-215), no binding of address to key checked separately, no nonce store of its own',
  };
}

function storedOf(p: NonNullable<ReturnType<typeof parseSignInMessageText>>): native.StoredChallenge {
  return {
    domain: p.domain,
    address: p.address,
    statement: p.statement!,
    uri: p.uri!,
    chain: p.chainId!,
    purpose: 'unlock',
    issuedAt: p.issuedAt!,
    expirationTime: p.expirationTime!,
    resources: [...(p.resources ?? [])],
  };
}

/** A verified `unlock` authorization of `w` (real: issued, signed, verified). */
async function unlockAuthorization(w: Wallet, nonces: NonceStore): Promise<VerifiedMessage> {
  const c = await issueChallenge({ purpose: 'unlock', domain: DOMAIN, uri: URI, chain: 'mainnet', address: w.address, nonces });
  return verifySignedMessage({ message: c.message, signature: w.sign(c.message), nonces, expected: EXPECTED_UNLOCK });
}

async function unlockRow(): Promise<Row> {
  // One vault per wallet of the pool, so the KDM verification never hits the key cache.
  const vaults: { vault: VaultData; sig: Uint8Array; view: native.VaultView; w: Wallet; box: { nonce: Uint8Array; box: Uint8Array; salt: Uint8Array; kdm: Uint8Array } }[] = [];
  const nonces = new MemoryNonceStore({ sweepIntervalMs: 0 });
  for (const w of wallets) {
    const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const sig = w.sign(prepared.keyMessage);
    const created = createVault({ prepared, signatures: [sig, sig], authorization: await unlockAuthorization(w, nonces) });
    const vault = created.vault;
    (created as { unlocked?: { lock(): void } }).unlocked?.lock();
    const text = vaultKeyMessage(vault).text;
    // The peer's own vault: the same steps with tweetnacl + @noble/hashes.
    const salt = random(32);
    const wk = hkdf(sha256, sig, salt, enc.encode(`wallet-key|${w.address}`), 32);
    const nonce = random(24);
    vaults.push({ vault, sig, view: native.vaultView(vault, text), w, box: { nonce, box: nacl.secretbox(random(32), nonce, wk), salt, kdm: enc.encode(text) } });
  }
  {
    const v = vaults[0]!;
    const u = unlockVault(v.vault, { authorization: await unlockAuthorization(v.w, nonces), signature: v.sig });
    check(hex(u.subkey('profile').expose()) === hex(native.unlockSubkey(v.view, v.sig, 'profile')), 'native unlock gives the same subkey');
    u.lock();
  }
  let next = 0;
  return {
    name: 'unlock a vault (+1 subkey)',
    agentvault: {
      name: 'agentvault',
      async prepare(n) {
        const jobs: { v: (typeof vaults)[number]; auth: VerifiedMessage }[] = [];
        for (let i = 0; i < n; i++) {
          const v = vaults[next++ % vaults.length]!;
          jobs.push({ v, auth: await unlockAuthorization(v.w, nonces) });
        }
        return () => {
          for (const { v, auth } of jobs) {
            const u = unlockVault(v.vault, { authorization: auth, signature: v.sig });
            u.subkey('profile').dispose();
            u.lock();
          }
        };
      },
    },
    native: { name: 'node:crypto', prepare: syncBatch((i) => void native.unlockSubkey(vaults[i % vaults.length]!.view, vaults[i % vaults.length]!.sig, 'profile')) },
    peers: [
      {
        name: 'tweetnacl + @noble/hashes (DIY)',
        prepare: syncBatch((i) => {
          const v = vaults[i % vaults.length]!;
          check(nacl.sign.detached.verify(v.box.kdm, v.sig, v.w.publicKey), 'nacl verify');
          const wk = hkdf(sha256, v.sig, v.box.salt, enc.encode(`wallet-key|${v.w.address}`), 32);
          const umk = nacl.secretbox.open(v.box.box, v.box.nonce, wk)!;
          hkdf(sha256, umk, undefined, enc.encode(`subkey|profile|${v.w.address}`), 32);
        }),
      },
    ],
    note: 'agentvault also spends a verified unlock authorization (prepared untimed)',
  };
}

/** A legacy transaction message: the agent pays, one instruction to `program`. */
function txMessage(agent: Uint8Array, program: Uint8Array): Uint8Array {
  return Uint8Array.from([1, 0, 1, 2, ...agent, ...program, ...new Uint8Array(32).fill(7), 1, 1, 1, 0, 3, 1, 2, 3]);
}

async function grantRow(): Promise<Row> {
  const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
  const MEMO = 'MemoSq4gqABAXKb96qnH8TyKtxUdMphoXfcDMGP9tW5';
  const policy: import('../src/execution/index.js').ExecutionPolicyInput = {
    enabled: true,
    allowedMarkets: ['SOL-PERP', 'BTC-PERP'],
    allowedOrderTypes: ['limit', 'market', 'cancel'],
    maxLeverage: '3',
    maxPositionNotional: '10000',
    maxSlippageBps: 50,
    dailyLossLimit: '500',
    killSwitch: false,
    allowedPrograms: [DRIFT, MEMO],
  };
  const order = { market: 'SOL-PERP', type: 'limit', side: 'buy', notional: '1000', leverage: '2' } as const;
  const state = { positionNotional: '0', dailyLoss: '0' } as const;
  const kek = Uint8Array.from({ length: 32 }, (_, i) => 0x11 + i);
  const wrapper = new LocalKeyWrapper({ keys: { v1: kek } });
  const owner = wallets[0]!;
  const nonces = new MemoryNonceStore({ sweepIntervalMs: 0 });
  const prepared = prepareVault({ address: owner.address, domain: DOMAIN, chain: 'mainnet' });
  const kdmSig = owner.sign(prepared.keyMessage);
  const { unlocked } = createVault({ prepared, signatures: [kdmSig, kdmSig], authorization: await unlockAuthorization(owner, nonces) }) as {
    unlocked?: import('../src/vault/index.js').UnlockedVault;
  };
  const agent = createAgentWallet(unlocked!);
  const c = await issueChallenge({
    purpose: 'enable-execution',
    domain: DOMAIN,
    uri: URI,
    chain: 'mainnet',
    address: owner.address,
    nonces,
    grant: { bot: 'bot-1', agent: agent.address, policyHash: policyHash(policy) },
  });
  const authorization = await verifySignedMessage({
    message: c.message,
    signature: owner.sign(c.message),
    nonces,
    expected: { domain: DOMAIN, uri: URI, chain: 'mainnet', purpose: 'enable-execution' },
  });
  const grant = await createExecutionGrant({ authorization, vault: unlocked!, agentKeyRecord: agent.records.agentKey, agentAddress: agent.address, policy, wrapper });
  const grantText = serializeGrant(grant);
  unlocked!.lock();
  const revocations = new MemoryRevocationStore({ sweepIntervalMs: 0 });
  const tx = txMessage(native.base58To32(agent.address), native.base58To32(DRIFT));
  const nativePolicy: native.NativePolicy = {
    json: JSON.stringify(policy),
    hash: native.nonceKey(JSON.stringify(policy)),
    markets: new Set(policy.allowedMarkets),
    types: new Set(policy.allowedOrderTypes),
    maxLeverage: 3,
    maxPositionNotional: 10000,
    dailyLossLimit: 500,
    programs: new Set(policy.allowedPrograms),
  };
  const libSign = () => withExecutionSigner(grantText, { wrapper, policy, order, state, revocations, expected: { owner: owner.address, bot: 'bot-1' } }, (s) => s.signTransactionMessage(tx));
  // Same work: the same grant opens natively and gives the same (deterministic) signature.
  const libSig = await libSign();
  check(hex(libSig) === hex(native.grantSign(grantText, nativePolicy, order, state, kek, tx)), 'native grant-sign gives the same signature');
  check(nacl.sign.detached.verify(tx, libSig, native.base58To32(agent.address)), 'the signature verifies');

  // The peer: the same steps with tweetnacl (secretbox for both layers).
  const dataKey = random(32);
  const n1 = random(24);
  const n2 = random(24);
  const peerGrant = JSON.stringify({
    message: c.message,
    signature: Buffer.from(owner.sign(c.message)).toString('base64'),
    wrapped: Buffer.concat([n1, nacl.secretbox(dataKey, n1, kek)]).toString('base64'),
    agentKey: Buffer.concat([n2, nacl.secretbox(peerAgent.secretKey, n2, dataKey)]).toString('base64'),
    owner: Buffer.from(owner.publicKey).toString('base64'),
  });
  return {
    name: 'grant-sign (unwrap, open, policy, sign)',
    agentvault: { name: 'agentvault', prepare: asyncBatch(libSign) },
    native: { name: 'node:crypto', prepare: syncBatch(() => void native.grantSign(grantText, nativePolicy, order, state, kek, tx)) },
    peers: [
      {
        name: 'tweetnacl (DIY)',
        prepare: syncBatch(() => {
          const g = JSON.parse(peerGrant) as { message: string; signature: string; wrapped: string; agentKey: string; owner: string };
          check(nacl.sign.detached.verify(enc.encode(g.message), Buffer.from(g.signature, 'base64'), Buffer.from(g.owner, 'base64')), 'grant sig');
          check(sha256(enc.encode(nativePolicy.json)).length === 32 && policy.allowedMarkets.includes(order.market), 'policy');
          const w = Buffer.from(g.wrapped, 'base64');
          const dk = nacl.secretbox.open(w.subarray(24), w.subarray(0, 24), kek)!;
          const a = Buffer.from(g.agentKey, 'base64');
          const sk = nacl.secretbox.open(a.subarray(24), a.subarray(0, 24), dk)!;
          check(hex(nacl.sign.keyPair.fromSeed(sk.subarray(0, 32)).publicKey) === hex(sk.subarray(32)), 'agent pair');
          nacl.sign.detached(tx, sk);
        }),
      },
    ],
  };
}
// The peer's agent key: a keypair of its own (the peer's grant is its own format).
const peerAgent = nacl.sign.keyPair();

function deriveRow(): Row {
  const mnemonic = generateMnemonic();
  const kp = deriveSolanaKeypair(mnemonic);
  const nat = native.deriveKeypair(mnemonic, [44, 501, 0, 0]);
  const peer = hdGetPublicKey(derivePath("m/44'/501'/0'/0'", bip39.mnemonicToSeedSync(mnemonic).toString('hex')).key, false);
  check(hex(kp.publicKey) === hex(nat.publicKey) && hex(peer) === hex(kp.publicKey), 'derivations agree');
  kp.seed.dispose();
  kp.secretKey.dispose();
  return {
    name: "derive an agent key (BIP39 + m/44'/501'/0'/0')",
    agentvault: {
      name: 'agentvault',
      prepare: syncBatch(() => {
        const k = deriveSolanaKeypair(mnemonic);
        k.seed.dispose();
        k.secretKey.dispose();
      }),
    },
    native: { name: 'node:crypto', prepare: syncBatch(() => void native.deriveKeypair(mnemonic, [44, 501, 0, 0])) },
    peers: [
      {
        name: 'bip39 + ed25519-hd-key',
        prepare: syncBatch(() => void hdGetPublicKey(derivePath("m/44'/501'/0'/0'", bip39.mnemonicToSeedSync(mnemonic).toString('hex')).key, false)),
      },
    ],
    note: 'agentvault also validates the mnemonic (word list, checksum)',
  };
}

// ---------------------------------------------------------------------------- stores

const nonceHash = (i: number, salt: string) => native.nonceKey(`${salt}:${i}`);
const META = JSON.stringify({ v: 1, purpose: 'unlock', domain: DOMAIN, uri: URI, chain: 'mainnet', resources: ['urn:agentvault:purpose:unlock'] });

function storeImpl(name: string, store: () => NonceStore, wallClock = false): Impl {
  let round = 0;
  return {
    name,
    wallClock,
    prepare(n) {
      const s = store();
      const salt = `${name}-${round++}-${Math.random()}`;
      const hashes = Array.from({ length: n }, (_, i) => nonceHash(i, salt));
      return async () => {
        const exp = Date.now() + 300_000;
        for (const h of hashes) {
          await s.issue(h, exp, META);
          check((await s.consume(h, Date.now())) === META, 'consume');
        }
      };
    },
  };
}

function memoryStoreRow(): Row {
  const lib = new MemoryNonceStore({ sweepIntervalMs: 0 });
  return {
    name: 'nonce issue+consume: memory',
    agentvault: storeImpl('agentvault', () => lib),
    native: {
      name: 'Map (async)',
      prepare(n) {
        const map = new Map<string, { exp: number; meta: string }>();
        const hashes = Array.from({ length: n }, (_, i) => nonceHash(i, `m${Math.random()}`));
        const issue = async (h: string, exp: number, meta: string) => {
          const old = map.get(h);
          if (old !== undefined && old.exp > Date.now()) throw new Error('reuse');
          map.set(h, { exp, meta });
        };
        const consume = async (h: string, now: number) => {
          const e = map.get(h);
          if (e === undefined) return null;
          map.delete(h);
          return now < e.exp ? e.meta : null;
        };
        return async () => {
          const exp = Date.now() + 300_000;
          for (const h of hashes) {
            await issue(h, exp, META);
            check((await consume(h, Date.now())) === META, 'consume');
          }
        };
      },
    },
    peers: [],
  };
}

interface Servers {
  redisUrl?: string;
  pgUrl?: string;
  why: { redis?: string; pg?: string };
  stop(): Promise<void>;
}

async function startServers(): Promise<Servers> {
  const why: Servers['why'] = {};
  const stops: (() => Promise<void>)[] = [];
  let redisUrl = process.env.AGENTVAULT_TEST_REDIS_URL || undefined;
  let pgUrl = process.env.AGENTVAULT_TEST_PG_URL || undefined;
  if (redisUrl === undefined || pgUrl === undefined) {
    const s = await import('../test/setup/servers.js');
    if (redisUrl === undefined) {
      const bin = s.findRedisServer();
      if (bin === undefined) why.redis = 'redis-server not installed; set AGENTVAULT_TEST_REDIS_URL';
      else {
        const r = await s.startRedis(bin);
        redisUrl = r.url;
        stops.push(() => r.destroy());
      }
    }
    if (pgUrl === undefined) {
      const bin = s.findPgBin();
      if (bin === undefined) why.pg = 'PostgreSQL 15 not installed; set AGENTVAULT_TEST_PG_URL';
      else {
        try {
          const p = await s.startPostgres(bin);
          pgUrl = p.url;
          stops.push(() => p.destroy());
        } catch (e) {
          why.pg = `could not start PostgreSQL: ${e instanceof Error ? e.message.split('\n')[0] : e}`;
        }
      }
    }
  }
  return {
    ...(redisUrl ? { redisUrl } : {}),
    ...(pgUrl ? { pgUrl } : {}),
    why,
    async stop() {
      for (const s of stops) await s();
    },
  };
}

// The library's two scripts (src/stores/redis.ts), run through ioredis's EVALSHA-with-fallback.
const ISSUE_LUA = `return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0`;
const CONSUME_LUA = `
local v = redis.call('GET', KEYS[1])
if not v then return false end
redis.call('DEL', KEYS[1])
local i = string.find(v, ':', 1, true)
if not i then return false end
if tonumber(ARGV[1]) < tonumber(string.sub(v, 1, i - 1)) then return string.sub(v, i + 1) end
return false`;

async function redisRow(url: string, cleanup: (() => Promise<void>)[]): Promise<Row> {
  const { Redis } = await import('ioredis');
  const { RedisNonceStore } = await import('../src/stores/redis.js');
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  cleanup.push(async () => void client.disconnect());
  client.defineCommand('avConsume', { numberOfKeys: 1, lua: CONSUME_LUA });
  client.defineCommand('avIssue', { numberOfKeys: 1, lua: ISSUE_LUA });
  const lib = new RedisNonceStore(client, { prefix: 'bench:' });
  const raw = client as unknown as { avConsume(key: string, now: number): Promise<string | null>; avIssue(key: string, value: string, ttl: number): Promise<number> };
  return {
    name: 'nonce issue+consume: Redis',
    agentvault: storeImpl('agentvault', () => lib, true),
    native: {
      name: 'ioredis (same scripts)',
      wallClock: true,
      prepare(n) {
        const hashes = Array.from({ length: n }, (_, i) => nonceHash(i, `r${Math.random()}`));
        return async () => {
          for (const h of hashes) {
            const exp = Date.now() + 300_000;
            const key = `raw:nonce:${h}`;
            check((await raw.avIssue(key, `${exp}:${META}`, exp - Date.now())) === 1, 'SET NX');
            check((await raw.avConsume(key, Date.now())) === META, 'consume');
          }
        };
      },
    },
    peers: [],
  };
}

async function pgRow(url: string, cleanup: (() => Promise<void>)[]): Promise<Row> {
  const pg = (await import('pg')).default;
  const { PostgresNonceStore, migratePostgresStores } = await import('../src/stores/postgres.js');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanup.push(() => client.end());
  await migratePostgresStores(client, { prefix: 'bench_' });
  const lib = new PostgresNonceStore(client, { prefix: 'bench_' });
  const t = '"bench_nonces"';
  return {
    name: 'nonce issue+consume: PostgreSQL',
    agentvault: storeImpl('agentvault', () => lib, true),
    native: {
      name: 'pg (same SQL)',
      wallClock: true,
      prepare(n) {
        const hashes = Array.from({ length: n }, (_, i) => nonceHash(i, `p${Math.random()}`));
        return async () => {
          for (const h of hashes) {
            const now = Date.now();
            const r = await client.query(
              `INSERT INTO ${t} AS n (hash, expires_at, meta) VALUES ($1, $2, $3) ON CONFLICT (hash) DO UPDATE SET expires_at = EXCLUDED.expires_at, meta = EXCLUDED.meta WHERE n.expires_at <= $4 RETURNING 1 AS ok`,
              [h, now + 300_000, META, now],
            );
            check(r.rows.length === 1, 'insert');
            const d = await client.query(`DELETE FROM ${t} WHERE hash = $1 RETURNING CASE WHEN expires_at > $2 THEN meta END AS meta`, [h, Date.now()]);
            check(d.rows[0]?.meta === META, 'delete');
          }
        };
      },
    },
    peers: [],
  };
}

// ---------------------------------------------------------------------------- table

interface Result {
  row: string;
  agentvault?: Measured;
  native?: Measured;
  peer?: Measured;
  na?: string;
  note?: string;
}

const GOAL_NATIVE = 1 / 1.5;

function fmtOps(x: number | undefined): string {
  if (x === undefined) return '—';
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
}
const ratio = (a?: Measured, b?: Measured) => (a && b ? a.opsPerSec / b.opsPerSec : undefined);

function table(results: Result[]): string {
  const lines = [
    '| row | agentvault ops/s | native ops/s | best peer | peer ops/s | agentvault/native | agentvault/peer | goal |',
    '|---|---:|---:|---|---:|---:|---:|:---:|',
  ];
  for (const r of results) {
    if (r.na !== undefined) {
      lines.push(`| ${r.row} | n/a (${r.na}) | | | | | | |`);
      continue;
    }
    const rn = ratio(r.agentvault, r.native);
    const rp = ratio(r.agentvault, r.peer);
    const ok = (rn === undefined || rn >= GOAL_NATIVE) && (rp === undefined || rp >= 1);
    lines.push(
      `| ${r.row} | ${fmtOps(r.agentvault?.opsPerSec)} | ${fmtOps(r.native?.opsPerSec)} (${r.native?.name}) | ${r.peer?.name ?? '—'} | ${fmtOps(r.peer?.opsPerSec)} | ${rn === undefined ? '—' : rn.toFixed(2)} | ${rp === undefined ? '—' : rp.toFixed(2)} | ${ok ? 'met' : 'MISSED'} |`,
    );
  }
  return lines.join('\n');
}

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  return `${cpus().length} CPUs (${model}), Node ${process.version}, ${process.platform}/${process.arch}, agentvault crypto backend: ${cryptoBackend()}, load average ${load}`;
}

// ---------------------------------------------------------------------------- main

async function main(): Promise<number> {
  const t0 = performance.now();
  console.log(`agentvault bench: ${machine()}`);
  console.log(`rounds=${OPTS.rounds} round-ms=${OPTS.roundMs} clock=${OPTS.clock} (Redis/PostgreSQL rows: wall); ops/s are medians; ratios > 1 mean agentvault is faster\n`);
  const cleanup: (() => Promise<void>)[] = [];
  const servers = await startServers();
  cleanup.push(() => servers.stop());
  const builders: [string, () => Row | Row[] | Promise<Row | Row[]>][] = [
    ['record', recordRows],
    ['message', messageRow],
    ['unlock', unlockRow],
    ['grant', grantRow],
    ['derive', deriveRow],
    ['memory', memoryStoreRow],
    ['programs', () => programRows(check)],
    ['pipeline', () => pipelineRows(check)],
    ['redis', () => (servers.redisUrl ? redisRow(servers.redisUrl, cleanup) : Promise.reject(new Error(servers.why.redis)))],
    ['postgres', () => (servers.pgUrl ? pgRow(servers.pgUrl, cleanup) : Promise.reject(new Error(servers.why.pg)))],
    ['budget-memory', memoryBudgetRow],
    ['budget-redis', () => (servers.redisUrl ? redisBudgetRow(servers.redisUrl, cleanup) : Promise.reject(new Error(servers.why.redis)))],
    ['budget-postgres', () => (servers.pgUrl ? pgBudgetRow(servers.pgUrl, cleanup) : Promise.reject(new Error(servers.why.pg)))],
  ];
  const results: Result[] = [];
  try {
    for (const [key, build] of builders) {
      let rows: Row[];
      try {
        const built = await build();
        rows = Array.isArray(built) ? built : [built];
      } catch (e) {
        if (args.only && !key.includes(args.only)) continue;
        results.push({ row: key, na: e instanceof Error ? e.message : String(e) });
        console.log(`${key}: n/a (${e instanceof Error ? e.message : e})`);
        continue;
      }
      for (const row of rows) {
        if (args.only && !row.name.includes(args.only) && !key.includes(args.only)) continue;
        const impls = [row.agentvault, row.native, ...row.peers];
        const m = await measure(impls, OPTS);
        const [av, nat, ...peers] = m;
        const peer = peers.sort((a, b) => b.opsPerSec - a.opsPerSec)[0];
        results.push({ row: row.name, agentvault: av!, native: nat!, ...(peer ? { peer } : {}), ...(row.note ? { note: row.note } : {}) });
        console.log(
          `${row.name}: ${m.map((x) => `${x.name} ${fmtOps(x.opsPerSec)}`).join(' | ')}`,
        );
      }
    }
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  }
  console.log(`\n${table(results)}\n`);
  for (const r of results) if (r.note) console.log(`- ${r.row}: ${r.note}`);
  console.log(`\n${machine()}; total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), opts: OPTS, results }, null, 2));
  // A row that could not run is a failure, not a footnote (issue 18): the table above says which
  // and why, and the exit code says it to CI.
  const failed = results.filter((r) => r.na !== undefined);
  if (failed.length > 0) {
    console.error(`\nbench FAILED: ${failed.length} row(s) could not run: ${failed.map((r) => `${r.row} (${r.na})`).join('; ')}`);
    return 1;
  }
  return 0;
}

process.exit(await main());
