/**
 * Mutation-test follow-ups for src/messages/challenge.ts (issue 16 item 5, SPEC 7.5-7.8): the field
 * each argument error names, exact time and size boundaries, the stored state byte for byte, the
 * checks on state read back from the store, and the http(s) URI authority rule. Known answers are
 * recomputed with node:crypto; signatures are made with tweetnacl (test wallets).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SKEW_MS, MAX_SKEW_MS, NONCE_LENGTH, decodeSignature, issueChallenge, nonceHash, verifySignedMessage, type ExpectedMessage } from '../../src/messages/challenge.js';
import { encodeOffchainMessage } from '../../src/messages/offchain.js';
import type { NonceStore } from '../../src/stores/types.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { withFixedRandom } from '../helpers/random.js';
import { AGENT, CHAIN, DOMAIN, NOW, URI, enc, expected, issue, newStore, other, wallet } from './_fixtures.js';

const SEC = 1000;
const MIN = 60 * SEC;

/** A store that records what it was given and can hand back altered state. */
function recordingStore(alter?: (meta: string) => string) {
  const inner = newStore();
  const issued: { hash: string; expiresAt: number; meta: string }[] = [];
  const consumed: string[] = [];
  const store: NonceStore = {
    async issue(hash, expiresAt, meta) {
      issued.push({ hash, expiresAt, meta });
      return inner.issue(hash, expiresAt, meta);
    },
    async consume(hash, now) {
      consumed.push(hash);
      const meta = await inner.consume(hash, now);
      return meta === null || alter === undefined ? meta : alter(meta);
    },
  };
  return { store, issued, consumed };
}

const base = { purpose: 'sign-in', domain: DOMAIN, uri: URI, chain: CHAIN, address: wallet.address, now: NOW } as const;

async function signed(extra: Record<string, unknown> = {}, alter?: (meta: string) => string) {
  const r = recordingStore(alter);
  const ch = await issueChallenge({ ...base, nonces: r.store, ...extra } as never);
  return { ...r, ch, signature: wallet.sign(ch.message) };
}

describe('constants', () => {
  it('skew and nonce length', () => {
    expect(DEFAULT_SKEW_MS).toBe(60 * SEC);
    expect(MAX_SKEW_MS).toBe(5 * MIN);
    expect(NONCE_LENGTH).toBe(24);
  });
});

describe('nonceHash (SPEC 7.5)', () => {
  it('hex SHA-256 of the tag, address and nonce, recomputed with node:crypto', () => {
    const want = createHash('sha256').update(`agentvault:siws-nonce:v1\n${wallet.address}\nabcdefgh`).digest('hex');
    expect(nonceHash('abcdefgh', wallet.address)).toBe(want);
    expect(nonceHash('abcdefgh', other.address)).not.toBe(want);
  });
  it('refuses an empty or non-string nonce or address, naming it', () => {
    for (const n of ['', 5, undefined]) {
      const e = expectCode(() => nonceHash(n as string, wallet.address), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'nonce' });
      expect(e.message).toMatch(/^nonce: /);
    }
    for (const a of ['', 5, undefined]) {
      const e = expectCode(() => nonceHash('abcdefgh', a as string), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'address' });
      expect(e.message).toMatch(/^address: /);
    }
  });
});

describe('issueChallenge: what is stored (SPEC 7.5)', () => {
  it('key, expiry (Expiration Time + 5 min) and the meta JSON, keys in order', async () => {
    const { issued, ch } = await signed({ requestId: 'r-1', notBefore: NOW + 2 * SEC, resources: ['https://app.example.com/tos'] });
    expect(issued).toHaveLength(1);
    expect(issued[0]!.hash).toBe(nonceHash(ch.nonce, wallet.address));
    expect(issued[0]!.expiresAt).toBe(NOW + 10 * MIN + 5 * MIN);
    expect(issued[0]!.meta).toBe(
      JSON.stringify({
        v: 1,
        purpose: 'sign-in',
        domain: DOMAIN,
        uri: URI,
        chain: CHAIN,
        address: wallet.address,
        statement: 'Sign in. This request will not trigger a blockchain transaction or cost any fee.',
        issuedAt: '2025-01-31T12:00:00Z',
        expirationTime: '2025-01-31T12:10:00Z',
        notBefore: '2025-01-31T12:00:02Z',
        requestId: 'r-1',
        resources: ['urn:agentvault:purpose:sign-in', 'https://app.example.com/tos'],
        params: {},
      }),
    );
    expect(ch).toEqual({ message: ch.message, nonce: ch.nonce, issuedAt: NOW, expiresAt: NOW + 10 * MIN });
    expect(Object.isFrozen(ch)).toBe(true);
    expect(ch.message).toContain('\nNot Before: 2025-01-31T12:00:02Z\nRequest ID: r-1\nResources:\n');
  });
  it('without the optional fields, null is stored', async () => {
    const { issued } = await signed();
    expect(JSON.parse(issued[0]!.meta)).toMatchObject({ notBefore: null, requestId: null });
  });
  it('Issued At is now truncated to the second (999 ms later is the same second)', async () => {
    const { ch } = await signed({ now: NOW + 999 });
    expect(ch.issuedAt).toBe(NOW);
    expect(ch.message).toContain('Issued At: 2025-01-31T12:00:00Z');
    expect((await signed({ now: NOW + 1000 })).ch.issuedAt).toBe(NOW + 1000);
  });
  it('the default clock is Date.now()', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const { ch } = await signed({ now: undefined });
    const after = Date.now();
    expect(ch.issuedAt).toBeGreaterThanOrEqual(before);
    expect(ch.issuedAt).toBeLessThanOrEqual(after);
  });
});

