/**
 * Shared fixtures for the execution tests: wallets (tweetnacl), a vault with an agent wallet, a
 * key wrapper, a valid policy, REAL enable-execution and reveal-mnemonic authorizations (issued and
 * verified through src/messages, signed with tweetnacl), and a naive transaction-message encoder
 * written here from the Solana wire format (it shares no code with src/).
 */
import {
  AccountRole,
  address,
  appendTransactionMessageInstructions,
  blockhash,
  compileTransactionMessage,
  createTransactionMessage,
  getCompiledTransactionMessageEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
} from '@solana/kit';
import { issueChallenge } from '../../src/messages/challenge.js';
import { verifySignedMessage } from '../../src/messages/challenge.js';
import type { VerifiedMessage } from '../../src/messages/authorization.js';
import { createAgentWallet, type AgentWallet } from '../../src/derivation/agent-wallet.js';
import { LocalKeyWrapper } from '../../src/execution/wrapper.js';
import { policyHash, type ExecutionPolicyInput } from '../../src/execution/policy/index.js';
import { MemoryNonceStore, MemoryRevocationStore } from '../../src/stores/memory.js';
import { createVault, prepareVault } from '../../src/vault/vault.js';
import type { UnlockedVault } from '../../src/vault/unlocked.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { base58Encode } from '../helpers/secrets.js';
import { testWallet, type TestWallet } from '../helpers/wallet.js';

/** 2025-01-31T12:00:00Z (a Friday, 12:00 UTC). */
export const NOW = Date.UTC(2025, 0, 31, 12, 0, 0);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const DOMAIN = 'app.example.com';
export const URI = 'https://app.example.com/bots';
export const BOT = 'bot-1';

export const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
export const JUPITER = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4';
export const MEMO = 'MemoSq4gqABAXKb96qnH8TyKtxUdMphoXfcDMGP9tW5';
export const SYSTEM = '11111111111111111111111111111111';
export const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const COMPUTE_BUDGET = 'ComputeBudget111111111111111111111111111111';

/** Bytes 0x11, 0x12, ... (32 distinct values): a key that passes the strength check. */
export const KEK1 = Uint8Array.from({ length: 32 }, (_, i) => 0x11 + i);
export const KEK2 = Uint8Array.from({ length: 32 }, (_, i) => 0x91 + i);
export const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

export function wrapperV1(): LocalKeyWrapper {
  return new LocalKeyWrapper({ keys: { v1: KEK1 } });
}
export function wrapperV1V2(): LocalKeyWrapper {
  return new LocalKeyWrapper({ keys: { v1: KEK1, v2: KEK2 } });
}

export function basePolicy(extra: Partial<ExecutionPolicyInput> = {}): ExecutionPolicyInput {
  return {
    enabled: true,
    allowedMarkets: ['SOL-PERP', 'BTC-PERP'],
    allowedOrderTypes: ['limit', 'market', 'cancel'],
    maxLeverage: '3',
    maxPositionNotional: '10000',
    maxSlippageBps: 50,
    dailyLossLimit: '500',
    killSwitch: false,
    allowedPrograms: [DRIFT, MEMO, COMPUTE_BUDGET],
    ...extra,
  };
}

export const goodOrder = { market: 'SOL-PERP', type: 'limit', side: 'buy', notional: '1000', leverage: '2' } as const;
export const goodState = { positionNotional: '0', dailyLoss: '0' } as const;

export interface Setup {
  owner: TestWallet;
  vault: UnlockedVault;
  agent: AgentWallet;
}

/** A wallet, its unlocked vault (real clock: the vault expires on wall time) and an agent wallet. */
export function setup(seedByte = 1): Setup {
  const owner = testWallet(seedByte);
  const prepared = prepareVault({ address: owner.address, domain: DOMAIN, chain: 'mainnet' });
  const sig = owner.sign(prepared.keyMessage);
  const { unlocked } = createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(owner.address, 'unlock') });
  const agent = createAgentWallet(unlocked!);
  return { owner, vault: unlocked!, agent };
}

export function newNonces(now = NOW): MemoryNonceStore {
  return new MemoryNonceStore({ sweepIntervalMs: 0, clock: () => now });
}
export function newRevocations(): MemoryRevocationStore {
  return new MemoryRevocationStore({ sweepIntervalMs: 0, clock: () => NOW });
}

/** A real, verified enable-execution authorization signed by `w` with tweetnacl, for the agent wallet `opts.agent`. */
export async function enableAuthorization(
  w: TestWallet,
  opts: { agent: string; bot?: string; policyHash?: string; policy?: ExecutionPolicyInput; windowMs?: number; notBefore?: number; now?: number; maxGrantWindowMs?: number; offchain?: boolean },
): Promise<VerifiedMessage> {
  const now = opts.now ?? NOW;
  const nonces = newNonces(now);
  const { message } = await issueChallenge({
    purpose: 'enable-execution',
    domain: DOMAIN,
    uri: URI,
    chain: 'mainnet',
    address: w.address,
    nonces,
    now,
    grant: {
      bot: opts.bot ?? BOT,
      agent: opts.agent,
      policyHash: opts.policyHash ?? policyHash(opts.policy ?? basePolicy()),
      ...(opts.windowMs !== undefined ? { windowMs: opts.windowMs } : {}),
      ...(opts.notBefore !== undefined ? { notBefore: opts.notBefore } : {}),
    },
    ...(opts.maxGrantWindowMs !== undefined ? { maxGrantWindowMs: opts.maxGrantWindowMs } : {}),
  });
  const expected = { domain: DOMAIN, uri: URI, chain: 'mainnet' as const, purpose: 'enable-execution' as const };
  if (opts.offchain) {
    const { encodeOffchainMessage } = await import('../../src/messages/offchain.js');
    const bytes = encodeOffchainMessage(message, w.address);
    return verifySignedMessage({ signedBytes: bytes, signature: w.sign(bytes), nonces, expected, now });
  }
  return verifySignedMessage({ message, signature: w.sign(message), nonces, expected, now });
}

