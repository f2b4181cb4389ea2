/**
 * docs/schemas/policy.schema.json (JSON Schema 2020-12) stays consistent with the library: every
 * reference resolves, every object refuses unknown fields (as normalizePolicy does, SPEC 10.3.5),
 * and its native-program table is the library's.
 */
import { describe, expect, it } from 'vitest';
import schema from '../../docs/schemas/policy.schema.json' with { type: 'json' };
import { NATIVE_INSTRUCTIONS, NATIVE_PROGRAM_IDS, ORDER_REF_FIELDS } from '../../src/execution/policy/index.js';

type Node = Record<string, unknown>;
function walk(n: unknown, visit: (o: Node) => void): void {
  if (Array.isArray(n)) n.forEach((x) => walk(x, visit));
  else if (typeof n === 'object' && n !== null) {
    visit(n as Node);
    Object.values(n).forEach((x) => walk(x, visit));
  }
}

describe('docs/schemas/policy.schema.json', () => {
  it('is draft 2020-12, every $ref resolves, every object schema closes its properties', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const defs = schema.$defs as Record<string, unknown>;
    walk(schema, (o) => {
      if (typeof o['$ref'] === 'string') expect(Object.keys(defs)).toContain((o['$ref'] as string).replace('#/$defs/', ''));
      if (o['type'] === 'object') expect(o['additionalProperties']).not.toBe(true), expect(o['additionalProperties']).toBeDefined();
    });
  });
  it('has the library native table (ids and instruction names) and order reference fields', () => {
    const rules = (schema.$defs.programRule as { oneOf: Node[] }).oneOf.filter((r) => (r['properties'] as Node)['native'] !== undefined);
    const table: Record<string, { id: unknown; ix: unknown }> = Object.fromEntries(
      rules.map((r) => {
        const p = r['properties'] as Record<string, Node>;
        return [p['native']!['const'], { id: p['program']!['const'], ix: (p['instructions']!['items'] as Node)['enum'] }];
      }),
    );
    expect(Object.keys(table).sort()).toEqual(Object.keys(NATIVE_PROGRAM_IDS).sort());
    for (const [k, v] of Object.entries(table)) {
      expect(v.id).toBe(NATIVE_PROGRAM_IDS[k as keyof typeof NATIVE_PROGRAM_IDS]);
      expect([...(v.ix as string[])].sort()).toEqual([...NATIVE_INSTRUCTIONS[k as keyof typeof NATIVE_INSTRUCTIONS]].sort());
    }
    expect(((schema.$defs.orderRef as Node)['properties'] as Record<string, Node>)['order']!['enum']).toEqual(ORDER_REF_FIELDS);
  });
});
