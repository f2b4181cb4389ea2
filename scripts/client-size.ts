/**
 * `npm run size:client`: bundle `agentvault/client` for the browser (esbuild, ESM, minified) and
 * print its size raw and gzipped. test/client/bundle.test.ts runs the same build and checks that
 * nothing from Node is imported.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export async function bundleClient(): Promise<{ code: string; inputs: string[]; imports: string[] }> {
  const r = await build({
    entryPoints: [new URL('../src/client/index.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
  return { code: r.outputFiles[0]!.text, inputs: Object.keys(r.metafile.inputs), imports };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { code } = await bundleClient();
  const gz = gzipSync(code, { level: 9 }).length;
  console.log(`agentvault/client: ${code.length} bytes minified, ${gz} bytes minified + gzip (esbuild, platform browser, es2022)`);
}
