/**
 * Stage 4: match every decoded instruction against its program's rule (SPEC 10.4.5 step 5, 10.4.7). Default deny;
 * the first refusal wins. Native programs are judged by the fixed native rules below, Anchor
 * programs by the one constraint engine. Also computes what the transaction costs and moves
 * (fees, SOL and token outflows) for the later stages: bind and spend.
 * @module
 */
import type { PolicyV2 } from '../policy/normalize.js';
import type { OrderKind, OrderV2 } from '../policy/types.js';
import type { AnchorProgramRule, NativeProgramRule } from '../policy/v2.js';
import type { DecodedInstruction } from '../programs/types.js';
import { associatedTokenAddress, associatedTokenAddresses, TOKEN_2022_PROGRAM, TOKEN_PROGRAM, WSOL_MINT } from '../transaction/ata.js';
import type { DecodedTransactionMessage } from '../transaction/decode.js';
import { checkInstructionRule } from './_constraints.js';
import type { RuledInstruction } from './instructions.js';
import { refuse } from './refuse.js';

/** Base fee per signature (lamports), charged to the fee payer (the agent). */
export const LAMPORTS_PER_SIGNATURE = 5000n;
/** Compute-unit limit the runtime assumes when a message sets none: the per-transaction maximum. */
export const MAX_COMPUTE_UNITS = 1_400_000n;

/** A token transfer the rules allowed (what binding and budgets read). */
export interface TokenMove {
  readonly index: number;
  readonly program: string;
  readonly mint: string;
  readonly amount: bigint;
  readonly source: string;
  readonly destination: string;
}

/** What the matched transaction does, for `bind` and `spend`. */
export interface MatchFacts {
  /** Per instruction: the order kinds it may serve (`any` = auxiliary) and the policy path of that choice. */
  readonly serves: readonly { readonly index: number; readonly kinds: readonly OrderKind[]; readonly path: string }[];
  /** System transfers agent -> agent's wSOL ATA. */
  readonly wraps: readonly { readonly index: number; readonly lamports: bigint }[];
  readonly tokenMoves: readonly TokenMove[];
  /** ceil(price x limit / 1e6), limit defaulting to the maximum. */
  readonly priorityFee: bigint;
  /** Every signature of the message (the agent pays each one's base fee). */
  readonly signatures: number;
  /** Signature fees (all signers) + priority fee. */
  readonly feeLamports: bigint;
}

const ANY: readonly OrderKind[] = Object.freeze(['any']);
const TRANSFER: readonly OrderKind[] = Object.freeze(['transfer']);

interface Ctx {
  readonly agent: string;
  readonly policy: PolicyV2;
  readonly order: OrderV2 | undefined;
}

/** The named account, which the rule must inspect: refused when a lookup table left it unresolved. */
function account(ix: DecodedInstruction, name: string, rule: string): string {
  const a = ix.accounts[name];
  if (a === undefined)
    refuse('account-unresolved', `the rule must inspect account '${name}', loaded from a lookup table whose contents were not supplied`, rule, ix.index);
  return a;
}

