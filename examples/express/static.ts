/**
 * The browser side of the reference server: a minimal static page (`GET /`) and its script
 * (`GET /app.js`), which walks the whole flow with the client kit (`agentvault/client`) and a
 * scripted wallet-standard wallet. The script is bundled from public/app.ts with esbuild on first
 * request (a development convenience: esbuild is a dev dependency, loaded only when asked).
 */
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response } from 'express';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>agentvault reference page</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<h1>agentvault</h1>
<p>Wallet: <code id="wallet">connecting…</code></p>
<p>Statement to sign: <q id="statement"></q></p>
<ol id="log"></ol>
<script type="module" src="/app.js"></script>
</body>
</html>
`;

let bundle: Promise<string> | undefined;
async function buildScript(): Promise<string> {
  const { build } = await import('esbuild');
  const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));
  const r = await build({
    entryPoints: [src('./public/app.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    alias: { 'agentvault/client': src('../../src/client/index.ts') },
    logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

export function browserPage(chain: string): express.Router {
  const r = express.Router();
  const headers = (res: Response) =>
    res
      .set('Cache-Control', 'no-store')
      .set('Content-Security-Policy', "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
      .set('Referrer-Policy', 'no-referrer');
  r.get('/', (_req: Request, res: Response) => {
    headers(res).type('html').send(PAGE.replace('<title>', `<meta name="agentvault-chain" content="${chain.replace(/[^a-z:]/g, '')}">\n<title>`));
  });
  r.get('/app.js', async (_req: Request, res: Response) => {
    bundle ??= buildScript().catch((e: unknown) => {
      bundle = undefined;
      throw e;
    });
    headers(res).type('application/javascript').send(await bundle);
  });
  return r;
}
