/**
 * Execution policy (DESIGN 9 and 13, SPEC 10.3): schema v1 and v2, normalization, canonical JSON
 * and hash, order evaluation. Internal barrel; the public names are re-exported by
 * `src/execution/index.ts`.
 * @module
 */
export * from './v1.js';
export * from './normalize.js';
export * from './hash.js';
export * from './order.js';
export * from './v2.js';
export * from './types.js';
export * from './summary.js';
