/**
 * Stage 1: decode the message bytes (SPEC 10.4.1). A decoder refusal (INVALID_INPUT) becomes
 * SIGNING_REFUSED with the same reason, rule `message` and, for an unknown version, `version`.
 * @module
 */
import { AgentvaultError } from '../../errors.js';
import { decodeTransactionMessage, type DecodedTransactionMessage } from '../transaction/decode.js';

export function decodeStage(bytes: Uint8Array): DecodedTransactionMessage {
  try {
    return decodeTransactionMessage(bytes);
  } catch (e) {
    const d = e instanceof AgentvaultError ? e.details : undefined;
    const reason = String(d?.['reason'] ?? 'malformed');
    const version = d?.['version'];
    throw new AgentvaultError(
      'SIGNING_REFUSED',
      `signer refused: ${e instanceof Error ? e.message : 'malformed message'}`,
      typeof version === 'number' ? { reason, rule: 'message', version } : { reason, rule: 'message' },
    );
  }
}
