/**
 * vitest globalSetup: starts a throwaway redis-server and PostgreSQL 15 cluster on loopback (random
 * free ports, temp dirs) for the store tests, hands their URLs to the tests through `provide`, and
 * stops them afterwards.
 *
 * - Already-running services can be used instead: set AGENTVAULT_TEST_REDIS_URL / AGENTVAULT_TEST_PG_URL.
 * - A missing server binary skips the tests that need it (one line says which and how to enable them),
 *   except under CI=true, where it fails the run.
 */
import type { TestProject } from 'vitest/node';
import { findPgBin, findRedisServer, PG_BIN_DIR, startPostgres, startRedis, type PgServer, type RedisServer } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the shared test Redis, or '' when Redis tests are skipped. */
    agentvaultRedisUrl: string;
    /** URL of the shared test PostgreSQL, or '' when PostgreSQL tests are skipped. */
    agentvaultPgUrl: string;
    /** Path of redis-server, or '' (for tests that start a server of their own). */
    agentvaultRedisBin: string;
    /** Directory of the PostgreSQL binaries, or ''. */
    agentvaultPgBin: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ci = process.env.CI === 'true';
  const redisBin = findRedisServer();
  const pgBin = findPgBin();
  const missing: string[] = [];
  let redis: RedisServer | undefined;
  let pg: PgServer | undefined;

  let redisUrl = process.env.AGENTVAULT_TEST_REDIS_URL ?? '';
  if (redisUrl === '') {
    if (redisBin === undefined) missing.push('Redis (redis-server not on PATH: apt-get install redis-server)');
    else redisUrl = (redis = await startRedis(redisBin)).url;
  }
  let pgUrl = process.env.AGENTVAULT_TEST_PG_URL ?? '';
  if (pgUrl === '') {
    if (pgBin === undefined) missing.push(`PostgreSQL (no initdb/pg_ctl/postgres in ${PG_BIN_DIR}: install postgresql-15 or set AGENTVAULT_PG_BIN)`);
    else {
      try {
        pgUrl = (pg = await startPostgres(pgBin)).url;
      } catch (e) {
        await redis?.destroy();
        throw e;
      }
    }
  }
  if (missing.length > 0) {
    const what = `${missing.join(' and ')}; scripts/install-test-services.sh sets them up`;
    if (ci) {
      await redis?.destroy();
      await pg?.destroy();
      throw new Error(`[agentvault] CI=true: store tests need ${what}`);
    }
    console.warn(`[agentvault] skipping store tests for ${what}`);
  }
  process.env.AGENTVAULT_TEST_REDIS_URL = redisUrl;
  process.env.AGENTVAULT_TEST_PG_URL = pgUrl;
  project.provide('agentvaultRedisUrl', redisUrl);
  project.provide('agentvaultPgUrl', pgUrl);
  project.provide('agentvaultRedisBin', redisBin ?? '');
  project.provide('agentvaultPgBin', pgBin ?? '');

  return async () => {
    await Promise.allSettled([redis?.destroy(), pg?.destroy()]);
  };
}
