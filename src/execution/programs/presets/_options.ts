/**
 * Option checks shared by the presets (internal). Presets validate their options strictly and
 * return frozen rule data; the policy's normalization validates the rules again when signed.
 * @module
 */
import { fail } from '../../../errors.js';
import type { ProgramDecoder } from '../types.js';

export function presetOptions(value: unknown, name: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('INVALID_INPUT', `${name}: expected an options object`, { field: name });
  for (const k of Object.keys(value)) if (!allowed.includes(k)) fail('INVALID_INPUT', `${name}.${k}: unknown option`, { field: `${name}.${k}` });
  return value as Record<string, unknown>;
}

export function optInt(o: Record<string, unknown>, k: string, name: string, min: number, max: number, dflt?: number): number {
  const v = o[k] ?? dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    fail('INVALID_INPUT', `${name}.${k}: expected an integer in [${min}, ${max}]`, { field: `${name}.${k}` });
  return v;
}

export function optBool(o: Record<string, unknown>, k: string, name: string, dflt: boolean): boolean {
  const v = o[k] ?? dflt;
  if (typeof v !== 'boolean') fail('INVALID_INPUT', `${name}.${k}: expected a boolean`, { field: `${name}.${k}` });
  return v;
}

/** SPEC 10.5.5: a preset is written against one IDL; a decoder built from another is refused. */
export function checkDecoder(d: unknown, name: string, program: string, idlSha256: string): void {
  if (d === undefined) return;
  const dec = d as ProgramDecoder;
  if (typeof d !== 'object' || d === null || dec.program !== program || dec.idlSha256 !== idlSha256)
    fail('INVALID_INPUT', `${name}.decoder: built from another program or IDL than the preset pins (${idlSha256.slice(0, 8)}...)`, {
      field: `${name}.decoder`,
      reason: 'idl-mismatch',
    });
}

export const U64 = /^(0|[1-9][0-9]{0,19})$/;
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
