/**
 * agentvault/kit/web3 (SPEC 10.9): sign web3.js 1.x VersionedTransaction and legacy Transaction
 * with the scoped signer. Reference: web3.js's own `sign([Keypair])` over the same secret key, and
 * tweetnacl: byte-identical signatures and serialized transactions.
 */
import {
  Keypair,
  PublicKey,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from '@solana/web3.js';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { signLegacyTransaction, signVersionedTransaction, type Web3LegacyTransactionLike, type Web3VersionedTransactionLike } from '../../src/kit/web3.js';
import { expectCodeAsync } from '../helpers/errors.js';
import { MEMO } from '../execution/_fixtures.js';
import { agentWallet, scopedSigner } from './_signer.js';

const BLOCKHASH = '4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi';
const agentKey = new PublicKey(agentWallet.address);
const memoIx = (signer = agentKey) =>
  new TransactionInstruction({ programId: new PublicKey(MEMO), keys: [{ pubkey: signer, isSigner: true, isWritable: false }], data: Buffer.from('agentvault web3 test') });

function versioned(payer = agentKey, v0 = true): VersionedTransaction {
  const m = new TransactionMessage({ payerKey: payer, recentBlockhash: BLOCKHASH, instructions: [memoIx(payer)] });
  return new VersionedTransaction(v0 ? m.compileToV0Message() : m.compileToLegacyMessage());
}
function legacy(payer = agentKey): Transaction {
  return new Transaction({ feePayer: payer, blockhash: BLOCKHASH, lastValidBlockHeight: 100 }).add(memoIx(payer));
}

describe('web3.js 1.x helpers', () => {
  it("web3.js classes satisfy the structural types (no casts)", () => {
    const a: Web3VersionedTransactionLike = versioned();
    const b: Web3LegacyTransactionLike = legacy();
    expect(a && b).toBeTruthy();
  });

  for (const [name, v0] of [['v0', true], ['legacy message', false]] as const)
    for (const async of [false, true])
      it(`VersionedTransaction (${name}, ${async ? 'async' : 'sync'} signer): byte-identical to tx.sign([Keypair]) and tweetnacl`, async () => {
        const ours = versioned(agentKey, v0);
        const sig = await signVersionedTransaction(scopedSigner({ async }), ours);
        const reference = versioned(agentKey, v0);
        reference.sign([Keypair.fromSecretKey(Uint8Array.from(agentWallet.secretKey))]);
        expect(ours.serialize()).toEqual(reference.serialize());
        expect(sig).toEqual(nacl.sign.detached(ours.message.serialize(), agentWallet.secretKey));
      });

  for (const async of [false, true])
    it(`legacy Transaction (${async ? 'async' : 'sync'} signer): byte-identical to tx.sign(Keypair)`, async () => {
      const ours = legacy();
      const sig = await signLegacyTransaction(scopedSigner({ async }), ours);
      const reference = legacy();
      reference.sign(Keypair.fromSecretKey(Uint8Array.from(agentWallet.secretKey)));
      expect(ours.serialize()).toEqual(reference.serialize());
      expect(ours.verifySignatures()).toBe(true);
      expect(sig).toEqual(nacl.sign.detached(ours.serializeMessage(), agentWallet.secretKey));
    });

  it('legacy Transaction with a co-signer: the policy signature-fee rule still applies (refused by default)', async () => {
    const co = Keypair.generate();
    const build = () => {
      const t = legacy();
      t.add(memoIx(co.publicKey));
      return t;
    };
    const ours = build();
    ours.partialSign(co);
    await expectCodeAsync(signLegacyTransaction(scopedSigner(), ours), 'SIGNING_REFUSED'); // the policy refuses another signer's fees by default
  });

  it('the agent not a required signer -> INVALID_INPUT not-a-signer, nothing signed', async () => {
    const other = Keypair.generate().publicKey;
    let calls = 0;
    const base = scopedSigner();
    const counting = { ...base, signTransactionMessage: (m: Uint8Array) => (calls++, base.signTransactionMessage(m)) };
    expect((await expectCodeAsync(signVersionedTransaction(counting, versioned(other)), 'INVALID_INPUT')).details?.['reason']).toBe('not-a-signer');
    expect((await expectCodeAsync(signLegacyTransaction(counting, legacy(other)), 'INVALID_INPUT')).details?.['reason']).toBe('not-a-signer');
    expect(calls).toBe(0);
  });

  it('a refused transaction is left unsigned', async () => {
    const t = new VersionedTransaction(
      new TransactionMessage({
        payerKey: agentKey,
        recentBlockhash: BLOCKHASH,
        instructions: [new TransactionInstruction({ programId: Keypair.generate().publicKey, keys: [], data: Buffer.alloc(0) })],
      }).compileToV0Message(),
    );
    await expectCodeAsync(signVersionedTransaction(scopedSigner(), t), 'SIGNING_REFUSED');
    expect(t.signatures[0]).toEqual(new Uint8Array(64));
  });

  it('wrong types -> INVALID_INPUT', async () => {
    for (const bad of [null, {}, 'tx', { message: {} }]) {
      await expectCodeAsync(signVersionedTransaction(scopedSigner(), bad as never), 'INVALID_INPUT');
      await expectCodeAsync(signLegacyTransaction(scopedSigner(), bad as never), 'INVALID_INPUT');
    }
  });
});
