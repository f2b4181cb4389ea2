/**
 * Test seam for verified authorizations: brands a look-alike of what verifySignedMessage returns.
 * Vault tests use it to isolate the vault from the message layer; the messages tests and the
 * end-to-end tests exercise the real verifier.
 */
import { _brandVerifiedMessage, type VerifiedMessage } from '../../src/messages/authorization.js';

/** `over` replaces any field (domain, chain, expiry...) to build a wrong authorization on purpose. */
export function fakeAuthorization(address: string, purpose = 'unlock', now = Date.now(), over: Partial<VerifiedMessage> = {}): VerifiedMessage {
  return _brandVerifiedMessage({
    purpose,
    address,
    domain: 'app.example.com',
    uri: 'https://app.example.com',
    chain: 'mainnet',
    nonce: 'abcdefgh12345678',
    statement: undefined,
    issuedAt: new Date(now).toISOString(),
    expirationTime: new Date(now + 10 * 60_000).toISOString(),
    notBefore: undefined,
    requestId: undefined,
    resources: [],
    text: '',
    signedBytes: new Uint8Array(0),
    signature: new Uint8Array(64),
    signedAs: 'raw',
    verifiedAt: now,
    ...over,
  });
}
