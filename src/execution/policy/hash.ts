/**
 * Canonical JSON and SHA-256 of a policy (SPEC 10.3.2): what the user signs.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { canonicalJson } from '../../_json.js';
import { utf8 } from '../../_utils.js';
import { canonicalJsonWithNull } from './_canonical.js';
import { normalizePolicy, type PolicyInput } from './normalize.js';

/**
 * The canonical JSON text of a policy (SPEC 10.3.2): `normalizePolicy` (a no-op for a value it
 * already returned), then keys sorted by code unit at every level, no whitespace, strings as
 * `JSON.stringify` writes them, integers in plain decimal, `null` as `null`. For this value domain
 * (printable-ASCII strings, safe integers) it is identical to the RFC 8785 (JCS) serialization.
 * A v1 policy is serialized exactly as before v2 existed (its hash, and every grant, is unchanged).
 * A policy that is not already normalized is validated first (`POLICY_INVALID`), whatever its
 * static type.
 * @example
 * const text = canonicalPolicyJson(policy); // the exact text whose SHA-256 is policyHash(policy)
 */
export function canonicalPolicyJson(policy: PolicyInput): string {
  const p = normalizePolicy(policy);
  return p.v === 1 ? canonicalJson(p, 'POLICY_INVALID') : canonicalJsonWithNull(p);
}

// The hash of a normalized policy never changes (it is frozen): compute it once.
const hashes = new WeakMap<object, string>();

/**
 * SHA-256 of the canonical JSON's UTF-8 bytes, 64 lower-case hex digits: what the user signs.
 * A policy that is not already normalized is validated first (`POLICY_INVALID`).
 * @example
 * const hash = policyHash(policy); // shown to the user, signed in the enable-execution message
 */
export function policyHash(policy: PolicyInput): string {
  const p = normalizePolicy(policy);
  let h = hashes.get(p);
  if (h === undefined) {
    h = bytesToHex(sha256(utf8(canonicalPolicyJson(p))));
    hashes.set(p, h);
  }
  return h;
}
