/**
 * `agentvault/client` bundles for the browser (esbuild, platform browser: a Node built-in would
 * fail the build) and imports nothing from `node:`; its size is printed (README, CHANGELOG).
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundleClient } from '../../scripts/client-size.js';

describe('agentvault/client bundle', () => {
  it('builds for the browser platform with no node: import and stays small', async () => {
    const { code, inputs, imports } = await bundleClient();
    expect(imports.filter((p) => p.startsWith('node:') || /^(crypto|fs|path|buffer|process|util)$/.test(p))).toEqual([]);
    expect(inputs.some((p) => p.includes('src/client/index.ts'))).toBe(true);
    expect(inputs.filter((p) => /src\/(vault|sessions|stores|execution|derivation)\//.test(p))).toEqual([]);
    expect(code).not.toMatch(/\bnode:[a-z]/);
    expect(code).not.toMatch(/getBuiltinModule|require\(/);
    const gz = gzipSync(code, { level: 9 }).length;
    console.info(`agentvault/client: ${code.length} B minified, ${gz} B minified + gzip`);
    expect(gz).toBeLessThan(20_000);
  });
});
