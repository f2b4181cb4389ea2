/**
 * Canonical JSON and SHA-256 of a policy (SPEC 10.3.2): what the user signs.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { canonicalJson } from '../../_json.js';
import { utf8 } from '../../_utils.js';
import { normalizePolicy } from './normalize.js';

/**
 * The canonical JSON text of a policy (SPEC 10.3.2): `normalizePolicy`, then keys sorted by
 * code unit at every level, no whitespace, strings as `JSON.stringify` writes them, integers in
 * plain decimal. For this value domain (printable-ASCII strings, safe integers) it is identical to
 * the RFC 8785 (JCS) serialization.
 */
export function canonicalPolicyJson(policy: unknown): string {
  return canonicalJson(normalizePolicy(policy), 'POLICY_INVALID');
}

/** SHA-256 of the canonical JSON's UTF-8 bytes, 64 lower-case hex digits: what the user signs. */
export function policyHash(policy: unknown): string {
  return bytesToHex(sha256(utf8(canonicalPolicyJson(policy))));
}
