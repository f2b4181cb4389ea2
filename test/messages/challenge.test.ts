/**
 * issueChallenge / verifySignedMessage (SPEC 7.4-7.6): purposes, lifetimes, expectations, times,
 * reconstruction, replay, concurrency, what the store holds, signature transport.
 */
import { createHash } from 'node:crypto';
import { base58, base64 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { isAgentvaultError } from '../../src/errors.js';
import { isVerifiedMessage, useAuthorization } from '../../src/messages/authorization.js';
import { decodeSignature, issueChallenge, nonceHash, verifySignedMessage } from '../../src/messages/challenge.js';
import {
  MESSAGE_LIFETIME_MS,
  STATEMENT_REVEAL_MNEMONIC,
  definePurpose,
  type Purpose,
} from '../../src/messages/purposes.js';
import { buildSiwsMessage, parseSiwsMessage } from '../../src/messages/siws.js';
import { MemoryNonceStore } from '../../src/stores/memory.js';
import type { NonceStore } from '../../src/stores/types.js';
import { errorText, expectCode, expectCodeAsync } from '../helpers/errors.js';
import { NOT_BYTES } from '../helpers/wrong-types.js';
import { AGENT, CHAIN, DOMAIN, NOW, POLICY_HASH, URI, enc, expected, issue, newStore, other, replaceLine, wallet } from './_fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

async function issueAndSign(purpose: Purpose = 'sign-in', extra: Parameters<typeof issue>[2] = {}) {
  const nonces = newStore();
  const ch = await issue(nonces, purpose, extra);
  return { nonces, ch, signature: wallet.sign(ch.message) };
}

describe('issue then verify, per purpose', () => {
  it('sign-in: fields, statement, URN, 10-minute lifetime, branded frozen result', async () => {
    const { nonces, ch, signature } = await issueAndSign('sign-in');
    expect(ch.issuedAt).toBe(NOW);
    expect(ch.expiresAt).toBe(NOW + 10 * MIN);
    expect(ch.nonce).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(ch.message).toContain(`\nNonce: ${ch.nonce}\n`);
    const v = await verifySignedMessage({ message: ch.message, signature, expected: expected('sign-in'), nonces, now: NOW + 5000 });
    expect(isVerifiedMessage(v)).toBe(true);
    expect(Object.isFrozen(v)).toBe(true);
    expect(v).toMatchObject({
      purpose: 'sign-in',
      address: wallet.address,
      domain: DOMAIN,
      uri: URI,
      chain: CHAIN,
      nonce: ch.nonce,
      issuedAt: '2025-01-31T12:00:00Z',
      expirationTime: '2025-01-31T12:10:00Z',
      notBefore: undefined,
      requestId: undefined,
      resources: ['urn:agentvault:purpose:sign-in'],
      params: {},
      text: ch.message,
      signedAs: 'raw',
      verifiedAt: NOW + 5000,
    });
    expect(v.signedBytes).toEqual(enc(ch.message));
    expect(v.signature).toEqual(signature);
    expect(v.statement).toMatch(/^Sign in\./);
  });

  it('unlock: usable once by useAuthorization for the same address', async () => {
    const { nonces, ch, signature } = await issueAndSign('unlock');
    expect(ch.expiresAt - ch.issuedAt).toBe(10 * MIN);
    const v = await verifySignedMessage({ message: ch.message, signature, expected: expected('unlock'), nonces, now: NOW });
    expect(useAuthorization(v, { purpose: 'unlock', address: wallet.address, domain: expected('unlock').domain, chain: expected('unlock').chain, now: NOW })).toBe(v);
    expectCode(() => useAuthorization(v, { purpose: 'unlock', address: wallet.address, domain: expected('unlock').domain, chain: expected('unlock').chain, now: NOW }), 'AUTHORIZATION_REQUIRED');
    // a look-alike copy is not an authorization
    expectCode(() => useAuthorization({ ...v }, { purpose: 'unlock', address: wallet.address, domain: expected('unlock').domain, chain: expected('unlock').chain, now: NOW }), 'AUTHORIZATION_REQUIRED');
  });

  it('reveal-mnemonic: 2-minute lifetime, acknowledgement in statement and resources', async () => {
    const { nonces, ch, signature } = await issueAndSign('reveal-mnemonic');
    expect(ch.expiresAt - ch.issuedAt).toBe(2 * MIN);
    const v = await verifySignedMessage({ message: ch.message, signature, expected: expected('reveal-mnemonic'), nonces, now: NOW });
    expect(v.statement).toBe(STATEMENT_REVEAL_MNEMONIC);
    expect(v.statement).toContain('I understand');
    expect(v.resources).toEqual(['urn:agentvault:purpose:reveal-mnemonic', 'urn:agentvault:ack:reveal-mnemonic:v1']);
    expect(v.params).toEqual({ acknowledgement: 'reveal-mnemonic:v1' });
  });

  it('enable-execution: 15-minute lifetime, bot, policy hash and a default 1-hour grant window', async () => {
    const { nonces, ch, signature } = await issueAndSign('enable-execution');
    expect(ch.expiresAt - ch.issuedAt).toBe(15 * MIN);
    const v = await verifySignedMessage({ message: ch.message, signature, expected: expected('enable-execution'), nonces, now: NOW });
    expect(v.resources).toEqual([
      'urn:agentvault:purpose:enable-execution',
      'urn:agentvault:bot:bot-1',
      `urn:agentvault:agent:${AGENT}`,
      `urn:agentvault:policy:sha256:${POLICY_HASH}`,
      'urn:agentvault:grant-not-before:2025-01-31T12:00:00Z',
      'urn:agentvault:grant-expires:2025-01-31T13:00:00Z',
    ]);
    expect(v.params).toEqual({
      bot: 'bot-1',
      agent: AGENT,
      policyHash: POLICY_HASH,
      grantNotBefore: '2025-01-31T12:00:00Z',
      grantExpires: '2025-01-31T13:00:00Z',
    });
    expect(v.statement).toContain('bot-1');
    expect(v.statement).toContain('2025-01-31T13:00:00Z');
    expect(Object.isFrozen(v.params)).toBe(true);
  });

  it('enable-execution: an explicit window and start', async () => {
    const { nonces, ch, signature } = await issueAndSign('enable-execution', {
      grant: { bot: 'b.2_x', agent: AGENT, policyHash: POLICY_HASH, notBefore: NOW + HOUR, windowMs: 2 * DAY },
    });
    const v = await verifySignedMessage({ message: ch.message, signature, expected: expected('enable-execution'), nonces, now: NOW });
    expect(v.params).toMatchObject({ bot: 'b.2_x', grantNotBefore: '2025-01-31T13:00:00Z', grantExpires: '2025-02-02T13:00:00Z' });
  });

  it('app-defined purpose registered through definePurpose', async () => {
    const exportHistory = definePurpose({ name: 'app:export-history', statement: 'Export my trade history.', lifetimeMs: 5 * MIN });
    const { nonces, ch, signature } = await issueAndSign('app:export-history', { purposes: [exportHistory] });
    expect(ch.expiresAt - ch.issuedAt).toBe(5 * MIN);
    const v = await verifySignedMessage({ message: ch.message, signature, expected: expected('app:export-history'), nonces, now: NOW });
    expect(v.statement).toBe('Export my trade history.');
    expect(v.resources).toEqual(['urn:agentvault:purpose:app:export-history']);
  });

  it('optional request id, not-before and app resources are signed and returned', async () => {
    const { nonces, ch, signature } = await issueAndSign('sign-in', {
      requestId: 'req-7',
      notBefore: NOW + MIN,
      resources: ['https://app.example.com/terms'],
    });
    const v = await verifySignedMessage({ message: ch.message, signature, expected: expected(), nonces, now: NOW + MIN });
    expect(v).toMatchObject({ requestId: 'req-7', notBefore: '2025-01-31T12:01:00Z' });
    expect(v.resources).toEqual(['urn:agentvault:purpose:sign-in', 'https://app.example.com/terms']);
  });

  it('Issued At is the clock truncated to the second', async () => {
    const ch = await issue(newStore(), 'sign-in', { now: NOW + 999 });
    expect(ch.issuedAt).toBe(NOW);
    expect(parseSiwsMessage(ch.message).issuedAt).toBe('2025-01-31T12:00:00Z');
  });

  it('two challenges never share a nonce', async () => {
    const nonces = newStore();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add((await issue(nonces)).nonce);
    expect(seen.size).toBe(200);
  });
});

describe('lifetimes and windows: hard maxima', () => {
  for (const [purpose, max] of Object.entries(MESSAGE_LIFETIME_MS) as [Purpose, number][]) {
    it(`${purpose}: lifetime ${max} ms allowed, shorter allowed, ${max + 1000} ms -> LIFETIME_TOO_LONG`, async () => {
      expect((await issue(newStore(), purpose, { lifetimeMs: max })).expiresAt).toBe(NOW + max);
      expect((await issue(newStore(), purpose, { lifetimeMs: 30_000 })).expiresAt).toBe(NOW + 30_000);
      await expectCodeAsync(issue(newStore(), purpose, { lifetimeMs: max + 1000 }), 'LIFETIME_TOO_LONG');
    });
  }
  it('lifetime that is not whole seconds or not positive -> INVALID_INPUT', async () => {
    for (const lifetimeMs of [0, -1000, 1500, Number.NaN, '60000']) {
      await expectCodeAsync(issue(newStore(), 'sign-in', { lifetimeMs } as never), 'INVALID_INPUT');
    }
  });
  it('grant window above 7 days -> GRANT_WINDOW_TOO_LONG; exactly 7 days is allowed', async () => {
    await issue(newStore(), 'enable-execution', { grant: { bot: 'b', agent: AGENT, policyHash: POLICY_HASH, windowMs: 7 * DAY } });
    await expectCodeAsync(
      issue(newStore(), 'enable-execution', { grant: { bot: 'b', agent: AGENT, policyHash: POLICY_HASH, windowMs: 7 * DAY + 1000 } }),
      'GRANT_WINDOW_TOO_LONG',
    );
  });
  it('a configured maximum grant window is enforced, and bounded itself', async () => {
    await expectCodeAsync(
      issue(newStore(), 'enable-execution', { maxGrantWindowMs: DAY, grant: { bot: 'b', agent: AGENT, policyHash: POLICY_HASH, windowMs: 2 * DAY } }),
      'GRANT_WINDOW_TOO_LONG',
    );
    await expectCodeAsync(issue(newStore(), 'enable-execution', { maxGrantWindowMs: 91 * DAY }), 'INVALID_INPUT');
  });
  it('grant parameters are validated', async () => {
    const bad = [
      undefined,
      { bot: 'b' },
      { bot: 'b', policyHash: POLICY_HASH },
      { bot: 'b', agent: '', policyHash: POLICY_HASH },
      { bot: 'b', agent: 'not-an-address', policyHash: POLICY_HASH },
      { bot: 'b', agent: '1'.repeat(31), policyHash: POLICY_HASH },
      { bot: 'b', agent: 42, policyHash: POLICY_HASH },
      { bot: '', agent: AGENT, policyHash: POLICY_HASH },
      { bot: 'bot 1', agent: AGENT, policyHash: POLICY_HASH },
      { bot: 'b\n', agent: AGENT, policyHash: POLICY_HASH },
      { bot: 'b', agent: AGENT, policyHash: POLICY_HASH.toUpperCase() },
      { bot: 'b', agent: AGENT, policyHash: 'ab'.repeat(31) },
      { bot: 'b', agent: AGENT, policyHash: POLICY_HASH, notBefore: NOW - 1000 },
      { bot: 'b', agent: AGENT, policyHash: POLICY_HASH, notBefore: NOW + 8 * DAY },
      { bot: 'b', agent: AGENT, policyHash: POLICY_HASH, notBefore: NOW + 500 },
      { bot: 'b', agent: AGENT, policyHash: POLICY_HASH, windowMs: 1500 },
    ];
    for (const grant of bad) await expectCodeAsync(issue(newStore(), 'enable-execution', { grant } as never), 'INVALID_INPUT');
  });
  it('grant parameters on another purpose -> INVALID_INPUT', async () => {
    await expectCodeAsync(issue(newStore(), 'unlock', { grant: { bot: 'b', agent: AGENT, policyHash: POLICY_HASH } }), 'INVALID_INPUT');
  });
  it('app purposes: at most 1 hour, `app:` namespace, registered through definePurpose only', async () => {
    expectCode(() => definePurpose({ name: 'app:x', statement: 'X.', lifetimeMs: HOUR + 1000 }), 'LIFETIME_TOO_LONG');
    expectCode(() => definePurpose({ name: 'app:x', statement: 'X.', lifetimeMs: 2 * MIN, maxLifetimeMs: MIN }), 'LIFETIME_TOO_LONG');
    expectCode(() => definePurpose({ name: 'sign-in' as never, statement: 'X.', lifetimeMs: MIN }), 'INVALID_INPUT');
    expectCode(() => definePurpose({ name: 'app:Bad' as never, statement: 'X.', lifetimeMs: MIN }), 'INVALID_INPUT');
    expectCode(() => definePurpose({ name: 'app:x', statement: 'Bad\nstatement', lifetimeMs: MIN }), 'MESSAGE_MALFORMED');
    const def = definePurpose({ name: 'app:x', statement: 'X.', lifetimeMs: MIN, maxLifetimeMs: 2 * MIN });
    await expectCodeAsync(issue(newStore(), 'app:x', { purposes: [def], lifetimeMs: 3 * MIN }), 'LIFETIME_TOO_LONG');
    await expectCodeAsync(issue(newStore(), 'app:x'), 'INVALID_INPUT');
    const forged = { name: 'app:x' as const, statement: 'X.', lifetimeMs: DAY, maxLifetimeMs: DAY };
    await expectCodeAsync(issue(newStore(), 'app:x', { purposes: [forged] }), 'INVALID_INPUT');
    await expectCodeAsync(issue(newStore(), 'delete-everything' as Purpose), 'INVALID_INPUT');
  });
});

describe('issueChallenge input rules', () => {
  it('reserves the urn:agentvault: namespace for the library', async () => {
    await expectCodeAsync(issue(newStore(), 'sign-in', { resources: ['urn:agentvault:purpose:unlock'] }), 'INVALID_INPUT');
    await expectCodeAsync(issue(newStore(), 'sign-in', { resources: ['URN:AgentVault:bot:x'] }), 'INVALID_INPUT');
  });
  it('an http(s) URI must name the domain', async () => {
    await expectCodeAsync(issue(newStore(), 'sign-in', { uri: 'https://evil.example/login' }), 'INVALID_INPUT');
    await expectCodeAsync(issue(newStore(), 'sign-in', { uri: `https://user@${DOMAIN}/` }), 'INVALID_INPUT');
    await issue(newStore(), 'sign-in', { uri: 'myapp:callback' }); // a non-http URI is allowed
  });
  it('message Not Before must fall inside the lifetime', async () => {
    await expectCodeAsync(issue(newStore(), 'sign-in', { notBefore: NOW - 1000 }), 'INVALID_INPUT');
    await expectCodeAsync(issue(newStore(), 'sign-in', { notBefore: NOW + 10 * MIN }), 'INVALID_INPUT');
  });
  it('a message that would be too long is refused before anything is stored', async () => {
    let issued = 0;
    const store: NonceStore = { issue: async () => void issued++, consume: async () => null };
    await expectCodeAsync(issue(store, 'sign-in', { resources: Array.from({ length: 20 }, (_, i) => `https://app.example.com/${i}/${'x'.repeat(50)}`) }), 'MESSAGE_TOO_LONG');
    expect(issued).toBe(0);
  });
  it('wrong-typed options -> INVALID_INPUT', async () => {
    await expectCodeAsync(issueChallenge(null as never), 'INVALID_INPUT');
    await expectCodeAsync(issue({} as NonceStore), 'INVALID_INPUT');
    for (const now of [-1, 1.5, '0', Number.NaN]) await expectCodeAsync(issue(newStore(), 'sign-in', { now } as never), 'INVALID_INPUT');
    for (const address of [42, null, new Uint8Array(32)]) await expectCodeAsync(issue(newStore(), 'sign-in', { address } as never), 'INVALID_INPUT');
  });
  it('STORE_FULL from the store reaches the caller', async () => {
    const nonces = new MemoryNonceStore({ maxEntries: 1, sweepIntervalMs: 0, clock: () => NOW });
    await issue(nonces);
    await expectCodeAsync(issue(nonces), 'STORE_FULL');
  });
});

describe('what the nonce store holds', () => {
  it('only the SHA-256 of the tagged address and nonce, the expiry plus the maximum skew, and the expected fields (no nonce)', async () => {
    const calls: [string, number, string][] = [];
    const store: NonceStore = { issue: async (h, e, m) => void calls.push([h, e, m]), consume: async () => null };
    const ch = await issue(store, 'enable-execution', { requestId: 'r-1' });
    expect(calls).toHaveLength(1);
    const [hash, expiresAt, meta] = calls[0]!;
    expect(hash).toBe(createHash('sha256').update(`agentvault:siws-nonce:v1\n${wallet.address}\n${ch.nonce}`, 'ascii').digest('hex'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(nonceHash(ch.nonce, wallet.address)).toBe(hash);
    expect(nonceHash(ch.nonce, other.address)).not.toBe(hash);
    expect(expiresAt).toBe(ch.expiresAt + 5 * MIN);
    expect(meta).not.toContain(ch.nonce);
    expect(JSON.parse(meta)).toEqual({
      v: 1,
      purpose: 'enable-execution',
      domain: DOMAIN,
      uri: URI,
      chain: CHAIN,
      address: wallet.address,
      statement: parseSiwsMessage(ch.message).statement,
      issuedAt: '2025-01-31T12:00:00Z',
      expirationTime: '2025-01-31T12:15:00Z',
      notBefore: null,
      requestId: 'r-1',
      resources: parseSiwsMessage(ch.message).resources,
      params: { bot: 'bot-1', agent: AGENT, policyHash: POLICY_HASH, grantNotBefore: '2025-01-31T12:00:00Z', grantExpires: '2025-01-31T13:00:00Z' },
    });
  });
  it('unreadable or unknown-version state from the store fails closed', async () => {
    const ch = await issue(newStore());
    const sig = wallet.sign(ch.message);
    const run = (meta: string) =>
      verifySignedMessage({ message: ch.message, signature: sig, expected: expected(), now: NOW, nonces: { issue: async () => {}, consume: async () => meta } });
    await expectCodeAsync(run('not json'), 'INVALID_INPUT');
    await expectCodeAsync(run('null'), 'INVALID_INPUT');
    await expectCodeAsync(run('{"v":2}'), 'UNSUPPORTED_VERSION');
    await expectCodeAsync(run('{"v":1,"domain":1}'), 'INVALID_INPUT');
  });
});

describe('verification: reconstruction and expectations', () => {
  it('a validly signed text that differs from the issued one -> MESSAGE_MISMATCH, and the nonce is spent', async () => {
    const { nonces, ch, signature } = await issueAndSign('sign-in');
    const longer = replaceLine(ch.message, 'Expiration Time: ', 'Expiration Time: 2099-01-01T00:00:00Z');
    await expectCodeAsync(
      verifySignedMessage({ message: longer, signature: wallet.sign(longer), expected: expected(), nonces, now: NOW }),
      'MESSAGE_MISMATCH',
    );
    await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, expected: expected(), nonces, now: NOW }), 'NONCE_UNKNOWN');
  });
  const mismatches = [
    ['domain', { domain: 'other.example.com' }, 'DOMAIN_MISMATCH'],
    ['uri', { uri: 'https://app.example.com/other' }, 'DOMAIN_MISMATCH'],
    ['chain', { chain: 'devnet' }, 'CHAIN_MISMATCH'],
    ['chain (solana: form is a different chain ID)', { chain: 'solana:mainnet' }, 'CHAIN_MISMATCH'],
    ['purpose', { purpose: 'unlock' }, 'PURPOSE_MISMATCH'],
    ['address', { address: other.address }, 'ADDRESS_MISMATCH'],
  ] as const;
  for (const [label, patch, code] of mismatches) {
    it(`expected ${label} differs -> ${code}`, async () => {
      const { nonces, ch, signature } = await issueAndSign('sign-in');
      await expectCodeAsync(
        verifySignedMessage({ message: ch.message, signature, expected: expected('sign-in', patch), nonces, now: NOW }),
        code,
      );
    });
  }
  it('expected address equal to the signer passes', async () => {
    const { nonces, ch, signature } = await issueAndSign('sign-in');
    const v = await verifySignedMessage({ message: ch.message, signature, expected: expected('sign-in', { address: wallet.address }), nonces, now: NOW });
    expect(v.address).toBe(wallet.address);
  });
  it('a challenge issued to another wallet, signed by that wallet, is refused when this wallet is expected', async () => {
    const nonces = newStore();
    const ch = await issueChallenge({ purpose: 'unlock', domain: DOMAIN, uri: URI, chain: CHAIN, address: other.address, nonces, now: NOW });
    await expectCodeAsync(
      verifySignedMessage({ message: ch.message, signature: other.sign(ch.message), expected: expected('unlock', { address: wallet.address }), nonces, now: NOW }),
      'ADDRESS_MISMATCH',
    );
  });
});

