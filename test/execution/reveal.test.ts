import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createAgentWallet } from '../../src/derivation/agent-wallet.js';
import { deriveSolanaKeypair } from '../../src/derivation/keypair.js';
import { AgentvaultError } from '../../src/errors.js';
import { REVEAL_MAX_AGE_MS, revealMnemonic } from '../../src/execution/reveal.js';
import { _brandVerifiedMessage } from '../../src/messages/authorization.js';
import { MemoryRateLimiter } from '../../src/stores/memory.js';
import type { RateLimiter } from '../../src/stores/types.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { errorText, expectCodeAsync } from '../helpers/errors.js';
import { expectNoSecretIn } from '../helpers/secrets.js';
import { DAY, enableAuthorization, HOUR, NOW, revealAuthorization, setup, type Setup } from './_fixtures.js';

const limiter = () => new MemoryRateLimiter({ limit: 3, windowMs: DAY, sweepIntervalMs: 0 });

function reveal(s: Setup, authorization: unknown, extra: Record<string, unknown> = {}) {
  return revealMnemonic({
    authorization: authorization as never,
    vault: s.vault,
    mnemonicRecord: s.agent.records.mnemonic,
    agentAddress: s.agent.address,
    limiter: limiter(),
    now: NOW,
    ...extra,
  } as Parameters<typeof revealMnemonic>[0]);
}

/** The mnemonic, read through the vault for comparison only. */
function mnemonicOf(s: Setup): string {
  const m = s.vault.open('mnemonic', s.agent.records.mnemonic, { agent: s.agent.address });
  try {
    return m.exposeText();
  } finally {
    m.dispose();
  }
}

