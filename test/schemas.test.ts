/**
 * JSON Schemas (draft 2020-12, docs/schemas): every vector file and every stored vault and grant
 * inside the vectors validates (issue 16 item 3), with Ajv's 2020 validator in strict mode.
 * The schemas are structural; the rules a schema cannot state are checked by the library and
 * named in the SPEC. Negative checks below prove the schemas can fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

const root = new URL('../', import.meta.url);
const read = (p: string) => JSON.parse(readFileSync(new URL(p, root), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ strict: true, allErrors: true, strictRequired: false });
for (const f of ['common', 'vault', 'grant', 'policy', 'order']) ajv.addSchema(read(`docs/schemas/${f}.schema.json`));
const vectorSchemas = readdirSync(new URL('docs/schemas/vectors/', root)).filter((f) => f.endsWith('.schema.json'));
for (const f of vectorSchemas) ajv.addSchema(read(`docs/schemas/vectors/${f}`));
const BASE = 'https://agentvault.dev/schemas/';

function check(id: string, value: unknown): string[] {
  const validate = ajv.getSchema(BASE + id)!;
  expect(validate, id).toBeDefined();
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('vector files validate against docs/schemas/vectors', () => {
  const vectorFiles = readdirSync(new URL('vectors/', root)).filter((f) => f.endsWith('.json') && f !== 'policy.json');
  it('every vector file but policy.json (owned by the policy schema) has a schema', () => {
    expect(vectorFiles.map((f) => f.replace('.json', '.schema.json')).sort()).toEqual(vectorSchemas.sort());
  });
  it.each(vectorFiles)('%s', (f) => {
    expect(check(`vectors/${f.replace('.json', '.schema.json')}`, read(`vectors/${f}`))).toEqual([]);
  });
  it('every expected code in the vectors is a library error code', () => {
    const codes = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === 'code' && typeof x === 'string' ? codes.add(x) : walk(x);
    };
    for (const f of vectorFiles) walk(read(`vectors/${f}`));
    for (const c of codes) expect(Object.keys(ERROR_CODES)).toContain(c);
  });
});

describe('stored vaults and grants in the vectors validate against vault.schema.json / grant.schema.json', () => {
  const vaults = [(read('vectors/vault.json')['expected'] as object), ...(read('vectors/vaults.json')['valid'] as { vault: object }[]).map((v) => v.vault)];
  const grants = (read('vectors/grants.json')['valid'] as { grant: object }[]).map((g) => g.grant);
  it('vaults', () => vaults.forEach((v) => expect(check('vault.schema.json', v)).toEqual([])));
  it('grants', () => grants.forEach((g) => expect(check('grant.schema.json', g)).toEqual([])));
  it('the schemas refuse what they state: unknown fields, non-canonical base64url, a retired version with a keyslot, a second active version', () => {
    const v = vaults[0] as Record<string, unknown> & { mac: string; umks: Record<string, unknown>[]; kdm: Record<string, unknown> };
    expect(check('vault.schema.json', { ...v, extra: 1 })).not.toEqual([]);
    expect(check('vault.schema.json', { ...v, kdm: { ...v.kdm, extra: 1 } })).not.toEqual([]);
    expect(check('vault.schema.json', { ...v, mac: v.mac.slice(0, 42) + 'B' })).not.toEqual([]);
    expect(check('vault.schema.json', { ...v, umks: [...v.umks, { ...v.umks[0], version: 2 }] })).not.toEqual([]);
    expect(check('vault.schema.json', { ...v, umks: [{ ...v.umks[0], state: 'retired' }] })).not.toEqual([]);
    const g = grants[0] as Record<string, unknown> & { authorization: Record<string, string> };
    expect(check('grant.schema.json', { ...g, v: 2 })).not.toEqual([]);
    expect(check('grant.schema.json', { ...g, authorization: { ...g.authorization, signature: g.authorization['signature']!.slice(0, 85) + 'B==' } })).not.toEqual([]);
  });
});

describe('the schemas of the execution and session vectors refuse what they state', () => {
  type Obj = Record<string, any>;
  const refused = (id: string, value: unknown) => expect(check(`vectors/${id}`, value)).not.toEqual([]);
  const without = (o: Obj, k: string): Obj => Object.fromEntries(Object.entries(o).filter(([x]) => x !== k));

  it('sessions: a missing key, a wrong type, a non-canonical token, a reason on an expiry, no reason on SESSION_INVALID', () => {
    const f = read('vectors/sessions.json') as Obj;
    const v = f['valid'][0] as Obj;
    const bad = f['invalid'][0] as Obj;
    const id = 'sessions.schema.json';
    refused(id, { ...f, valid: [without(v, 'sessionKey')] });
    refused(id, { ...f, valid: [{ ...v, expiresAt: String(v['expiresAt']) }] });
    refused(id, { ...f, valid: [{ ...v, token: v['token'].slice(0, -1) + '9' }] });
    refused(id, { ...f, valid: [{ ...v, context: { ...v['context'], extra: '1' } }] });
    refused(id, { ...f, invalid: [{ ...bad, code: 'SESSION_EXPIRED' }] });
    refused(id, { ...f, invalid: [without(bad, 'reason')] });
    refused(id, { ...f, invalid: [{ ...bad, reason: 'bad-secret' }] });
  });

  it('policy-v2: a v1 field in a valid policy, a missing hash, an upper-case hash, a summary with a doubled space or no period, an unknown code', () => {
    const f = read('vectors/policy-v2.json') as Obj;
    const v = f['policies']['valid'][1] as Obj;
    const bad = f['policies']['invalid'][0] as Obj;
    const id = 'policy-v2.schema.json';
    const withValid = (x: Obj) => ({ ...f, policies: { ...f['policies'], valid: [x] } });
    refused(id, withValid({ ...v, policy: { ...v['policy'], maxLeverage: '3' } }));
    refused(id, withValid({ ...v, policy: { ...v['policy'], spot: { ...v['policy']['spot'], maxSlippageBps: '50' } } }));
    refused(id, withValid(without(v, 'hash')));
    refused(id, withValid({ ...v, hash: v['hash'].toUpperCase() }));
    refused(id, withValid({ ...v, summary: v['summary'].replace(' ', '  ') }));
    refused(id, withValid({ ...v, summary: v['summary'].slice(0, -1) }));
    refused(id, { ...f, policies: { ...f['policies'], invalid: [{ ...bad, code: 'INVALID_INPUT' }] } });
  });

  it('policy-v2-transactions: a missing decision, an allowed decision with a reason, an unknown reason, non-canonical base64, an order of no type', () => {
    const f = read('vectors/policy-v2-transactions.json') as Obj;
    const v = f['valid'][0] as Obj;
    const bad = f['invalid'][0] as Obj;
    const id = 'policy-v2-transactions.schema.json';
    refused(id, { ...f, valid: [without(v, 'decision')] });
    refused(id, { ...f, valid: [{ ...v, decision: { allowed: true, reason: 'amount-above-cap' } }] });
    refused(id, { ...f, invalid: [{ ...bad, decision: { ...bad['decision'], reason: 'too-much' } }] });
    refused(id, { ...f, invalid: [{ ...bad, decision: { ...bad['decision'], instructionIndex: '0' } }] });
    refused(id, { ...f, valid: [{ ...v, messageBase64: v['messageBase64'] + '=' }] });
    refused(id, { ...f, valid: [{ ...v, order: without(v['order'], 'type') }] });
    refused(id, { ...f, valid: [{ ...v, order: { ...v['order'], amount: 5000000 } }] });
    refused(id, { ...f, policy: { ...f['policy'], v: 1 } });
  });

  it('programs: a missing instruction, data shorter than a discriminator, an unknown preset or reason, a wrong-typed preset option', () => {
    const f = read('vectors/programs.json') as Obj;
    const v = f['valid'][0] as Obj;
    const bad = f['invalid'][0] as Obj;
    const id = 'programs.schema.json';
    refused(id, { ...f, valid: [without(v, 'instruction')] });
    refused(id, { ...f, valid: [{ ...v, dataHex: v['dataHex'].slice(0, 14) }] });
    refused(id, { ...f, valid: [{ ...v, preset: 'raydium' }] });
    refused(id, { ...f, valid: [{ ...v, expected: bad['expected'] }] });
    refused(id, { ...f, invalid: [without(bad, 'expected')] });
    refused(id, { ...f, invalid: [{ ...bad, expected: { ...bad['expected'], reason: 'nope' } }] });
    const idls = f['idls'] as Obj;
    refused(id, { ...f, idls: { ...idls, jupiter: { ...idls['jupiter'], presetOptions: { ...idls['jupiter']['presetOptions'], maxPlatformFeeBps: '0' } } } });
    refused(id, { ...f, idls: { ...idls, drift: { ...idls['drift'], presetOptions: { ...idls['drift']['presetOptions'], maxBaseAssetAmount: 5e9 } } } });
    refused(id, { ...f, idls: { ...idls, drift: { ...idls['drift'], program: idls['jupiter']['program'] } } });
    // Options added later by the presets stay valid (known keys typed, others open).
    expect(check(`vectors/${id}`, { ...f, idls: { ...idls, jupiter: { ...idls['jupiter'], presetOptions: { ...idls['jupiter']['presetOptions'], exactOut: false, someFutureOption: 1 } } } })).toEqual([]);
  });
});
