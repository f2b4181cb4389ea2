/**
 * `agentvault/testing`: conformance suites an app runs against its own adapters (SPEC 10.1.5).
 * Framework-agnostic: each suite is an async function that rejects on the first violation.
 * @module
 */
export { checkKeyWrapper, KeyWrapperConformanceError } from './key-wrapper.js';
export type { CheckKeyWrapperOptions } from './key-wrapper.js';
