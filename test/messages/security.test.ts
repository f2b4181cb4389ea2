/**
 * Adversarial review of the signed-message layer (findings M1-M6), as regression tests. Each
 * "Mn fixed" test states the fixed behaviour and asserts the library's error code; each fails if
 * its fix is reverted. The "held" tests are attacks that held up during the review, kept as
 * regression checks.
 */
import { createHash } from 'node:crypto';
import { createSignInMessageText } from '@solana/wallet-standard-util';
import type { SolanaSignInInput } from '@solana/wallet-standard-features';
import { base64 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { AUTHORIZATION_CLOCK_TOLERANCE_MS, useAuthorization } from '../../src/messages/authorization.js';
import { decodeSignature, issueChallenge, nonceHash, verifySignedMessage } from '../../src/messages/challenge.js';
import { assertDomain, parseTimestamp } from '../../src/messages/fields.js';
import { encodeOffchainMessage } from '../../src/messages/offchain.js';
import { definePurpose } from '../../src/messages/purposes.js';
import { buildSiwsMessage, parseSiwsMessage } from '../../src/messages/siws.js';
import type { NonceStore } from '../../src/stores/types.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { AGENT, CHAIN, DOMAIN, MIN_FIELDS, NOW, POLICY_HASH, URI, enc, expected, issue, newStore, other, replaceLine, wallet } from './_fixtures.js';

const code = async (p: Promise<unknown>) => p.then(() => 'OK', (e: { code?: string }) => e.code ?? String(e));
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'OK';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** A store that rewrites the stored challenge state on the way out (a tampered or buggy store). */
function rewritingStore(rewrite: (meta: string) => string): NonceStore {
  const inner = newStore();
  return {
    issue: (h, e, m) => inner.issue(h, e, m),
    consume: async (h, n) => {
      const meta = await inner.consume(h, n);
      return meta === null ? null : rewrite(meta);
    },
  } as NonceStore;
}

describe('M1 nonce burn: the store key binds the nonce to the signing address', () => {
  it("M1 fixed: the victim's challenge copied under the attacker's address and signed by the attacker -> NONCE_UNKNOWN; the victim still verifies", async () => {
    const nonces = newStore();
    const ch = await issue(nonces, 'unlock');
    // The attacker only saw the challenge text (log line, proxy, extension, shared screen).
    const forged = ch.message.replace(`\n${wallet.address}\n`, `\n${other.address}\n`);
    expect(forged).not.toBe(ch.message);
    await expectCodeAsync(
      verifySignedMessage({ message: forged, signature: other.sign(forged), expected: expected('unlock'), nonces, now: NOW }),
      'NONCE_UNKNOWN',
    );
    // Also in the off-chain form (the envelope names the attacker as its single signer).
    const env = encodeOffchainMessage(forged, other.address);
    await expectCodeAsync(
      verifySignedMessage({ signedBytes: env, signature: other.sign(env), expected: expected('unlock'), nonces, now: NOW }),
      'NONCE_UNKNOWN',
    );
    const v = await verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected('unlock'), nonces, now: NOW });
    expect(v.address).toBe(wallet.address);
  });

  it('M1 fixed: a minimal forged message reusing the nonce (other domain, chain, no statement) -> refused before the store (MESSAGE_MISMATCH: no purpose); the victim still verifies', async () => {
    const nonces = newStore();
    const ch = await issue(nonces, 'sign-in');
    const forged = buildSiwsMessage({
      domain: 'evil.example',
      address: other.address,
      uri: 'https://evil.example',
      version: '1',
      chainId: 'devnet',
      nonce: parseSiwsMessage(ch.message).nonce,
      issuedAt: '2000-01-01T00:00:00Z',
    });
    await expectCodeAsync(
      verifySignedMessage({ message: forged, signature: other.sign(forged), expected: expected('sign-in'), nonces, now: NOW }),
      'MESSAGE_MISMATCH',
    );
    // the same forgery with a purpose URN reaches the store and finds nothing under its address
    const forged2 = buildSiwsMessage({ ...parseSiwsMessage(ch.message), address: other.address });
    await expectCodeAsync(
      verifySignedMessage({ message: forged2, signature: other.sign(forged2), expected: expected('sign-in'), nonces, now: NOW }),
      'NONCE_UNKNOWN',
    );
    const v = await verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected('sign-in'), nonces, now: NOW });
    expect(v.purpose).toBe('sign-in');
  });

  it('M1 fixed: nonceHash(nonce, address) is SHA-256 of the tagged address and nonce, 64 lower-case hex, and both arguments are required', async () => {
    const calls: string[] = [];
    const store: NonceStore = { issue: async (h) => void calls.push(h), consume: async () => null };
    const ch = await issue(store, 'sign-in');
    const key = createHash('sha256').update(`agentvault:siws-nonce:v1\n${wallet.address}\n${ch.nonce}`).digest('hex');
    expect(calls).toEqual([key]);
    expect(nonceHash(ch.nonce, wallet.address)).toBe(key);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(nonceHash(ch.nonce, other.address)).not.toBe(key);
    expect(key).not.toBe(createHash('sha256').update(ch.nonce).digest('hex'));
    for (const bad of [undefined, '', 42, null]) {
      expectCode(() => (nonceHash as (n: unknown, a: unknown) => string)(ch.nonce, bad), 'INVALID_INPUT');
      expectCode(() => (nonceHash as (n: unknown, a: unknown) => string)(bad, wallet.address), 'INVALID_INPUT');
    }
  });
});

