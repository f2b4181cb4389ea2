/**
 * vectors/policy-v2-transactions.json (SPEC 10.4): the library's decisions must equal the file's,
 * and a naive checker written here (Kit's own message decoder, @solana-program/token's
 * findAssociatedTokenPda, the SPEC 10.4 rules re-implemented from the text) must reach the same
 * decisions independently.
 */
import { readFileSync } from 'node:fs';
import { address, getCompiledTransactionMessageDecoder } from '@solana/kit';
import { findAssociatedTokenPda } from '@solana-program/token';
import { describe, expect, it } from 'vitest';
import { asOrder, asPolicy } from '../helpers/untyped.js';
import { explainTransaction } from '../../src/execution/pipeline/explain.js';

interface Case {
  name: string;
  agent: string;
  order: Record<string, string>;
  lookupTables?: Record<string, string[]>;
  messageBase64: string;
  decision: { allowed: boolean; reason?: string; rule?: string; instructionIndex?: number };
}
const file = JSON.parse(readFileSync(new URL('../../vectors/policy-v2-transactions.json', import.meta.url), 'utf8')) as {
  source: string;
  policy: { programs: { program: string; native: string; instructions: string[] }[]; transfers: { maxAmount: Record<string, string>; destinations: string[] }; wrapSol: { maxLamports: string }; maxPriorityFeeLamports: string };
  valid: Case[];
  invalid: Case[];
};
const all = [...file.valid, ...file.invalid];
const SYSTEM = '11111111111111111111111111111111';
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
const WSOL = 'So11111111111111111111111111111111111111112';

const le = (d: Uint8Array, off: number, n: number) => {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(d[off + i]!);
  return v;
};

