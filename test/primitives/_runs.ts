/**
 * fast-check run counts for properties that ask for more than the global default. In a mutation
 * run (npm run mutation sets MUTATION_SCOPE; test/setup/mutation.ts lowers the default to 15) they
 * are capped at 100: every mutant re-runs every property that covers it, and thousands of runs per
 * property made one mutant cost many seconds. The normal suite keeps the full counts.
 */
export const runs = (n: number): number => (process.env.MUTATION_SCOPE === undefined ? n : Math.min(n, 100));