function nativeRule(ix: DecodedInstruction, rule: NativeProgramRule, path: string, c: Ctx, acc: Acc): readonly OrderKind[] {
  const listPath = `${path}.instructions`;
  if (!rule.instructions.includes(ix.name)) refuse('instruction-not-allowed', `${ix.name} is not an instruction the policy lists for this program`, listPath, ix.index);
  const args = ix.args as Readonly<Record<string, bigint | string>>;
  switch (rule.native) {
    case 'system': {
      // SPEC 10.4.7: only Transfer, only agent -> the agent's own wSOL ATA under the classic Token
      // program (the So111... mint is a Token mint; its "Token-2022 ATA" can never be created, so
      // lamports sent there are lost: review F4), capped.
      if (ix.name !== 'Transfer') refuse('instruction-not-allowed', `System ${ix.name} is never allowed`, listPath, ix.index);
      const wrap = c.policy.wrapSol;
      if (wrap === undefined) refuse('instruction-not-allowed', 'the policy does not allow wrapping SOL', 'wrapSol', ix.index);
      if (account(ix, 'source', 'wrapSol') !== c.agent) refuse('source-not-agent', 'a System transfer must come from the agent', 'wrapSol', ix.index);
      if (account(ix, 'destination', 'wrapSol') !== associatedTokenAddress(c.agent, TOKEN_PROGRAM, WSOL_MINT))
        refuse('destination-not-allowed', "a System transfer may only go to the agent's own wrapped-SOL account", 'wrapSol', ix.index);
      const lamports = args['lamports'] as bigint;
      acc.wrapTotal += lamports;
      if (acc.wrapTotal > BigInt(wrap.maxLamports)) refuse('amount-above-cap', 'SOL wrapped in this transaction exceeds the cap', 'wrapSol.maxLamports', ix.index);
      acc.wraps.push({ index: ix.index, lamports });
      return ANY;
    }
    case 'spl-token':
    case 'spl-token-2022':
      return tokenRule(ix, listPath, c, acc);
    case 'associated-token': {
      // The created account belongs to `wallet`, who alone can close it and collect the rent: the agent (review E1).
      if (ix.name === 'RecoverNested') {
        if (account(ix, 'wallet', listPath) !== c.agent) refuse('owner-not-agent', "RecoverNested must recover the agent's own nested account", listPath, ix.index);
        return ANY;
      }
      if (account(ix, 'wallet', listPath) !== c.agent) refuse('owner-not-agent', "Create/CreateIdempotent must create the agent's own associated token account", listPath, ix.index);
      const tokenProgram = account(ix, 'tokenProgram', listPath);
      if (tokenProgram !== TOKEN_PROGRAM && tokenProgram !== TOKEN_2022_PROGRAM)
        refuse('ata-mismatch', 'the associated token account names an unknown token program', listPath, ix.index);
      if (account(ix, 'ata', listPath) !== associatedTokenAddress(c.agent, tokenProgram, account(ix, 'mint', listPath)))
        refuse('ata-mismatch', 'the account is not the associated token account of (wallet, token program, mint)', listPath, ix.index);
      return ANY;
    }
    case 'compute-budget': {
      if (ix.name === 'SetComputeUnitLimit') acc.cuLimit = args['units'] as bigint;
      else if (ix.name === 'SetComputeUnitPrice') acc.cuPrice = args['microLamports'] as bigint;
      else if (ix.name !== 'RequestHeapFrame' && ix.name !== 'SetLoadedAccountsDataSizeLimit')
        refuse('instruction-not-allowed', `ComputeBudget ${ix.name} is never allowed`, listPath, ix.index);
      return ANY;
    }
  }
}

function tokenRule(ix: DecodedInstruction, listPath: string, c: Ctx, acc: Acc): readonly OrderKind[] {
  switch (ix.name) {
    case 'Transfer':
    case 'TransferChecked': {
      const t = c.policy.transfers;
      if (t === undefined) refuse('instruction-not-allowed', 'the policy allows no token transfer', 'transfers', ix.index);
      const mints = Object.keys(t.maxAmount);
      let mint: string;
      if (ix.name === 'TransferChecked') {
        mint = account(ix, 'mint', 'transfers.maxAmount');
        if (!mints.includes(mint)) refuse('mint-not-allowed', 'the mint is not one the policy lets move', 'transfers.maxAmount', ix.index);
      } else {
        // Plain Transfer names no mint: it is known only when the source is the agent's ATA of a listed mint.
        const source = account(ix, 'source', 'transfers.maxAmount');
        const found = mints.find((m) => associatedTokenAddress(c.agent, ix.program, m) === source);
        if (found === undefined)
          refuse('mint-not-allowed', "a plain Transfer must come from the agent's associated token account of a listed mint (else use TransferChecked)", 'transfers.maxAmount', ix.index);
        mint = found;
      }
      const destination = account(ix, 'destination', 'transfers.destinations');
      const owners = [c.agent, ...t.destinations];
      if (!owners.some((o) => associatedTokenAddress(o, ix.program, mint) === destination))
        refuse('destination-not-allowed', "the destination is not the associated token account of a listed destination or of the agent", 'transfers.destinations', ix.index);
      const amount = (ix.args as Readonly<Record<string, bigint>>)['amount']!;
      const total = (acc.tokenTotals.get(mint) ?? 0n) + amount;
      acc.tokenTotals.set(mint, total);
      if (total > BigInt(t.maxAmount[mint]!)) refuse('amount-above-cap', 'the amount of this mint moved in this transaction exceeds the cap', `transfers.maxAmount.${mint}`, ix.index);
      acc.tokenMoves.push({ index: ix.index, program: ix.program, mint, amount, source: ix.accounts['source']!, destination });
      return TRANSFER;
    }
    case 'CloseAccount':
      // The lamports of a closed account may only return to the agent.
      if (account(ix, 'destination', listPath) !== c.agent) refuse('destination-not-allowed', 'CloseAccount must send the lamports to the agent', listPath, ix.index);
      return ANY;
    case 'InitializeAccount':
    case 'InitializeAccount2':
    case 'InitializeAccount3':
    case 'SyncNative':
    case 'Revoke':
      return ANY;
    default:
      // Approvals, authority changes, burns, mints, extension instructions (SPEC 10.4.7).
      return refuse('instruction-not-allowed', `token ${ix.name} is never allowed`, listPath, ix.index);
  }
}