describe('M2 stored purpose and params are bound to the signed text', () => {
  it('M2 fixed: a store entry relabelled from sign-in to unlock -> refused (no unlock authorization from a signed sign-in)', async () => {
    const nonces = rewritingStore((m) => m.replace('"purpose":"sign-in"', '"purpose":"unlock"'));
    const ch = await issue(nonces, 'sign-in');
    expect(ch.message).toContain('urn:agentvault:purpose:sign-in');
    // the signed purpose is checked against `expected` before the store is read (SPEC 7.6)...
    await expectCodeAsync(
      verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected('unlock'), nonces, now: NOW }),
      'PURPOSE_MISMATCH',
    );
    // ...and against the stored purpose after it: the relabelled entry never yields a verification
    await expectCodeAsync(
      verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected('sign-in'), nonces, now: NOW }),
      'MESSAGE_MISMATCH',
    );
  });

  it('M2 fixed: stored enable-execution params that differ from the signed URNs (policy hash, bot, agent, window) -> MESSAGE_MISMATCH', async () => {
    const rewrites: ((m: string) => string)[] = [
      (m) => m.replace(`"agent":"${AGENT}"`, `"agent":"${other.address}"`),
      (m) => m.replace(`"policyHash":"${POLICY_HASH}"`, `"policyHash":"${'cd'.repeat(32)}"`),
      (m) => m.replace('"bot":"bot-1"', '"bot":"bot-2"'),
      (m) => m.replace('"grantExpires":"2025-01-31T13:00:00Z"', '"grantExpires":"2025-02-28T13:00:00Z"'),
      (m) => m.replace('"grantExpires":', '"extra":"x","grantExpires":'),
      (m) => m.replace(/"params":\{[^}]*\}/, '"params":{}'),
    ];
    for (const rewrite of rewrites) {
      const nonces = rewritingStore(rewrite);
      const ch = await issue(nonces, 'enable-execution');
      expect(rewrite(ch.message)).toBe(ch.message); // the text itself is untouched
      await expectCodeAsync(
        verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected('enable-execution'), nonces, now: NOW }),
        'MESSAGE_MISMATCH',
      );
    }
  });

  it('M2 fixed: params for reveal-mnemonic and sign-in come from the signed text; extra stored params -> MESSAGE_MISMATCH', async () => {
    for (const [purpose, rewrite] of [
      ['reveal-mnemonic', (m: string) => m.replace('"acknowledgement":"reveal-mnemonic:v1"', '"acknowledgement":"x"')],
      ['sign-in', (m: string) => m.replace('"params":{}', '"params":{"bot":"b"}')],
    ] as const) {
      const nonces = rewritingStore(rewrite);
      const ch = await issue(nonces, purpose);
      await expectCodeAsync(
        verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected(purpose), nonces, now: NOW }),
        'MESSAGE_MISMATCH',
      );
    }
  });

  it('M2 control: untampered state verifies, and purpose and params equal what the text says', async () => {
    const nonces = newStore();
    const ch = await issue(nonces, 'enable-execution');
    const v = await verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected('enable-execution'), nonces, now: NOW });
    expect(v.purpose).toBe('enable-execution');
    expect(v.params).toEqual({ bot: 'bot-1', agent: AGENT, policyHash: POLICY_HASH, grantNotBefore: '2025-01-31T12:00:00Z', grantExpires: '2025-01-31T13:00:00Z' });
  });
});

