/**
 * Mutation-test follow-ups for src/messages/authorization.ts (issue 16 item 5, SPEC 7.6
 * "Authorizations"): each refusal of `useAuthorization` with its code and field, the exact clock
 * and expiry boundaries, the order of the checks, that a refusal never spends, and the frozen
 * copies a verified message carries.
 */
import { describe, expect, it } from 'vitest';
import {
  AUTHORIZATION_CLOCK_TOLERANCE_MS,
  isVerifiedMessage,
  useAuthorization,
  type AuthorizationExpectation,
  type VerifiedMessage,
} from '../../src/messages/authorization.js';
import { verifySignedMessage } from '../../src/messages/challenge.js';
import type { Purpose } from '../../src/messages/purposes.js';
import { expectCode } from '../helpers/errors.js';
import { AGENT, DOMAIN, NOW, POLICY_HASH, expected, issue, newStore, wallet } from './_fixtures.js';

const MIN = 60_000;

async function verified(purpose: Purpose = 'unlock', extra: Parameters<typeof issue>[2] = {}, chain = 'mainnet'): Promise<VerifiedMessage> {
  const nonces = newStore();
  const ch = await issue(nonces, purpose, { chain, ...extra } as Parameters<typeof issue>[2]);
  return verifySignedMessage({
    message: ch.message,
    signature: wallet.sign(ch.message),
    expected: expected(purpose, { chain: chain as 'mainnet' }),
    nonces,
    now: NOW,
  });
}

const want = (over: Partial<AuthorizationExpectation> = {}): AuthorizationExpectation => ({
  purpose: 'unlock',
  address: wallet.address,
  domain: DOMAIN,
  chain: 'mainnet',
  now: NOW,
  ...over,
});

describe('useAuthorization: argument checks (INVALID_INPUT, nothing spent)', () => {
  it('each missing or non-string expectation is named in details.field and the message', async () => {
    const v = await verified();
    for (const k of ['purpose', 'address', 'domain', 'chain'] as const) {
      for (const bad of [undefined, 7, null]) {
        const e = expectCode(() => useAuthorization(v, { ...want(), [k]: bad } as never), 'INVALID_INPUT');
        expect(e.details).toEqual({ field: `expected.${k}` });
        expect(e.message).toContain(`expected.${k}`);
      }
    }
    expect(useAuthorization(v, want())).toBe(v);
  });

  it('a missing expectation object is INVALID_INPUT naming expected.purpose, not a TypeError', async () => {
    const v = await verified();
    for (const bad of [undefined, null]) {
      expect(expectCode(() => useAuthorization(v, bad as never), 'INVALID_INPUT').details).toEqual({ field: 'expected.purpose' });
    }
  });

  it('now must be a safe integer: fractions, NaN, strings and 2^53 are refused with field expected.now', async () => {
    const v = await verified();
    for (const now of [NOW + 0.5, Number.NaN, String(NOW), 2 ** 53, Number.POSITIVE_INFINITY, undefined]) {
      const e = expectCode(() => useAuthorization(v, want({ now: now as number })), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'expected.now' });
      expect(e.message).toMatch(/^expected\.now: /);
    }
    expect(useAuthorization(v, want())).toBe(v);
  });

  it('the clock is checked before the brand: a look-alike with a bad clock is INVALID_INPUT', async () => {
    const v = await verified();
    expectCode(() => useAuthorization({ ...v }, want({ now: 1.5 })), 'INVALID_INPUT');
    const e = expectCode(() => useAuthorization({ ...v }, want()), 'AUTHORIZATION_REQUIRED');
    expect(e.message).toContain("'unlock'");
  });
});

describe('useAuthorization: the clock tolerance is exactly 5 minutes before verifiedAt', () => {
  it('constant', () => {
    expect(AUTHORIZATION_CLOCK_TOLERANCE_MS).toBe(5 * MIN);
  });
  it('verifiedAt - 5 min - 1 ms is refused (INVALID_INPUT, unspent); verifiedAt - 5 min is accepted', async () => {
    const v = await verified();
    expect(v.verifiedAt).toBe(NOW);
    const e = expectCode(() => useAuthorization(v, want({ now: NOW - 5 * MIN - 1 })), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'expected.now' });
    expect(e.message).toMatch(/^expected\.now: earlier than the verification time/);
    expect(useAuthorization(v, want({ now: NOW - 5 * MIN }))).toBe(v);
  });
});

