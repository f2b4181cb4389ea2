/**
 * SPEC 7.6 "verify before consume" (issue 15): every check that does not need the stored
 * challenge runs before the nonce is consumed. For each check: the server makes a mistake (wrong
 * expectation, wrong clock, garbled signature), verification refuses with that check's code, the
 * store's `consume` was never called, and the very same signed message verifies once the mistake
 * is fixed. Signatures come from tweetnacl (test wallet), never from the library.
 */
import { describe, expect, it } from 'vitest';
import { verifySignedMessage, type VerifySignedMessageOptions } from '../../src/messages/challenge.js';
import type { Purpose } from '../../src/messages/purposes.js';
import type { NonceStore } from '../../src/stores/types.js';
import type { ErrorCode } from '../../src/errors.js';
import { expectCodeAsync } from '../helpers/errors.js';
import { AGENT, DOMAIN, NOW, POLICY_HASH, URI, expected, issue, newStore, other, wallet } from './_fixtures.js';

function countingStore() {
  const inner = newStore();
  const counter = { consumed: 0 };
  const store: NonceStore = {
    issue: (h, e, m) => inner.issue(h, e, m),
    consume: async (h, n) => {
      counter.consumed++;
      return inner.consume(h, n);
    },
  };
  return { store, counter };
}

type Mistake = (good: VerifySignedMessageOptions) => VerifySignedMessageOptions;

const cases: [string, Purpose, ErrorCode, Mistake][] = [
  ['signature (garbled in transport)', 'sign-in', 'INVALID_SIGNATURE', (g) => ({ ...g, signature: (g.signature as Uint8Array).map((b, i) => (i === 0 ? b ^ 1 : b)) })],
  ['address (expected another wallet)', 'sign-in', 'ADDRESS_MISMATCH', (g) => ({ ...g, expected: { ...g.expected, address: other.address } })],
  ['domain', 'sign-in', 'DOMAIN_MISMATCH', (g) => ({ ...g, expected: { ...g.expected, domain: 'www.app.example.com' } })],
  ['URI', 'sign-in', 'DOMAIN_MISMATCH', (g) => ({ ...g, expected: { ...g.expected, uri: `${URI}/` } })],
  ['chain', 'sign-in', 'CHAIN_MISMATCH', (g) => ({ ...g, expected: { ...g.expected, chain: 'devnet' } })],
  ['purpose', 'unlock', 'PURPOSE_MISMATCH', (g) => ({ ...g, expected: { ...g.expected, purpose: 'sign-in' } })],
  [
    'parameters (expected another policy hash)',
    'enable-execution',
    'PURPOSE_MISMATCH',
    (g) => ({ ...g, expected: { ...g.expected, params: { ...g.expected.params, policyHash: 'cd'.repeat(32) } } }),
  ],
  ['expiry (server clock ahead)', 'sign-in', 'MESSAGE_EXPIRED', (g) => ({ ...g, now: NOW + 24 * 3_600_000 })],
  ['issued in the future (server clock behind)', 'sign-in', 'MESSAGE_ISSUED_IN_FUTURE', (g) => ({ ...g, now: NOW - 3_600_000 })],
  ['not before (server clock behind)', 'sign-in', 'MESSAGE_NOT_YET_VALID', (g) => ({ ...g, now: NOW + 60_000, skewMs: 0 })],
  ['options (unknown key)', 'sign-in', 'INVALID_INPUT', (g) => ({ ...g, expect: g.expected }) as unknown as VerifySignedMessageOptions],
  ['expected (unknown key)', 'sign-in', 'INVALID_INPUT', (g) => ({ ...g, expected: { ...g.expected, chainId: 'mainnet' } as typeof g.expected })],
];

