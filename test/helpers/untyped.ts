/**
 * Untyped values (JSON vectors, documents mutated field by field, hostile inputs) declared as the
 * public input types (issue 15 item 2), as an app declares a value it parsed from JSON. The types
 * are for the compiler only: the library still validates every such value at run time, which is
 * what the tests using these helpers check.
 */
import type { ExecutionState, OrderInput, PolicyInput } from '../../src/execution/index.js';
import type { VaultData } from '../../src/vault/index.js';

export const asPolicy = (value: unknown): PolicyInput => value as PolicyInput;
export const asOrder = (value: unknown): OrderInput => value as OrderInput;
export const asState = (value: unknown): ExecutionState => value as ExecutionState;
export const asVault = (value: unknown): VaultData => value as VaultData;
