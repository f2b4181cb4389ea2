/**
 * Runs the reference server: reads the environment (config.ts), opens storage (storage.ts),
 * builds the key wrapper, and listens.
 *
 *   npx tsx examples/express/server.ts                       # memory, http://127.0.0.1:3000
 *   DATABASE_URL=postgres://... REDIS_URL=redis://... AGENTVAULT_KEK=v1:... \
 *   AGENTVAULT_ORIGIN=https://app.example.com PORT=8080 HOST=0.0.0.0 npx tsx examples/express/server.ts
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createApp } from './app.js';
import { appConfig, chainFromEnv, DEFAULT_LIMITS, loadKeyWrapper, type AppConfig } from './config.js';
import { createLogger, parseLogLevel, type Logger } from './logger.js';
import { ensureSessionPeppers, openStorage, type Storage } from './storage.js';

export interface RunningServer {
  readonly url: string;
  readonly config: AppConfig;
  /** Which storage is in use, e.g. `memory tables + memory stores`. */
  readonly storage: string;
  readonly server: Server;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Default: `PORT` or 3000; 0 picks a free port. */
  readonly port?: number;
  /** Default: `HOST` or 127.0.0.1 (loopback only). */
  readonly host?: string;
  readonly logger?: Logger;
  /** Where the one-line KEK notice goes; default stderr. */
  readonly notice?: (line: string) => void;
  /** Storage opened by the caller and shared with other instances (the demo's two instances); not closed by `close()`. */
  readonly storage?: Storage;
  /** The origin (SIWS domain and URI) every instance of one deployment answers for; default `AGENTVAULT_ORIGIN` or this server's URL. */
  readonly origin?: string;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger({ level: parseLogLevel(env['LOG_LEVEL']) });
  const chain = chainFromEnv(env);
  const wrapper = loadKeyWrapper(env, options.notice ?? ((line) => process.stderr.write(`${line}\n`)));
  const limits = DEFAULT_LIMITS;
  const shared = options.storage;
  const storage = shared ?? (await openStorage(env, limits, (what, e) => logger.warn('driver-error', { what, error: e.message })));

  // Listen first so that an ephemeral port can become the default origin (and SIWS domain).
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  const host = options.host ?? env['HOST'] ?? '127.0.0.1';
  const port = options.port ?? Number(env['PORT'] ?? 3000);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (e) {
    if (shared === undefined) await storage.close();
    throw e;
  }
  const actual = (server.address() as AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${hostForUrl}:${actual}`;
  const config = appConfig(options.origin ?? env['AGENTVAULT_ORIGIN'] ?? url, { chain, ...limits, ...trustProxyFromEnv(env['TRUST_PROXY']) });
  // Every instance loads the same wrapped session peppers (the first one to start makes v1).
  const peppers = await ensureSessionPeppers(storage.repo, wrapper);
  const { app, router } = createApp({ config, repo: storage.repo, stores: storage.stores, wrapper, logger, peppers });
  handler = app;
  logger.info('listening', { url, origin: config.origin, chain: config.chain, storage: storage.description });

  let closed = false;
  return {
    url,
    config,
    storage: storage.description,
    server,
    async close() {
      if (closed) return;
      closed = true;
      router.lockAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (shared === undefined) await storage.close();
    },
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const running = await startServer();
  const stop = () => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** TRUST_PROXY: unset -> false; a number -> hop count; 'true'/'false'; anything else -> Express's own syntax (e.g. 'loopback'). */
function trustProxyFromEnv(value: string | undefined): { trustProxy?: boolean | number | string } {
  if (value === undefined || value === '') return {};
  if (value === 'true' || value === 'false') return { trustProxy: value === 'true' };
  return { trustProxy: /^\d+$/.test(value) ? Number(value) : value };
}
