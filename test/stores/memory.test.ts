/**
 * What only the memory stores have: bounds (STORE_FULL, never evicting a live entry), the sweep
 * timer, and that no timer keeps the process alive. Also checks on the test harness itself and on
 * the driver-free imports of the networked stores.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAgentvaultError } from '../../src/errors.js';
import { MemoryNonceStore, MemoryRateLimiter, MemoryRevocationStore, type NonceStore } from '../../src/stores/index.js';
import { raceConsume } from './_backends.js';

const h = (s: string): string => createHash('sha256').update(s).digest('hex');

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isAgentvaultError(e) ? e.code : String(e);
  }
  return 'resolved';
}

describe('MemoryNonceStore bounds', () => {
  it('throws STORE_FULL when full of live nonces and evicts none of them', async () => {
    const s = new MemoryNonceStore({ maxEntries: 3, sweepIntervalMs: 0 });
    const now = Date.now();
    for (const n of ['a', 'b', 'c']) await s.issue(h(n), now + 60_000, n);
    expect(await code(s.issue(h('d'), now + 60_000, 'd'))).toBe('STORE_FULL');
    expect(s.size).toBe(3);
    for (const n of ['a', 'b', 'c']) expect(await s.consume(h(n), now)).toBe(n);
    // Consumed nonces free their room at once.
    await s.issue(h('d'), now + 60_000, 'd');
    expect(await s.consume(h('d'), now)).toBe('d');
  });

  it('sweeps expired nonces to make room before refusing', async () => {
    let t = 1_000_000;
    const s = new MemoryNonceStore({ maxEntries: 2, sweepIntervalMs: 0, clock: () => t });
    await s.issue(h('a'), t + 100, 'a');
    await s.issue(h('b'), t + 500, 'b');
    expect(await code(s.issue(h('c'), t + 100, 'c'))).toBe('STORE_FULL');
    t += 100; // 'a' expires (expiresAt <= clock)
    await s.issue(h('c'), t + 100, 'c');
    expect(s.size).toBe(2);
    expect(await s.consume(h('b'), t)).toBe('b');
    expect(await s.consume(h('a'), t - 1)).toBeNull(); // swept
  });

  it('the sweep timer removes expired nonces, and close() stops it', async () => {
    let t = 1_000_000;
    const s = new MemoryNonceStore({ sweepIntervalMs: 10, clock: () => t });
    await s.issue(h('a'), t + 100, 'a');
    await s.issue(h('b'), t + 100_000, 'b');
    t += 200;
    await new Promise((r) => setTimeout(r, 60));
    expect(s.size).toBe(1);
    s.close();
    t += 200_000;
    await new Promise((r) => setTimeout(r, 60));
    expect(s.size).toBe(1); // no timer any more
    s.sweep();
    expect(s.size).toBe(0);
  });
});

describe('MemoryRevocationStore bounds', () => {
  it('throws STORE_FULL, never drops a revocation or a kill, and frees room on expiry and unkill', async () => {
    let t = 1_000_000;
    const s = new MemoryRevocationStore({ maxEntries: 2, sweepIntervalMs: 0, clock: () => t, maxClockSkewMs: 0 });
    await s.revoke('g1', t + 100);
    await s.revoke('g2', t + 50);
    // Revocations and kill switches have separate bounds: a store full of revocations still kills.
    await s.kill({ bot: 'b1' });
    await s.kill({ bot: 'b2' });
    expect(await code(s.revoke('g3'))).toBe('STORE_FULL');
    expect(await code(s.kill({ wallet: 'w1' }))).toBe('STORE_FULL');
    await s.revoke('g1'); // extending an existing revocation needs no room
    await s.kill({ bot: 'b1' }); // idempotent
    expect(await s.isRevoked('g1')).toBe(true);
    expect(await s.isKilled({ bot: 'b1', wallet: 'x' })).toBe(true);
    await s.unkill({ bot: 'b2' });
    await s.kill({ wallet: 'w1' }); // room from the unkill
    expect(await s.isKilled({ bot: 'x', wallet: 'w1' })).toBe(true);
    t += 100;
    expect(await s.isRevoked('g1')).toBe(true); // extended to "for good"
    expect(await s.isRevoked('g2')).toBe(false);
    await s.revoke('g3'); // room from g2's expiry
    expect(await s.isRevoked('g3')).toBe(true);
  });
});

describe('MemoryRateLimiter bounds', () => {
  it('tracks at most maxEntries keys and forgets keys whose window has passed', async () => {
    let t = 1_000_000;
    const l = new MemoryRateLimiter({ limit: 1, windowMs: 1000, maxEntries: 2, sweepIntervalMs: 0, clock: () => t });
    expect((await l.hit('a', t)).allowed).toBe(true);
    expect((await l.hit('b', t)).allowed).toBe(true);
    expect(await code(l.hit('c', t))).toBe('STORE_FULL');
    expect((await l.hit('a', t)).allowed).toBe(false); // known keys still answer
    t += 1000;
    expect((await l.hit('c', t)).allowed).toBe(true);
  });
});

describe('option checks', () => {
  it('rejects bad options', () => {
    expect(() => new MemoryNonceStore({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => new MemoryNonceStore({ sweepIntervalMs: -1 })).toThrow(/sweepIntervalMs/);
    expect(() => new MemoryNonceStore({ clock: 5 as never })).toThrow(/clock/);
    expect(() => new MemoryRateLimiter({ limit: 100_001, windowMs: 1 })).toThrow(/limit/);
    expect(() => new MemoryRateLimiter(undefined as never)).toThrow(/options/);
  });
});

class NaiveNonceStore implements NonceStore {
  readonly map = new Map<string, string>();
  async issue(hash: string, _e: number, meta: string): Promise<void> {
    this.map.set(hash, meta);
  }
  // Read-then-write with a suspension point between: the bug the real stores must not have.
  async consume(hash: string): Promise<string | null> {
    const v = this.map.get(hash) ?? null;
    await new Promise((r) => setImmediate(r));
    this.map.delete(hash);
    return v;
  }
}

describe('the race harness', () => {
  it('catches a read-then-write consume (so the 1,000-consumer tests can fail)', async () => {
    const naive = new NaiveNonceStore();
    await naive.issue(h('x'), 0, 'm');
    expect(await raceConsume([naive, naive], h('x'), 1000, 0)).toBeGreaterThan(1);
  });
});

function runNode(code: string, timeoutMs: number): Promise<'exited' | 'hung'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('hung');
    }, timeoutMs);
    child.on('exit', (c) => {
      clearTimeout(timer);
      if (c === 0) resolve('exited');
      else if (c !== null) reject(new Error(`child failed (${c}): ${err}`));
    });
  });
}

describe('timers', () => {
  it('no store timer keeps the process alive', async () => {
    const src = `
      import { MemoryNonceStore, MemoryRateLimiter, MemoryRevocationStore } from './src/stores/index.ts';
      const n = new MemoryNonceStore({ sweepIntervalMs: 5 });
      new MemoryRevocationStore({ sweepIntervalMs: 5 });
      new MemoryRateLimiter({ limit: 1, windowMs: 10, sweepIntervalMs: 5 });
      await n.issue('${h('a')}', Date.now() + 1e6, 'm');
    `;
    expect(await runNode(src, 15_000)).toBe('exited');
    // Control: the harness does see a timer that is not unref'd.
    expect(await runNode(`${src}; setInterval(() => {}, 5);`, 4_000)).toBe('hung');
  });
});

const DRIVER = /^(ioredis|pg|@electric-sql\/pglite|redis|postgres)(\/|$)/;

/** Module specifiers a source file loads at run time (static non-type imports and dynamic imports). */
function runtimeImports(text: string): string[] {
  const stat = [...text.matchAll(/^\s*import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
  const dyn = [...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!);
  return [...stat, ...dyn];
}

describe('optional drivers', () => {
  it('no store module imports a driver at run time (type-only imports at most)', () => {
    const dir = join(process.cwd(), 'src/stores');
    const offending: string[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts')))
      for (const spec of runtimeImports(readFileSync(join(dir, f), 'utf8'))) if (DRIVER.test(spec)) offending.push(`${f}: ${spec}`);
    expect(offending).toEqual([]);
    // The scan does see a runtime driver import, and lets a type-only one through.
    expect(runtimeImports(`import { Redis } from 'ioredis';\nimport type { Pool } from 'pg';\nawait import('pg');`)).toEqual(['ioredis', 'pg']);
  });
});