describe('M3 the parser refuses field sets the builder refuses', () => {
  const withResources = (n: number) => {
    let text = buildSiwsMessage({ ...MIN_FIELDS, resources: [] });
    for (let i = 0; i < n; i++) text += `\n- a:${i}`;
    expect(text.length).toBeLessThan(1182);
    return text;
  };

  it('M3 fixed: parseSiwsMessage refuses more than 64 resources (MESSAGE_MALFORMED, field resources)', () => {
    for (const n of [65, 80]) expect(expectCode(() => parseSiwsMessage(withResources(n)), 'MESSAGE_MALFORMED').details).toEqual({ field: 'resources' });
    expectCode(() => buildSiwsMessage({ ...MIN_FIELDS, resources: Array.from({ length: 65 }, (_, i) => `a:${i}`) }), 'MESSAGE_MALFORMED');
  });

  it('M3 control: exactly 64 resources parse and rebuild to the same text', () => {
    const text = withResources(64);
    const f = parseSiwsMessage(text);
    expect(f.resources).toHaveLength(64);
    expect(buildSiwsMessage(f)).toBe(text);
  });
});

describe('M4 statements that display like fields, headers or nothing are refused', () => {
  const lookAlikes: readonly (readonly [string, string])[] = [
    ['a field tag after a leading space', ' URI: https://evil.example/login'],
    ['a resource after a leading space', ' - urn:agentvault:purpose:sign-in'],
    ['only spaces (displays as an empty statement)', '   '],
    ['a trailing space', 'Sign in '],
    ['a second SIWS header', 'evil.example wants you to sign in with your Solana account:'],
    ['the header phrase in other case', 'Evil.example Wants You To Sign In With Your Solana Account'],
  ];
  for (const [label, statement] of lookAlikes) {
    it(`M4 fixed: definePurpose, buildSiwsMessage and parseSiwsMessage refuse a statement that is ${label} (MESSAGE_MALFORMED)`, () => {
      expect(expectCode(() => definePurpose({ name: 'app:x', statement, lifetimeMs: 60_000 }), 'MESSAGE_MALFORMED').details).toEqual({ field: 'statement' });
      expectCode(() => buildSiwsMessage({ ...MIN_FIELDS, statement }), 'MESSAGE_MALFORMED');
      const text = buildSiwsMessage({ ...MIN_FIELDS, statement: 'placeholder' }).replace('\nplaceholder\n', `\n${statement}\n`);
      expect(expectCode(() => parseSiwsMessage(text), 'MESSAGE_MALFORMED').details).toEqual({ field: 'statement' });
    });
  }

  it('M4 control: ordinary statements, with inner spaces and a colon after the first word, are accepted', () => {
    for (const s of ['Sign in', "It's me: @user (ok)", 'a  b', 'x URI: y']) expect(definePurpose({ name: 'app:x', statement: s, lifetimeMs: 60_000 }).statement).toBe(s);
  });
});