describe('verification: signatures', () => {
  it('a bad signature -> INVALID_SIGNATURE, and the nonce survives (only the wallet can spend it)', async () => {
    const { nonces, ch, signature } = await issueAndSign();
    const bad = signature.slice();
    bad[5]! ^= 1;
    await expectCodeAsync(verifySignedMessage({ message: ch.message, signature: bad, expected: expected(), nonces, now: NOW }), 'INVALID_SIGNATURE');
    await verifySignedMessage({ message: ch.message, signature, expected: expected(), nonces, now: NOW });
  });
  it('S >= L (malleated signature) -> INVALID_SIGNATURE', async () => {
    const { nonces, ch, signature } = await issueAndSign();
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(signature[32 + i]!);
    let t = s + L;
    const mall = signature.slice();
    for (let i = 0; i < 32; i++, t >>= 8n) mall[32 + i] = Number(t & 0xffn);
    await expectCodeAsync(verifySignedMessage({ message: ch.message, signature: mall, expected: expected(), nonces, now: NOW }), 'INVALID_SIGNATURE');
  });
  it('accepts base58 and padded base64 transport, and the signature is copied', async () => {
    for (const encode of [(b: Uint8Array) => base58.encode(b), (b: Uint8Array) => base64.encode(b)]) {
      const { nonces, ch, signature } = await issueAndSign();
      const v = await verifySignedMessage({ message: ch.message, signature: encode(signature), expected: expected(), nonces, now: NOW });
      expect(v.signature).toEqual(signature);
    }
    const { nonces, ch, signature } = await issueAndSign();
    const v = await verifySignedMessage({ message: ch.message, signature, expected: expected(), nonces, now: NOW });
    signature.fill(0);
    expect(v.signature).not.toEqual(signature);
  });
  it('refuses a JSON-serialized Uint8Array, a number array, and every non-bytes value', async () => {
    const { nonces, ch, signature } = await issueAndSign();
    const values: unknown[] = [
      JSON.parse(JSON.stringify(signature)),
      JSON.stringify(signature),
      Array.from(signature),
      ...NOT_BYTES.map(([, v]) => v),
      signature.subarray(0, 63),
      new Uint8Array(65),
      `1${base58.encode(signature)}`, // a leading 1 is a leading zero byte: always 65 bytes (a trailing 1 decodes to 64 bytes for ~1.4 % of signatures)
      base64.encode(signature).replace(/==$/, ''),
      Buffer.from(signature).toString('hex'),
    ];
    for (const sig of values) {
      await expectCodeAsync(verifySignedMessage({ message: ch.message, signature: sig as Uint8Array, expected: expected(), nonces, now: NOW }), 'INVALID_INPUT');
    }
    // nothing was consumed by those refusals
    await verifySignedMessage({ message: ch.message, signature, expected: expected(), nonces, now: NOW });
  });
  it('decodeSignature: canonical encodings only', () => {
    const sig = Uint8Array.from({ length: 64 }, (_, i) => i * 3);
    expect(decodeSignature(base58.encode(sig))).toEqual(sig);
    expect(decodeSignature(base64.encode(sig))).toEqual(sig);
    expect(decodeSignature(Buffer.from(sig))).toEqual(sig);
    expectCode(() => decodeSignature(base64.encode(new Uint8Array(63))), 'INVALID_INPUT');
    expectCode(() => decodeSignature(base58.encode(new Uint8Array(65))), 'INVALID_INPUT');
    expectCode(() => decodeSignature(' '.repeat(88)), 'INVALID_INPUT');
    expectCode(() => decodeSignature('x'.repeat(1_000_000)), 'INVALID_INPUT');
  });
});