interface Acc {
  wrapTotal: bigint;
  wraps: { index: number; lamports: bigint }[];
  tokenTotals: Map<string, bigint>;
  tokenMoves: TokenMove[];
  cuLimit: bigint | undefined;
  cuPrice: bigint;
}

function anchorRule(ix: DecodedInstruction, rule: AnchorProgramRule, path: string, c: Ctx): { kinds: readonly OrderKind[]; path: string } {
  const ir = Object.prototype.hasOwnProperty.call(rule.instructions, ix.name) ? rule.instructions[ix.name] : undefined;
  if (ir === undefined) refuse('instruction-not-allowed', `${ix.name} is not an instruction the policy lists for this program`, `${path}.instructions`, ix.index);
  const irPath = `${path}.instructions.${ix.name}`;
  const r = checkInstructionRule(ir, ix, { agent: c.agent, order: c.order, ataOf: associatedTokenAddresses, path: irPath });
  if (r !== undefined) refuse(r.reason, r.message, r.rule, ix.index);
  return { kinds: ir.for, path: `${irPath}.for` };
}

/** Stage 4. Throws SIGNING_REFUSED on the first instruction no rule allows. */
export function matchStage(msg: DecodedTransactionMessage, ixs: readonly RuledInstruction[], agent: string, policy: PolicyV2, order: OrderV2 | undefined): MatchFacts {
  const c: Ctx = { agent, policy, order };
  const acc: Acc = { wrapTotal: 0n, wraps: [], tokenTotals: new Map(), tokenMoves: [], cuLimit: undefined, cuPrice: 0n };
  const serves: MatchFacts['serves'][number][] = [];
  for (const { decoded, rule, ruleIndex } of ixs) {
    const path = `programs[${ruleIndex}]`;
    if ('native' in rule) {
      const kinds = nativeRule(decoded, rule, path, c, acc);
      serves.push({ index: decoded.index, kinds, path: kinds === TRANSFER ? 'transfers' : `${path}.instructions` });
    } else {
      const r = anchorRule(decoded, rule, path, c);
      serves.push({ index: decoded.index, ...r });
    }
  }
  // Fees (SPEC 10.4.2 rule 4): priority fee = ceil(price x limit / 1e6), limit defaulting to the
  // maximum; every signature beyond the agent's own costs the agent the base fee too.
  const max = BigInt(policy.maxPriorityFeeLamports);
  const priorityFee = (acc.cuPrice * (acc.cuLimit ?? MAX_COMPUTE_UNITS) + 999_999n) / 1_000_000n;
  if (priorityFee > max) refuse('priority-fee-too-high', 'priority fee above the policy maximum', 'maxPriorityFeeLamports');
  const signatures = msg.header.numSignerAccounts;
  if (priorityFee + LAMPORTS_PER_SIGNATURE * BigInt(signatures - 1) > max)
    refuse('signature-fee-too-high', 'the fees of extra signers and the priority fee exceed the policy maximum', 'maxPriorityFeeLamports');
  return Object.freeze({
    serves: Object.freeze(serves.map((s) => Object.freeze(s))),
    wraps: Object.freeze(acc.wraps.map((w) => Object.freeze(w))),
    tokenMoves: Object.freeze(acc.tokenMoves.map((t) => Object.freeze(t))),
    priorityFee,
    signatures,
    feeLamports: priorityFee + LAMPORTS_PER_SIGNATURE * BigInt(signatures),
  });
}