describe('M5 domains are DNS names, dotted-quad IPv4 or canonical IPv6, as browsers report them', () => {
  const refused = ['127.1', '0x7f.1', '0x7f000001', 'a.0x1', '256.1.1.1', '1.2.3.04', '01.2.3.4', '1.2.3.4.5', 'example.123', '[ab]', '[::::::]', '[1.2.3.4]', '[0:0:0:0:0:0:0:1]', '[::ffff:1.2.3.4]'];
  for (const d of refused) {
    it(`M5 fixed: assertDomain and the parser refuse ${d} (MESSAGE_MALFORMED, field domain)`, () => {
      expect(expectCode(() => assertDomain(d), 'MESSAGE_MALFORMED').details).toEqual({ field: 'domain' });
      const text = buildSiwsMessage(MIN_FIELDS).replace(`${MIN_FIELDS.domain} wants`, `${d} wants`);
      expectCode(() => parseSiwsMessage(text), 'MESSAGE_MALFORMED');
    });
  }

  it('M5 control: a trailing dot, an unterminated or empty IPv6 literal, junk after it, port 0 stay refused', () => {
    for (const d of ['10.0.0.1.', '[::1', '[::1]x', '[::1]:0', '[]']) expectCode(() => assertDomain(d), 'MESSAGE_MALFORMED');
  });

  it('M5 control: DNS names, dotted quads and canonical IPv6 literals, with ports, are accepted', () => {
    for (const d of ['app.example.com', 'localhost:3000', '1password.example', '0x7f.example', 'a-1.b2', '127.0.0.1', '255.255.255.255:8080', '0.0.0.0', '[::1]', '[::1]:8080', '[2001:db8::1]', '[::]', '[::ffff:102:304]'])
      expect(assertDomain(d)).toBe(d);
  });
});

describe('M6 useAuthorization refuses a clock that is not a real ms clock', () => {
  const expectation = (now: number) => ({ purpose: 'unlock', address: wallet.address, domain: DOMAIN, chain: CHAIN, now });
  const verified = async () => {
    const nonces = newStore();
    const ch = await issue(nonces, 'unlock');
    return verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected('unlock'), nonces, now: NOW });
  };

  it('M6 fixed: a clock in seconds, 0, or a non-integer -> INVALID_INPUT (field expected.now), and the authorization stays unspent', async () => {
    const v = await verified();
    // Days later, a caller that passes Date.now() / 1000 (seconds) by mistake.
    const secondsClock = Math.floor((NOW + 3 * 86_400_000) / 1000);
    for (const now of [secondsClock, 0, NOW + 0.5, -1])
      expect(expectCode(() => useAuthorization(v, expectation(now)), 'INVALID_INPUT').details).toEqual({ field: 'expected.now' });
    expect(useAuthorization(v, expectation(NOW)).address).toBe(wallet.address);
  });

  it('M6 fixed: now may precede verifiedAt by at most 5 minutes (clock differences between hosts)', async () => {
    expect(AUTHORIZATION_CLOCK_TOLERANCE_MS).toBe(5 * 60_000);
    const v = await verified();
    expectCode(() => useAuthorization(v, expectation(NOW - AUTHORIZATION_CLOCK_TOLERANCE_MS - 1)), 'INVALID_INPUT');
    expect(useAuthorization(v, expectation(NOW - AUTHORIZATION_CLOCK_TOLERANCE_MS)).purpose).toBe('unlock');
  });

  it('M6 control: a later clock past the expiration time is still AUTHORIZATION_REQUIRED', async () => {
    const v = await verified();
    expectCode(() => useAuthorization(v, expectation(NOW + 10 * 60_000 + 1)), 'AUTHORIZATION_REQUIRED');
  });
});