describe('verification: times (injectable clock, skew)', () => {
  it('expired: exactly expiry + skew passes, one ms later -> MESSAGE_EXPIRED', async () => {
    const a = await issueAndSign();
    await verifySignedMessage({ message: a.ch.message, signature: a.signature, expected: expected(), nonces: a.nonces, now: a.ch.expiresAt + 60_000 });
    const b = await issueAndSign();
    await expectCodeAsync(
      verifySignedMessage({ message: b.ch.message, signature: b.signature, expected: expected(), nonces: b.nonces, now: b.ch.expiresAt + 60_001 }),
      'MESSAGE_EXPIRED',
    );
  });
  it('expired with skew 0', async () => {
    const b = await issueAndSign();
    await expectCodeAsync(
      verifySignedMessage({ message: b.ch.message, signature: b.signature, expected: expected(), nonces: b.nonces, now: b.ch.expiresAt + 1, skewMs: 0 }),
      'MESSAGE_EXPIRED',
    );
  });
  it('long after expiry, when the store has forgotten the nonce -> still MESSAGE_EXPIRED (times are checked before the store, SPEC 7.6)', async () => {
    const b = await issueAndSign();
    await expectCodeAsync(
      verifySignedMessage({ message: b.ch.message, signature: b.signature, expected: expected(), nonces: b.nonces, now: b.ch.expiresAt + 5 * MIN }),
      'MESSAGE_EXPIRED',
    );
  });
  it('issued in the future beyond the skew -> MESSAGE_ISSUED_IN_FUTURE', async () => {
    const b = await issueAndSign();
    await expectCodeAsync(
      verifySignedMessage({ message: b.ch.message, signature: b.signature, expected: expected(), nonces: b.nonces, now: NOW - 60_001 }),
      'MESSAGE_ISSUED_IN_FUTURE',
    );
    const c = await issueAndSign();
    await verifySignedMessage({ message: c.ch.message, signature: c.signature, expected: expected(), nonces: c.nonces, now: NOW - 60_000 });
  });
  it('before Not Before beyond the skew -> MESSAGE_NOT_YET_VALID', async () => {
    const b = await issueAndSign('sign-in', { notBefore: NOW + 5 * MIN });
    await expectCodeAsync(
      verifySignedMessage({ message: b.ch.message, signature: b.signature, expected: expected(), nonces: b.nonces, now: NOW + 3 * MIN }),
      'MESSAGE_NOT_YET_VALID',
    );
    const c = await issueAndSign('sign-in', { notBefore: NOW + 5 * MIN });
    await verifySignedMessage({ message: c.ch.message, signature: c.signature, expected: expected(), nonces: c.nonces, now: NOW + 4 * MIN });
  });
  it('skewMs above 5 minutes or negative -> INVALID_INPUT', async () => {
    const b = await issueAndSign();
    for (const skewMs of [5 * MIN + 1, -1, 1.5, '1000']) {
      await expectCodeAsync(
        verifySignedMessage({ message: b.ch.message, signature: b.signature, expected: expected(), nonces: b.nonces, now: NOW, skewMs } as never),
        'INVALID_INPUT',
      );
    }
  });
});