describe('issueChallenge: argument errors name the option', () => {
  const bad: [string, Record<string, unknown>, string, ('MESSAGE_MALFORMED' | 'INVALID_INPUT')?][] = [
    ['now negative', { now: -1 }, 'now'],
    ['now fractional', { now: NOW + 0.5 }, 'now'],
    ['now a string', { now: String(NOW) }, 'now'],
    ['chain', { chain: 'mainnet-beta' }, 'chain', 'MESSAGE_MALFORMED'],
    ['address', { address: 'x' }, 'address', 'MESSAGE_MALFORMED'],
    ['requestId', { requestId: 'a b' }, 'requestId', 'MESSAGE_MALFORMED'],
    ['resources item', { resources: ['a:1', 'bad'] }, 'resources[1]', 'MESSAGE_MALFORMED'],
    ['reserved namespace', { resources: ['a:1', 'urn:agentvault:x'] }, 'resources[1]'],
    ['reserved namespace, any case', { resources: ['URN:AgentVault:x'] }, 'resources[0]'],
    ['uri on another host', { uri: 'https://evil.example/login' }, 'uri'],
    ['notBefore before Issued At', { notBefore: NOW - SEC }, 'notBefore'],
    ['notBefore at the Expiration Time', { notBefore: NOW + 10 * MIN }, 'notBefore'],
    ['notBefore fractional', { notBefore: NOW + 0.5 }, 'notBefore'],
    ['notBefore a string', { notBefore: String(NOW) }, 'notBefore'],
    ['notBefore not whole seconds', { notBefore: NOW + 1 }, 'notBefore'],
  ];
  for (const [label, extra, field, code = 'INVALID_INPUT'] of bad) {
    it(label, async () => {
      const r = recordingStore();
      const e = await expectCodeAsync(issueChallenge({ ...base, nonces: r.store, ...extra } as never), code);
      expect(e.details).toEqual({ field });
      expect(r.issued).toHaveLength(0);
    });
  }
  it('the reserved-namespace refusal says so', async () => {
    const e = await expectCodeAsync(issueChallenge({ ...base, nonces: newStore(), resources: ['urn:agentvault:x'] } as never), 'INVALID_INPUT');
    expect(e.message).toBe('resources[0]: the urn:agentvault: namespace is reserved to the library');
  });
  it('a store without issue or consume is INVALID_INPUT naming nonces', async () => {
    for (const nonces of [undefined, null, {}, { issue: async () => {} }, { consume: async () => null }, 'store']) {
      const e = await expectCodeAsync(issueChallenge({ ...base, nonces } as never), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'nonces' });
    }
  });
  it('notBefore: from Issued At to one second before the Expiration Time', async () => {
    expect((await signed({ notBefore: NOW })).ch.message).toContain('Not Before: 2025-01-31T12:00:00Z');
    expect((await signed({ notBefore: NOW + 10 * MIN - SEC })).ch.message).toContain('Not Before: 2025-01-31T12:09:59Z');
  });
});

describe('issueChallenge: an http(s) URI names exactly the domain (SPEC 7.5 step 1)', () => {
  it('same host[:port] in any scheme case, with or without a path; other schemes are free', async () => {
    for (const uri of ['https://app.example.com', 'http://app.example.com/x', 'HTTPS://app.example.com/a?b#c', 'https://app.example.com?x=1', 'https://app.example.com#f', 'myapp:callback', 'urn:x:y'])
      expect((await signed({ uri })).ch.message).toContain(`\nURI: ${uri}\n`);
  });
  it('another host, a port, userinfo, or no authority at all are refused', async () => {
    for (const uri of ['https://app.example.com:443/', 'https://evil.example/', 'https://u@app.example.com/', 'https:app.example.com', 'http:/app.example.com/', 'https://app.example.co/', 'https://xapp.example.com/', 'Https://app.example.community/']) {
      const e = await expectCodeAsync(issueChallenge({ ...base, uri, nonces: newStore() } as never), 'INVALID_INPUT');
      expect(e.details, uri).toEqual({ field: 'uri' });
      expect(e.message).toBe('uri: an http(s) URI must name the same host[:port] as domain');
    }
  });
  it('with a port in the domain, the URI must carry the same port', async () => {
    const r = recordingStore();
    const ch = await issueChallenge({ ...base, domain: 'localhost:3000', uri: 'http://localhost:3000/login', nonces: r.store } as never);
    expect(ch.message.startsWith('localhost:3000 wants you')).toBe(true);
    await expectCodeAsync(issueChallenge({ ...base, domain: 'localhost:3000', uri: 'http://localhost/login', nonces: r.store } as never), 'INVALID_INPUT');
  });
});

