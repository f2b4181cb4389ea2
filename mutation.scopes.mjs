// Mutation testing scopes (npm run mutation, docs/MUTATION.md): one per layer of the security core.
// Each mutant runs only the tests of its own layer, with no database services (no globalSetup) and
// one backend (node). Shared by stryker.config.mjs and vitest.mutation.config.ts.
export const scopes = {
  primitives: {
    mutate: ['src/primitives/**/*.ts', 'src/_encoding.ts', '!src/primitives/index.ts'],
    tests: ['test/primitives/**/*.test.ts', '!test/primitives/backend.test.ts'],
  },
  records: {
    mutate: ['src/records/**/*.ts', '!src/records/index.ts'],
    tests: ['test/records/**/*.test.ts', 'test/primitives/encoding.test.ts'],
  },
  vault: {
    mutate: ['src/vault/**/*.ts', '!src/vault/index.ts'],
    // One file that imports every vault test file (test/vault/scope.mutation.ts): one worker and
    // one library import per mutant instead of one per file. It leaves out bitflip.test.ts.
    tests: ['test/vault/scope.mutation.ts'],
  },
  messages: {
    mutate: ['src/messages/**/*.ts', '!src/messages/index.ts'],
    // Every test/messages/*.test.ts, imported into one file, fast suites first: libraries load once
    // per mutant, not once per test file (test/messages/_mutation-suite.ts).
    tests: ['test/messages/_mutation-suite.ts'],
  },
  execution: {
    // Every test that exercises the signer and the policy (test/execution/*.test.ts includes the
    // mutation-*.test.ts files written for this scope). On a loaded machine, run it per file
    // (`--mutate <file>`, incremental) with only the light mutation-policy-*.test.ts files for the
    // policy, and mutation-signer + signer + security/v2-review for signer.ts: they import little
    // and kill almost every mutant on their own.
    mutate: ['src/execution/signer.ts', 'src/execution/policy/**/*.ts', '!src/execution/policy/index.ts'],
    tests: [
      'test/execution/*.test.ts',
      '!test/execution/stores-signer.test.ts',
      '!test/execution/pkcs11.test.ts',
      'test/security/v2-review.test.ts',
      'test/security/execution.test.ts',
    ],
  },
};

export const scopeNames = Object.keys(scopes);

/** The scope named by MUTATION_SCOPE; refuses an unknown one rather than mutating the wrong layer. */
export function currentScope(env = process.env) {
  const name = env.MUTATION_SCOPE;
  if (!name || !(name in scopes)) {
    throw new Error(`MUTATION_SCOPE must be one of ${scopeNames.join(', ')} (got ${JSON.stringify(name)})`);
  }
  return { name, ...scopes[name] };
}