describe('replay and concurrency', () => {
  it('the same signed message twice: the second is refused', async () => {
    const { nonces, ch, signature } = await issueAndSign();
    await verifySignedMessage({ message: ch.message, signature, expected: expected(), nonces, now: NOW });
    await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, expected: expected(), nonces, now: NOW }), 'NONCE_UNKNOWN');
  });
  it('replay in the other form (off-chain envelope after raw) is refused too: the nonce is the key, not the signature', async () => {
    const { encodeOffchainMessage } = await import('../../src/messages/offchain.js');
    const { nonces, ch, signature } = await issueAndSign();
    await verifySignedMessage({ message: ch.message, signature, expected: expected(), nonces, now: NOW });
    const env = encodeOffchainMessage(ch.message, wallet.address);
    await expectCodeAsync(
      verifySignedMessage({ signedBytes: env, signature: wallet.sign(env), expected: expected(), nonces, now: NOW }),
      'NONCE_UNKNOWN',
    );
  });
  it('1,000 concurrent verifications of one message against the memory store: exactly one succeeds', async () => {
    const { nonces, ch, signature } = await issueAndSign();
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, () => verifySignedMessage({ message: ch.message, signature, expected: expected(), nonces, now: NOW })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected' && isAgentvaultError(r.reason, 'NONCE_UNKNOWN'));
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(999);
  });
});

