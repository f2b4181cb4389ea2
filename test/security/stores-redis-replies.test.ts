/**
 * Regression (final review, fixed): the Redis revocation store once turned a reply of the wrong shape into "not revoked" /
 * "not killed" (fail-open), although SPEC 9.6 says a wrong-shaped reply is STORE_UNAVAILABLE.
 * withExecutionSigner checks `isRevoked(...) !== false`, but the store has already collapsed the
 * odd reply into `false`, so the library's own guard never sees it.
 */
import { describe, expect, it } from 'vitest';
import { RedisRevocationStore, RedisNonceStore, RedisRateLimiter, type RedisClientLike } from '../../src/stores/redis.js';

/** A client whose every script returns `reply` (an adapter that stringifies integers, a proxy, RESP3 quirks, a mock). */
function oddClient(reply: unknown): RedisClientLike {
  return {
    eval: async () => reply,
    evalsha: async () => reply,
  };
}

const ODD: [string, unknown][] = [
  ["string '1'", '1'],
  ['boolean true', true],
  ['bigint 1n', 1n],
  ['undefined', undefined],
  ["status 'OK'", 'OK'],
  ['array [1]', [1]],
];

describe('redis revocation store: odd replies must fail closed (STORE_UNAVAILABLE), never answer false', () => {
  it.each(ODD)('isRevoked with reply %s', async (_name, reply) => {
    const store = new RedisRevocationStore(oddClient(reply));
    await expect(store.isRevoked('grant-1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
  it.each(ODD)('isKilled with reply %s', async (_name, reply) => {
    const store = new RedisRevocationStore(oddClient(reply));
    await expect(store.isKilled({ bot: 'bot-1', wallet: 'w' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
  // Writes: a reply that is not the script's `1` means the write may not have happened; SPEC 9.6
  // says wrong-shaped replies throw. Today revoke/kill/unkill resolve whatever comes back.
  it.each([['undefined', undefined], ["string 'QUEUED'", 'QUEUED'], ['null', null]] as [string, unknown][])(
    'revoke / kill with reply %s',
    async (_name, reply) => {
      const store = new RedisRevocationStore(oddClient(reply));
      await expect(store.revoke('grant-1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(store.kill({ bot: 'bot-1' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    },
  );
});

describe('redis nonce store and limiter with odd replies (control: these already fail closed)', () => {
  it('consume with a non-string reply throws', async () => {
    await expect(new RedisNonceStore(oddClient(1)).consume('a'.repeat(64), Date.now())).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
  it("hit with ['1', '1'] is never allowed (a reply of the wrong shape: STORE_UNAVAILABLE, stores review F10)", async () => {
    const l = new RedisRateLimiter(oddClient(['1', '1']), { limit: 3, windowMs: 1000 });
    await expect(l.hit('k', Date.now())).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
