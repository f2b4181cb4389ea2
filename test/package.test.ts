/**
 * Package shape: every documented subpath (package.json `exports`) has a tsup entry and a source
 * module, and, once built, imports through the package's own name with the same named exports
 * as its source. The root barrel uses explicit named exports only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { entries } from '../tsup.config.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
const distBuilt = existsSync(new URL('../dist/index.js', import.meta.url));

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

  describe.runIf(distBuilt || process.env.CI === 'true')('built package (dist)', () => {
    for (const subpath of subpaths) {
      it(`agentvault${subpath.slice(1)}: the built file named by exports imports with the source's exports`, async () => {
        // By path, not by name: vitest aliases the package name to src/ for the examples.
        const target: string = pkg.exports[subpath].default;
        const built = await import(/* @vite-ignore */ new URL(`../${target}`, import.meta.url).href);
        const source = await import(`../${entries[entryOf(subpath)]}`);
        expect(Object.keys(built).sort()).toEqual(Object.keys(source).sort());
      });
    }
  });
});