/** A real, verified reveal-mnemonic authorization. */
export async function revealAuthorization(w: TestWallet, now = NOW): Promise<VerifiedMessage> {
  const nonces = newNonces(now);
  const { message } = await issueChallenge({ purpose: 'reveal-mnemonic', domain: DOMAIN, uri: URI, chain: 'mainnet', address: w.address, nonces, now });
  return verifySignedMessage({
    message,
    signature: w.sign(message),
    nonces,
    expected: { domain: DOMAIN, uri: URI, chain: 'mainnet', purpose: 'reveal-mnemonic' },
    now,
  });
}

// -- transaction messages -------------------------------------------------------------------------

export interface RawMessage {
  version: 'legacy' | 0;
  header: [number, number, number];
  keys: Uint8Array[];
  blockhash: Uint8Array;
  instructions: { program: number; accounts: number[]; data: Uint8Array }[];
  lookups?: { table: Uint8Array; writable: number[]; readonly: number[] }[];
}

/** compact-u16 (Solana short_vec), written from the spec. */
export function shortVec(n: number): number[] {
  const out: number[] = [];
  let v = n;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if (v === 0) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A naive encoder of the wire format (no validation, so tests can build broken messages). */
export function encodeRaw(m: RawMessage): Uint8Array {
  const out: number[] = [];
  if (m.version === 0) out.push(0x80);
  out.push(...m.header, ...shortVec(m.keys.length));
  for (const k of m.keys) out.push(...k);
  out.push(...m.blockhash, ...shortVec(m.instructions.length));
  for (const ix of m.instructions) out.push(ix.program, ...shortVec(ix.accounts.length), ...ix.accounts, ...shortVec(ix.data.length), ...ix.data);
  if (m.version === 0) {
    const l = m.lookups ?? [];
    out.push(...shortVec(l.length));
    for (const t of l) out.push(...t.table, ...shortVec(t.writable.length), ...t.writable, ...shortVec(t.readonly.length), ...t.readonly);
  }
  return Uint8Array.from(out);
}

export const addr = (s: string) => Uint8Array.from(base58Decode(s));
function base58Decode(s: string): number[] {
  const A = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for (const c of s) n = n * 58n + BigInt(A.indexOf(c));
  const out: number[] = [];
  while (n > 0n) {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of s) {
    if (c !== '1') break;
    out.unshift(0);
  }
  while (out.length < 32) out.unshift(0);
  return out;
}
export const BLOCKHASH = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
export const blockhashText = base58Encode(BLOCKHASH);

/** System Program Transfer data: u32 LE 2 || u64 LE lamports. */
export function systemTransferData(lamports: bigint): Uint8Array {
  const d = Buffer.alloc(12);
  d.writeUInt32LE(2, 0);
  d.writeBigUInt64LE(lamports, 4);
  return Uint8Array.from(d);
}

/** A legacy message: agent pays, one instruction to `program` with `accounts` (agent first). */
export function simpleMessage(agent: string, program: string, data: Uint8Array = Uint8Array.of(1, 2, 3), extraAccounts: string[] = []): Uint8Array {
  const keys = [addr(agent), ...extraAccounts.map(addr), addr(program)];
  return encodeRaw({
    version: 'legacy',
    header: [1, 0, 1],
    keys,
    blockhash: BLOCKHASH,
    instructions: [{ program: keys.length - 1, accounts: [0, ...extraAccounts.map((_, i) => i + 1)], data }],
  });
}

/** A message built and encoded by Kit (the way a bot would build one). */
export function kitMessage(
  feePayer: string,
  instructions: { program: string; accounts: { address: string; role: 'w' | 'r' | 'ws' | 'rs' }[]; data?: Uint8Array }[],
  version: 'legacy' | 0 = 0,
): Uint8Array {
  const role = { w: AccountRole.WRITABLE, r: AccountRole.READONLY, ws: AccountRole.WRITABLE_SIGNER, rs: AccountRole.READONLY_SIGNER } as const;
  const msg = pipe(
    createTransactionMessage({ version }),
    (m) => setTransactionMessageFeePayer(address(feePayer), m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(blockhashText), lastValidBlockHeight: 1000n }, m),
    (m) =>
      appendTransactionMessageInstructions(
        instructions.map((ix) => ({
          programAddress: address(ix.program),
          accounts: ix.accounts.map((a) => ({ address: address(a.address), role: role[a.role] })),
          ...(ix.data ? { data: ix.data } : {}),
        })),
        m,
      ),
  );
  return Uint8Array.from(getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(msg)));
}
