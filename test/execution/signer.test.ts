import fc from 'fast-check';
import {
  AccountRole,
  address,
  appendTransactionMessageInstructions,
  blockhash,
  compileTransactionMessage,
  compressTransactionMessageUsingAddressLookupTables,
  createTransactionMessage,
  getCompiledTransactionMessageDecoder,
  getCompiledTransactionMessageEncoder,
  pipe,
  setTransactionMessageComputeUnitLimit,
  setTransactionMessageComputeUnitPrice,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
} from '@solana/kit';
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { normalizePolicy } from '../../src/execution/policy/index.js';
import {
  checkTransactionRules,
  createScopedSigner,
  decodeTransactionMessage,
  looksLikeTransactionMessage,
  PACKET_DATA_SIZE,
} from '../../src/execution/signer.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { base58Encode } from '../helpers/secrets.js';
import { NOT_BYTES } from '../helpers/wrong-types.js';
import { testWallet } from '../helpers/wallet.js';
import {
  addr,
  basePolicy,
  BLOCKHASH,
  blockhashText,
  COMPUTE_BUDGET,
  DRIFT,
  encodeRaw,
  kitMessage,
  MEMO,
  simpleMessage,
  SYSTEM,
  systemTransferData,
  TOKEN,
  type RawMessage,
} from './_fixtures.js';

const kitDecoder = getCompiledTransactionMessageDecoder();
/** Limits that never bind, for the rule tests (time and count limits have their own tests). */
const LIMITS = { notAfter: Infinity, maxSignatures: 16 };
const kitEncoder = getCompiledTransactionMessageEncoder();

/** Kit's decode, normalized to our shape; 'error' if Kit throws; also how many bytes it read. */
function kitDecode(bytes: Uint8Array): { msg: unknown; end: number } | 'error' {
  try {
    const [m, end] = kitDecoder.read(bytes, 0) as [Record<string, unknown>, number];
    const ixs = m['instructions'] as { programAddressIndex: number; accountIndices?: number[]; data?: Uint8Array }[];
    return {
      end,
      msg: {
        version: m['version'],
        header: m['header'],
        staticAccounts: m['staticAccounts'],
        lifetimeToken: m['lifetimeToken'],
        instructions: ixs.map((ix) => ({ programAddressIndex: ix.programAddressIndex, accountIndices: ix.accountIndices ?? [], data: Uint8Array.from(ix.data ?? []) })),
        addressTableLookups: ((m['addressTableLookups'] ?? []) as { lookupTableAddress: string; writableIndexes: number[]; readonlyIndexes: number[] }[]).map((l) => ({ ...l })),
      },
    };
  } catch {
    return 'error';
  }
}
function ours(bytes: Uint8Array): unknown {
  const m = decodeTransactionMessage(bytes);
  return JSON.parse(JSON.stringify({ ...m, instructions: m.instructions.map((ix) => ({ ...ix, data: Array.from(ix.data) })) }));
}
function kitNormalized(k: { msg: unknown }): unknown {
  const m = k.msg as { instructions: { data: Uint8Array }[] };
  return JSON.parse(JSON.stringify({ ...m, instructions: m.instructions.map((ix) => ({ ...ix, data: Array.from(ix.data) })) }));
}

// -- generated, structurally valid messages -------------------------------------------------------

