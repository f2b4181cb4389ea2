/**
 * The client kit's strict checks (SPEC 12.8) against real challenges from `issueChallenge`, and
 * the kit end to end against a fake server and a scripted wallet-standard wallet (tweetnacl).
 * A forged challenge is refused before the wallet is asked; a randomizing wallet cannot enroll.
 */
import { base58 } from '@scure/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkChallenge, checkKeyMessage, createAgentvaultClient } from '../../src/client/index.js';
import { AgentvaultError } from '../../src/errors.js';
import { issueChallenge } from '../../src/messages/challenge.js';
import { MemoryNonceStore } from '../../src/stores/memory.js';
import { prepareVault } from '../../src/vault/vault.js';
import { testWallet } from '../helpers/wallet.js';

const DOMAIN = 'app.example.com';
const URI = 'https://app.example.com';
const expected = { domain: DOMAIN, uri: URI, chain: 'mainnet' };
const w = testWallet(7);
const other = testWallet(9);

async function challenge(purpose: 'sign-in' | 'unlock' | 'reveal-mnemonic', over: { domain?: string; uri?: string; address?: string; chain?: 'mainnet' | 'devnet' } = {}) {
  const nonces = new MemoryNonceStore({ sweepIntervalMs: 0 });
  const c = await issueChallenge({
    purpose,
    domain: over.domain ?? DOMAIN,
    uri: over.uri ?? URI,
    chain: over.chain ?? 'mainnet',
    address: over.address ?? w.address,
    nonces,
    now: Date.now(),
    ...(purpose === 'reveal-mnemonic' ? { resources: [`${URI}/bots/bot-1`] } : {}),
  });
  nonces.close();
  return c.message;
}
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(AgentvaultError);
    return (e as AgentvaultError).code;
  }
};

describe('checkChallenge', () => {
  it('accepts the server challenge for this page, wallet and purpose', async () => {
    const c = checkChallenge(await challenge('unlock'), 'unlock', expected, w.address);
    expect(c.statement).toMatch(/^Unlock your encrypted keys/);
    expect(c.fields.address).toBe(w.address);
  });
  it('refuses forged challenges before any signature: other site, wallet, cluster, purpose; garbage', async () => {
    const phish = await challenge('unlock', { domain: 'app.example.co', uri: 'https://app.example.co' });
    expect(codeOf(() => checkChallenge(phish, 'unlock', expected, w.address))).toBe('DOMAIN_MISMATCH');
    const otherWallet = await challenge('unlock', { address: other.address });
    expect(codeOf(() => checkChallenge(otherWallet, 'unlock', expected, w.address))).toBe('ADDRESS_MISMATCH');
    const devnet = await challenge('unlock', { chain: 'devnet' });
    expect(codeOf(() => checkChallenge(devnet, 'unlock', expected, w.address))).toBe('CHAIN_MISMATCH');
    const signIn = await challenge('sign-in');
    expect(codeOf(() => checkChallenge(signIn, 'unlock', expected, w.address))).toBe('PURPOSE_MISMATCH');
    // A statement edited to read harmlessly no longer matches the purpose.
    expect(codeOf(() => checkChallenge(signIn.replace('Sign in.', 'Say hi.'), 'sign-in', expected, w.address))).toBe('PURPOSE_MISMATCH');
    const reveal = await challenge('reveal-mnemonic');
    expect(codeOf(() => checkChallenge(reveal, 'reveal-mnemonic', expected, w.address, { resource: `${URI}/bots/bot-2` }))).toBe('PURPOSE_MISMATCH');
    expect(codeOf(() => checkChallenge(reveal, 'reveal-mnemonic', expected, w.address, { resource: `${URI}/bots/bot-1` }))).toBe('accepted');
    expect(codeOf(() => checkChallenge(signIn, 'sign-in', expected, w.address, { now: Date.now() + 3_600_000 }))).toBe('MESSAGE_EXPIRED');
    expect(codeOf(() => checkChallenge(signIn, 'sign-in', expected, w.address, { now: Date.now() - 3_600_000 }))).toBe('MESSAGE_ISSUED_IN_FUTURE');
    expect(codeOf(() => checkChallenge(42, 'sign-in', expected, w.address))).toBe('MESSAGE_MALFORMED');
  });
  it('property: any text or single-byte change of a challenge throws nothing but AgentvaultError', async () => {
    const good = await challenge('sign-in');
    fc.assert(
      fc.property(fc.string({ maxLength: 1300 }), (s) => {
        codeOf(() => checkChallenge(s, 'sign-in', expected, w.address));
      }),
    );
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0x20, max: 0x7e }), (i, c) => {
        const changed = good.slice(0, i) + String.fromCharCode(c) + good.slice(i + 1);
        const r = codeOf(() => checkChallenge(changed, 'sign-in', expected, w.address));
        // A change in the header, domain, address, statement, URI, chain or purpose is always refused.
        if (i < good.indexOf('\nVersion:') || good.slice(i).startsWith(good.slice(good.indexOf('Resources:'))) || (i > good.indexOf('Chain ID:') && i < good.indexOf('\nNonce:')))
          if (changed !== good) expect(r).not.toBe('accepted');
      }),
    );
  });
});

