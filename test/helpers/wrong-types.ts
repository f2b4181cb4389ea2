/**
 * The one table of wrong-typed values (STYLE: "one table of wrong-typed values fed to every public
 * argument"). Every entry must be refused with INVALID_INPUT (never a TypeError, never a crash)
 * wherever the library expects bytes.
 *
 * Decision (documented here and in test/primitives/wrong-types.test.ts): a Node `Buffer` IS a
 * Uint8Array subclass and is ACCEPTED as bytes, with the same result as a plain Uint8Array copy
 * (including a pooled Buffer with a non-zero byteOffset). It is therefore not in this table.
 */

/** Values that are not bytes. */
export const NOT_BYTES: readonly (readonly [label: string, value: unknown])[] = [
  ['undefined', undefined],
  ['null', null],
  ['number', 32],
  ['NaN', Number.NaN],
  ['bigint', 32n],
  ['boolean', true],
  ['string (hex)', '00'.repeat(32)],
  ['string (empty)', ''],
  ['symbol', Symbol('bytes')],
  ['function', () => new Uint8Array(32)],
  ['array of numbers', Array.from({ length: 32 }, (_, i) => i)],
  ['plain object', { length: 32 }],
  ['array-like object', Object.assign({ length: 32 }, Array.from({ length: 32 }, () => 0))],
  ['JSON-serialized Uint8Array', JSON.parse(JSON.stringify(new Uint8Array(32))) as unknown],
  ['ArrayBuffer', new ArrayBuffer(32)],
  ['DataView', new DataView(new ArrayBuffer(32))],
  ['Uint16Array', new Uint16Array(16)],
  ['Int8Array', new Int8Array(32)],
  ['Uint8ClampedArray', new Uint8ClampedArray(32)],
  ['Float64Array', new Float64Array(4)],
  ['Promise', Promise.resolve(new Uint8Array(32))],
  // instanceof Uint8Array is true, but it is not a typed array: reading .length throws TypeError.
  ['fake Uint8Array (Object.create(Uint8Array.prototype))', Object.create(Uint8Array.prototype) as unknown],
];

/** Values that are not strings (for address-like arguments). */
export const NOT_STRINGS: readonly (readonly [label: string, value: unknown])[] = [
  ['undefined', undefined],
  ['null', null],
  ['number', 1],
  ['bigint', 1n],
  ['boolean', false],
  ['symbol', Symbol('address')],
  ['array', ['11111111111111111111111111111111']],
  ['object', { toString: () => '11111111111111111111111111111111' }],
  ['String object', new String('11111111111111111111111111111111')],
  ['Uint8Array', new Uint8Array(32)],
  ['Buffer', Buffer.from('11111111111111111111111111111111')],
];

/** Values that are not safe integers (for length arguments). */
export const NOT_INTEGERS: readonly (readonly [label: string, value: unknown])[] = [
  ['undefined', undefined],
  ['null', null],
  ['string', '32'],
  ['bigint', 32n],
  ['boolean', true],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['fraction', 32.5],
  ['unsafe integer', 2 ** 53],
  ['Number object', new Number(32)],
  ['array', [32]],
];