describe('verify before consume (SPEC 7.6): a server-side mistake does not burn the signature', () => {
  for (const [name, purpose, code, mistake] of cases) {
    it(`${name}: ${code}, nothing consumed, the same signed message verifies after the fix`, async () => {
      const { store, counter } = countingStore();
      const notBefore = name.startsWith('not before') ? NOW + 120_000 : undefined;
      const ch = await issue(store, purpose, notBefore === undefined ? {} : { notBefore });
      const signature = wallet.sign(ch.message);
      const params =
        purpose === 'enable-execution'
          ? { bot: 'bot-1', agent: AGENT, policyHash: POLICY_HASH, grantNotBefore: '2025-01-31T12:00:00Z', grantExpires: '2025-01-31T13:00:00Z' }
          : undefined;
      const good: VerifySignedMessageOptions = {
        message: ch.message,
        signature,
        expected: { ...expected(purpose), address: wallet.address, ...(params === undefined ? {} : { params }) },
        nonces: store,
        now: notBefore ?? NOW,
      };
      await expectCodeAsync(verifySignedMessage(mistake(good)), code);
      expect(counter.consumed).toBe(0);
      const v = await verifySignedMessage(good);
      expect(v.text).toBe(ch.message);
      expect(v.domain).toBe(DOMAIN);
      expect(counter.consumed).toBe(1);
      // and only once
      await expectCodeAsync(verifySignedMessage(good), 'NONCE_UNKNOWN');
    });
  }
});

describe('issueChallenge refuses unknown options (SPEC 7.5)', () => {
  it("the 'statement' typo case and any other unknown key -> INVALID_INPUT naming the key; nothing issued", async () => {
    const { issueChallenge } = await import('../../src/messages/challenge.js');
    for (const key of ['statement', 'statment', 'chainId', 'expected']) {
      let issued = 0;
      const nonces: NonceStore = { issue: async () => void issued++, consume: async () => null };
      const e = await expectCodeAsync(
        issueChallenge({ purpose: 'sign-in', domain: DOMAIN, uri: URI, chain: 'mainnet', address: wallet.address, nonces, now: NOW, [key]: 'x' } as never),
        'INVALID_INPUT',
      );
      expect(e.message).toContain(`options.${key}`);
      expect(e.details?.['field']).toBe(`options.${key}`);
      expect(issued).toBe(0);
    }
  });
});

describe('useAuthorization checks everything before it spends (SPEC 7.6)', () => {
  it('a refusal for a server-side mistake (purpose, wallet, domain, cluster, clock) leaves the authorization usable once', async () => {
    const { useAuthorization } = await import('../../src/messages/authorization.js');
    const nonces = newStore();
    const ch = await issue(nonces, 'unlock');
    const auth = await verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected('unlock'), nonces, now: NOW });
    const good = { purpose: 'unlock', address: wallet.address, domain: DOMAIN, chain: 'solana:mainnet', now: NOW + 1000 };
    const mistakes: [object, ErrorCode][] = [
      [{ purpose: 'sign-in' }, 'AUTHORIZATION_REQUIRED'],
      [{ address: other.address }, 'AUTHORIZATION_REQUIRED'],
      [{ domain: 'www.app.example.com' }, 'AUTHORIZATION_REQUIRED'],
      [{ chain: 'devnet' }, 'AUTHORIZATION_REQUIRED'],
      [{ now: NOW + 24 * 3_600_000 }, 'AUTHORIZATION_REQUIRED'],
      [{ now: Math.floor(NOW / 1000) }, 'INVALID_INPUT'],
    ];
    for (const [m, code] of mistakes) expect(() => useAuthorization(auth, { ...good, ...m })).toThrow(expect.objectContaining({ code }));
    expect(useAuthorization(auth, good)).toBe(auth);
    expect(() => useAuthorization(auth, good)).toThrow(expect.objectContaining({ code: 'AUTHORIZATION_REQUIRED' }));
  });
});

describe('unknown-option errors show the key, bounded', () => {
  it('a long or non-printable key is quoted and cut at 64 characters', async () => {
    const { aoptions } = await import('../../src/_options.js');
    const long = 'k'.repeat(500);
    const e1 = (() => { try { aoptions({ [long]: 1 }, 'options', []); } catch (e) { return e as Error; } return undefined; })();
    expect(e1?.message.length).toBeLessThan(200);
    const e2 = (() => { try { aoptions({ 'a\nb': 1 }, 'options', ['x']); } catch (e) { return e as Error; } return undefined; })();
    expect(e2?.message).toContain('"a\\nb"');
  });
});