describe('useAuthorization: refusals are AUTHORIZATION_REQUIRED and leave the authorization unspent', () => {
  const cases: readonly (readonly [string, Partial<AuthorizationExpectation>, RegExp])[] = [
    ['another purpose', { purpose: 'sign-in' }, /for 'unlock', not 'sign-in'/],
    ['another wallet', { address: AGENT }, /another wallet/],
    ['another domain', { domain: 'other.example.com' }, /another domain/],
    ['another cluster', { chain: 'devnet' }, /another cluster/],
    ['another cluster in solana: form', { chain: 'solana:devnet' }, /another cluster/],
    ['1 ms past the Expiration Time', { now: NOW + 10 * MIN + 1 }, /expired/],
  ];
  for (const [label, over, message] of cases) {
    it(label, async () => {
      const v = await verified();
      const e = expectCode(() => useAuthorization(v, want(over)), 'AUTHORIZATION_REQUIRED');
      expect(e.message).toMatch(message);
      expect(useAuthorization(v, want())).toBe(v);
    });
  }

  it('purpose is checked first, then wallet, domain, cluster, expiry, spent', async () => {
    const v = await verified();
    const all = { purpose: 'sign-in', address: AGENT, domain: 'other.example.com', chain: 'devnet', now: NOW + 10 * MIN + 1 };
    const order: [keyof typeof all, RegExp][] = [
      ['purpose', /not 'sign-in'/],
      ['address', /another wallet/],
      ['domain', /another domain/],
      ['chain', /another cluster/],
      ['now', /expired/],
    ];
    const over: Partial<AuthorizationExpectation> = { ...all };
    for (const [k, message] of order) {
      expect(expectCode(() => useAuthorization(v, want(over)), 'AUTHORIZATION_REQUIRED').message).toMatch(message);
      delete (over as Record<string, unknown>)[k];
    }
    expect(useAuthorization(v, want(over))).toBe(v);
    expect(expectCode(() => useAuthorization(v, want()), 'AUTHORIZATION_REQUIRED').message).toMatch(/already used/);
  });

  it('usable exactly at its Expiration Time (no skew added)', async () => {
    const v = await verified();
    expect(useAuthorization(v, want({ now: Date.parse(v.expirationTime!) }))).toBe(v);
  });
});

describe('useAuthorization: clusters', () => {
  it("'solana:mainnet' and 'mainnet' are one cluster, in both directions", async () => {
    const a = await verified('unlock', {}, 'solana:mainnet');
    expect(useAuthorization(a, want({ chain: 'mainnet' }))).toBe(a);
    const b = await verified('unlock', {}, 'mainnet');
    expect(useAuthorization(b, want({ chain: 'solana:mainnet' }))).toBe(b);
  });
  it("'solana:devnet' is the devnet cluster, not mainnet", async () => {
    const c = await verified('unlock', {}, 'solana:devnet');
    expect(expectCode(() => useAuthorization(c, want({ chain: 'solana:mainnet' })), 'AUTHORIZATION_REQUIRED').message).toMatch(/cluster/);
    expect(useAuthorization(c, want({ chain: 'devnet' }))).toBe(c);
  });
});

describe('verified messages: branded, frozen, with their own copies', () => {
  it('isVerifiedMessage: false for null, primitives and look-alikes; true for the verified object', async () => {
    const v = await verified();
    for (const x of [null, undefined, 0, 'x', {}, { ...v }, Object.freeze({ ...v })]) expect(isVerifiedMessage(x)).toBe(false);
    expect(isVerifiedMessage(v)).toBe(true);
  });
  it('resources and params are frozen copies', async () => {
    const v = await verified('enable-execution');
    expect(Object.isFrozen(v)).toBe(true);
    expect(Object.isFrozen(v.resources)).toBe(true);
    expect(Object.isFrozen(v.params)).toBe(true);
    expect(v.params).toMatchObject({ bot: 'bot-1', agent: AGENT, policyHash: POLICY_HASH });
    expect(v.resources[0]).toBe('urn:agentvault:purpose:enable-execution');
    expect(v.resources).toHaveLength(6);
  });
});
