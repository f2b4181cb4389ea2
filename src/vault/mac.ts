/**
 * The vault MAC (SPEC 6.1): authenticates every field of the stored vault (states, versions,
 * recovery settings, revision, keyslots) under a key only the active UMK yields, so a database
 * writer cannot roll a vault's state back, strip its recovery, or resurrect retired keyslots
 * without it being detected at the next unlock. Restoring a whole earlier snapshot (with its own
 * valid MAC) is not detected: keep `revision` in your own records if that matters.
 *
 *   macKey = HKDF(ikm = UMK_active, salt = none, info = lp("agentvault/v1/vault-mac") || lp(owner), 32)
 *   mac    = base64url(HMAC-SHA256(macKey, UTF-8(canonicalJson(vault without "mac"))))
 * @module
 */
import { base64urlnopad } from '@scure/base';
import { decodeBase64url } from '../_encoding.js';
import { canonicalJson } from '../_json.js';
import { concatBytes, equalBytes, lp, utf8, zero } from '../_utils.js';
import { fail } from '../errors.js';
import { hmacSha256 } from '../primitives/_native-hash.js';
import { hkdfSha256 } from '../primitives/hkdf.js';
import { LABEL_VAULT_MAC } from '../primitives/labels.js';
import { parseVault, type VaultData } from './data.js';

/** A vault before its MAC is computed. */
export type UnsignedVault = Omit<VaultData, 'mac'>;

function macOf(unsigned: unknown, umk: Uint8Array, owner: string): Uint8Array {
  const key = hkdfSha256(umk, undefined, concatBytes(lp(LABEL_VAULT_MAC), lp(owner)), 32);
  try {
    return hmacSha256(key, utf8(canonicalJson(unsigned)));
  } finally {
    zero(key);
  }
}

/** Compute the MAC with the active UMK and return the validated, frozen vault. */
export function signVault(unsigned: UnsignedVault, activeUmk: Uint8Array): VaultData {
  const plain = JSON.parse(JSON.stringify(unsigned)) as Record<string, unknown>;
  delete plain['mac'];
  return parseVault({ ...plain, mac: base64urlnopad.encode(macOf(plain, activeUmk, unsigned.owner)) });
}

/** Check the MAC of a parsed vault with its active UMK: `INTEGRITY` when any field was changed. */
export function verifyVaultMac(data: VaultData, activeUmk: Uint8Array): void {
  const { mac, ...rest } = data;
  // SPEC 6.6: a stored MAC that is not the canonical base64url of 32 bytes (any altered character,
  // including the last one whose low 2 bits are unused) is a modified vault: INTEGRITY, never a
  // decoder exception.
  const stored = decodeBase64url(mac, { code: 'INTEGRITY', field: 'vault.mac' }, 32);
  if (!equalBytes(macOf(rest, activeUmk, data.owner), stored))
    fail('INTEGRITY', 'vault: the stored vault was modified (MAC mismatch)');
}
