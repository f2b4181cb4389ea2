/**
 * Options objects refuse unknown keys (SPEC 2: "options objects refuse unknown keys"). A typo such
 * as `statment` or a field the function does not take must fail loudly at the boundary, never be
 * ignored: an ignored option is a silently weaker call. Internal: not exported from any entry.
 * @module
 */
import { aobject } from './_utils.js';
import { fail } from './errors.js';

/**
 * Assert `value` is a plain object whose own keys are all in `known`. The error names the first
 * unknown key (a key name is never secret) in the message and in `details.field`.
 */
export function aoptions(value: unknown, name: string, known: readonly string[]): Record<string, unknown> {
  const o = aobject(value, name);
  for (const k of Object.keys(o))
    if (!known.includes(k)) {
      // The key comes from the caller's object: shown, but bounded and without control characters.
      const shown = k.length > 64 || /[^\x20-\x7e]/.test(k) ? JSON.stringify(k.slice(0, 64)) : k;
      fail('INVALID_INPUT', `${name}.${shown}: unknown option (known: ${known.join(', ')})`, {
        field: `${name}.${shown}`,
        reason: 'unknown-option',
      });
    }
  return o;
}