describe('revealMnemonic', () => {
  it('works once with a real signed reveal-mnemonic authorization; the result redacts itself', async () => {
    const s = setup(40);
    const phrase = await reveal(s, await revealAuthorization(s.owner));
    const words = phrase.exposeText().split(' ');
    expect(words.length).toBe(24);
    expect(phrase.exposeText()).toBe(mnemonicOf(s));
    expect(String(phrase) + JSON.stringify({ phrase }) + inspect(phrase)).not.toContain(words.slice(0, 3).join(' '));
    phrase.dispose();
    expect(() => phrase.exposeText()).toThrow(AgentvaultError);
  });

  it('a replayed authorization is refused (AUTHORIZATION_REQUIRED), and does not use up the rate limit', async () => {
    const s = setup(41);
    const l = limiter();
    const auth = await revealAuthorization(s.owner);
    (await reveal(s, auth, { limiter: l })).dispose();
    await expectCodeAsync(reveal(s, auth, { limiter: l }), 'AUTHORIZATION_REQUIRED');
    await expectCodeAsync(reveal(s, auth, { limiter: l }), 'AUTHORIZATION_REQUIRED');
    // two reveals still allowed after the replays
    (await reveal(s, await revealAuthorization(s.owner), { limiter: l })).dispose();
    (await reveal(s, await revealAuthorization(s.owner), { limiter: l })).dispose();
  });

  it('the fourth reveal in 24 hours is refused with retry-after; the window slides', async () => {
    const s = setup(42);
    const l = limiter();
    for (let i = 0; i < 3; i++) (await reveal(s, await revealAuthorization(s.owner, NOW + i * HOUR), { limiter: l, now: NOW + i * HOUR })).dispose();
    const e = await expectCodeAsync(reveal(s, await revealAuthorization(s.owner, NOW + 3 * HOUR), { limiter: l, now: NOW + 3 * HOUR }), 'RATE_LIMITED');
    expect(e.details?.['retryAfterMs']).toBe(DAY - 3 * HOUR);
    // a day after the first, one more is allowed
    (await reveal(s, await revealAuthorization(s.owner, NOW + DAY), { limiter: l, now: NOW + DAY })).dispose();
    // keyed per owner: another wallet is not limited by this one
    const t = setup(43);
    (await reveal(t, await revealAuthorization(t.owner, NOW + 3 * HOUR), { limiter: l, now: NOW + 3 * HOUR })).dispose();
  });

  it('the rate limit is checked before the record is opened', async () => {
    const s = setup(44);
    const deny: RateLimiter = { limit: 3, windowMs: DAY, hit: async () => ({ allowed: false, remaining: 0, retryAfterMs: 1234 }) };
    // a record that would fail to open: RATE_LIMITED comes first
    const e = await expectCodeAsync(reveal(s, await revealAuthorization(s.owner), { limiter: deny, mnemonicRecord: setup(45).agent.records.mnemonic }), 'RATE_LIMITED');
    expect(e.details?.['retryAfterMs']).toBe(1234);
    await expectCodeAsync(reveal(s, await revealAuthorization(s.owner), { mnemonicRecord: setup(46).agent.records.mnemonic }), 'KEY_MISMATCH');
  });

  it('the record is bound to the agent address: another agent of the same vault does not open; the address is required', async () => {
    const s = setup(54);
    const second = createAgentWallet(s.vault);
    // A swapped row (this vault, another agent wallet) under this agent's address: CONTEXT_MISMATCH.
    await expectCodeAsync(reveal(s, await revealAuthorization(s.owner), { mnemonicRecord: second.records.mnemonic }), 'CONTEXT_MISMATCH');
    await expectCodeAsync(reveal(s, await revealAuthorization(s.owner), { agentAddress: second.address }), 'CONTEXT_MISMATCH');
    // Missing, malformed address or the reserved field name: INVALID_INPUT, before the authorization is spent.
    const auth = await revealAuthorization(s.owner);
    await expectCodeAsync(reveal(s, auth, { agentAddress: undefined }), 'INVALID_INPUT');
    await expectCodeAsync(reveal(s, auth, { agentAddress: 'nope' }), 'INVALID_INPUT');
    await expectCodeAsync(reveal(s, auth, { fields: { agent: s.agent.address } }), 'INVALID_INPUT');
    const phrase = await reveal(s, auth, { mnemonicRecord: second.records.mnemonic, agentAddress: second.address });
    expect(deriveSolanaKeypair(phrase.exposeText()).address).toBe(second.address);
    phrase.dispose();
  });

  it('an expired message (older than 2 minutes) is refused', async () => {
    const s = setup(47);
    const auth = await revealAuthorization(s.owner);
    await expectCodeAsync(reveal(s, auth, { now: NOW + REVEAL_MAX_AGE_MS + 1 }), 'MESSAGE_EXPIRED');
    // a look-alike with a long expiration is still bounded by its issue time (defense in depth)
    const long = _brandVerifiedMessage({ ...auth, nonce: 'x'.repeat(24), expirationTime: new Date(NOW + HOUR).toISOString() });
    await expectCodeAsync(reveal(s, long, { now: NOW + 3 * 60_000 }), 'MESSAGE_EXPIRED');
    (await reveal(s, await revealAuthorization(s.owner), { now: NOW + REVEAL_MAX_AGE_MS })).dispose();
  });

  it('missing, unbranded, wrong purpose, missing acknowledgement, another wallet: AUTHORIZATION_REQUIRED', async () => {
    const s = setup(48);
    const real = await revealAuthorization(s.owner);
    await expectCodeAsync(reveal(s, undefined), 'AUTHORIZATION_REQUIRED');
    await expectCodeAsync(reveal(s, { ...real }), 'AUTHORIZATION_REQUIRED');
    await expectCodeAsync(reveal(s, fakeAuthorization(s.owner.address, 'unlock', NOW)), 'AUTHORIZATION_REQUIRED');
    await expectCodeAsync(reveal(s, await enableAuthorization(s.owner, { agent: s.agent.address })), 'AUTHORIZATION_REQUIRED');
    await expectCodeAsync(reveal(s, fakeAuthorization(s.owner.address, 'reveal-mnemonic', NOW)), 'AUTHORIZATION_REQUIRED');
    const noAck = _brandVerifiedMessage({ ...real, resources: real.resources.filter((r) => !r.includes(':ack:')) });
    await expectCodeAsync(reveal(s, noAck), 'AUTHORIZATION_REQUIRED');
    const noStatement = _brandVerifiedMessage({ ...real, statement: 'Reveal it.' });
    await expectCodeAsync(reveal(s, noStatement), 'AUTHORIZATION_REQUIRED');
    const other = setup(49);
    await expectCodeAsync(reveal(s, await revealAuthorization(other.owner)), 'AUTHORIZATION_REQUIRED');
    (await reveal(s, real)).dispose();
  });

  it('a limiter looser than 3 per 24 h is refused; the default limiter applies 3 per 24 h', async () => {
    const s = setup(50);
    await expectCodeAsync(reveal(s, await revealAuthorization(s.owner), { limiter: new MemoryRateLimiter({ limit: 4, windowMs: DAY, sweepIntervalMs: 0 }) }), 'INVALID_INPUT');
    await expectCodeAsync(reveal(s, await revealAuthorization(s.owner), { limiter: new MemoryRateLimiter({ limit: 3, windowMs: HOUR, sweepIntervalMs: 0 }) }), 'INVALID_INPUT');
    await expectCodeAsync(reveal(s, await revealAuthorization(s.owner), { limiter: {} }), 'INVALID_INPUT');
    const t = setup(51);
    const noLimiter = (now: number) => revealAuthorization(t.owner, now).then((a) => revealMnemonic({ authorization: a, vault: t.vault, mnemonicRecord: t.agent.records.mnemonic, agentAddress: t.agent.address, now }));
    for (let i = 0; i < 3; i++) (await noLimiter(NOW + i)).dispose();
    await expectCodeAsync(noLimiter(NOW + 10), 'RATE_LIMITED');
  });

  it('no mnemonic in any error, log or secret-holding object', async () => {
    const s = setup(52);
    const mnemonic = mnemonicOf(s);
    const logs: string[] = [];
    const orig = { log: console.log, error: console.error, warn: console.warn, info: console.info, debug: console.debug };
    for (const k of Object.keys(orig) as (keyof typeof orig)[]) console[k] = (...a: unknown[]) => void logs.push(a.map((x) => inspect(x, { depth: 10 })).join(' '));
    const texts: string[] = [];
    try {
      const l = limiter();
      const auth = await revealAuthorization(s.owner);
      const phrase = await reveal(s, auth, { limiter: l });
      texts.push(inspect(phrase, { showHidden: true, depth: 10 }), String(phrase), JSON.stringify(phrase), JSON.stringify({ phrase }), `${phrase}`);
      texts.push(inspect(s.vault, { showHidden: true, depth: 10 }), JSON.stringify(s.vault));
      const failures: unknown[] = [];
      for (const attempt of [
        () => reveal(s, auth, { limiter: l }),
        async () => reveal(s, await revealAuthorization(s.owner), { now: NOW + 10 * 60_000 }),
        async () => reveal(s, await revealAuthorization(s.owner), { mnemonicRecord: s.agent.records.mnemonic.slice(0, -3) + 'AAA' }),
        async () => reveal(s, await revealAuthorization(s.owner), { mnemonicRecord: setup(53).agent.records.mnemonic }),
        async () => reveal(s, await revealAuthorization(s.owner), { fields: { bot: 'x' } }),
        async () => reveal(s, await revealAuthorization(s.owner), { limiter: { limit: 3, windowMs: DAY, hit: async () => ({ allowed: false, remaining: 0, retryAfterMs: 5 }) } }),
      ]) {
        try {
          await attempt();
          failures.push(new Error('expected a refusal'));
        } catch (e) {
          failures.push(e);
        }
      }
      expect(failures.every((e) => e instanceof AgentvaultError)).toBe(true);
      for (const e of failures) texts.push(await errorText(e));
      phrase.dispose();
      texts.push(inspect(phrase, { showHidden: true }));
    } finally {
      Object.assign(console, orig);
    }
    const all = [...texts, ...logs].join('\n');
    expectNoSecretIn(all, [mnemonic, ...mnemonic.split(' ').slice(0, 21).map((_, i, w) => w.slice(i, i + 4).join(' ')).filter((x) => x.length >= 8)], 'reveal output');
    expect(logs).toEqual([]);
  });
});
