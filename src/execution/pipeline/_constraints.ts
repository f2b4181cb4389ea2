/**
 * The one constraint engine for Anchor program rules (`programs/constraints.ts`, SPEC 10.5.4),
 * imported at one site so the stages never grow a second engine.
 * @module
 */
export { checkInstructionRule } from '../programs/constraints.js';
export type { ConstraintContext, ProgramRefusal } from '../programs/constraints.js';
