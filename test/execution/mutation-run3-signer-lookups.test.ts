/**
 * Survivor of the execution mutation re-run (issue 16 item 5): the scoped signer passes the
 * caller's resolved lookup tables to the pipeline (SPEC 10.4.2). A v0 message whose destination
 * sits in an address lookup table is signed only when the table's contents are supplied, and is
 * judged on the supplied contents. Messages compiled by Kit; signatures checked with tweetnacl.
 */
import {
  address,
  appendTransactionMessageInstructions,
  blockhash,
  compileTransactionMessage,
  compressTransactionMessageUsingAddressLookupTables,
  createTransactionMessage,
  getCompiledTransactionMessageEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
} from '@solana/kit';
import { findAssociatedTokenPda, getTransferCheckedInstruction } from '@solana-program/token';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { normalizePolicy } from '../../src/execution/policy/index.js';
import { createScopedSigner } from '../../src/execution/signer.js';
import { aLookupTables } from '../../src/execution/transaction/accounts.js';
import { expectCodeAsync } from '../helpers/errors.js';
import { testWallet } from '../helpers/wallet.js';
import { budgetedPolicy, friend, TOKEN, transferOrder, USDC } from './_budgeted.js';

const T0 = Date.UTC(2025, 0, 31, 12, 0, 0);
const BH = '4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi';

describe('scoped signer: address lookup tables supplied by the caller (SPEC 10.4.2)', () => {
  it('signs a v0 transfer whose destination is in a lookup table only with the table supplied, and judges the supplied contents', async () => {
    const agentW = testWallet(93);
    const agent = agentW.address;
    const { budgets: _ignored, ...unbudgeted } = budgetedPolicy(10) as unknown as Record<string, unknown>;
    const policy = normalizePolicy(unbudgeted as never);
    const ata = async (owner: string) => (await findAssociatedTokenPda({ owner: address(owner), mint: address(USDC), tokenProgram: address(TOKEN) }))[0];
    const source = await ata(agent);
    const destination = await ata(friend);
    const table = testWallet(94).address;
    const contents = [testWallet(95).address, destination, USDC];
    const message = Uint8Array.from(
      getCompiledTransactionMessageEncoder().encode(
        compileTransactionMessage(
          compressTransactionMessageUsingAddressLookupTables(
            pipe(
              createTransactionMessage({ version: 0 }),
              (x) => setTransactionMessageFeePayer(address(agent), x),
              (x) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(BH), lastValidBlockHeight: 1n }, x),
              (x) =>
                appendTransactionMessageInstructions(
                  [getTransferCheckedInstruction({ source, mint: address(USDC), destination, authority: { address: address(agent) } as never, amount: 5_000_000n, decimals: 6 })],
                  x,
                ),
            ) as never,
            { [table]: contents.map((a) => address(a)) } as Record<Address, Address[]>,
          ) as never,
        ),
      ),
    );
    const signerWith = (lookupTables?: Record<string, string[]>) =>
      createScopedSigner(Uint8Array.from(agentW.secretKey), agent, policy, { notAfter: Infinity, maxSignatures: 5, clock: () => T0 }, {
        order: transferOrder,
        // createScopedSigner takes the validated value withExecutionSigner builds (grant.ts).
        ...(lookupTables === undefined ? {} : { lookupTables: aLookupTables(lookupTables) }),
      }).signer;

    const sig = await signerWith({ [table]: contents }).signTransactionMessage(message);
    expect(nacl.sign.detached.verify(message, sig, agentW.publicKey)).toBe(true);
    // Without the table the destination cannot be read: refused, never signed blind.
    const blind = await expectCodeAsync(signerWith().signTransactionMessage(message), 'SIGNING_REFUSED');
    expect(blind.details?.['reason']).toBe('account-unresolved');
    // The contents the caller resolved are what is judged: another destination there is refused.
    const other = await expectCodeAsync(signerWith({ [table]: [contents[0]!, testWallet(96).address, USDC] }).signTransactionMessage(message), 'SIGNING_REFUSED');
    expect(other.details?.['reason']).toBe('destination-not-allowed');
  });
});
