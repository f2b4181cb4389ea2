/**
 * Assertions on the library's typed errors. Use these instead of `toThrow(/text/)`: callers branch
 * on `code`, so tests must too.
 */
import { expect } from 'vitest';
import { AgentvaultError, type ErrorCode } from '../../src/errors.js';

/**
 * Assert that `fn()` throws an `AgentvaultError` whose `code` is `code` (not a TypeError, not a
 * plain Error, not a different code). Returns the error for further checks on message/details.
 */
export function expectCode(fn: () => unknown, code: ErrorCode): AgentvaultError {
  let thrown: unknown;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    thrown = e;
  }
  if (!threw) expect.fail(`expected AgentvaultError [${code}], but nothing was thrown`);
  if (!(thrown instanceof AgentvaultError)) {
    const what = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
    expect.fail(`expected AgentvaultError [${code}], got ${what}`);
  }
  expect(thrown.code, `error message: ${thrown.message}`).toBe(code);
  return thrown;
}

/** Async form of `expectCode`: `fn` returns a promise (or is one) that must reject with `code`. */
export async function expectCodeAsync(fn: Promise<unknown> | (() => Promise<unknown>), code: ErrorCode): Promise<AgentvaultError> {
  let thrown: unknown;
  let threw = false;
  try {
    await (typeof fn === 'function' ? fn() : fn);
  } catch (e) {
    threw = true;
    thrown = e;
  }
  if (!threw) expect.fail(`expected rejection with AgentvaultError [${code}], but it resolved`);
  if (!(thrown instanceof AgentvaultError)) {
    const what = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
    expect.fail(`expected AgentvaultError [${code}], got ${what}`);
  }
  expect(thrown.code, `error message: ${thrown.message}`).toBe(code);
  return thrown;
}

/** Everything an error could print: message, toString, stack, details, util.inspect and JSON. */
export async function errorText(e: unknown): Promise<string> {
  const util = await import('node:util');
  const parts = [String(e), util.inspect(e, { depth: 5, showHidden: true })];
  if (e instanceof Error) parts.push(e.message, e.stack ?? '');
  if (e instanceof AgentvaultError) parts.push(JSON.stringify(e.details ?? null), JSON.stringify(e));
  return parts.join('\n');
}
