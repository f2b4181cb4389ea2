/**
 * KeyWrapper conformance (docs/SPEC.md 10.1.1), written as a function that takes the
 * implementation, so the same checks run against the local wrapper and any KMS/HSM adapter an app
 * writes. Throws (an assertion error) on the first violation.
 */
import { expect } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { SecretBytes } from '../../src/secret.js';
import type { KeyWrapper } from '../../src/execution/wrapper.js';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    const r = await p;
    if (r instanceof SecretBytes) r.dispose();
    return 'resolved';
  } catch (e) {
    return e instanceof AgentvaultError ? e.code : `non-library error: ${String(e)}`;
  }
}

export async function checkKeyWrapperConformance(w: KeyWrapper): Promise<void> {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
  const ctx = new TextEncoder().encode('conformance context');
  expect(typeof w.id).toBe('string');
  const wrapped = await w.wrap(key, ctx);
  expect(wrapped.wrapper, 'wrap names the wrapper id').toBe(w.id);
  expect(wrapped.version, 'wrap uses the current version').toBe(w.currentVersion);
  expect(typeof wrapped.data).toBe('string');
  expect(wrapped.data).toMatch(/^[A-Za-z0-9_-]{1,4096}$/);
  const back = await w.unwrap(wrapped, ctx);
  expect(back, 'unwrap returns SecretBytes').toBeInstanceOf(SecretBytes);
  expect(Array.from(back.expose()), 'round trip').toEqual(Array.from(key));
  back.dispose();
  expect(Array.from(key), 'wrap does not mutate the key').toEqual(Array.from({ length: 32 }, (_, i) => 255 - i));
  const other = new TextEncoder().encode('conformance contexu');
  expect(await code(w.unwrap(wrapped, other)), 'context is authenticated').toBe('UNWRAP_FAILED');
  expect(await code(w.unwrap(wrapped, new Uint8Array(0))), 'empty context differs').toBe('UNWRAP_FAILED');
  expect(await code(w.unwrap({ ...wrapped, version: `${wrapped.version}x` }, ctx)), 'unknown version').toBe('UNWRAP_FAILED');
  expect(await code(w.unwrap({ ...wrapped, wrapper: `${w.id}x` }, ctx)), 'another wrapper id').toBe('UNWRAP_FAILED');
  const last = wrapped.data.at(-2) === 'A' ? 'B' : 'A';
  expect(await code(w.unwrap({ ...wrapped, data: wrapped.data.slice(0, -2) + last + wrapped.data.slice(-1) }, ctx)), 'tampered data').toBe('UNWRAP_FAILED');
  expect((await w.wrap(key, ctx)).data, 'wrapping is randomized').not.toBe(wrapped.data);
}