const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const messageArb: fc.Arbitrary<RawMessage> = fc
  .record({
    version: fc.constantFrom<'legacy' | 0>('legacy', 0),
    keys: fc.uniqueArray(key32, { minLength: 2, maxLength: 12, selector: (k) => Buffer.from(k).toString('hex') }),
    blockhash: key32,
    signers: fc.integer({ min: 1, max: 12 }),
    roSigners: fc.nat(),
    roUnsigned: fc.nat(),
    lookups: fc.array(fc.record({ table: key32, writable: fc.array(fc.nat(255), { maxLength: 3 }), readonly: fc.array(fc.nat(255), { maxLength: 3 }) }), { maxLength: 3 }),
    ixs: fc.array(fc.record({ p: fc.nat(), accounts: fc.array(fc.nat(), { maxLength: 6 }), data: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 5 }),
  })
  .map((r) => {
    const n = r.keys.length;
    const signers = 1 + (r.signers % n);
    const roSigners = r.roSigners % signers;
    const roUnsigned = r.roUnsigned % (n - signers + 1);
    const lookups = r.version === 0 ? r.lookups.filter((l) => l.writable.length + l.readonly.length > 0) : [];
    const total = n + lookups.reduce((s, l) => s + l.writable.length + l.readonly.length, 0);
    return {
      version: r.version,
      header: [signers, roSigners, roUnsigned] as [number, number, number],
      keys: r.keys,
      blockhash: r.blockhash,
      instructions: r.ixs.map((ix) => ({ program: 1 + (ix.p % (n - 1)), accounts: ix.accounts.map((a) => a % total), data: ix.data })),
      lookups,
    };
  });

function toKit(m: RawMessage) {
  return {
    version: m.version,
    header: { numSignerAccounts: m.header[0], numReadonlySignerAccounts: m.header[1], numReadonlyNonSignerAccounts: m.header[2] },
    staticAccounts: m.keys.map((k) => base58Encode(k) as Address),
    lifetimeToken: base58Encode(m.blockhash),
    instructions: m.instructions.map((ix) => ({ programAddressIndex: ix.program, accountIndices: ix.accounts, data: ix.data })),
    ...(m.version === 0 ? { addressTableLookups: (m.lookups ?? []).map((l) => ({ lookupTableAddress: base58Encode(l.table) as Address, writableIndexes: l.writable, readonlyIndexes: l.readonly })) } : {}),
  };
}

describe('transaction message decoder: differential against @solana/kit', () => {
  it('generated valid messages: our encoder = Kit encoder; our decode = Kit decode', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const bytes = encodeRaw(m);
        const kitBytes = Uint8Array.from(kitEncoder.encode(toKit(m) as never));
        expect(bytes).toEqual(kitBytes);
        if (bytes.length + 1 + 64 * m.header[0] > PACKET_DATA_SIZE) {
          expectCode(() => decodeTransactionMessage(bytes), 'INVALID_INPUT');
          return;
        }
        const k = kitDecode(bytes);
        expect(k).not.toBe('error');
        expect((k as { end: number }).end).toBe(bytes.length);
        expect(ours(bytes)).toEqual(kitNormalized(k as { msg: unknown }));
      }),
      { numRuns: 400 },
    );
  });

  it('mutated and random bytes: whatever we accept, Kit decodes identically and wholly; whatever Kit refuses, we refuse', () => {
    const mutated = fc.tuple(messageArb, fc.nat(), fc.nat(255), fc.constantFrom('flip', 'set', 'truncate', 'append', 'insert')).map(([m, pos, v, op]) => {
      const b = Array.from(encodeRaw(m));
      const i = pos % (b.length + 1);
      if (op === 'flip' && i < b.length) b[i]! ^= 1 << (v % 8);
      if (op === 'set' && i < b.length) b[i] = v;
      if (op === 'truncate') b.length = i;
      if (op === 'append') b.push(v);
      if (op === 'insert') b.splice(i, 0, v);
      return Uint8Array.from(b);
    });
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 300 })), (bytes) => {
        let mine: unknown;
        let threw: unknown;
        try {
          mine = ours(bytes);
        } catch (e) {
          threw = e;
        }
        const k = kitDecode(bytes);
        if (threw !== undefined) {
          // "Parser throws only library errors"
          expect(threw).toBeInstanceOf(AgentvaultError);
          expect((threw as AgentvaultError).code).toBe('INVALID_INPUT');
          return;
        }
        accepted++;
        expect(k).not.toBe('error');
        expect((k as { end: number }).end).toBe(bytes.length);
        expect(mine).toEqual(kitNormalized(k as { msg: unknown }));
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it('real-looking messages built by Kit (legacy, v0, compute budget, lookup-table accounts) decode as Kit decodes them', () => {
    const agent = testWallet(9).address;
    const other = testWallet(10).address;
    const table = testWallet(11).address;
    const base = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(address(agent), m),
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(blockhashText), lastValidBlockHeight: 1n }, m),
      (m) => setTransactionMessageComputeUnitLimit(200_000, m),
      (m) => setTransactionMessageComputeUnitPrice(1000n, m),
      (m) =>
        appendTransactionMessageInstructions(
          [
            { programAddress: address(DRIFT), accounts: [{ address: address(agent), role: AccountRole.WRITABLE_SIGNER }, { address: address(other), role: AccountRole.WRITABLE }], data: Uint8Array.of(9, 9, 9) },
            { programAddress: address(MEMO), data: new TextEncoder().encode('hello') },
          ],
          m,
        ),
    );
    const compressed = compressTransactionMessageUsingAddressLookupTables(base, { [address(table)]: [address(other)] });
    const fixtures = [
      kitMessage(agent, [{ program: DRIFT, accounts: [{ address: other, role: 'w' }] }], 'legacy'),
      kitMessage(agent, [{ program: MEMO, accounts: [], data: Uint8Array.of(1) }], 0),
      Uint8Array.from(kitEncoder.encode(compileTransactionMessage(base))),
      Uint8Array.from(kitEncoder.encode(compileTransactionMessage(compressed))),
    ];
    const withLookup = decodeTransactionMessage(fixtures[3]!);
    expect(withLookup.addressTableLookups.length).toBe(1);
    for (const bytes of fixtures) {
      const k = kitDecode(bytes);
      expect(k).not.toBe('error');
      expect(ours(bytes)).toEqual(kitNormalized(k as { msg: unknown }));
    }
  });
});

