/**
 * Mutation runs only (mutation.scopes.mjs, scope `messages`): every messages test file imported into
 * one module graph, the fast unit suites first. Stryker re-runs the covering tests once per mutant
 * and stops at the first failure; as one file the libraries (Kit, wallet-standard-util, fast-check)
 * are loaded once per mutant instead of once per test file, and a killed mutant usually stops in
 * the first, cheapest suites. Not matched by the normal suite's `*.test.ts` include.
 */
import './siws.test.js';
import './mutation-fields.test.js';
import './mutation-siws.test.js';
import './mutation-offchain.test.js';
import './mutation-purposes.test.js';
import './mutation-challenge.test.js';
import './mutation-authorization.test.js';
import './challenge.test.js';
import './verify-before-consume.test.js';
import './security.test.js';
import './attacks.test.js';
import './offchain.test.js';
import './signature-canonical.test.js';
import './vectors.test.js';
import './interop.test.js';
import './properties.test.js';
import './combined-purpose.test.js';

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('the mutation suite', () => {
  it('imports every test/messages/*.test.ts (a new test file must be listed above)', () => {
    const here = new URL('.', import.meta.url);
    const self = readFileSync(new URL('_mutation-suite.ts', here), 'utf8');
    const files = readdirSync(here).filter((f) => f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(self, f).toContain(`import './${f.replace(/\.ts$/, '.js')}';`);
  });
});
