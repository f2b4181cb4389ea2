/**
 * Anchor IDL -> bounded internal model (SPEC 10.5.1). Reads the legacy (pre-0.30) and the 0.30+
 * formats; keeps only what decoding instruction data needs. Types are resolved lazily from the
 * instruction arguments, so unused definitions (account layouts with bytemuck or generics) do not
 * make a real IDL unusable, while everything an instruction can reach is checked: known types only,
 * no generics, no cycles, bounded nesting and counts.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { AgentvaultError } from '../../../errors.js';
import { utf8 } from '../../../_utils.js';

/** Limits of the IDL model (SPEC 10.5.1). */
export const IDL_LIMITS = Object.freeze({
  /** Largest IDL file accepted, bytes (Drift v2's is 438 KB). */
  maxIdlBytes: 8 * 1024 * 1024,
  maxInstructions: 4096,
  maxTypes: 16384,
  /** Accounts of one instruction after flattening groups; also args, struct fields, variants. */
  maxMembers: 256,
  /** Nesting of one type expression (`vec<option<[u8; 32]>>` is 3) and of account groups. */
  maxTypeNesting: 16,
  /** Chain of defined types an argument may go through. */
  maxDefinedDepth: 32,
  /** Largest fixed array length. */
  maxArrayLength: 1 << 16,
  /** Longest identifier (instruction, field, type, account name). */
  maxNameLength: 128,
  /** Longest 0.30 discriminator, bytes. */
  maxDiscriminatorBytes: 32,
});

/** A type expression of the Borsh subset (SPEC 10.5.2). */
export type TypeNode =
  | { readonly k: 'int'; readonly signed: boolean; readonly bytes: 1 | 2 | 4 | 8 | 16 | 32 }
  | { readonly k: 'float'; readonly bytes: 4 | 8 }
  | { readonly k: 'bool' }
  | { readonly k: 'pubkey' }
  | { readonly k: 'string' }
  | { readonly k: 'bytes' }
  | { readonly k: 'vec'; readonly of: TypeNode }
  | { readonly k: 'option'; readonly of: TypeNode }
  | { readonly k: 'array'; readonly of: TypeNode; readonly len: number }
  | { readonly k: 'defined'; readonly def: TypeDef };

export interface Field {
  readonly name: string;
  readonly type: TypeNode;
}
export type TypeDef =
  | { readonly kind: 'struct'; readonly name: string; readonly fields: readonly Field[]; minSize: number }
  | { readonly kind: 'enum'; readonly name: string; readonly variants: readonly { readonly name: string; readonly fields: readonly Field[] }[]; minSize: number }
  | { readonly kind: 'alias'; readonly name: string; readonly type: TypeNode; minSize: number };

export interface InstructionModel {
  readonly name: string;
  readonly discriminator: Uint8Array;
  /** Flattened account names with optionality, in order. */
  readonly accounts: readonly { readonly name: string; readonly optional: boolean }[];
  readonly args: readonly Field[];
}

export interface IdlModel {
  readonly format: 'legacy' | 'anchor-0.30';
  readonly name: string;
  /** Program id written in the IDL (0.30 `address`, legacy `metadata.address`), if any. */
  readonly address: string | undefined;
  readonly instructions: readonly InstructionModel[];
  readonly idlSha256: string;
}

