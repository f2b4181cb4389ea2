import fc from 'fast-check';
import { createDecipheriv } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { KEY_HELP } from '../../src/primitives/keys.js';
import { assertWrappedKey, LocalKeyWrapper, rewrapKey, type WrappedKey } from '../../src/execution/wrapper.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { expectNoSecretIn } from '../helpers/secrets.js';
import { NOT_BYTES } from '../helpers/wrong-types.js';
import { b64, KEK1, KEK2, wrapperV1, wrapperV1V2 } from './_fixtures.js';
import { checkKeyWrapperConformance } from './_wrapper-conformance.js';

const te = new TextEncoder();
const CTX = te.encode('grant context');
const KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff);

/** Independent unwrap with node:crypto, from the SPEC: AAD = lp(label) || lp("local") || lp(version) || lp(context). */
function nodeUnwrap(kek: Uint8Array, w: WrappedKey, context: Uint8Array): Buffer {
  const lp = (b: Uint8Array) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), Buffer.from(b)]);
  const aad = Buffer.concat([lp(te.encode('agentvault/v1/local-wrap')), lp(te.encode('local')), lp(te.encode(w.version)), lp(context)]);
  const raw = Buffer.from(w.data, 'base64url');
  const d = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
  d.setAAD(aad);
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
}

