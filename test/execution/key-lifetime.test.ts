/**
 * Key lifetime of a grant use (issue 14 item 6, SPEC 10.8, SPEC 3.6): the agent key is imported
 * once per `withExecutionSigner` call (a lease that checks the public half and that the scoped
 * signer shares), and when the callback settles, normally or by throwing, no signer holds a key
 * any more: the OpenSSL KeyObject reference (node) or the seed reference (noble) is dropped, the
 * buffers are zeroed (grant.test.ts), and a signer kept past the callback refuses. Runs on both
 * backends (the noble project runs this file too).
 */
import { describe, expect, it } from 'vitest';
import { createExecutionGrant, withExecutionSigner } from '../../src/execution/grant.js';
import type { ExecutionSigner } from '../../src/execution/signer.js';
import { _ed25519KeyStats, createEd25519Signer, leaseEd25519Key } from '../../src/primitives/ed25519.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { basePolicy, BOT, DRIFT, enableAuthorization, goodOrder, goodState, newRevocations, NOW, setup, simpleMessage, wrapperV1 } from './_fixtures.js';

const seedOf = (i: number) => Uint8Array.from({ length: 32 }, (_, k) => (k * 13 + i) & 0xff);

describe('ed25519 signer: dispose and leases', () => {
  it('dispose drops the key: sign refuses with signer-closed; idempotent', () => {
    const before = _ed25519KeyStats().live;
    const s = createEd25519Signer(seedOf(1));
    expect(_ed25519KeyStats().live).toBe(before + 1);
    expect(s.sign(new Uint8Array(3)).length).toBe(64);
    s.dispose();
    s.dispose();
    expect(_ed25519KeyStats().live).toBe(before);
    expect(expectCode(() => s.sign(new Uint8Array(3)), 'SIGNING_REFUSED').details?.['reason']).toBe('signer-closed');
  });

  it('a signer of a leased seed shares the lease (no second key) and stops when the lease is disposed', () => {
    const before = _ed25519KeyStats();
    const seed = seedOf(2);
    const lease = leaseEd25519Key(seed);
    const shared = createEd25519Signer(Uint8Array.from(seed)); // same bytes, another buffer
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 1, leases: before.leases + 1 });
    expect(shared.publicKey).toEqual(lease.publicKey);
    const m = Uint8Array.of(1, 2, 3);
    expect(shared.sign(m)).toEqual(lease.sign(m));
    // Another seed is not served by the lease.
    const other = createEd25519Signer(seedOf(3));
    expect(other.publicKey).not.toEqual(lease.publicKey);
    expect(_ed25519KeyStats().live).toBe(before.live + 2);
    other.dispose();
    lease.dispose();
    expect(_ed25519KeyStats()).toEqual(before);
    expect(expectCode(() => shared.sign(m), 'SIGNING_REFUSED').details?.['reason']).toBe('signer-closed');
    expect(expectCode(() => lease.sign(m), 'SIGNING_REFUSED').details?.['reason']).toBe('signer-closed');
  });

  it('two leases of one seed: disposing one leaves the other usable', () => {
    const before = _ed25519KeyStats();
    const a = leaseEd25519Key(seedOf(4));
    const b = leaseEd25519Key(seedOf(4));
    a.dispose();
    const c = createEd25519Signer(seedOf(4));
    expect(c.sign(new Uint8Array(0))).toEqual(b.sign(new Uint8Array(0)));
    expect(_ed25519KeyStats().live).toBe(before.live + 1); // c shares b
    b.dispose();
    expect(_ed25519KeyStats()).toEqual(before);
    expect(() => c.sign(new Uint8Array(0))).toThrow();
  });
});

describe('withExecutionSigner: no key outlives the callback', () => {
  it('one key per use, shared by the scoped signer; none left after return, throw or async throw', async () => {
    const s = setup(31);
    const grant = await createExecutionGrant({
      authorization: await enableAuthorization(s.owner, { agent: s.agent.address }),
      vault: s.vault,
      agentKeyRecord: s.agent.records.agentKey,
      agentAddress: s.agent.address,
      policy: basePolicy(),
      wrapper: wrapperV1(),
      now: NOW,
    } as Parameters<typeof createExecutionGrant>[0]);
    const before = _ed25519KeyStats();
    for (const mode of ['return', 'throw', 'async-throw'] as const) {
      let kept: ExecutionSigner | undefined;
      const run = withExecutionSigner(
        grant,
        { wrapper: wrapperV1(), policy: basePolicy(), order: goodOrder, state: goodState, revocations: newRevocations(), now: NOW + 60_000, expected: { owner: grant.owner, bot: BOT } },
        async (signer) => {
          kept = signer;
          // Inside: exactly one live key (the lease), and the scoped signer signs with it.
          expect(_ed25519KeyStats()).toEqual({ live: before.live + 1, leases: before.leases + 1 });
          const sig = await signer.signTransactionMessage(simpleMessage(signer.address, DRIFT));
          expect(_ed25519KeyStats().live).toBe(before.live + 1);
          if (mode === 'throw') throw new Error('bot crashed');
          if (mode === 'async-throw') await Promise.reject(new Error('bot crashed later'));
          return sig;
        },
      );
      if (mode === 'return') expect((await run).length).toBe(64);
      else await expect(run).rejects.toThrow(/bot crashed/);
      expect(_ed25519KeyStats(), mode).toEqual(before);
      expect((await expectCodeAsync(() => kept!.signTransactionMessage(simpleMessage(kept!.address, DRIFT)), 'SIGNING_REFUSED')).details?.['reason']).toBe('signer-closed');
    }
  });

  it('the check can fail: a signer that is not disposed stays counted', () => {
    const before = _ed25519KeyStats().live;
    const leaked = createEd25519Signer(seedOf(5));
    expect(_ed25519KeyStats().live).toBe(before + 1);
    leaked.dispose();
  });
});