function bad(path: string, message: string): never {
  throw new AgentvaultError('INVALID_INPUT', `IDL ${path}: ${message}`, { reason: 'idl-invalid', field: path });
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Names that would alter a plain object's prototype, or collide with the enum tag (SPEC 10.5.2).
const RESERVED = new Set(['__proto__', '__variant', 'constructor', 'prototype']);
function ident(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > IDL_LIMITS.maxNameLength || !IDENT.test(value) || RESERVED.has(value))
    bad(path, 'expected an identifier');
  return value;
}
/** The program's display name: any non-empty string of at most `maxNameLength` characters. */
function label(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > IDL_LIMITS.maxNameLength) bad(path, 'expected a name');
  return value;
}
function obj(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(path, 'expected an object');
  return value as Record<string, unknown>;
}
function arr(value: unknown, path: string, max: number): readonly unknown[] {
  if (!Array.isArray(value)) bad(path, 'expected an array');
  if (value.length > max) bad(path, `more than ${max} entries`);
  return value;
}
const own = (o: Record<string, unknown>, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

/**
 * Anchor's `snake_case` of an instruction name (the `heck` crate's rules): a word ends before an
 * upper-case letter that follows a lower-case one (digits keep the previous case), and before the
 * last capital of a run followed by a lower-case letter (`HTTPServer` -> `http_server`).
 */
export function anchorSnakeCase(name: string): string {
  const words: string[] = [];
  let word = '';
  let mode: 'lower' | 'upper' | 'none' = 'none';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '_' || c === '-' || c === ' ') {
      if (word) words.push(word);
      word = '';
      mode = 'none';
      continue;
    }
    const isUpper = c >= 'A' && c <= 'Z';
    const isLower = c >= 'a' && c <= 'z';
    const next = name[i + 1];
    const nextLower = next !== undefined && next >= 'a' && next <= 'z';
    if (word && isUpper && (mode === 'lower' || (mode === 'upper' && nextLower))) {
      words.push(word);
      word = '';
    }
    word += c;
    if (isUpper) mode = 'upper';
    else if (isLower) mode = 'lower';
  }
  if (word) words.push(word);
  return words.map((w) => w.toLowerCase()).join('_');
}

/** Legacy discriminator: `sha256("global:" + snake_case(name))[0..8]` (SPEC 10.5.1). */
export function legacyDiscriminator(name: string): Uint8Array {
  return sha256(utf8(`global:${anchorSnakeCase(name)}`)).subarray(0, 8);
}

const INTS: Record<string, TypeNode> = {};
for (const [bits, bytes] of [[8, 1], [16, 2], [32, 4], [64, 8], [128, 16], [256, 32]] as const) {
  INTS[`u${bits}`] = Object.freeze({ k: 'int', signed: false, bytes });
  INTS[`i${bits}`] = Object.freeze({ k: 'int', signed: true, bytes });
}
const PRIMS: Record<string, TypeNode> = {
  ...INTS,
  f32: Object.freeze({ k: 'float', bytes: 4 }),
  f64: Object.freeze({ k: 'float', bytes: 8 }),
  bool: Object.freeze({ k: 'bool' }),
  string: Object.freeze({ k: 'string' }),
  bytes: Object.freeze({ k: 'bytes' }),
  publicKey: Object.freeze({ k: 'pubkey' }),
  pubkey: Object.freeze({ k: 'pubkey' }),
};

