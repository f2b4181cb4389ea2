/**
 * Project Wycheproof vectors, read from `../shared/vectors/wycheproof` beside the repository (never
 * from an absolute path: CI clones the repo fresh with `../shared` next to it).
 *
 * Missing vectors never pass silently: locally the suite is skipped with a printed reason; in CI
 * (`CI=true`) it fails. A present file whose SHA-256 differs from `SHA256SUMS` always fails.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** Repository root (this file is test/helpers/wycheproof.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `<repo>/../shared/vectors/wycheproof` */
export const WYCHEPROOF_DIR = resolve(REPO_ROOT, '..', 'shared', 'vectors', 'wycheproof');

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

/** Fields common to every Wycheproof test (schemas/common.json). */
export interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: WycheproofResult;
}

export interface WycheproofFile<G> {
  algorithm: string;
  schema: string;
  numberOfTests: number;
  notes: Record<string, { bugType?: string; description?: string }>;
  testGroups: G[];
}

/** aead_test_schema_v1.json */
export interface AeadTestGroup {
  type: 'AeadTest';
  keySize: number;
  ivSize: number;
  tagSize: number;
  tests: (WycheproofTest & { key: string; iv: string; aad: string; msg: string; ct: string; tag: string })[];
}

/** hkdf_test_schema_v1.json */
export interface HkdfTestGroup {
  type: 'HkdfTest';
  keySize: number;
  tests: (WycheproofTest & { ikm: string; salt: string; info: string; size: number; okm: string })[];
}

/** eddsa_verify_schema_v1.json */
export interface EddsaVerifyGroup {
  type: 'EddsaVerify';
  publicKey: { type: string; curve: string; keySize: number; pk: string };
  tests: (WycheproofTest & { msg: string; sig: string })[];
}

export type WycheproofLoad<G> =
  | { present: true; path: string; data: WycheproofFile<G> }
  | { present: false; path: string; reason: string };

function expectedSha256(dir: string, relative: string): string | undefined {
  const file = join(dir, 'SHA256SUMS');
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (m && m[2] === relative) return m[1];
  }
  return undefined;
}

/**
 * Load `testvectors_v1/<file>`. Throws if the file is present but its hash differs from
 * SHA256SUMS (or SHA256SUMS does not list it), or if it is not the schema we expect.
 */
export function loadWycheproof<G>(file: string, schema: string, dir: string = WYCHEPROOF_DIR): WycheproofLoad<G> {
  const relative = `testvectors_v1/${file}`;
  const path = join(dir, relative);
  if (!existsSync(path))
    return {
      present: false,
      path,
      reason: `Wycheproof vectors not found at ${path} (expected ../shared/vectors/wycheproof beside the repository)`,
    };
  const raw = readFileSync(path);
  const want = expectedSha256(dir, relative);
  const got = createHash('sha256').update(raw).digest('hex');
  if (want === undefined) throw new Error(`${relative} is not listed in ${join(dir, 'SHA256SUMS')}`);
  if (want !== got) throw new Error(`${relative}: SHA-256 ${got} differs from SHA256SUMS ${want}: the vectors were modified`);
  const data = JSON.parse(raw.toString('utf8')) as WycheproofFile<G>;
  if (data.schema !== schema) throw new Error(`${relative}: schema ${data.schema}, expected ${schema}`);
  return { present: true, path, data };
}

/**
 * `describe` over one Wycheproof file. When the file is absent: in CI (`CI=true`) one failing test
 * says so; elsewhere the suite is skipped and the reason is printed.
 */
export function describeWycheproof<G>(
  file: string,
  schema: string,
  body: (data: WycheproofFile<G>) => void,
  dir: string = WYCHEPROOF_DIR,
): void {
  const title = `Wycheproof ${file}`;
  const loaded = loadWycheproof<G>(file, schema, dir);
  if (loaded.present) {
    describe(title, () => body(loaded.data));
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has its vector file (required in CI)', () => {
        throw new Error(`${loaded.reason}. CI must check out ../shared beside the repository.`);
      });
    });
    return;
  }
  // Said once per run: the noble project (AGENTVAULT_CRYPTO=noble) repeats the same files, and its
  // skipped suite's title already carries the reason.
  if (process.env.AGENTVAULT_CRYPTO !== 'noble') console.warn(`[agentvault tests] SKIPPING ${title}: ${loaded.reason}`);
  describe.skip(`${title} (SKIPPED: ${loaded.reason})`, () => {
    it('vectors absent', () => {});
  });
}

/** Count of tests in a file (checked against `numberOfTests` so a silently shrunken file fails). */
export function countTests<G extends { tests: unknown[] }>(data: WycheproofFile<G>): number {
  return data.testGroups.reduce((n, g) => n + g.tests.length, 0);
}
