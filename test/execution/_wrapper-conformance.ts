/**
 * KeyWrapper conformance: the suite is part of the package (`agentvault/testing`, SPEC 10.1.5),
 * so apps run the very checks the library runs over its own wrappers.
 */
export { checkKeyWrapper as checkKeyWrapperConformance } from '../../src/testing/index.js';