describe('verification: input shape', () => {
  it('exactly one of message and signedBytes', async () => {
    const { nonces, ch, signature } = await issueAndSign();
    await expectCodeAsync(
      verifySignedMessage({ message: ch.message, signedBytes: enc(ch.message), signature, expected: expected(), nonces, now: NOW } as never),
      'INVALID_INPUT',
    );
    await expectCodeAsync(verifySignedMessage({ signature, expected: expected(), nonces, now: NOW } as never), 'INVALID_INPUT');
    await expectCodeAsync(verifySignedMessage({ message: enc(ch.message), signature, expected: expected(), nonces, now: NOW } as never), 'INVALID_INPUT');
    for (const [, v] of NOT_BYTES) {
      if (v === undefined) continue;
      await expectCodeAsync(verifySignedMessage({ signedBytes: v, signature, expected: expected(), nonces, now: NOW } as never), 'INVALID_INPUT');
    }
  });
  it('1 MB message or signed bytes -> MESSAGE_TOO_LONG', async () => {
    const { nonces, signature } = await issueAndSign();
    await expectCodeAsync(verifySignedMessage({ message: 'a'.repeat(1 << 20), signature, expected: expected(), nonces, now: NOW }), 'MESSAGE_TOO_LONG');
    await expectCodeAsync(verifySignedMessage({ signedBytes: new Uint8Array(1 << 20), signature, expected: expected(), nonces, now: NOW }), 'MESSAGE_TOO_LONG');
  });
  it('raw signed bytes that are not UTF-8 -> MESSAGE_MALFORMED', async () => {
    const { nonces, signature } = await issueAndSign();
    await expectCodeAsync(verifySignedMessage({ signedBytes: Uint8Array.of(0x41, 0xc3), signature, expected: expected(), nonces, now: NOW }), 'MESSAGE_MALFORMED');
  });
  it('the caller-supplied signed bytes are copied, not kept', async () => {
    const { nonces, ch, signature } = await issueAndSign();
    const bytes = enc(ch.message);
    const v = await verifySignedMessage({ signedBytes: bytes, signature, expected: expected(), nonces, now: NOW });
    bytes.fill(0x41);
    expect(v.signedBytes).toEqual(enc(ch.message));
  });
});