describe('verifySignedMessage: arguments (SPEC 7.6 step 1)', () => {
  it('each required expectation missing, empty or not a string is named', async () => {
    const { store, ch, signature, consumed } = await signed();
    for (const k of ['domain', 'uri', 'chain', 'purpose'] as const) {
      for (const v of [undefined, '', 5]) {
        const e = await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: { ...expected(), [k]: v } as never }), 'INVALID_INPUT');
        expect(e.details).toEqual({ field: `expected.${k}` });
        expect(e.message).toMatch(new RegExp(`^expected\\.${k}: required`));
      }
    }
    const addr = await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: { ...expected(), address: 5 } as never }), 'INVALID_INPUT');
    expect(addr.details).toEqual({ field: 'expected.address' });
    for (const params of [null, 'x', ['a'], { bot: 5 }]) {
      const e = await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: { ...expected(), params } as never }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'expected.params' });
    }
    expect(consumed).toHaveLength(0);
    expect((await verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: { ...expected(), params: {} } })).purpose).toBe('sign-in');
  });
  it('skewMs: an integer in [0, 5 min]; the default is 60 s', async () => {
    for (const skewMs of [-1, 5 * MIN + 1, 1.5, '1000']) {
      const { store, ch, signature } = await signed();
      const e = await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: expected(), skewMs: skewMs as number }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'skewMs' });
      expect(e.message).toBe(`skewMs: must be an integer in [0, ${5 * MIN}]`);
    }
    for (const skewMs of [0, 5 * MIN]) {
      const { store, ch, signature } = await signed();
      expect((await verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: expected(), skewMs })).verifiedAt).toBe(NOW);
    }
  });
  it('now: a non-negative integer, named', async () => {
    const { store, ch, signature } = await signed();
    for (const now of [-1, 0.5, '1']) {
      const e = await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: now as number, expected: expected() }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'now' });
    }
  });
  it('exactly one of message and signedBytes, named message; their types named', async () => {
    const { store, ch, signature } = await signed();
    for (const o of [{}, { message: ch.message, signedBytes: enc(ch.message) }]) {
      const e = await expectCodeAsync(verifySignedMessage({ ...o, signature, nonces: store, now: NOW, expected: expected() } as never), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'message' });
    }
    expect((await expectCodeAsync(verifySignedMessage({ message: enc(ch.message), signature, nonces: store, now: NOW, expected: expected() } as never), 'INVALID_INPUT')).details).toEqual({ field: 'message' });
    expect((await expectCodeAsync(verifySignedMessage({ signedBytes: ch.message, signature, nonces: store, now: NOW, expected: expected() } as never), 'INVALID_INPUT')).details).toEqual({ field: 'signedBytes' });
  });
});

