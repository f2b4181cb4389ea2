/**
 * Configured keys (peppers, key-wrapper keys): no fallback, ever (DESIGN 5). A missing or weak
 * key is a startup error that says how to make a proper one.
 * @module
 */
import { isBytes } from '../_utils.js';
import { fail } from '../errors.js';

export const KEY_HELP =
  'generate one with `openssl rand -base64 32` or `node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))"`';

/**
 * Refuse a key that cannot have come from a CSPRNG: wrong length, all bytes equal, or fewer
 * than 16 distinct byte values in 32 (a uniform 32-byte key has fewer than 16 distinct
 * values with probability below 2^-40).
 */
export function assertStrongKey(key: unknown, name: string, length = 32): Uint8Array {
  if (!isBytes(key)) return fail('WEAK_KEY', `${name}: missing; ${KEY_HELP}`, { field: name });
  if (key.length !== length)
    fail('WEAK_KEY', `${name}: must be exactly ${length} bytes, got ${key.length}; ${KEY_HELP}`, { field: name });
  const distinct = new Set(key).size;
  if (distinct < Math.min(16, length / 2))
    fail('WEAK_KEY', `${name}: too few distinct bytes to be random; ${KEY_HELP}`, { field: name });
  return key;
}