/** Parse the IDL file bytes into the model. Throws INVALID_INPUT (reason `idl-invalid`). */
export function parseIdl(bytes: Uint8Array): IdlModel {
  if (bytes.length > IDL_LIMITS.maxIdlBytes) bad('$', `larger than ${IDL_LIMITS.maxIdlBytes} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    bad('$', 'not UTF-8 JSON');
  }
  const root = obj(json, '$');
  const ixs = arr(own(root, 'instructions'), 'instructions', IDL_LIMITS.maxInstructions);
  const withDisc = ixs.filter((ix) => typeof ix === 'object' && ix !== null && Object.prototype.hasOwnProperty.call(ix, 'discriminator')).length;
  if (withDisc !== 0 && withDisc !== ixs.length) bad('instructions', 'some instructions have a discriminator and some do not');
  const format = withDisc > 0 || (ixs.length === 0 && own(root, 'address') !== undefined) ? 'anchor-0.30' : 'legacy';

  let name: string;
  let address: unknown;
  if (format === 'anchor-0.30') {
    const meta = obj(own(root, 'metadata'), 'metadata');
    name = label(own(meta, 'name'), 'metadata.name');
    address = own(root, 'address');
  } else {
    name = label(own(root, 'name'), 'name');
    const meta = own(root, 'metadata');
    address = meta === undefined ? undefined : own(obj(meta, 'metadata'), 'address');
  }
  if (address !== undefined && (typeof address !== 'string' || address.length < 32 || address.length > 44)) bad('address', 'expected a base58 program id');

  // Type definitions by name, parsed on first use (lazily), with cycle detection.
  // Only definitions an instruction reaches are checked (lazily); here they are just indexed by name.
  // A legacy IDL may also reference an account layout (`accounts[i]` with a `type`).
  const rawByName = new Map<string, { raw: Record<string, unknown>; path: string }>();
  const duplicated = new Set<string>();
  const index = (list: unknown, where: string, max: number, first: boolean): void => {
    if (list === undefined) return;
    arr(list, where, max).forEach((t, i) => {
      if (typeof t !== 'object' || t === null || Array.isArray(t)) return;
      const n = (t as Record<string, unknown>)['name'];
      if (typeof n !== 'string' || own(t as Record<string, unknown>, 'type') === undefined) return;
      if (rawByName.has(n)) {
        if (first) duplicated.add(n);
        return;
      }
      rawByName.set(n, { raw: t as Record<string, unknown>, path: `${where}[${i}]` });
    });
  };
  index(own(root, 'types'), 'types', IDL_LIMITS.maxTypes, true);
  if (format === 'legacy') index(own(root, 'accounts'), 'accounts', IDL_LIMITS.maxTypes, false);
  const done = new Map<string, TypeDef>();
  const inProgress = new Set<string>();

  const parseFields = (value: unknown, path: string, depth: number): Field[] => {
    const list = arr(value, path, IDL_LIMITS.maxMembers);
    const seen = new Set<string>();
    return list.map((f, i) => {
      // Named field `{ name, type }`, or a tuple member (a bare type) named by its position.
      const isNamed = typeof f === 'object' && f !== null && !Array.isArray(f) && Object.prototype.hasOwnProperty.call(f, 'name') && Object.prototype.hasOwnProperty.call(f, 'type');
      const fname = isNamed ? ident((f as Record<string, unknown>)['name'], `${path}[${i}].name`) : String(i);
      if (seen.has(fname)) bad(`${path}[${i}]`, `duplicate field ${fname}`);
      seen.add(fname);
      const type = parseType(isNamed ? (f as Record<string, unknown>)['type'] : f, `${path}[${i}]`, 0, depth);
      return Object.freeze({ name: fname, type });
    });
  };

  const resolve = (tname: string, path: string, depth: number): TypeDef => {
    const ready = done.get(tname);
    if (ready) return ready;
    if (inProgress.has(tname)) bad(path, `cyclic defined type ${tname}`);
    if (depth > IDL_LIMITS.maxDefinedDepth) bad(path, 'defined types nested too deeply');
    const entry = rawByName.get(tname);
    if (!entry) bad(path, `unknown defined type ${tname}`);
    if (duplicated.has(tname)) bad(entry.path, `duplicate type ${tname}`);
    inProgress.add(tname);
    const { raw, path: tpath } = entry;
    if (own(raw, 'generics') !== undefined) bad(tpath, 'generic types are not supported');
    const ser = own(raw, 'serialization');
    if (ser !== undefined && ser !== 'borsh') bad(tpath, 'only borsh serialization is supported');
    const ty = obj(own(raw, 'type'), `${tpath}.type`);
    const kind = own(ty, 'kind');
    let def: TypeDef;
    if (kind === 'struct') {
      const fieldsRaw = own(ty, 'fields');
      const fields = fieldsRaw === undefined ? [] : parseFields(fieldsRaw, `${tpath}.type.fields`, depth + 1);
      def = { kind: 'struct', name: tname, fields: Object.freeze(fields), minSize: 0 };
    } else if (kind === 'enum') {
      const vs = arr(own(ty, 'variants'), `${tpath}.type.variants`, IDL_LIMITS.maxMembers);
      if (vs.length === 0) bad(`${tpath}.type.variants`, 'an enum needs a variant');
      const seen = new Set<string>();
      const variants = vs.map((v, i) => {
        const vo = obj(v, `${tpath}.type.variants[${i}]`);
        const vname = ident(own(vo, 'name'), `${tpath}.type.variants[${i}].name`);
        if (seen.has(vname)) bad(`${tpath}.type.variants[${i}]`, `duplicate variant ${vname}`);
        seen.add(vname);
        const fr = own(vo, 'fields');
        const fields = fr === undefined ? [] : parseFields(fr, `${tpath}.type.variants[${i}].fields`, depth + 1);
        return Object.freeze({ name: vname, fields: Object.freeze(fields) });
      });
      def = { kind: 'enum', name: tname, variants: Object.freeze(variants), minSize: 0 };
    } else if (kind === 'type') {
      def = { kind: 'alias', name: tname, type: parseType(own(ty, 'alias'), `${tpath}.type.alias`, 0, depth + 1), minSize: 0 };
    } else {
      bad(`${tpath}.type.kind`, 'expected struct, enum or type');
    }
    def.minSize = minSizeOfDef(def);
    inProgress.delete(tname);
    done.set(tname, def);
    return def;
  };

  const parseType = (t: unknown, path: string, nesting: number, depth: number): TypeNode => {
    if (nesting > IDL_LIMITS.maxTypeNesting) bad(path, 'type nested too deeply');
    if (typeof t === 'string') {
      const p = Object.prototype.hasOwnProperty.call(PRIMS, t) ? PRIMS[t] : undefined;
      if (!p) bad(path, `unknown type ${t.slice(0, 40)}`);
      return p;
    }
    const o = obj(t, path);
    const keys = Object.keys(o);
    if (keys.length !== 1) bad(path, 'expected one type constructor');
    const key = keys[0]!;
    const inner = o[key];
    if (key === 'vec') return Object.freeze({ k: 'vec', of: parseType(inner, `${path}.vec`, nesting + 1, depth) });
    if (key === 'option') return Object.freeze({ k: 'option', of: parseType(inner, `${path}.option`, nesting + 1, depth) });
    if (key === 'array') {
      const a = arr(inner, `${path}.array`, 2);
      const len = a[1];
      if (a.length !== 2 || typeof len !== 'number' || !Number.isSafeInteger(len) || len < 0 || len > IDL_LIMITS.maxArrayLength)
        bad(`${path}.array`, `expected [type, length <= ${IDL_LIMITS.maxArrayLength}]`);
      return Object.freeze({ k: 'array', of: parseType(a[0], `${path}.array[0]`, nesting + 1, depth), len });
    }
    if (key === 'defined') {
      // legacy: `{ defined: "Name" }`; 0.30: `{ defined: { name: "Name", generics?: [...] } }`
      let tname: string;
      if (typeof inner === 'string') tname = ident(inner, `${path}.defined`);
      else {
        const d = obj(inner, `${path}.defined`);
        if (own(d, 'generics') !== undefined) bad(`${path}.defined`, 'generic types are not supported');
        tname = ident(own(d, 'name'), `${path}.defined.name`);
      }
      return Object.freeze({ k: 'defined', def: resolve(tname, path, depth + 1) });
    }
    return bad(path, `unknown type constructor ${key.slice(0, 40)}`);
  };

  const seenNames = new Set<string>();
  const discs: Uint8Array[] = [];
  const instructions = ixs.map((raw, i): InstructionModel => {
    const path = `instructions[${i}]`;
    const o = obj(raw, path);
    const ixName = ident(own(o, 'name'), `${path}.name`);
    if (seenNames.has(ixName)) bad(`${path}.name`, `duplicate instruction ${ixName}`);
    seenNames.add(ixName);
    let discriminator: Uint8Array;
    if (format === 'anchor-0.30') {
      const d = arr(own(o, 'discriminator'), `${path}.discriminator`, IDL_LIMITS.maxDiscriminatorBytes);
      if (d.length === 0 || !d.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255))
        bad(`${path}.discriminator`, 'expected 1..32 bytes');
      discriminator = Uint8Array.from(d as number[]);
    } else discriminator = legacyDiscriminator(ixName);
    // No discriminator may be a prefix of another: decoding must be unambiguous (SPEC 10.5.1).
    for (const other of discs) {
      const n = Math.min(other.length, discriminator.length);
      let same = true;
      for (let j = 0; j < n && same; j++) same = other[j] === discriminator[j];
      if (same) bad(`${path}.discriminator`, 'collides with (or is a prefix of) another instruction discriminator');
    }
    discs.push(discriminator);
    const accounts: { name: string; optional: boolean }[] = [];
    const accNames = new Set<string>();
    const flatten = (list: unknown, lpath: string, nesting: number): void => {
      if (nesting > IDL_LIMITS.maxTypeNesting) bad(lpath, 'account groups nested too deeply');
      arr(list, lpath, IDL_LIMITS.maxMembers).forEach((a, j) => {
        const ao = obj(a, `${lpath}[${j}]`);
        const group = own(ao, 'accounts');
        if (group !== undefined) return flatten(group, `${lpath}[${j}].accounts`, nesting + 1);
        const an = ident(own(ao, 'name'), `${lpath}[${j}].name`);
        // Nested groups are flattened to leaf names; a duplicate would make a rule ambiguous.
        if (accNames.has(an)) bad(`${lpath}[${j}].name`, `duplicate account ${an}`);
        accNames.add(an);
        if (accounts.length >= IDL_LIMITS.maxMembers) bad(lpath, `more than ${IDL_LIMITS.maxMembers} accounts`);
        const opt = format === 'anchor-0.30' ? own(ao, 'optional') : own(ao, 'isOptional');
        if (opt !== undefined && typeof opt !== 'boolean') bad(`${lpath}[${j}]`, 'optional flag must be a boolean');
        accounts.push({ name: an, optional: opt === true });
      });
    };
    flatten(own(o, 'accounts') ?? [], `${path}.accounts`, 0);
    const args = parseFields(own(o, 'args') ?? [], `${path}.args`, 0);
    return Object.freeze({ name: ixName, discriminator, accounts: Object.freeze(accounts.map((a) => Object.freeze(a))), args: Object.freeze(args) });
  });

  return Object.freeze({
    format,
    name,
    address: address as string | undefined,
    instructions: Object.freeze(instructions),
    idlSha256: toHex(sha256(bytes)),
  });
}

/** Fewest bytes a value of the type can occupy (bounds allocation before reading, SPEC 10.5.2). */
export function minSize(t: TypeNode): number {
  switch (t.k) {
    case 'int':
    case 'float':
      return t.bytes;
    case 'bool':
    case 'option':
      return 1;
    case 'pubkey':
      return 32;
    case 'string':
    case 'bytes':
    case 'vec':
      return 4;
    case 'array':
      return Math.min(t.len * minSize(t.of), Number.MAX_SAFE_INTEGER);
    case 'defined':
      return t.def.minSize;
  }
}
function minSizeOfDef(d: TypeDef): number {
  if (d.kind === 'alias') return minSize(d.type);
  if (d.kind === 'struct') return Math.min(d.fields.reduce((s, f) => s + minSize(f.type), 0), Number.MAX_SAFE_INTEGER);
  return 1 + Math.min(...d.variants.map((v) => v.fields.reduce((s, f) => s + minSize(f.type), 0)));
}

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
