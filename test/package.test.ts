/**
 * Package shape: every documented subpath (package.json `exports`) has a tsup entry and a source
 * module, and, once built, imports through the package's own name with the same named exports
 * as its source. The root barrel uses explicit named exports only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entries } from '../tsup.config.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
const root = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time under src/ (ms). */
function newestSource(dir = `${root}src`): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true }))
    t = Math.max(t, e.isDirectory() ? newestSource(`${dir}/${e.name}`) : statSync(`${dir}/${e.name}`).mtimeMs);
  return t;
}

/**
 * The dist tests test what is built, so they build first when dist/ is missing or older than
 * src/ (one line says so). AGENTVAULT_NO_BUILD=1 skips them instead, with one line saying why.
 */
function ensureDist(): { ok: boolean; why?: string } {
  const marker = `${root}dist/index.js`;
  const stale = !existsSync(marker) || statSync(marker).mtimeMs < newestSource();
  if (!stale) return { ok: true };
  if (process.env.AGENTVAULT_NO_BUILD === '1') return { ok: false, why: 'dist/ is missing or older than src/ and AGENTVAULT_NO_BUILD=1' };
  console.warn('[agentvault tests] building dist/ for the package tests (missing or older than src/): npm run build');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  return { ok: true };
}
const dist = ensureDist();
if (!dist.ok) console.warn(`[agentvault tests] SKIPPING the built-package tests: ${dist.why}`);

function entryOf(subpath: string): string {
  const target: string = pkg.exports[subpath].default;
  return target.replace(/^\.\/dist\//, '').replace(/\.js$/, '');
}

describe('package exports', () => {
  it('declares ESM, side-effect free, node >= 20.19, a files allow-list, exact runtime versions', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe('>=20.19');
    expect(pkg.files).toContain('dist');
    for (const [name, range] of Object.entries<string>(pkg.dependencies)) {
      expect(range, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(name, 'runtime dependency outside the allowed families').toMatch(/^(@noble\/|@scure\/|micro-key-producer$)/);
    }
    expect(pkg.dependencies.pg).toBeUndefined();
    expect(pkg.dependencies.ioredis).toBeUndefined();
    for (const peer of Object.keys(pkg.peerDependencies)) expect(pkg.peerDependenciesMeta[peer]?.optional, `${peer} is an optional peer`).toBe(true);
  });

  it('names its repository, homepage and bug tracker, and ships the examples README', () => {
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/.+\.git$/);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs.url).toMatch(/^https:\/\//);
    expect(pkg.files).toContain('examples/README.md');
    expect(existsSync(new URL('../examples/README.md', import.meta.url))).toBe(true);
  });

  for (const subpath of subpaths) {
    it(`${subpath}: has a tsup entry and its source module loads`, async () => {
      const entry = entryOf(subpath);
      expect(entries[entry], `tsup entry for ${entry}`).toBeDefined();
      const mod = await import(`../${entries[entry]}`);
      expect(Object.keys(mod).length).toBeGreaterThan(0);
    });
  }

  it('the root barrel names its exports (no export *)', () => {
    const src = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/^export \* /m);
  });

  describe.runIf(dist.ok || process.env.CI === 'true')('built package (dist)', () => {
    for (const subpath of subpaths) {
      it(`agentvault${subpath.slice(1)}: the built file named by exports imports with the source's exports`, async () => {
        // By path, not by name: vitest aliases the package name to src/ for the examples.
        const target: string = pkg.exports[subpath].default;
        const built = await import(/* @vite-ignore */ new URL(`../${target}`, import.meta.url).href);
        const source = await import(`../${entries[entryOf(subpath)]}`);
        expect(Object.keys(built).sort()).toEqual(Object.keys(source).sort());
      });
      it(`agentvault${subpath.slice(1)}: its declaration file exists under a readable name (no hashed chunk)`, () => {
        const types: string = pkg.exports[subpath].types;
        expect(existsSync(new URL(`../${types}`, import.meta.url))).toBe(true);
      });
    }
    it('the second @scure/base (micro-packed, README) is never loaded: no built file imports micro-packed', () => {
      const walk = (d: string): string[] =>
        readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${d}/${e.name}`) : [`${d}/${e.name}`]));
      const js = walk(`${root}dist`).filter((f) => f.endsWith('.js'));
      expect(js.length).toBeGreaterThan(0);
      for (const f of js) expect(readFileSync(f, 'utf8'), f).not.toMatch(/micro-packed|micro-key-producer\/(ssh|pgp|otp|x509|convert|utils)/);
    });
    it('no hashed declaration chunks in dist/', () => {
      const walk = (d: string): string[] =>
        readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${d}/${e.name}`) : [e.name]));
      expect(walk(`${root}dist`).filter((f) => /-[A-Za-z0-9_]{8}\.d\.ts$/.test(f))).toEqual([]);
    });
  });
});
