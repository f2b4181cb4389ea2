/**
 * The record context of an agent wallet's records (SPEC 10, docs/DERIVATION.md "Agent wallets").
 * Both records of an agent wallet (`mnemonic` and `agent-key`) carry the agent's address in the
 * context field `agent`, next to the app's fields, so the records of two agent wallets of one
 * user are not interchangeable: a swapped record fails to open (CONTEXT_MISMATCH) instead of
 * yielding another wallet's key or phrase. Shared by `agentvault/derivation` and
 * `agentvault/execution`; it has no dependency beyond the address codec, so importing it does
 * not pull BIP39 or SLIP-0010 into the execution entry.
 * @module
 */
import { aobject } from '../_utils.js';
import { fail } from '../errors.js';
import { decodeAddress } from '../primitives/address.js';

/** Context field holding the agent wallet's address in both agent records; reserved for the library. */
export const AGENT_CONTEXT_FIELD = 'agent';

/**
 * The app's fields of an agent record, checked: an object (or undefined) that does not use the
 * reserved name `agent`. INVALID_INPUT otherwise.
 * @internal
 */
export function _assertAgentAppFields(fields: unknown, name: string): Readonly<Record<string, string>> {
  const f = fields === undefined ? {} : (aobject(fields, name) as Record<string, string>);
  if (Object.prototype.hasOwnProperty.call(f, AGENT_CONTEXT_FIELD))
    fail('INVALID_INPUT', `${name}.${AGENT_CONTEXT_FIELD}: reserved (the library binds the agent address under this name)`, {
      field: `${name}.${AGENT_CONTEXT_FIELD}`,
    });
  return f;
}

/**
 * `{ ...fields, agent: agentAddress }`, after checking the address (canonical base58 of 32 bytes)
 * and the fields (`_assertAgentAppFields`). INVALID_INPUT otherwise.
 * @internal
 */
export function _agentRecordFields(
  agentAddress: unknown,
  fields: unknown,
  names: { readonly address: string; readonly fields: string },
): Readonly<Record<string, string>> {
  if (agentAddress === undefined) fail('INVALID_INPUT', `${names.address}: required (the agent wallet's address)`, { field: names.address });
  decodeAddress(agentAddress, names.address);
  return { ..._assertAgentAppFields(fields, names.fields), [AGENT_CONTEXT_FIELD]: agentAddress as string };
}