describe('transaction message decoder: strictness (refusals Kit does not make)', () => {
  const agent = testWallet(9).address;
  const good: RawMessage = {
    version: 0,
    header: [1, 0, 1],
    keys: [addr(agent), addr(MEMO)],
    blockhash: BLOCKHASH,
    instructions: [{ program: 1, accounts: [0], data: Uint8Array.of(1) }],
    lookups: [],
  };
  const reason = (bytes: Uint8Array) => expectCode(() => decodeTransactionMessage(bytes), 'INVALID_INPUT').details?.['reason'];

  it('the baseline decodes', () => {
    expect(decodeTransactionMessage(encodeRaw(good)).staticAccounts).toEqual([agent, MEMO]);
  });
  it('trailing bytes', () => expect(reason(Uint8Array.of(...encodeRaw(good), 0))).toBe('trailing-bytes'));
  it('truncated', () => expect(reason(encodeRaw(good).subarray(0, 40))).toBe('truncated'));
  it('empty', () => expect(reason(new Uint8Array(0))).toBe('truncated'));
  it('unsupported versions', () => {
    for (const v of [0x81, 0xfe, 0xff]) expect(reason(Uint8Array.of(v, ...encodeRaw(good).subarray(1)))).toBe('unsupported-version');
  });
  it('non-minimal compact-u16 (Kit accepts it; Agave does not)', () => {
    const b = Array.from(encodeRaw(good));
    // keys count 2 at offset 4 (after version + header) -> 0x82 0x00
    b.splice(4, 1, 0x82, 0x00);
    const bytes = Uint8Array.from(b);
    expect(kitDecode(bytes)).not.toBe('error');
    expect(reason(bytes)).toBe('bad-length');
  });
  it('header without a writable fee payer, or describing too many accounts', () => {
    expect(reason(encodeRaw({ ...good, header: [0, 0, 0] }))).toBe('bad-header');
    expect(reason(encodeRaw({ ...good, header: [1, 1, 0] }))).toBe('bad-header');
    expect(reason(encodeRaw({ ...good, header: [2, 0, 1] }))).toBe('bad-header');
  });
  it('out-of-range program and account indexes; program = fee payer', () => {
    expect(reason(encodeRaw({ ...good, instructions: [{ program: 2, accounts: [], data: new Uint8Array() }] }))).toBe('index-out-of-range');
    expect(reason(encodeRaw({ ...good, instructions: [{ program: 1, accounts: [5], data: new Uint8Array() }] }))).toBe('index-out-of-range');
    expect(reason(encodeRaw({ ...good, instructions: [{ program: 0, accounts: [], data: new Uint8Array() }] }))).toBe('program-is-fee-payer');
  });
  it('a program taken from an address lookup table', () => {
    const m = { ...good, lookups: [{ table: addr(DRIFT), writable: [], readonly: [3] }], instructions: [{ program: 2, accounts: [0], data: Uint8Array.of(1) }] };
    expect(reason(encodeRaw(m))).toBe('program-from-lookup-table');
    // an account (not a program) from a lookup table is fine
    expect(() => decodeTransactionMessage(encodeRaw({ ...m, instructions: [{ program: 1, accounts: [2], data: Uint8Array.of(1) }] }))).not.toThrow();
  });
  it('a lookup that loads nothing, duplicate keys, more than 256 accounts', () => {
    expect(reason(encodeRaw({ ...good, lookups: [{ table: addr(DRIFT), writable: [], readonly: [] }] }))).toBe('empty-lookup');
    expect(reason(encodeRaw({ ...good, keys: [addr(agent), addr(agent)] }))).toBe('duplicate-account');
    const many = Array.from({ length: 255 }, (_, i) => i);
    expect(reason(encodeRaw({ ...good, lookups: [{ table: addr(DRIFT), writable: many, readonly: [1, 2] }] }))).toBe('too-many-accounts');
  });
  it('longer than the packet, alone or with its signatures', () => {
    expect(reason(new Uint8Array(PACKET_DATA_SIZE + 1).fill(1))).toBe('too-long');
    const data = new Uint8Array(PACKET_DATA_SIZE - 65 - 100);
    const base = encodeRaw({ ...good, instructions: [{ program: 1, accounts: [], data }] });
    const fits = encodeRaw({ ...good, instructions: [{ program: 1, accounts: [], data: data.subarray(0, data.length - (base.length + 65 - PACKET_DATA_SIZE)) }] });
    expect(fits.length + 65).toBe(PACKET_DATA_SIZE);
    expect(() => decodeTransactionMessage(fits)).not.toThrow();
    const over = encodeRaw({ ...good, instructions: [{ program: 1, accounts: [], data: data.subarray(0, data.length - (base.length + 64 - PACKET_DATA_SIZE)) }] });
    expect(reason(over)).toBe('too-long');
  });
  it('wrong-typed input is INVALID_INPUT', () => {
    for (const [label, v] of NOT_BYTES) expect(() => decodeTransactionMessage(v as Uint8Array), label).toThrow(AgentvaultError);
  });
});