describe('held: text-level smuggling', () => {
  it('U+2028, U+2029, U+0085, BOM, TAB, NUL, bidi controls, homoglyphs anywhere in the message are refused', async () => {
    const ch = await issue(newStore());
    for (const bad of ['\u2028', '\u2029', '\u0085', '\ufeff', '\t', '\u0000', '\u202e', '\u0430', '\r']) {
      expect(codeOf(() => parseSiwsMessage(ch.message.replace('Sign in.', `Sign${bad}in.`)))).toBe('MESSAGE_MALFORMED');
      expect(codeOf(() => parseSiwsMessage(bad + ch.message))).toBe('MESSAGE_MALFORMED');
    }
  });

  it('BOM-prefixed raw signed bytes are refused, and the nonce survives', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const bytes = cat([0xef, 0xbb, 0xbf], enc(ch.message));
    expect(await code(verifySignedMessage({ signedBytes: bytes, signature: wallet.sign(bytes), expected: expected(), nonces, now: NOW }))).toBe('MESSAGE_MALFORMED');
    expect(await code(verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected(), nonces, now: NOW }))).toBe('OK');
  });

  it('envelope edge cases never reach the store: 0 / 2 signers, duplicate, version 0 and 2, overlong UTF-8, trailing junk', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const good = encodeOffchainMessage(ch.message, wallet.address);
    const pk = good.subarray(18, 50);
    const variants: Uint8Array[] = [
      cat(good.subarray(0, 17), [0], enc(ch.message)),
      cat(good.subarray(0, 17), [2], pk, pk, enc(ch.message)),
      cat(good.subarray(0, 17), [2], new Uint8Array(32), pk, enc(ch.message)),
      cat(good.subarray(0, 16), [0], good.subarray(17)),
      cat(good.subarray(0, 16), [2], good.subarray(17)),
      cat(good, [0xc0, 0xaf]),
      cat(good, [0]),
      cat(good, enc('\n')),
    ];
    for (const v of variants) {
      const c = await code(verifySignedMessage({ signedBytes: v, signature: wallet.sign(v), expected: expected(), nonces, now: NOW }));
      expect(['OFFCHAIN_MALFORMED', 'MESSAGE_MALFORMED']).toContain(c);
    }
    expect(await code(verifySignedMessage({ signedBytes: good, signature: wallet.sign(good), expected: expected(), nonces, now: NOW }))).toBe('OK');
  });

  it('a statement line replaced by a field look-alike is refused by the parser', async () => {
    const ch = await issue(newStore());
    expect(codeOf(() => parseSiwsMessage(replaceLine(ch.message, 'Sign in.', 'URI: https://evil.example/')))).toBe('MESSAGE_MALFORMED');
  });
});