describe('verifySignedMessage: sizes and forms (SPEC 7.6 steps 3-4)', () => {
  it('text of 1,183 characters: MESSAGE_TOO_LONG, max 1182', async () => {
    const e = await expectCodeAsync(verifySignedMessage({ message: 'a'.repeat(1183), signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_TOO_LONG');
    expect(e.details).toEqual({ max: 1182 });
  });
  it('raw signed bytes: 1,183 are MESSAGE_TOO_LONG (max 1182); non-UTF-8 is MESSAGE_MALFORMED naming signedBytes', async () => {
    const e = await expectCodeAsync(verifySignedMessage({ signedBytes: new Uint8Array(1183).fill(0x61), signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_TOO_LONG');
    expect(e.details).toEqual({ max: 1182 });
    const m = await expectCodeAsync(verifySignedMessage({ signedBytes: Uint8Array.of(0x61, 0xc3), signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_MALFORMED');
    expect(m.details).toEqual({ field: 'signedBytes' });
  });
  it('signed bytes: 1,232 are read as an envelope, 1,233 are MESSAGE_TOO_LONG with max 1232', async () => {
    const env = (n: number) => encodeOffchainMessage('a'.repeat(n), wallet.address);
    expect(env(1182)).toHaveLength(1232);
    // 1,232 bytes pass the size check and fail later, on the (non-SIWS) text.
    await expectCodeAsync(verifySignedMessage({ signedBytes: env(1182), signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_MALFORMED');
    const long = Uint8Array.from([...env(1182), 0x61]);
    const e = await expectCodeAsync(verifySignedMessage({ signedBytes: long, signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_TOO_LONG');
    expect(e.details).toEqual({ max: 1232 });
  });
  it('an envelope whose signer list is not exactly [message address]: OFFCHAIN_MALFORMED, nothing consumed', async () => {
    const { store, ch, consumed } = await signed();
    const bytes = encodeOffchainMessage(ch.message, other.address);
    const e = await expectCodeAsync(verifySignedMessage({ signedBytes: bytes, signature: other.sign(bytes), nonces: store, now: NOW, expected: expected() }), 'OFFCHAIN_MALFORMED');
    expect(e.message).toMatch(/signer list must be exactly/);
    expect(consumed).toHaveLength(0);
  });
});

describe('verifySignedMessage: expectations and times before the store (SPEC 7.6 step 8)', () => {
  it('domain and URI mismatches name their field', async () => {
    const { store, ch, signature, consumed } = await signed();
    const d = await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: expected('sign-in', { domain: 'other.example' }) }), 'DOMAIN_MISMATCH');
    expect(d.details).toEqual({ field: 'domain' });
    const u = await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: expected('sign-in', { uri: `${URI}x` }) }), 'DOMAIN_MISMATCH');
    expect(u.details).toEqual({ field: 'uri' });
    const p = await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: expected('sign-in', { params: { a: 'b' } }) }), 'PURPOSE_MISMATCH');
    expect(p.details).toEqual({ reason: 'params' });
    expect(consumed).toHaveLength(0);
  });
  it('params: same keys and values only (a missing, an extra or a renamed key differs)', async () => {
    const { store, ch, signature } = await signed({ purpose: 'reveal-mnemonic' });
    const e = (params: Record<string, string>) => expected('reveal-mnemonic', { params });
    const wrong: Record<string, string>[] = [{}, { acknowledgement: 'reveal-mnemonic:v1', x: 'y' }, { ack: 'reveal-mnemonic:v1' }, { acknowledgement: 'reveal-mnemonic:v2' }];
    for (const params of wrong)
      await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: e(params) }), 'PURPOSE_MISMATCH');
    const v = await verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: e({ acknowledgement: 'reveal-mnemonic:v1' }) });
    expect(v.params).toEqual({ acknowledgement: 'reveal-mnemonic:v1' });
  });
  it('Issued At: up to now + skew is accepted, 1 ms more is MESSAGE_ISSUED_IN_FUTURE', async () => {
    const a = await signed();
    await expectCodeAsync(verifySignedMessage({ message: a.ch.message, signature: a.signature, nonces: a.store, now: NOW - DEFAULT_SKEW_MS - 1, expected: expected() }), 'MESSAGE_ISSUED_IN_FUTURE');
    expect((await verifySignedMessage({ message: a.ch.message, signature: a.signature, nonces: a.store, now: NOW - DEFAULT_SKEW_MS, expected: expected() })).verifiedAt).toBe(NOW - DEFAULT_SKEW_MS);
  });
  it('Not Before: up to now + skew is accepted, 1 ms more is MESSAGE_NOT_YET_VALID', async () => {
    const nb = NOW + 2 * MIN;
    const a = await signed({ notBefore: nb });
    await expectCodeAsync(verifySignedMessage({ message: a.ch.message, signature: a.signature, nonces: a.store, now: nb - DEFAULT_SKEW_MS - 1, expected: expected() }), 'MESSAGE_NOT_YET_VALID');
    expect(a.consumed).toHaveLength(0);
    expect((await verifySignedMessage({ message: a.ch.message, signature: a.signature, nonces: a.store, now: nb - DEFAULT_SKEW_MS, expected: expected() })).notBefore).toBe('2025-01-31T12:02:00Z');
  });
  it('a signed text without Expiration Time: MESSAGE_MISMATCH before the store', async () => {
    const { store, ch, consumed } = await signed();
    const text = ch.message.replace('\nExpiration Time: 2025-01-31T12:10:00Z', '');
    const e = await expectCodeAsync(verifySignedMessage({ message: text, signature: wallet.sign(text), nonces: store, now: NOW, expected: expected() }), 'MESSAGE_MISMATCH');
    expect(e.message).toMatch(/no Expiration Time/);
    expect(consumed).toHaveLength(0);
  });
  it('a signed text naming no purpose: MESSAGE_MISMATCH before the store', async () => {
    const { store, ch, consumed } = await signed();
    const text = ch.message.replace('- urn:agentvault:purpose:sign-in', '- urn:agentvault:purpose:login');
    const e = await expectCodeAsync(verifySignedMessage({ message: text, signature: wallet.sign(text), nonces: store, now: NOW, expected: expected() }), 'MESSAGE_MISMATCH');
    expect(e.message).toMatch(/names no purpose/);
    expect(consumed).toHaveLength(0);
  });
  it('the store is asked with the hash of the nonce and the message address, at now', async () => {
    const r = recordingStore();
    const ch = await issueChallenge({ ...base, nonces: r.store } as never);
    await verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), nonces: r.store, now: NOW + 5 * SEC, expected: expected() });
    expect(r.consumed).toEqual([nonceHash(ch.nonce, wallet.address)]);
  });
});