// -- the scoped signer --------------------------------------------------------------------------

describe('scoped signer rules', () => {
  const agentW = testWallet(21);
  const agent = agentW.address;
  const other = testWallet(22).address;
  const secret = () => Uint8Array.from(agentW.secretKey);
  const policy = normalizePolicy(basePolicy({ allowedPrograms: [DRIFT, MEMO, COMPUTE_BUDGET, TOKEN], maxPriorityFeeLamports: '10000' }));
  const refused = async (bytes: Uint8Array, p: Parameters<typeof createScopedSigner>[2] = policy) => {
    const { signer } = createScopedSigner(secret(), agent, p, LIMITS);
    return (await expectCodeAsync(signer.signTransactionMessage(bytes), 'SIGNING_REFUSED')).details?.['reason'];
  };

  it('a transaction to an allowed program signs; tweetnacl verifies the signature', async () => {
    const { signer } = createScopedSigner(secret(), agent, policy, LIMITS);
    for (const bytes of [simpleMessage(agent, DRIFT), kitMessage(agent, [{ program: DRIFT, accounts: [{ address: other, role: 'w' }] }])]) {
      const sig = await signer.signTransactionMessage(bytes);
      expect(sig.length).toBe(64);
      expect(nacl.sign.detached.verify(bytes, sig, agentW.publicKey)).toBe(true);
      expect(sig).toEqual(nacl.sign.detached(bytes, agentW.secretKey));
    }
  });

  it('a System Program transfer is refused (program never allowed), whatever the allowlist', async () => {
    const bytes = simpleMessage(agent, SYSTEM, systemTransferData(1_000_000_000n), [other]);
    expect(await refused(bytes)).toBe('program-never-allowed');
    // even if someone bypassed policy validation and listed it
    const forced = { ...policy, allowedPrograms: [...policy.allowedPrograms, SYSTEM] };
    expect(await refused(bytes, forced)).toBe('program-never-allowed');
  });

  it('an unlisted program, a non-agent fee payer, a lookup-table program, malformed and trailing bytes are refused', async () => {
    expect(await refused(simpleMessage(agent, 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4'))).toBe('program-not-allowed');
    expect(await refused(simpleMessage(other, DRIFT))).toBe('fee-payer-not-agent');
    const lut = encodeRaw({ version: 0, header: [1, 0, 0], keys: [addr(agent)], blockhash: BLOCKHASH, instructions: [{ program: 1, accounts: [0], data: Uint8Array.of(1) }], lookups: [{ table: addr(DRIFT), writable: [], readonly: [0] }] });
    expect(await refused(lut)).toBe('program-from-lookup-table');
    expect(await refused(Uint8Array.of(1, 2, 3))).toBe('truncated');
    expect(await refused(Uint8Array.of(...simpleMessage(agent, DRIFT), 0))).toBe('trailing-bytes');
  });

  it('SPL Token: transfers, approvals, authority changes and burns are refused; SyncNative and CloseAccount to the agent pass', async () => {
    const ata = testWallet(23).address;
    for (const tag of [3, 4, 6, 7, 8, 12, 13, 14, 15, 26, 27]) expect(await refused(simpleMessage(agent, TOKEN, Uint8Array.of(tag, 1, 2, 3, 4, 5, 6, 7, 8), [ata, other]))).toBe('token-instruction-not-allowed');
    expect(await refused(simpleMessage(agent, TOKEN, new Uint8Array(0)))).toBe('token-instruction-not-allowed');
    const { signer } = createScopedSigner(secret(), agent, policy, LIMITS);
    expect((await signer.signTransactionMessage(simpleMessage(agent, TOKEN, Uint8Array.of(17), [ata]))).length).toBe(64);
    // CloseAccount [account, destination, owner]
    const close = (dest: number) => encodeRaw({ version: 'legacy', header: [1, 0, 1], keys: [addr(agent), addr(ata), addr(other), addr(TOKEN)], blockhash: BLOCKHASH, instructions: [{ program: 3, accounts: [1, dest, 0], data: Uint8Array.of(9) }] });
    expect((await signer.signTransactionMessage(close(0))).length).toBe(64);
    expect(await refused(close(2))).toBe('token-instruction-not-allowed');
  });

  it('compute budget: priority fee within the policy maximum passes, above it is refused; unknown instructions refused', async () => {
    const cb = (price: bigint, limit?: number) => {
      const ixs: { program: string; accounts: never[]; data: Uint8Array }[] = [];
      if (limit !== undefined) {
        const d = Buffer.alloc(5);
        d[0] = 2;
        d.writeUInt32LE(limit, 1);
        ixs.push({ program: COMPUTE_BUDGET, accounts: [], data: Uint8Array.from(d) });
      }
      const d = Buffer.alloc(9);
      d[0] = 3;
      d.writeBigUInt64LE(price, 1);
      ixs.push({ program: COMPUTE_BUDGET, accounts: [], data: Uint8Array.from(d) });
      return kitMessage(agent, [...ixs, { program: DRIFT, accounts: [], data: Uint8Array.of(1) }]);
    };
    const { signer } = createScopedSigner(secret(), agent, policy, LIMITS);
    // 10_000 lamports max: 50_000 micro-lamports x 200_000 CU = 10_000 lamports
    expect((await signer.signTransactionMessage(cb(50_000n, 200_000))).length).toBe(64);
    expect(await refused(cb(50_001n, 200_000))).toBe('priority-fee-too-high');
    // no limit set: the worst case (1.4M CU) is assumed
    expect(await refused(cb(50_000n))).toBe('priority-fee-too-high');
    expect(await refused(cb(2n ** 64n - 1n, 200_000))).toBe('priority-fee-too-high');
    expect(await refused(simpleMessage(agent, COMPUTE_BUDGET, Uint8Array.of(0, 1, 2, 3, 4)))).toBe('compute-budget-not-allowed');
    const zeroFee = normalizePolicy(basePolicy({ allowedPrograms: [DRIFT, COMPUTE_BUDGET] }));
    expect(await refused(cb(1n, 200_000), zeroFee)).toBe('priority-fee-too-high');
  });

  it('checkTransactionRules refuses every instruction, not only the first', async () => {
    const m = decodeTransactionMessage(
      encodeRaw({ version: 'legacy', header: [1, 0, 2], keys: [addr(agent), addr(DRIFT), addr(SYSTEM)], blockhash: BLOCKHASH, instructions: [{ program: 1, accounts: [], data: Uint8Array.of(1) }, { program: 2, accounts: [0], data: systemTransferData(5n) }] }),
    );
    expectCode(() => checkTransactionRules(m, agent, policy), 'SIGNING_REFUSED');
  });

  it('signMessage: off by default; when allowed it signs text but never transaction bytes', async () => {
    const { signer } = createScopedSigner(secret(), agent, policy, LIMITS);
    const text = new TextEncoder().encode('hello from the bot');
    expect((await expectCodeAsync(signer.signMessage(text), 'SIGNING_REFUSED')).details?.['reason']).toBe('sign-message-disabled');
    const allowed = createScopedSigner(secret(), agent, normalizePolicy(basePolicy({ allowSignMessage: true })), LIMITS).signer;
    const sig = await allowed.signMessage(text);
    expect(nacl.sign.detached.verify(text, sig, agentW.publicKey)).toBe(true);
    for (const tx of [simpleMessage(agent, DRIFT), simpleMessage(agent, SYSTEM, systemTransferData(1n), [other]), Uint8Array.of(...simpleMessage(agent, DRIFT), 1, 2, 3), Uint8Array.of(0x81, 1, 0, 0)])
      expect((await expectCodeAsync(allowed.signMessage(tx), 'SIGNING_REFUSED')).details?.['reason']).toBe('looks-like-transaction');
    const offchain = Uint8Array.of(0xff, ...new TextEncoder().encode('solana offchain'), 0, 1, 2);
    expect((await allowed.signMessage(offchain)).length).toBe(64);
    expect(looksLikeTransactionMessage(offchain)).toBe(false);
  });

  it('fast-check: signMessage never signs anything that decodes as a transaction message', async () => {
    const allowed = createScopedSigner(secret(), agent, normalizePolicy(basePolicy({ allowSignMessage: true })), LIMITS).signer;
    await fc.assert(
      fc.asyncProperty(fc.oneof(messageArb.map(encodeRaw), fc.uint8Array({ maxLength: 200 })), async (bytes) => {
        let decodes = true;
        try {
          decodeTransactionMessage(bytes);
        } catch {
          decodes = false;
        }
        if (decodes) (await expectCodeAsync(allowed.signMessage(bytes), 'SIGNING_REFUSED'));
        if (kitDecode(bytes) !== 'error' && (kitDecode(bytes) as { end: number }).end === bytes.length) expect(looksLikeTransactionMessage(bytes)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('after close() the signer refuses everything', async () => {
    const s = createScopedSigner(secret(), agent, normalizePolicy(basePolicy({ allowSignMessage: true })), LIMITS);
    s.close();
    expect((await expectCodeAsync(s.signer.signTransactionMessage(simpleMessage(agent, DRIFT)), 'SIGNING_REFUSED')).details?.['reason']).toBe('signer-closed');
    expect((await expectCodeAsync(s.signer.signMessage(Uint8Array.of(1)), 'SIGNING_REFUSED')).details?.['reason']).toBe('signer-closed');
  });

  it('signs the bytes it checked, not bytes changed afterwards; the signer object prints no key', async () => {
    const { signer } = createScopedSigner(secret(), agent, policy, LIMITS);
    const bytes = simpleMessage(agent, DRIFT);
    const copy = Uint8Array.from(bytes);
    const sig = await signer.signTransactionMessage(bytes);
    expect(bytes).toEqual(copy);
    expect(nacl.sign.detached.verify(copy, sig, agentW.publicKey)).toBe(true);
    expect(JSON.stringify(signer)).not.toContain(Buffer.from(agentW.seed).toString('hex'));
    expect(Object.isFrozen(signer)).toBe(true);
  });
});

describe('scoped signer limits: time and count (SPEC 10.4.4)', () => {
  const agentW = testWallet(24);
  const agent = agentW.address;
  const secret = () => Uint8Array.from(agentW.secretKey);
  const policy = normalizePolicy(basePolicy({ allowSignMessage: true }));
  const T0 = Date.UTC(2025, 0, 31, 12, 0, 0);
  const reason = async (p: Promise<unknown>) => (await expectCodeAsync(p, 'SIGNING_REFUSED')).details?.['reason'];
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses (grant-expired) from notAfter on, on the default clock (Date.now, fake timers), for both methods', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const { signer } = createScopedSigner(secret(), agent, policy, { notAfter: T0 + 1000, maxSignatures: 16 });
    expect((await signer.signTransactionMessage(simpleMessage(agent, DRIFT))).length).toBe(64);
    vi.setSystemTime(T0 + 999);
    expect((await signer.signMessage(Uint8Array.of(1, 2, 3))).length).toBe(64);
    vi.setSystemTime(T0 + 1000);
    expect(await reason(signer.signTransactionMessage(simpleMessage(agent, DRIFT)))).toBe('grant-expired');
    expect(await reason(signer.signMessage(Uint8Array.of(1, 2, 3)))).toBe('grant-expired');
  });

  it('an odd clock fails closed: NaN, a string, a throwing clock', async () => {
    for (const clock of [() => NaN, () => '0' as unknown as number]) {
      const { signer } = createScopedSigner(secret(), agent, policy, { notAfter: Infinity, maxSignatures: 1, clock });
      expect(await reason(signer.signTransactionMessage(simpleMessage(agent, DRIFT)))).toBe('grant-expired');
    }
    const { signer } = createScopedSigner(secret(), agent, policy, { notAfter: Infinity, maxSignatures: 1, clock: () => { throw new Error('clock broke'); } });
    await expect(signer.signTransactionMessage(simpleMessage(agent, DRIFT))).rejects.toThrow(/clock broke/);
  });

  it("refuses outside the policy's time of day (outside-time-of-day), wrapping past midnight", async () => {
    let now = Date.UTC(2025, 0, 31, 21, 59);
    const night = normalizePolicy(basePolicy({ window: { timeOfDayUtc: { start: '22:00', end: '06:00' } } }));
    const { signer } = createScopedSigner(secret(), agent, night, { notAfter: Infinity, maxSignatures: 16, clock: () => now });
    expect(await reason(signer.signTransactionMessage(simpleMessage(agent, DRIFT)))).toBe('outside-time-of-day');
    now = Date.UTC(2025, 0, 31, 22, 0);
    expect((await signer.signTransactionMessage(simpleMessage(agent, DRIFT))).length).toBe(64);
    now = Date.UTC(2025, 1, 1, 5, 59);
    expect((await signer.signTransactionMessage(simpleMessage(agent, DRIFT))).length).toBe(64);
    now = Date.UTC(2025, 1, 1, 6, 0);
    expect(await reason(signer.signTransactionMessage(simpleMessage(agent, DRIFT)))).toBe('outside-time-of-day');
  });

  it('counts signatures, not attempts: a refused message does not spend one; signMessage is not counted', async () => {
    const { signer } = createScopedSigner(secret(), agent, policy, { notAfter: Infinity, maxSignatures: 2 });
    expect(await reason(signer.signTransactionMessage(simpleMessage(agent, SYSTEM, systemTransferData(1n))))).toBe('program-never-allowed');
    expect((await signer.signTransactionMessage(simpleMessage(agent, DRIFT))).length).toBe(64);
    expect((await signer.signMessage(Uint8Array.of(1))).length).toBe(64);
    expect((await signer.signTransactionMessage(simpleMessage(agent, MEMO))).length).toBe(64);
    expect(await reason(signer.signTransactionMessage(simpleMessage(agent, DRIFT)))).toBe('signature-limit-reached');
  });

  it('limits are validated: INVALID_INPUT', async () => {
    for (const limits of [undefined, {}, { notAfter: NaN, maxSignatures: 1 }, { notAfter: 0, maxSignatures: 0 }, { notAfter: 0, maxSignatures: 17 }, { notAfter: 0, maxSignatures: 1, clock: 5 }])
      expectCode(() => createScopedSigner(secret(), agent, policy, limits as never), 'INVALID_INPUT');
  });
});

describe('scoped signer: Associated Token Account program (SPEC 10.4.2)', () => {
  const agentW = testWallet(25);
  const agent = agentW.address;
  const ATA = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
  const mint = testWallet(26).address;
  const ata = testWallet(27).address;
  const other = testWallet(28).address;
  const policy = normalizePolicy(basePolicy({ allowedPrograms: [DRIFT, ATA, TOKEN] }));
  const signer = () => createScopedSigner(Uint8Array.from(agentW.secretKey), agent, policy, LIMITS).signer;
  /** Kit-built CreateIdempotent / Create, as a bot would build it (funder = agent). */
  const create = (wallet: string, data: Uint8Array) =>
    kitMessage(agent, [
      {
        program: ATA,
        accounts: [
          { address: agent, role: 'ws' },
          { address: ata, role: 'w' },
          ...(wallet === agent ? [] : [{ address: wallet, role: 'r' as const }]),
          { address: mint, role: 'r' },
          { address: SYSTEM, role: 'r' },
          { address: TOKEN, role: 'r' },
        ],
        data,
      },
    ]);

  it("Create and CreateIdempotent of the agent's own ATA sign; for another wallet they are refused (ata-instruction-not-allowed)", async () => {
    const own = (data: Uint8Array) =>
      kitMessage(agent, [
        {
          program: ATA,
          accounts: [
            { address: agent, role: 'ws' },
            { address: ata, role: 'w' },
            { address: agent, role: 'ws' },
            { address: mint, role: 'r' },
            { address: SYSTEM, role: 'r' },
            { address: TOKEN, role: 'r' },
          ],
          data,
        },
      ]);
    for (const data of [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(1)]) {
      const bytes = own(data);
      expect(nacl.sign.detached.verify(bytes, await signer().signTransactionMessage(bytes), agentW.publicKey)).toBe(true);
      expect((await expectCodeAsync(signer().signTransactionMessage(create(other, data)), 'SIGNING_REFUSED')).details?.['reason']).toBe('ata-instruction-not-allowed');
    }
    for (const data of [Uint8Array.of(1, 1), Uint8Array.of(3), Uint8Array.of(2, 0)])
      expect((await expectCodeAsync(signer().signTransactionMessage(own(data)), 'SIGNING_REFUSED')).details?.['reason']).toBe('ata-instruction-not-allowed');
  });

  it('a wallet index past the accounts, or from a lookup table, is refused', async () => {
    const short = encodeRaw({ version: 'legacy', header: [1, 0, 1], keys: [addr(agent), addr(ATA)], blockhash: BLOCKHASH, instructions: [{ program: 1, accounts: [0, 0], data: Uint8Array.of(1) }] });
    expect((await expectCodeAsync(signer().signTransactionMessage(short), 'SIGNING_REFUSED')).details?.['reason']).toBe('ata-instruction-not-allowed');
    const fromTable = encodeRaw({
      version: 0,
      header: [1, 0, 1],
      keys: [addr(agent), addr(ATA)],
      blockhash: BLOCKHASH,
      instructions: [{ program: 1, accounts: [0, 2, 3, 2, 2, 2], data: Uint8Array.of(1) }],
      lookups: [{ table: addr(DRIFT), writable: [0], readonly: [1] }],
    });
    expect((await expectCodeAsync(signer().signTransactionMessage(fromTable), 'SIGNING_REFUSED')).details?.['reason']).toBe('ata-instruction-not-allowed');
  });
});

describe('scoped signer: fees beyond the base fee (SPEC 10.4.2 rule 4)', () => {
  const agentW = testWallet(29);
  const agent = agentW.address;
  const cosigner = testWallet(30).address;
  const ED25519 = 'Ed25519SigVerify111111111111111111111111111';
  const SECP256K1 = 'KeccakSecp256k11111111111111111111111111111';
  const SECP256R1 = 'Secp256r1SigVerify1111111111111111111111111';
  const sign = (max: string, bytes: Uint8Array) => {
    const p = normalizePolicy(basePolicy({ allowedPrograms: [DRIFT, COMPUTE_BUDGET, ED25519, SECP256K1, SECP256R1], maxPriorityFeeLamports: max }));
    return createScopedSigner(Uint8Array.from(agentW.secretKey), agent, p, LIMITS).signer.signTransactionMessage(bytes);
  };
  const reason = async (max: string, bytes: Uint8Array) => (await expectCodeAsync(sign(max, bytes), 'SIGNING_REFUSED')).details?.['reason'];

  it('a second signer costs 5000 lamports against the cap; with the priority fee, the sum is capped', async () => {
    const twoSigners = kitMessage(agent, [{ program: DRIFT, accounts: [{ address: cosigner, role: 'rs' }], data: Uint8Array.of(1) }]);
    expect(await reason('0', twoSigners)).toBe('signature-fee-too-high');
    expect(await reason('4999', twoSigners)).toBe('signature-fee-too-high');
    expect((await sign('5000', twoSigners)).length).toBe(64);
    // 1000 lamports priority fee (5_000 micro-lamports x 200_000 CU) + 5000 for the cosigner.
    const withFee = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(address(agent), m),
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(blockhashText), lastValidBlockHeight: 1n }, m),
      (m) => setTransactionMessageComputeUnitLimit(200_000, m),
      (m) => setTransactionMessageComputeUnitPrice(5_000n, m),
      (m) => appendTransactionMessageInstructions([{ programAddress: address(DRIFT), accounts: [{ address: address(cosigner), role: AccountRole.READONLY_SIGNER }], data: Uint8Array.of(1) }], m),
    );
    const bytes = Uint8Array.from(kitEncoder.encode(compileTransactionMessage(withFee)));
    expect(await reason('5999', bytes)).toBe('signature-fee-too-high');
    expect((await sign('6000', bytes)).length).toBe(64);
    expect(await reason('999', bytes)).toBe('priority-fee-too-high');
  });

  it('each precompile (ed25519, secp256k1, secp256r1) is charged its declared signature count', async () => {
    for (const program of [ED25519, SECP256K1, SECP256R1]) {
      const m = (n: number) => simpleMessage(agent, program, Uint8Array.of(n, 0));
      expect((await sign('10000', m(2))).length, program).toBe(64);
      expect(await reason('10000', m(3)), program).toBe('signature-fee-too-high');
      // An empty precompile instruction declares no signature (the runtime reads data[0] or 0).
      expect((await sign('0', simpleMessage(agent, program, new Uint8Array(0)))).length).toBe(64);
    }
  });
});
