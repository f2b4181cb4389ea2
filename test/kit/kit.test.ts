/**
 * agentvault/kit (SPEC 10.9): the scoped signer as Kit 8's TransactionPartialSigner and
 * MessagePartialSigner. The reference signatures come from Kit's own KeyPairSigner over the same
 * secret key and from tweetnacl, never from the library: signatures must be byte-identical.
 */
import {
  address,
  appendTransactionMessageInstructions,
  blockhash,
  compileTransaction,
  createKeyPairSignerFromBytes,
  createSignableMessage,
  createTransactionMessage,
  getBase58Decoder,
  isMessagePartialSigner,
  isTransactionPartialSigner,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Instruction,
  type MessagePartialSigner,
  type TransactionPartialSigner,
  type TransactionSigner,
} from '@solana/kit';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { createKitSigner, type KitExecutionSigner } from '../../src/kit/index.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { MEMO } from '../execution/_fixtures.js';
import { agentWallet, scopedSigner } from './_signer.js';

const LIFETIME = { blockhash: blockhash('4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi'), lastValidBlockHeight: 100n };
const memo = (text: string): Instruction => ({ programAddress: address(MEMO), data: new TextEncoder().encode(text) });
const drift: Instruction = { programAddress: address('11111111111111111111111111111111'), data: Uint8Array.of(2, 0, 0, 0) };

function messageFor(feePayer: TransactionSigner, ixs: Instruction[] = [memo('agentvault kit test')]) {
  return pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(LIFETIME, m),
    (m) => appendTransactionMessageInstructions(ixs, m),
  );
}

describe('createKitSigner: Kit 8 signer interfaces', () => {
  it('is assignable to TransactionPartialSigner and MessagePartialSigner without casts, and Kit recognizes it', () => {
    const kit = createKitSigner(scopedSigner());
    const t: TransactionPartialSigner = kit;
    const m: MessagePartialSigner = kit;
    const both: KitExecutionSigner = kit;
    expect(isTransactionPartialSigner(t)).toBe(true);
    expect(isMessagePartialSigner(m)).toBe(true);
    expect(both.address).toBe(agentWallet.address);
    expect(Object.isFrozen(kit)).toBe(true);
  });

  for (const async of [false, true]) {
    it(`signTransactionMessageWithSigners: byte-identical to Kit's KeyPairSigner and tweetnacl (${async ? 'async' : 'sync'} signer)`, async () => {
      const kit = createKitSigner(scopedSigner({ async }));
      const signed = await signTransactionMessageWithSigners(messageFor(kit));
      const plain = await createKeyPairSignerFromBytes(Uint8Array.from(agentWallet.secretKey));
      const reference = await signTransactionMessageWithSigners(messageFor(plain));
      expect(signed.messageBytes).toEqual(reference.messageBytes);
      const ours = signed.signatures[kit.address];
      expect(ours).toEqual(reference.signatures[plain.address]);
      expect(ours).toEqual(nacl.sign.detached(Uint8Array.from(signed.messageBytes), agentWallet.secretKey));
    });
  }

  it('the policy still decides: a program outside the allowlist -> SIGNING_REFUSED, nothing signed', async () => {
    const kit = createKitSigner(scopedSigner({ async: true }));
    const err = await expectCodeAsync(signTransactionMessageWithSigners(messageFor(kit, [drift])), 'SIGNING_REFUSED');
    expect(err.details?.['reason']).toBeTypeOf('string');
  });

  it('signMessages: byte-identical to tweetnacl when the policy allows it; refused otherwise', async () => {
    const content = new TextEncoder().encode('hello from the agent');
    const [dict] = await createKitSigner(scopedSigner({ allowSignMessage: true })).signMessages([createSignableMessage(content)]);
    expect(dict![agentWallet.address as never]).toEqual(nacl.sign.detached(content, agentWallet.secretKey));
    await expectCodeAsync(createKitSigner(scopedSigner()).signMessages([createSignableMessage(content)]), 'SIGNING_REFUSED');
  });

  it('a transaction that does not list the agent as a signer is refused before anything is signed', async () => {
    const plain = await createKeyPairSignerFromBytes(Uint8Array.from(nacl.sign.keyPair().secretKey));
    const other = compileTransaction(messageFor(plain));
    let calls = 0;
    const base = scopedSigner();
    const counting = { ...base, signTransactionMessage: (m: Uint8Array) => (calls++, base.signTransactionMessage(m)) };
    const kit = createKitSigner(counting);
    const good = compileTransaction(messageFor(kit));
    const e = await expectCodeAsync(kit.signTransactions([good, other] as never), 'INVALID_INPUT');
    expect(e.details?.['reason']).toBe('not-a-signer');
    expect(calls).toBe(0);
  });

  it('an aborted signal stops before signing', async () => {
    const kit = createKitSigner(scopedSigner());
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(kit.signTransactions([compileTransaction(messageFor(kit))] as never, { abortSignal: ac.signal })).rejects.toThrow('stop');
  });

  it('refuses what is not a signer, and a signer whose address is not a Solana address', () => {
    for (const bad of [null, 1, 'x', {}, { address: agentWallet.address }, { address: 'not-base58', signTransactionMessage() {}, signMessage() {} }])
      expectCode(() => createKitSigner(bad as never), 'INVALID_INPUT');
  });

  it('a signer returning something other than 64 bytes is refused (INVALID_INPUT), not passed to Kit', async () => {
    const kit = createKitSigner({ address: agentWallet.address, signTransactionMessage: () => new Uint8Array(63), signMessage: () => new Uint8Array(64) });
    await expectCodeAsync(kit.signTransactions([compileTransaction(messageFor(kit))] as never), 'INVALID_INPUT');
  });

  it('the signature in the dictionary is base58 of the transaction id Kit reports', async () => {
    const kit = createKitSigner(scopedSigner());
    const signed = await signTransactionMessageWithSigners(messageFor(kit));
    expect(getBase58Decoder().decode(signed.signatures[kit.address]!)).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
  });
});