describe('verifySignedMessage: stored state read back (SPEC 7.6 step 10)', () => {
  const edit = (f: (s: Record<string, unknown>) => unknown) => (meta: string) => JSON.stringify(f(JSON.parse(meta) as Record<string, unknown>));
  const run = async (alter: (meta: string) => string, extra: Record<string, unknown> = {}) => {
    const { store, ch, signature } = await signed(extra, alter);
    return verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: expected((extra['purpose'] as 'sign-in') ?? 'sign-in') });
  };
  it('not JSON, or JSON that is not an object: INVALID_INPUT', async () => {
    for (const alter of [() => 'not json', () => 'null', () => '5', () => '"x"']) {
      const e = await expectCodeAsync(run(alter), 'INVALID_INPUT');
      expect(e.message).toBe('nonce store returned unreadable challenge state');
    }
  });
  it('another version: UNSUPPORTED_VERSION', async () => {
    for (const v of [2, 0, '1', undefined]) await expectCodeAsync(run(edit((s) => ({ ...s, v }))), 'UNSUPPORTED_VERSION');
  });
  it('each field of the wrong type: INVALID_INPUT', async () => {
    const wrong: [string, unknown][] = [
      ...['purpose', 'domain', 'uri', 'chain', 'address', 'statement', 'issuedAt', 'expirationTime'].map((k) => [k, 5] as [string, unknown]),
      ['notBefore', 5],
      ['requestId', 5],
      ['resources', 'x'],
      ['resources', [5]],
      ['params', null],
      ['params', 'x'],
      ['params', { a: 5 }],
    ];
    for (const [k, v] of wrong) {
      const e = await expectCodeAsync(run(edit((s) => ({ ...s, [k]: v }))), 'INVALID_INPUT');
      expect(e.message, k).toBe('nonce store returned unreadable challenge state');
    }
  });
  it('state with null notBefore and requestId, and string ones, reads back', async () => {
    const v = await run(edit((s) => s), { requestId: 'r-9', notBefore: NOW });
    expect(v).toMatchObject({ requestId: 'r-9', notBefore: '2025-01-31T12:00:00Z' });
    const w = await run(edit((s) => s));
    expect(w.requestId).toBeUndefined();
    expect(w.notBefore).toBeUndefined();
  });
  it('stored params that differ from the signed ones: MESSAGE_MISMATCH', async () => {
    const e = await expectCodeAsync(run(edit((s) => ({ ...s, params: { acknowledgement: 'x' } })), { purpose: 'reveal-mnemonic' }), 'MESSAGE_MISMATCH');
    expect(e.message).toMatch(/purpose or parameters differ/);
    await expectCodeAsync(run(edit((s) => ({ ...s, params: {} })), { purpose: 'reveal-mnemonic' }), 'MESSAGE_MISMATCH');
  });
  it('a stored text that rebuilds differently: MESSAGE_MISMATCH', async () => {
    const e = await expectCodeAsync(run(edit((s) => ({ ...s, requestId: 'zz' }))), 'MESSAGE_MISMATCH');
    expect(e.message).toMatch(/differs from the issued challenge/);
  });
});

describe('verifySignedMessage: the result', () => {
  it('carries the signed text, bytes, signature, form and clock', async () => {
    const { store, ch, signature } = await signed({ purpose: 'enable-execution', grant: { bot: 'b1', agent: AGENT, policyHash: 'cd'.repeat(32) } });
    const v = await verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW + 7, expected: expected('enable-execution') });
    expect(v).toMatchObject({ purpose: 'enable-execution', address: wallet.address, domain: DOMAIN, uri: URI, chain: CHAIN, nonce: ch.nonce, text: ch.message, signedAs: 'raw', verifiedAt: NOW + 7 });
    expect(v.params).toMatchObject({ bot: 'b1', agent: AGENT, policyHash: 'cd'.repeat(32) });
    expect(v.signedBytes).toEqual(enc(ch.message));
    expect(v.signature).toEqual(signature);
    expect(v.expirationTime).toBe('2025-01-31T12:15:00Z');
    expect(v.issuedAt).toBe('2025-01-31T12:00:00Z');
  });
});

describe('decodeSignature (SPEC 7.8)', () => {
  const sig = Uint8Array.from({ length: 64 }, (_, i) => i * 3);
  it('64 bytes are copied; other lengths are named', () => {
    const out = decodeSignature(sig);
    expect(out).toEqual(sig);
    expect(out).not.toBe(sig);
    for (const n of [63, 65, 0]) {
      const e = expectCode(() => decodeSignature(new Uint8Array(n)), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'signature' });
      expect(e.message).toBe(`signature: expected 64 bytes, got ${n}`);
    }
  });
  it('non-strings name the field; over 100 characters is bad-length before anything is read', () => {
    for (const v of [5, null, [1, 2], { 0: 1 }]) {
      const e = expectCode(() => decodeSignature(v), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'signature' });
      expect(e.message).toMatch(/not a JSON-serialized Uint8Array/);
    }
    const e = expectCode(() => decodeSignature('\u0000'.repeat(101)), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'signature', reason: 'bad-length' });
    const e100 = expectCode(() => decodeSignature('1'.repeat(100)), 'INVALID_INPUT');
    expect(e100.details).toMatchObject({ field: 'signature' });
    expect(e100.message).not.toMatch(/string too long/);
  });
  it('88 characters ending in == are base64; 88 without == and 87 with == are read as base58', () => {
    const b64 = Buffer.from(sig).toString('base64');
    expect(b64).toHaveLength(88);
    expect(decodeSignature(b64)).toEqual(sig);
    // Base64 text that does not end in '==' at 88 characters is base58 (and '+' is not base58).
    const notB64 = `${b64.slice(0, 86)}AA`;
    expect(expectCode(() => decodeSignature(notB64), 'INVALID_INPUT').details).toMatchObject({ field: 'signature' });
    expect(expectCode(() => decodeSignature(b64.slice(1)), 'INVALID_INPUT').details).toMatchObject({ field: 'signature' });
  });
});

