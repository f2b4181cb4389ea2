/**
 * `agentvault/records`: key-committing AES-256-GCM records (SPEC 4).
 * @module
 */
export { encodeContext } from './context.js';
export type { RecordContext } from './context.js';
export { MAX_PLAINTEXT_LENGTH, RECORD_TEXT_PREFIX } from './format.js';
export { openRecord, recordUmkVersion, sealRecord } from './record.js';
export type { KeyInput, OpenedRecord, OpenRecordOptions, SealRecordOptions } from './record.js';