describe('held: transport, times, namespace, brand', () => {
  it('signature transport: base64url, unpadded, whitespace, hex, non-canonical padding bits are refused', () => {
    const sig = wallet.sign('x');
    const b64 = base64.encode(sig);
    expect(decodeSignature(b64)).toEqual(sig);
    const tweakedPad = b64.slice(0, 85) + String.fromCharCode(b64.charCodeAt(85) ^ 1) + '==';
    for (const v of [b64.replace(/\+/g, '-').replace(/\//g, '_'), b64.slice(0, 86), ` ${b64}`, Buffer.from(sig).toString('hex'), tweakedPad, JSON.stringify(Array.from(sig))])
      if (v !== b64) expect(codeOf(() => decodeSignature(v))).toBe('INVALID_INPUT');
  });

  it('timestamp quirks Date.parse accepts are refused', () => {
    for (const s of ['2024-02-30T00:00:00Z', '2016-12-31T23:59:60Z', '2025-01-01t00:00:00z', '2025-01-01T00:00:00+00:00', '+002025-01-01T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T00:00:00.1234567890Z', '2025-01-01 00:00:00Z', '2025-01-01T00:00Z'])
      expect(codeOf(() => parseTimestamp(s))).toBe('MESSAGE_MALFORMED');
    expect(parseTimestamp('0050-01-01T00:00:00Z')).toBe(Date.parse('0050-01-01T00:00:00Z'));
  });

  it('reserved namespace: case and prefix variants are refused', async () => {
    for (const r of ['URN:AGENTVAULT:bot:x', 'urn:AgentVault:purpose:unlock'])
      expect(await code(issue(newStore(), 'sign-in', { resources: [r] }))).toBe('INVALID_INPUT');
  });

  it('a spread copy of a verified message is not an authorization; a real one is single-use', async () => {
    const nonces = newStore();
    const ch = await issue(nonces, 'unlock');
    const v = await verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), expected: expected('unlock'), nonces, now: NOW });
    const exp = { purpose: 'unlock', address: wallet.address, domain: DOMAIN, chain: CHAIN, now: NOW };
    expect(codeOf(() => useAuthorization({ ...v }, exp))).toBe('AUTHORIZATION_REQUIRED');
    expect(codeOf(() => useAuthorization(v, exp))).toBe('OK');
    expect(codeOf(() => useAuthorization(v, exp))).toBe('AUTHORIZATION_REQUIRED');
  });

  it('interop: createSignInMessageText rebuilds every issued purpose byte for byte', async () => {
    for (const p of ['sign-in', 'unlock', 'reveal-mnemonic', 'enable-execution'] as const) {
      const ch = await issue(newStore(), p, { requestId: 'r-1', notBefore: NOW + 1000 });
      const f = parseSiwsMessage(ch.message);
      expect(createSignInMessageText(f as SolanaSignInInput & { domain: string; address: string })).toBe(ch.message);
    }
  });

  // Bounded work, not a timing assertion (performance is measured by `npm run bench` only): each
  // 1 MB input starts with content the parser would refuse with another error (a NUL, invalid
  // UTF-8, a character outside the alphabet). Getting the size-cap refusal instead, and the same
  // one at MAX + 1 as at 1 MB, shows the cap is checked before any of the content is read; a
  // counting nonce store shows nothing reached the store.
  it('1 MB hostile inputs are refused by the size cap before their content is read (bounded work)', async () => {
    const MAX = 1182; // MAX_MESSAGE_BYTES (SPEC 7.3), written out: the test must not take it from the code
    for (const n of [MAX + 1, 1 << 20]) {
      const poisoned = '\u0000' + 'a'.repeat(n - 1);
      const bytes = new Uint8Array(n).fill(0x61);
      bytes[0] = 0xff; // not UTF-8
      expect(expectCode(() => parseSiwsMessage('\u0000'), 'MESSAGE_MALFORMED').code).toBe('MESSAGE_MALFORMED'); // the poison, read
      expect(expectCode(() => parseSiwsMessage(poisoned), 'MESSAGE_TOO_LONG').details).toEqual({ max: MAX });
      expect(expectCode(() => parseSiwsMessage(bytes), 'MESSAGE_TOO_LONG').details).toEqual({ max: MAX });
      let storeCalls = 0;
      const inner = newStore();
      const counting: NonceStore = {
        issue: (...a) => (storeCalls++, inner.issue(...a)),
        consume: (...a) => (storeCalls++, inner.consume(...a)),
      };
      const e = await expectCodeAsync(verifySignedMessage({ message: poisoned, signature: wallet.sign('x'), expected: expected(), nonces: counting, now: NOW }), 'MESSAGE_TOO_LONG');
      expect(e.details).toEqual({ max: MAX });
      expect(storeCalls).toBe(0);
      expect(expectCode(() => decodeSignature('0'.repeat(n)), 'INVALID_INPUT').details).toEqual({ field: 'signature', reason: 'bad-length' });
    }
    expect(expectCode(() => decodeSignature('0'.repeat(88)), 'INVALID_INPUT').details).toMatchObject({ reason: 'bad-alphabet' }); // the poison, read
  });

  it('a challenge issued for another address, signed by that address, does not verify when this one is expected', async () => {
    const nonces = newStore();
    const ch = await issueChallenge({ purpose: 'sign-in', domain: DOMAIN, uri: URI, chain: CHAIN, address: other.address, nonces, now: NOW });
    expect(await code(verifySignedMessage({ message: ch.message, signature: other.sign(ch.message), expected: expected('sign-in', { address: wallet.address }), nonces, now: NOW }))).toBe('ADDRESS_MISMATCH');
  });
});
