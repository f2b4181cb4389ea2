/**
 * The signer shape both adapters accept (internal). It is `ExecutionSigner` (src/execution/signer.ts)
 * with methods that may return a promise: the scoped signer's methods become async when the spend
 * stage awaits a budget store (DESIGN 13), and the adapters `await` either form. Any object of this
 * shape works, so an app can also adapt its own signer.
 * @module
 */
import { fail } from '../errors.js';
import { decodeAddress } from '../primitives/address.js';
import { isBytes, typeName } from '../_utils.js';

/** A signer for the agent wallet: what `withExecutionSigner` hands to the callback. */
export interface AgentSigner {
  /** The agent wallet's address (base58). */
  readonly address: string;
  /** Sign the bytes of a legacy or v0 transaction message; 64-byte ed25519 signature. */
  signTransactionMessage(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** Sign arbitrary bytes (only if the policy allows it). */
  signMessage(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** @internal Validate an AgentSigner-shaped argument once, at the adapter boundary. */
export function aSigner(value: unknown, name = 'signer'): AgentSigner {
  const s = value as AgentSigner | null | undefined;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.signTransactionMessage !== 'function' ||
    typeof s.signMessage !== 'function' ||
    typeof s.address !== 'string'
  )
    fail('INVALID_INPUT', `${name}: expected a signer (address, signTransactionMessage, signMessage), got ${typeName(value)}`, { field: name });
  decodeAddress(s.address, `${name}.address`);
  return s;
}

/** @internal A signature returned by the wrapped signer must be 64 bytes; copied, so later changes to the signer's buffer cannot alter it. */
export function aSignature(value: unknown): Uint8Array {
  if (!isBytes(value) || value.length !== 64)
    fail('INVALID_INPUT', `signer returned ${typeName(value)}, not a 64-byte signature`, { field: 'signature', reason: 'bad-signature' });
  return Uint8Array.from(value);
}