describe('mutation follow-ups of the complete run of dbab1f0 (challenge.ts survivors)', () => {
  const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const verifyArgs = async (extra: Record<string, unknown>) => {
    const { store, ch, signature } = await signed();
    return { message: ch.message, signature, nonces: store, now: NOW, expected: expected(), ...extra } as never;
  };

  it('nonce (SPEC 7.5 step 3): bytes 248..255 are skipped, each byte < 248 gives BASE62[b mod 62], draws continue until 24', async () => {
    // First draw: 20 bytes to skip (248..255, 248 first) and 12 usable; the second draw supplies the rest.
    const skipped = Array.from({ length: 20 }, (_, i) => 248 + (i % 8));
    const first = Uint8Array.from([...skipped, 0, 61, 62, 123, 124, 185, 186, 247, 246, 1, 63, 125]);
    const second = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 5) % 256);
    // Naive reference, written from the SPEC text.
    let want = '';
    for (const b of [...first, ...second]) if (b < 248 && want.length < 24) want += BASE62[b % 62];
    expect(want.slice(0, 12)).toBe('A9A9A9A98BBB'); // 0 61 62 123 124 185 186 247 246 1 63 125, by hand
    const r = recordingStore();
    const ch = await withFixedRandom([first, second], () => issueChallenge({ ...base, nonces: r.store } as never));
    expect(ch.nonce).toBe(want);
    expect(ch.message).toContain(`\nNonce: ${want}\n`);
    expect(r.issued[0]!.hash).toBe(createHash('sha256').update(`agentvault:siws-nonce:v1\n${wallet.address}\n${want}`).digest('hex'));
  });

  it('now = 0 (the epoch) is a valid clock for issuing and verifying', async () => {
    const r = recordingStore();
    const ch = await issueChallenge({ ...base, now: 0, nonces: r.store } as never);
    expect(ch.issuedAt).toBe(0);
    expect(ch.message).toContain('\nIssued At: 1970-01-01T00:00:00Z\nExpiration Time: 1970-01-01T00:10:00Z');
    // A message issued at NOW, verified with the clock at 0: a time refusal, not an argument error.
    const a = await signed();
    await expectCodeAsync(verifySignedMessage({ message: a.ch.message, signature: a.signature, nonces: a.store, now: 0, expected: expected() }), 'MESSAGE_ISSUED_IN_FUTURE');
  });

  it('argument errors name the argument at the start of the message (SPEC 2)', async () => {
    const msg = async (p: Promise<unknown>) => (await expectCodeAsync(p, 'INVALID_INPUT')).message;
    expect(await msg(issueChallenge({ ...base, now: -1, nonces: newStore() } as never))).toMatch(/^now: expected ms since the epoch/);
    expect(await msg(verifySignedMessage(await verifyArgs({ now: -1 })))).toMatch(/^now: expected ms since the epoch/);
    expect(await msg(issueChallenge({ ...base, nonces: {} } as never))).toMatch(/^nonces: expected a NonceStore/);
    expect(await msg(verifySignedMessage(await verifyArgs({ nonces: { issue: async () => {} } })))).toMatch(/^nonces: expected a NonceStore/);
    expect(await msg(verifySignedMessage(await verifyArgs({ expected: { ...expected(), address: 5 } })))).toMatch(/^expected\.address: /);
    expect(await msg(verifySignedMessage(await verifyArgs({ expected: { ...expected(), params: null } })))).toMatch(/^expected\.params: /);
    expect(await msg(verifySignedMessage(await verifyArgs({ message: enc('x') })))).toMatch(/^message: expected a string/);
    expect(await msg(verifySignedMessage(await verifyArgs({ message: undefined, signedBytes: 'x' })))).toMatch(/^signedBytes: expected Uint8Array/);
    expect(await msg(verifySignedMessage(await verifyArgs({ message: undefined })))).toMatch(/exactly one of message .*signedBytes/);
    const sig = expectCode(() => decodeSignature('1'.repeat(101)), 'INVALID_INPUT');
    expect(sig.message).toMatch(/^signature: string too long/);
    expect(sig.message).not.toContain('1111');
  });

  it('notBefore that is not a safe integer in range is refused by the [Issued At, Expiration Time) rule, named in the message', async () => {
    for (const notBefore of [String(NOW + 2 * SEC), NOW + 0.5, NOW + 2 * SEC + 0.5, new Date(NOW + 2 * SEC)]) {
      const r = recordingStore();
      const e = await expectCodeAsync(issueChallenge({ ...base, notBefore, nonces: r.store } as never), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'notBefore' });
      expect(e.message).toBe('notBefore: must be whole seconds in [issued at, expiration time)');
      expect(r.issued).toHaveLength(0);
    }
  });

  it('a malformed domain or URI is MESSAGE_MALFORMED naming domain or uri', async () => {
    for (const [extra, field] of [[{ domain: 'App.Example.com' }, 'domain'], [{ domain: 'https://app.example.com' }, 'domain'], [{ uri: 'not a uri' }, 'uri'], [{ uri: '/login' }, 'uri']] as const) {
      const r = recordingStore();
      const e = await expectCodeAsync(issueChallenge({ ...base, ...extra, nonces: r.store } as never), 'MESSAGE_MALFORMED');
      expect(e.details).toEqual({ field });
      expect(e.message.startsWith(`${field}: `)).toBe(true);
      expect(r.issued).toHaveLength(0);
    }
  });

  it('the http(s) rule applies to the URI scheme only: a later http(s) URI inside another URI neither helps nor hurts', async () => {
    // An http: URI without an authority is refused even if the domain's URL appears later in it.
    for (const uri of ['http:/evil.example/?next=https://app.example.com', 'https:https://app.example.com/', 'https:/x#http://app.example.com']) {
      const e = await expectCodeAsync(issueChallenge({ ...base, uri, nonces: newStore() } as never), 'INVALID_INPUT');
      expect(e.details, uri).toEqual({ field: 'uri' });
    }
    // Other schemes are free (SPEC 7.5 step 1), whatever http(s) text they carry.
    for (const uri of ['urn:x:http://evil.example', 'myapp:callback?next=https:x', 'app:HTTPS://evil.example/'])
      expect((await signed({ uri })).ch.message, uri).toContain(`\nURI: ${uri}\n`);
  });

  it('an Issued At or Expiration Time past year 9999 is INVALID_INPUT naming now or lifetimeMs, nothing stored', async () => {
    const y10000 = Date.UTC(10000, 0, 1);
    expect(y10000).toBe(253402300800000);
    const r = recordingStore();
    const e = await expectCodeAsync(issueChallenge({ ...base, now: y10000, nonces: r.store } as never), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'now' });
    // Issued At 9999-12-31T23:55:00Z is fine; + 10 min (sign-in default) is past the range.
    const late = y10000 - 5 * MIN;
    const l = await expectCodeAsync(issueChallenge({ ...base, now: late, nonces: r.store } as never), 'INVALID_INPUT');
    expect(l.details).toEqual({ field: 'lifetimeMs' });
    expect(r.issued).toHaveLength(0);
    const ok = await issueChallenge({ ...base, now: late, lifetimeMs: 5 * MIN - SEC, nonces: r.store } as never);
    expect(ok.message).toContain('\nIssued At: 9999-12-31T23:55:00Z\nExpiration Time: 9999-12-31T23:59:59Z');
  });

  it('unknown keys of the options and of expected are named options.<key> / expected.<key>; a non-object expected is named expected', async () => {
    const unknownOpt = await expectCodeAsync(verifySignedMessage(await verifyArgs({ statement: 'x' })), 'INVALID_INPUT');
    expect(unknownOpt.details).toEqual({ field: 'options.statement', reason: 'unknown-option' });
    const unknownExp = await expectCodeAsync(verifySignedMessage(await verifyArgs({ expected: { ...expected(), nonce: 'x' } })), 'INVALID_INPUT');
    expect(unknownExp.details).toEqual({ field: 'expected.nonce', reason: 'unknown-option' });
    for (const e of [5, null, 'x', []]) {
      const err = await expectCodeAsync(verifySignedMessage(await verifyArgs({ expected: e })), 'INVALID_INPUT');
      expect(err.details).toEqual({ field: 'expected' });
    }
    const notObj = await expectCodeAsync(verifySignedMessage(5 as never), 'INVALID_INPUT');
    expect(notObj.details).toEqual({ field: 'options' });
  });

  it('stored state: resources with one non-string after strings, or an unknown version, are refused and say so', async () => {
    const edit = (f: (s: Record<string, unknown>) => unknown) => (meta: string) => JSON.stringify(f(JSON.parse(meta) as Record<string, unknown>));
    const run = async (alter: (meta: string) => string) => {
      const { store, ch, signature } = await signed({}, alter);
      return verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: expected() });
    };
    for (const resources of [['urn:agentvault:purpose:sign-in', 5], ['urn:agentvault:purpose:sign-in', null], ['urn:agentvault:purpose:sign-in', ['x:y']]]) {
      const e = await expectCodeAsync(run(edit((s) => ({ ...s, resources }))), 'INVALID_INPUT');
      expect(e.message).toBe('nonce store returned unreadable challenge state');
      expect(e.details).toBeUndefined();
    }
    const v = await expectCodeAsync(run(edit((s) => ({ ...s, v: 2 }))), 'UNSUPPORTED_VERSION');
    expect(v.message).toMatch(/unknown version/);
  });

  it('text size: exactly 1,182 characters pass the size check; 1,183 are refused as message: longer than 1182 bytes', async () => {
    const ok = await expectCodeAsync(verifySignedMessage({ message: 'a'.repeat(1182), signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_MALFORMED');
    expect(ok.details).toEqual({ field: 'domain' });
    const e = await expectCodeAsync(verifySignedMessage({ message: 'a'.repeat(1183), signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_TOO_LONG');
    expect(e.message).toBe('message: longer than 1182 bytes');
    expect(e.details).toEqual({ max: 1182 });
  });

  it('raw signed bytes: 1,182 pass the size check, 1,183 are MESSAGE_TOO_LONG before UTF-8 decoding; envelopes over 1,232 named', async () => {
    const ok = await expectCodeAsync(verifySignedMessage({ signedBytes: new Uint8Array(1182).fill(0x61), signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_MALFORMED');
    expect(ok.details).toEqual({ field: 'domain' });
    // 1,183 bytes that are not UTF-8 (0xc3 alone): the size is refused first.
    const bad = new Uint8Array(1183).fill(0xc3);
    const e = await expectCodeAsync(verifySignedMessage({ signedBytes: bad, signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_TOO_LONG');
    expect(e.message).toBe('signedBytes: longer than 1182 bytes');
    expect(e.details).toEqual({ max: 1182 });
    const u = await expectCodeAsync(verifySignedMessage({ signedBytes: Uint8Array.of(0x61, 0xc3), signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_MALFORMED');
    expect(u.message).toMatch(/^signedBytes: not valid UTF-8/);
    const env = Uint8Array.from([...encodeOffchainMessage('a'.repeat(1182), wallet.address), 0x61]);
    const t = await expectCodeAsync(verifySignedMessage({ signedBytes: env, signature: new Uint8Array(64), nonces: newStore(), now: NOW, expected: expected() }), 'MESSAGE_TOO_LONG');
    expect(t.message).toBe('signedBytes: longer than 1232 bytes');
  });

  it("raw signed bytes verify with signedAs 'raw'; the same text in an envelope with 'offchain-v1'", async () => {
    const a = await signed();
    const raw = enc(a.ch.message);
    const v = await verifySignedMessage({ signedBytes: raw, signature: wallet.sign(raw), nonces: a.store, now: NOW, expected: expected() });
    expect(v.signedAs).toBe('raw');
    expect(v.signedBytes).toEqual(raw);
    const b = await signed();
    const envBytes = encodeOffchainMessage(b.ch.message, wallet.address);
    const w = await verifySignedMessage({ signedBytes: envBytes, signature: wallet.sign(envBytes), nonces: b.store, now: NOW, expected: expected() });
    expect(w.signedAs).toBe('offchain-v1');
  });

  it('an envelope with two signers, the message address first, is OFFCHAIN_MALFORMED even when that wallet signed it', async () => {
    const { store, ch, consumed } = await signed();
    expect(wallet.publicKey[0]).toBeLessThan(0xff);
    const domainBytes = Uint8Array.from('\xffsolana offchain', (c) => c.charCodeAt(0));
    const bytes = Uint8Array.from([...domainBytes, 1, 2, ...wallet.publicKey, ...new Uint8Array(32).fill(0xff), ...enc(ch.message)]);
    const e = await expectCodeAsync(verifySignedMessage({ signedBytes: bytes, signature: wallet.sign(bytes), nonces: store, now: NOW, expected: expected() }), 'OFFCHAIN_MALFORMED');
    expect(e.message).toMatch(/signer list must be exactly/);
    expect(consumed).toHaveLength(0);
  });

  it('each refusal of steps 7-9 names its rule in the message, and no message carries the nonce (SPEC 2, 7.9)', async () => {
    const cases: [Record<string, unknown>, Partial<ExpectedMessage>, string, RegExp | string][] = [
      [{ signature: other.sign('x') }, {}, 'INVALID_SIGNATURE', /^signature does not verify under the message address$/],
      [{}, { domain: 'other.example' }, 'DOMAIN_MISMATCH', /domain is not the expected domain/],
      [{}, { uri: `${URI}x` }, 'DOMAIN_MISMATCH', /URI is not the expected URI/],
      [{}, { chain: 'devnet' }, 'CHAIN_MISMATCH', /chain is not the expected chain/],
      [{}, { purpose: 'unlock' }, 'PURPOSE_MISMATCH', "message purpose is not 'unlock'"],
      [{}, { address: other.address }, 'ADDRESS_MISMATCH', /signed by another wallet/],
      [{}, { params: { a: 'b' } }, 'PURPOSE_MISMATCH', /purpose parameters are not the expected ones/],
      [{ now: NOW - DEFAULT_SKEW_MS - 1 }, {}, 'MESSAGE_ISSUED_IN_FUTURE', /Issued At is in the future/],
      [{ now: NOW + 10 * MIN + DEFAULT_SKEW_MS + 1 }, {}, 'MESSAGE_EXPIRED', /past its Expiration Time/],
    ];
    for (const [extra, exp, code, want] of cases) {
      const { store, ch, signature, consumed } = await signed();
      const e = await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: expected('sign-in', exp), ...extra } as never), code as never);
      if (typeof want === 'string') expect(e.message).toBe(want);
      else expect(e.message).toMatch(want);
      expect(e.message).not.toContain(ch.nonce);
      expect(consumed).toHaveLength(0);
    }
    const nb = await signed({ notBefore: NOW + 2 * MIN });
    const n = await expectCodeAsync(verifySignedMessage({ message: nb.ch.message, signature: nb.signature, nonces: nb.store, now: NOW, expected: expected() }), 'MESSAGE_NOT_YET_VALID');
    expect(n.message).toMatch(/before its Not Before time/);
    const { store, ch, signature } = await signed();
    await verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: expected() });
    const again = await expectCodeAsync(verifySignedMessage({ message: ch.message, signature, nonces: store, now: NOW, expected: expected() }), 'NONCE_UNKNOWN');
    expect(again.message).toMatch(/nonce was never issued, was already used, or has expired/);
    expect(again.message).not.toContain(ch.nonce);
  });
});
