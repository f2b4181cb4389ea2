/**
 * Start and stop throwaway Redis and PostgreSQL servers on loopback, on free ports, in temp dirs.
 * Used by the vitest globalSetup (test/setup/services.ts) and by tests that need a server of their
 * own to stop and restart (test/stores/outage.test.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const PG_BIN_DIR = process.env.AGENTVAULT_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const PG_TEST_USER = 'agentvault-test';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of `name` on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export function findRedisServer(): string | undefined {
  const env = process.env.AGENTVAULT_REDIS_SERVER;
  if (env !== undefined && env !== '') return executable(env) ? env : undefined;
  return which('redis-server');
}

export function findPgBin(): string | undefined {
  return ['initdb', 'pg_ctl', 'postgres'].every((b) => executable(join(PG_BIN_DIR, b))) ? PG_BIN_DIR : undefined;
}

/** A free TCP port on 127.0.0.1 (bind to 0, read, release). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** The redis-server process (tests may SIGSTOP it to simulate a hung server). */
  readonly process: () => ChildProcess;
  stop(): Promise<void>;
  /** Start again on the same port (after stop). */
  start(): Promise<void>;
  /** Stop and remove the temp dir. */
  destroy(): Promise<void>;
}

/**
 * Start a redis-server. With AOF on by default (SPEC 9.4: the revocation and budget stores refuse a
 * server that persists nothing); `{ persistence: false }` starts one with neither AOF nor RDB, to
 * test that refusal. `appendfsync always`: the outage test kills the server with SIGKILL and checks
 * that an acknowledged revocation survives, which `everysec` does not promise (up to 1 s lost).
 */
export async function startRedis(bin: string, port?: number, options: { persistence?: boolean } = {}): Promise<RedisServer> {
  const aof = options.persistence === false ? 'no' : 'yes';
  const dir = mkdtempSync(join(tmpdir(), 'agentvault-redis-'));
  const p = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      bin,
      ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', aof, '--appendfsync', 'always', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    const c = child;
    let exited: string | undefined;
    c.once('exit', (code, signal) => (exited = `exit ${code ?? signal}`));
    c.once('error', (e) => (exited = e.message));
    await waitFor(`redis-server on port ${p}`, async () => {
      if (exited !== undefined) throw new Error(`redis-server failed at start (port ${p}): ${exited}`);
      return canConnect(p);
    });
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    });
  };
  try {
    await start();
  } catch (e) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    process: () => {
      if (child === undefined) throw new Error('redis-server is not running');
      return child;
    },
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PgServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** initdb refuses to run as root: as root, run the PG tools as an unprivileged user. */
function ensureTestUser(): string {
  if (spawnSync('id', ['-u', PG_TEST_USER]).status !== 0) {
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', PG_TEST_USER], { encoding: 'utf8' });
    if (r.status !== 0 && spawnSync('id', ['-u', PG_TEST_USER]).status !== 0)
      throw new Error(`cannot create user ${PG_TEST_USER} for PostgreSQL: ${r.stderr}`);
  }
  return PG_TEST_USER;
}

function runPg(bin: string, args: string[], user: string | undefined): void {
  const cmd = user === undefined ? bin : 'runuser';
  const argv = user === undefined ? args : ['-u', user, '--', bin, ...args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

export async function startPostgres(binDir: string, port?: number): Promise<PgServer> {
  const user = isRoot ? ensureTestUser() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'agentvault-pg-'));
  chmodSync(dir, 0o755);
  if (user !== undefined) {
    const r = spawnSync('chown', ['-R', user, dir]);
    if (r.status !== 0) throw new Error(`chown ${dir} failed`);
  }
  const data = join(dir, 'data');
  const p = port ?? (await freePort());
  const pgCtl = join(binDir, 'pg_ctl');
  const start = async (): Promise<void> => {
    runPg(pgCtl, ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', 'start'], user);
    await waitFor(`postgres on port ${p}`, () => canConnect(p));
  };
  const stop = async (): Promise<void> => {
    try {
      runPg(pgCtl, ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'], user);
    } catch (e) {
      if (!/not running|No such|does not exist/i.test(String(e))) throw e;
    }
  };
  try {
    runPg(join(binDir, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], user);
    // Keep the cluster light on a shared machine.
    const conf = [
      `port = ${p}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 60',
      'shared_buffers = 32MB',
    ].join('\n');
    const extra = join(dir, 'extra.conf');
    writeFileSync(extra, conf + '\n');
    runPg('/bin/sh', ['-c', `echo "include '${extra}'" >> '${join(data, 'postgresql.conf')}'`], user);
    await start();
  } catch (e) {
    await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${p}/postgres`,
    port: p,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