/** The SPEC 10.4 rules for native programs, written naively from the text. */
async function naive(c: Case): Promise<Case['decision']> {
  const p = file.policy;
  const ata = async (owner: string, mint: string, prog: string) => (await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: address(prog) }))[0] as string;
  const bytes = Buffer.from(c.messageBase64, 'base64');
  if (bytes[0]! > 0x80) return { allowed: false, reason: 'unsupported-version', rule: 'message' };
  const m = getCompiledTransactionMessageDecoder().decode(bytes) as unknown as {
    staticAccounts: string[];
    header: { numSignerAccounts: number };
    instructions: { programAddressIndex: number; accountIndices?: number[]; data?: Uint8Array }[];
    addressTableLookups?: { lookupTableAddress: string; writableIndexes: number[]; readonlyIndexes: number[] }[];
  };
  const deny = (reason: string, rule: string, instructionIndex?: number) => ({ allowed: false, reason, rule, ...(instructionIndex === undefined ? {} : { instructionIndex }) });
  if (m.staticAccounts[0] !== c.agent) return deny('fee-payer-not-agent', 'agent');
  const keys: (string | undefined)[] = [...m.staticAccounts];
  for (const kind of ['writableIndexes', 'readonlyIndexes'] as const)
    for (const l of m.addressTableLookups ?? []) {
      const t = c.lookupTables?.[l.lookupTableAddress];
      for (const i of l[kind]) {
        if (t && i >= t.length) return deny('lookup-table-mismatch', 'lookupTables');
        keys.push(t?.[i]);
      }
    }
  const sorted = [...p.programs].sort((a, b) => (a.program < b.program ? -1 : 1));
  const ixs = m.instructions.map((ix, index) => ({ index, program: m.staticAccounts[ix.programAddressIndex]!, acc: (ix.accountIndices ?? []).map((i) => keys[i]), d: ix.data ?? new Uint8Array() }));
  for (const ix of ixs) if (!sorted.some((r) => r.program === ix.program)) return deny('program-not-allowed', 'programs', ix.index);
  let wrap = 0n;
  let cuLimit = 1_400_000n;
  let cuPrice = 0n;
  const moves: { index: number; mint: string; amount: bigint; dest: string; prog: string }[] = [];
  const wraps: { index: number; lamports: bigint }[] = [];
  const kinds: { index: number; kind: string }[] = [];
  const totals = new Map<string, bigint>();
  for (const ix of ixs) {
    const ri = sorted.findIndex((r) => r.program === ix.program);
    const rule = sorted[ri]!;
    const list = `programs[${ri}].instructions`;
    const need = (a: string | undefined, path: string) => (a === undefined ? deny('account-unresolved', path, ix.index) : null);
    if (ix.program === SYSTEM) {
      if (le(ix.d, 0, 4) !== 2n || ix.d.length !== 12) return deny('instruction-not-allowed', list, ix.index);
      if (ix.acc[0] !== c.agent) return deny('source-not-agent', 'wrapSol', ix.index);
      if (ix.acc[1] !== (await ata(c.agent, WSOL, TOKEN))) return deny('destination-not-allowed', 'wrapSol', ix.index);
      wrap += le(ix.d, 4, 8);
      if (wrap > BigInt(p.wrapSol.maxLamports)) return deny('amount-above-cap', 'wrapSol.maxLamports', ix.index);
      wraps.push({ index: ix.index, lamports: le(ix.d, 4, 8) });
    } else if (ix.program === TOKEN || ix.program === TOKEN22) {
      const tag = ix.d[0];
      const names: Record<number, string> = { 3: 'Transfer', 12: 'TransferChecked', 9: 'CloseAccount', 17: 'SyncNative' };
      const name = tag === undefined ? undefined : names[tag];
      if (name === undefined || !rule.instructions.includes(name)) return deny('instruction-not-allowed', list, ix.index);
      if (name === 'CloseAccount') {
        if (ix.acc[1] !== c.agent) return deny('destination-not-allowed', list, ix.index);
      } else if (name === 'Transfer' || name === 'TransferChecked') {
        const mints = Object.keys(p.transfers.maxAmount);
        let mint: string | undefined;
        if (name === 'TransferChecked') {
          const u = need(ix.acc[1], 'transfers.maxAmount');
          if (u) return u;
          mint = ix.acc[1]!;
          if (!mints.includes(mint)) return deny('mint-not-allowed', 'transfers.maxAmount', ix.index);
        } else {
          for (const cand of mints) if ((await ata(c.agent, cand, ix.program)) === ix.acc[0]) mint = cand;
          if (mint === undefined) return deny('mint-not-allowed', 'transfers.maxAmount', ix.index);
        }
        const dest = ix.acc[name === 'TransferChecked' ? 2 : 1];
        const u = need(dest, 'transfers.destinations');
        if (u) return u;
        const okDest = [];
        for (const o of [c.agent, ...p.transfers.destinations]) okDest.push(await ata(o, mint, ix.program));
        if (!okDest.includes(dest!)) return deny('destination-not-allowed', 'transfers.destinations', ix.index);
        const amount = le(ix.d, 1, 8);
        totals.set(mint, (totals.get(mint) ?? 0n) + amount);
        if (totals.get(mint)! > BigInt(p.transfers.maxAmount[mint]!)) return deny('amount-above-cap', `transfers.maxAmount.${mint}`, ix.index);
        moves.push({ index: ix.index, mint, amount, dest: dest!, prog: ix.program });
        kinds.push({ index: ix.index, kind: 'transfer' });
      }
    } else if (rule.native === 'associated-token') {
      if (ix.acc[2] !== c.agent) return deny('owner-not-agent', list, ix.index);
      if (ix.acc[1] !== (await ata(c.agent, ix.acc[3]!, ix.acc[5]!))) return deny('ata-mismatch', list, ix.index);
    } else if (rule.native === 'compute-budget') {
      if (ix.d[0] === 2) cuLimit = le(ix.d, 1, 4);
      else if (ix.d[0] === 3) cuPrice = le(ix.d, 1, 8);
    }
  }
  const max = BigInt(p.maxPriorityFeeLamports);
  const fee = (cuPrice * cuLimit + 999_999n) / 1_000_000n;
  if (fee > max) return deny('priority-fee-too-high', 'maxPriorityFeeLamports');
  if (fee + 5000n * BigInt(m.header.numSignerAccounts - 1) > max) return deny('signature-fee-too-high', 'maxPriorityFeeLamports');
  const kind = c.order['type'] === 'transfer' ? 'transfer' : c.order['type'] === 'swap' ? 'swap' : 'perp';
  for (const k of kinds) if (k.kind !== kind) return deny('order-kind-mismatch', 'transfers', k.index);
  if (kinds.length === 0) return deny('order-not-implemented', 'order');
  let wrapped = 0n;
  for (const w of wraps) {
    wrapped += w.lamports;
    const cap = kind === 'swap' && c.order['inputMint'] === WSOL ? BigInt(c.order['inputAmount']!) : kind === 'transfer' && c.order['mint'] === WSOL ? BigInt(c.order['amount']!) : undefined;
    if (cap === undefined) return deny('order-mismatch', kind === 'swap' ? 'order.inputMint' : 'order.type', w.index);
    if (wrapped > cap) return deny('order-mismatch', kind === 'swap' ? 'order.inputAmount' : 'order.amount', w.index);
  }
  let moved = 0n;
  for (const t of moves) {
    if (t.mint !== c.order['mint']) return deny('order-mismatch', 'order.mint', t.index);
    if (t.dest !== (await ata(c.order['destination']!, t.mint, t.prog))) return deny('order-mismatch', 'order.destination', t.index);
    moved += t.amount;
    if (moved > BigInt(c.order['amount']!)) return deny('order-mismatch', 'order.amount', t.index);
  }
  return { allowed: true };
}

describe('vectors/policy-v2-transactions.json', () => {
  it('has positive and negative cases from outside the library', () => {
    expect(file.valid.length).toBeGreaterThanOrEqual(5);
    expect(file.invalid.length).toBeGreaterThanOrEqual(15);
    expect(file.source).toMatch(/@solana-program\/token/);
  });
  for (const c of all) {
    it(`${c.decision.allowed ? 'allowed' : 'refused'}: ${c.name}`, async () => {
      const e = explainTransaction({ policy: asPolicy(file.policy), agent: c.agent, message: Buffer.from(c.messageBase64, 'base64'), order: asOrder(c.order), evaluateOrder: false, ...(c.lookupTables ? { lookupTables: c.lookupTables } : {}) });
      const lib = { allowed: e.allowed, ...(e.reason ? { reason: e.reason } : {}), ...(e.rule ? { rule: e.rule } : {}), ...(e.instructionIndex !== undefined ? { instructionIndex: e.instructionIndex } : {}) };
      expect(lib).toEqual(c.decision);
      expect(await naive(c)).toEqual(c.decision);
    });
  }
});
