// Mutation runs only (vitest.mutation.config.ts): fewer fast-check runs per property, so that each
// of the ~300 mutants costs seconds, not minutes. The normal suite keeps fast-check's defaults.
import fc from 'fast-check';

fc.configureGlobal({ numRuns: 15 });