describe('no secret in errors', () => {
  it('refusals never print the nonce, the signature or the message text', async () => {
    const { nonces, ch, signature } = await issueAndSign('reveal-mnemonic');
    const errors: unknown[] = [];
    const tries: (() => Promise<unknown>)[] = [
      () => verifySignedMessage({ message: ch.message, signature: signature.map((b) => b ^ 1), expected: expected('reveal-mnemonic'), nonces, now: NOW }),
      () => verifySignedMessage({ message: ch.message, signature, expected: expected('unlock'), nonces, now: NOW }),
      async () => {
        // the refusal above consumed nothing (verify before consume): this one passes, the replay fails
        await verifySignedMessage({ message: ch.message, signature, expected: expected('reveal-mnemonic'), nonces, now: NOW });
        return verifySignedMessage({ message: ch.message, signature, expected: expected('reveal-mnemonic'), nonces, now: NOW });
      },
      () => verifySignedMessage({ message: `${ch.message}\n`, signature, expected: expected(), nonces, now: NOW }),
      () => verifySignedMessage({ message: replaceLine(ch.message, 'Nonce: ', `Nonce: ${ch.nonce}-`), signature, expected: expected(), nonces, now: NOW }),
      async () => buildSiwsMessage({ ...parseSiwsMessage(ch.message), nonce: `${ch.nonce}!` }),
    ];
    for (const t of tries) {
      try {
        await t();
      } catch (e) {
        errors.push(e);
      }
    }
    expect(errors).toHaveLength(tries.length);
    for (const e of errors) {
      expect(isAgentvaultError(e)).toBe(true);
      const text = await errorText(e);
      for (const secret of [ch.nonce, base58.encode(signature), base64.encode(signature), Buffer.from(signature).toString('hex'), ch.message]) {
        expect(text).not.toContain(secret);
      }
    }
  });
});
