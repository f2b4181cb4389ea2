/**
 * Borsh subset decoder (SPEC 10.5.2), written for hostile bytes: every length prefix is checked
 * against the bytes that remain before anything is allocated, work is counted per decoded value,
 * nesting is bounded, and the first problem throws. No dependency beyond base58.
 * @module
 */
import { base58 } from '@scure/base';
import { AgentvaultError } from '../../../errors.js';
import type { DecodedValue } from '../types.js';
import { minSize, type Field, type TypeNode } from './model.js';

/** Runtime bounds of one decode (SPEC 10.5.2). */
export const DECODE_LIMITS = Object.freeze({
  /** Largest instruction data accepted: a transaction packet is 1232 bytes. */
  maxDataBytes: 1232,
  /** Values decoded per instruction (a zero-sized vec element still costs one). */
  maxValues: 16384,
  /** Nesting of decoded values. */
  maxDepth: 64,
});

export function invalid(message: string): never {
  throw new AgentvaultError('SIGNING_REFUSED', `signer refused: instruction data ${message}`, { reason: 'instruction-data-invalid' });
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Cursor over one instruction's argument bytes. */
export class BorshReader {
  private pos: number;
  private values = 0;
  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }
  get remaining(): number {
    return this.data.length - this.pos;
  }
  private take(n: number): Uint8Array {
    if (n > this.remaining) invalid('is truncated');
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  private u32(): number {
    const b = this.take(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000;
  }
  /** Decode a struct's fields (the instruction's args are one). */
  fields(fields: readonly Field[], depth: number): { readonly [k: string]: DecodedValue } {
    const out: Record<string, DecodedValue> = {};
    for (const f of fields) out[f.name] = this.value(f.type, depth + 1);
    return Object.freeze(out);
  }
  value(t: TypeNode, depth: number): DecodedValue {
    if (depth > DECODE_LIMITS.maxDepth) invalid('is nested too deeply');
    if (++this.values > DECODE_LIMITS.maxValues) invalid(`has more than ${DECODE_LIMITS.maxValues} values`);
    switch (t.k) {
      case 'int': {
        const b = this.take(t.bytes);
        let v = 0n;
        for (let i = t.bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (t.signed && b[t.bytes - 1]! & 0x80) v -= 1n << BigInt(8 * t.bytes);
        return v;
      }
      case 'float': {
        const b = this.take(t.bytes);
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        return t.bytes === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true);
      }
      case 'bool': {
        const b = this.take(1)[0]!;
        if (b > 1) invalid('has a bool that is not 0 or 1');
        return b === 1;
      }
      case 'pubkey':
        return base58.encode(this.take(32));
      case 'string': {
        const n = this.u32();
        try {
          return utf8Fatal.decode(this.take(n));
        } catch (e) {
          if (e instanceof AgentvaultError) throw e;
          return invalid('has a string that is not UTF-8');
        }
      }
      case 'bytes':
        return Uint8Array.from(this.take(this.u32()));
      case 'option': {
        const tag = this.take(1)[0]!;
        if (tag > 1) invalid('has an option tag that is not 0 or 1');
        return tag === 0 ? null : this.value(t.of, depth + 1);
      }
      case 'vec':
      case 'array': {
        const n = t.k === 'vec' ? this.u32() : t.len;
        // SPEC 10.5.2: refuse a count the remaining bytes cannot hold before allocating anything.
        if (n * minSize(t.of) > this.remaining) invalid('has a length prefix longer than the data');
        if (n > DECODE_LIMITS.maxValues - this.values) invalid(`has more than ${DECODE_LIMITS.maxValues} values`);
        const out: DecodedValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.value(t.of, depth + 1));
        return Object.freeze(out);
      }
      case 'defined': {
        const d = t.def;
        if (d.kind === 'alias') return this.value(d.type, depth + 1);
        if (d.kind === 'struct') return this.fields(d.fields, depth);
        const tag = this.take(1)[0]!;
        const variant = d.variants[tag];
        if (!variant) invalid(`has enum variant ${tag} not in ${d.name}`);
        const out: Record<string, DecodedValue> = { __variant: variant.name };
        for (const f of variant.fields) out[f.name] = this.value(f.type, depth + 1);
        return Object.freeze(out);
      }
    }
  }
}