describe('checkKeyMessage', () => {
  it('accepts the server key message; refuses another site, wallet or cluster, or a changed template', () => {
    const p = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    expect(checkKeyMessage(p.keyMessage, expected, w.address)).toBe(p.keyMessage);
    expect(codeOf(() => checkKeyMessage(p.keyMessage, { ...expected, domain: 'evil.example' }, w.address))).toBe('DOMAIN_MISMATCH');
    expect(codeOf(() => checkKeyMessage(p.keyMessage, expected, other.address))).toBe('ADDRESS_MISMATCH');
    expect(codeOf(() => checkKeyMessage(p.keyMessage, { ...expected, chain: 'devnet' }, w.address))).toBe('CHAIN_MISMATCH');
    expect(codeOf(() => checkKeyMessage(p.keyMessage + '\n', expected, w.address))).toBe('MESSAGE_MALFORMED');
    expect(codeOf(() => checkKeyMessage(p.keyMessage.replace('not a login', 'a login'), expected, w.address))).toBe('MESSAGE_MALFORMED');
  });
});

describe('AgentvaultClient with a scripted wallet-standard wallet', () => {
  function kit(randomized = false) {
    const account = { address: w.address, publicKey: w.publicKey, features: ['solana:signMessage'] };
    let calls = 0;
    const wallet = {
      features: {
        'solana:signMessage': {
          version: '1.1.0',
          signMessage: async (...inputs: { message: Uint8Array }[]) => {
            calls++;
            return inputs.map((i) => ({ signedMessage: i.message, signature: randomized ? w.signRandomized(i.message) : w.sign(i.message) }));
          },
        },
      },
    };
    const posted: { path: string; body: any }[] = [];
    let nextChallenge = async (_body: any): Promise<any> => ({});
    const fetchFn = (async (url: string, init: { method: string; body?: string }) => {
      const path = url.slice(URI.length);
      if ((init.method === 'GET' || init.method === 'HEAD') && init.body !== undefined) throw new TypeError('a GET request cannot have a body');
      const body = init.body === undefined ? undefined : JSON.parse(init.body);
      posted.push({ path, body });
      const json = path === '/auth/challenge' ? await nextChallenge(body) : { ok: true };
      return { ok: true, status: 200, statusText: 'OK', json: async () => json };
    }) as unknown as typeof fetch;
    const client = createAgentvaultClient({ wallet, account, chain: 'mainnet', domain: DOMAIN, origin: URI, fetch: fetchFn });
    return { client, posted, setChallenge: (f: typeof nextChallenge) => (nextChallenge = f), calls: () => calls };
  }

  it('enroll: key message signed twice and equal; a randomizing wallet is refused before anything is posted', async () => {
    const p = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const good = kit();
    good.setChallenge(async () => ({ message: await challenge('unlock'), keyMessage: { text: p.keyMessage, signedAs: 'raw', create: true } }));
    await good.client.enroll();
    const sent = good.posted.at(-1)!;
    expect(sent.path).toBe('/vault');
    expect(sent.body.keyMessageSignatures[0]).toBe(sent.body.keyMessageSignatures[1]);
    expect(base58.decode(sent.body.keyMessageSignatures[0])).toEqual(w.sign(p.keyMessage));

    const bad = kit(true);
    bad.setChallenge(async () => ({ message: await challenge('unlock'), keyMessage: { text: p.keyMessage, signedAs: 'raw', create: true } }));
    await expect(bad.client.enroll()).rejects.toMatchObject({ code: 'NONDETERMINISTIC_SIGNER' });
    expect(bad.posted.map((x) => x.path)).toEqual(['/auth/challenge']);
  });

  it('request: GET carries no body, POST carries JSON', async () => {
    const k = kit();
    await k.client.request('GET', '/bots');
    await k.client.request('POST', '/bots', { name: 'x' });
    expect(k.posted.map((p) => [p.path, p.body])).toEqual([['/bots', undefined], ['/bots', { name: 'x' }]]);
  });

  it('a forged challenge never reaches the wallet', async () => {
    const k = kit();
    k.setChallenge(async () => ({ message: await challenge('sign-in', { domain: 'evil.example', uri: 'https://evil.example' }) }));
    await expect(k.client.signIn()).rejects.toMatchObject({ code: 'DOMAIN_MISMATCH' });
    expect(k.calls()).toBe(0);
  });

  it('unknown options are refused; an account whose address is not its key is refused', () => {
    expect(() => createAgentvaultClient({ wallet: { features: {} }, account: { address: w.address, publicKey: w.publicKey }, chain: 'mainnet', domain: DOMAIN, origin: URI, extra: 1 } as never)).toThrow(AgentvaultError);
    expect(() => createAgentvaultClient({ wallet: { features: {} }, account: { address: w.address, publicKey: other.publicKey }, chain: 'mainnet', domain: DOMAIN, origin: URI, fetch: (() => 0) as never })).toThrow(AgentvaultError);
  });
});