describe('LocalKeyWrapper', () => {
  it('round trip; the wrapped form names wrapper and version; node:crypto unwraps it independently', async () => {
    const w = wrapperV1();
    const wrapped = await w.wrap(KEY, CTX);
    expect(wrapped).toMatchObject({ wrapper: 'local', version: 'v1' });
    expect(Buffer.from(wrapped.data, 'base64url').length).toBe(12 + 32 + 16);
    const back = await w.unwrap(wrapped, CTX);
    expect(back.expose()).toEqual(KEY);
    expect(Uint8Array.from(nodeUnwrap(KEK1, wrapped, CTX))).toEqual(KEY);
    // fresh IV every time
    expect((await w.wrap(KEY, CTX)).data).not.toBe(wrapped.data);
  });

  it('context mismatch, wrong version, wrong wrapper id and every single-bit flip are UNWRAP_FAILED', async () => {
    const w = wrapperV1V2();
    const wrapped = await w.wrap(KEY, CTX);
    await expectCodeAsync(w.unwrap(wrapped, te.encode('grant contexu')), 'UNWRAP_FAILED');
    await expectCodeAsync(w.unwrap(wrapped, new Uint8Array(0)), 'UNWRAP_FAILED');
    await expectCodeAsync(w.unwrap({ ...wrapped, version: 'v1' }, CTX), 'UNWRAP_FAILED');
    await expectCodeAsync(w.unwrap({ ...wrapped, version: 'v9' }, CTX), 'UNWRAP_FAILED');
    await expectCodeAsync(w.unwrap({ ...wrapped, wrapper: 'aws-kms' }, CTX), 'UNWRAP_FAILED');
    await expectCodeAsync(w.unwrap({ ...wrapped, data: wrapped.data.slice(0, -4) }, CTX), 'UNWRAP_FAILED');
    const raw = Buffer.from(wrapped.data, 'base64url');
    for (let bit = 0; bit < raw.length * 8; bit++) {
      const flipped = Buffer.from(raw);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      await expectCodeAsync(w.unwrap({ ...wrapped, data: flipped.toString('base64url') }, CTX), 'UNWRAP_FAILED');
    }
  });

  it('fast-check: unwrap succeeds exactly for the same context', async () => {
    const w = wrapperV1();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.uint8Array({ minLength: 0, maxLength: 64 }), async (a, b) => {
        const wrapped = await w.wrap(KEY, a);
        const same = a.length === b.length && a.every((x, i) => x === b[i]);
        if (same) expect((await w.unwrap(wrapped, b)).expose()).toEqual(KEY);
        else await expectCodeAsync(w.unwrap(wrapped, b), 'UNWRAP_FAILED');
      }),
      { numRuns: 100 },
    );
  });

  it('rotation: the newest version wraps, all versions unwrap; rewrapKey moves a key to the newest', async () => {
    const old = wrapperV1();
    const wrappedV1 = await old.wrap(KEY, CTX);
    const both = wrapperV1V2();
    expect(both.currentVersion).toBe('v2');
    expect([...both.versions].sort()).toEqual(['v1', 'v2']);
    expect((await both.unwrap(wrappedV1, CTX)).expose()).toEqual(KEY);
    const moved = await rewrapKey(wrappedV1, CTX, both);
    expect(moved.version).toBe('v2');
    expect(Uint8Array.from(nodeUnwrap(KEK2, moved, CTX))).toEqual(KEY);
    // after retiring v1, only the moved key still unwraps
    const onlyV2 = new LocalKeyWrapper({ keys: { v2: KEK2 } });
    expect((await onlyV2.unwrap(moved, CTX)).expose()).toEqual(KEY);
    await expectCodeAsync(onlyV2.unwrap(wrappedV1, CTX), 'UNWRAP_FAILED');
    await expectCodeAsync(rewrapKey(wrappedV1, te.encode('other'), both), 'UNWRAP_FAILED');
  });

  it('fromEnv: parses "v1:<b64>,v2:<b64>" (spaces allowed); highest version wraps', async () => {
    const w = LocalKeyWrapper.fromEnv({ AGENTVAULT_KEK: ` v1:${b64(KEK1)} , v2:${b64(KEK2)}` });
    expect(w.currentVersion).toBe('v2');
    const wrapped = await w.wrap(KEY, CTX);
    expect(Uint8Array.from(nodeUnwrap(KEK2, wrapped, CTX))).toEqual(KEY);
    const custom = LocalKeyWrapper.fromEnv({ MY_KEK: `v7:${b64(KEK1)}` }, 'MY_KEK');
    expect(custom.currentVersion).toBe('v7');
    expect(Uint8Array.from(nodeUnwrap(KEK1, await custom.wrap(KEY, CTX), CTX))).toEqual(KEY);
  });

  it('missing, empty, short, all-equal, low-variety, duplicate and malformed keys are WEAK_KEY at startup with the help text', () => {
    const bad: [string, Record<string, string | undefined>][] = [
      ['missing', {}],
      ['undefined', { AGENTVAULT_KEK: undefined }],
      ['empty', { AGENTVAULT_KEK: '' }],
      ['blank', { AGENTVAULT_KEK: '   ' }],
      ['no version', { AGENTVAULT_KEK: b64(KEK1) }],
      ['bad version label', { AGENTVAULT_KEK: `v0:${b64(KEK1)}` }],
      ['short key', { AGENTVAULT_KEK: `v1:${b64(KEK1.subarray(0, 16))}` }],
      ['long key', { AGENTVAULT_KEK: `v1:${b64(new Uint8Array([...KEK1, 1]))}` }],
      ['all bytes equal', { AGENTVAULT_KEK: `v1:${b64(new Uint8Array(32).fill(7))}` }],
      ['all zero', { AGENTVAULT_KEK: `v1:${b64(new Uint8Array(32))}` }],
      ['few distinct bytes', { AGENTVAULT_KEK: `v1:${b64(Uint8Array.from({ length: 32 }, (_, i) => i % 8))}` }],
      ['not base64', { AGENTVAULT_KEK: 'v1:this is not base64!!' }],
      ['duplicate version', { AGENTVAULT_KEK: `v1:${b64(KEK1)},v1:${b64(KEK2)}` }],
      ['same key twice', { AGENTVAULT_KEK: `v1:${b64(KEK1)},v2:${b64(KEK1)}` }],
      ['trailing comma', { AGENTVAULT_KEK: `v1:${b64(KEK1)},` }],
    ];
    for (const [label, env] of bad) {
      const e = expectCode(() => LocalKeyWrapper.fromEnv(env), 'WEAK_KEY');
      expect(e.message, label).toContain('AGENTVAULT_KEK');
      expect(e.message, label).toContain(KEY_HELP);
      expect(e.message, label).toContain('openssl rand -base64 32');
    }
    expectCode(() => new LocalKeyWrapper({ keys: {} }), 'WEAK_KEY');
    expectCode(() => new LocalKeyWrapper(undefined as never), 'WEAK_KEY');
    expectCode(() => new LocalKeyWrapper({ keys: { v1: new Uint8Array(32) } }), 'WEAK_KEY');
    expectCode(() => new LocalKeyWrapper({ keys: { v1: 'key' as never } }), 'WEAK_KEY');
  });

  it('never prints its keys (inspect, String, JSON, errors)', async () => {
    const w = LocalKeyWrapper.fromEnv({ AGENTVAULT_KEK: `v1:${b64(KEK1)},v2:${b64(KEK2)}` });
    const texts = [inspect(w, { showHidden: true, depth: 10 }), String(w), JSON.stringify(w), JSON.stringify({ w })];
    try {
      await w.unwrap({ wrapper: 'local', version: 'v1', data: 'AAAA' }, CTX);
    } catch (e) {
      texts.push(inspect(e, { showHidden: true }), String(e), JSON.stringify(e));
    }
    try {
      LocalKeyWrapper.fromEnv({ AGENTVAULT_KEK: `v1:${b64(KEK1)},v1:${b64(KEK2)}` });
    } catch (e) {
      texts.push(inspect(e, { showHidden: true }), String(e));
    }
    expectNoSecretIn(texts.join('\n'), [KEK1, KEK2], 'wrapper output');
  });

  it('wrong-typed arguments are INVALID_INPUT (bytes) or UNWRAP_FAILED-free refusals, never TypeErrors', async () => {
    const w = wrapperV1();
    for (const [label, value] of NOT_BYTES) {
      await expect(w.wrap(value as Uint8Array, CTX), label).rejects.toBeInstanceOf(AgentvaultError);
      await expect(w.wrap(KEY, value as Uint8Array), label).rejects.toBeInstanceOf(AgentvaultError);
    }
    await expectCodeAsync(w.wrap(new Uint8Array(16), CTX), 'INVALID_INPUT');
    for (const bad of [null, 'x', {}, { wrapper: 'local', version: 'v1' }, { wrapper: 'local', version: 'v1', data: 'a=b' }, { wrapper: 'local', version: 'v1', data: 'AA', extra: 1 }])
      expectCode(() => assertWrappedKey(bad), 'INVALID_INPUT');
  });

  it('conformance suite: LocalKeyWrapper passes in every configuration', async () => {
    for (const w of [wrapperV1(), wrapperV1V2(), LocalKeyWrapper.fromEnv({ AGENTVAULT_KEK: `v3:${b64(KEK2)}` })]) await checkKeyWrapperConformance(w);
    await checkKeyWrapperConformance(wrapperV1V2(), { previous: wrapperV1() });
  });

  it('conformance suite: catches a wrapper that ignores the context or throws plain errors', async () => {
    const inner = wrapperV1();
    const ignoresContext = { id: 'local', currentVersion: 'v1', wrap: (k: Uint8Array) => inner.wrap(k, new Uint8Array(0)), unwrap: (w: WrappedKey) => inner.unwrap(w, new Uint8Array(0)) };
    await expect(checkKeyWrapperConformance(ignoresContext)).rejects.toThrow(/wrong context/);
    const plainErrors = {
      id: 'local',
      currentVersion: 'v1',
      wrap: (k: Uint8Array, c: Uint8Array) => inner.wrap(k, c),
      unwrap: async (w: WrappedKey, c: Uint8Array) => {
        try {
          return await inner.unwrap(w, c);
        } catch {
          throw new Error('decrypt failed');
        }
      },
    };
    await expect(checkKeyWrapperConformance(plainErrors)).rejects.toThrow(/wrong context/);
  });
});
