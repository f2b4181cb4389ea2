/**
 * A scoped execution signer for the adapter tests, over a tweetnacl test wallet. The only place
 * these tests reach into src/execution: if the signer's constructor changes, adapt it here.
 * `async: true` wraps it with async methods (the signer's interface after DESIGN 13).
 */
import { normalizePolicy } from '../../src/execution/policy/index.js';
import { createScopedSigner } from '../../src/execution/signer.js';
import type { AgentSigner } from '../../src/kit/_signer.js';
import { basePolicy } from '../execution/_fixtures.js';
import { testWallet, type TestWallet } from '../helpers/wallet.js';

export const agentWallet: TestWallet = testWallet(0x33);

export function scopedSigner(opts: { async?: boolean; allowSignMessage?: boolean } = {}): AgentSigner & { close(): void } {
  const policy = normalizePolicy(basePolicy(opts.allowSignMessage ? { allowSignMessage: true } : {}));
  const { signer, close } = createScopedSigner(Uint8Array.from(agentWallet.secretKey), agentWallet.address, policy, {
    notAfter: Infinity,
    maxSignatures: 16,
  });
  if (!opts.async) return Object.assign(Object.create(null), { address: signer.address, signTransactionMessage: signer.signTransactionMessage, signMessage: signer.signMessage, close });
  return {
    address: signer.address,
    signTransactionMessage: async (m: Uint8Array) => signer.signTransactionMessage(m),
    signMessage: async (m: Uint8Array) => signer.signMessage(m),
    close,
  };
}
