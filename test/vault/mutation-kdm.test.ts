/**
 * The key message and the wallet key (SPEC 5.1, 5.3), pinned refusal by refusal: code, `details`
 * and a message naming the argument, and the defaults (version 1, raw signing). Written to kill
 * the mutants of src/vault/kdm.ts that the behaviour tests left alive (issue 16 item 5).
 */
import { describe, expect, it, vi } from 'vitest';
import {
  assertChain, assertDomain, createKeyMessage, deriveWalletKey, KDM_FIRST_LINE, KDM_SALT_LENGTH, KDM_VERSION, keyMessageBytes, VAULT_CHAINS,
} from '../../src/vault/kdm.js';
import { expectCode } from '../helpers/errors.js';
import { offchainV1Ref } from '../helpers/reference.js';
import { testWallet } from './_wallet.js';

const w = testWallet(51);
const salt = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const fields = { domain: 'app.example.com', address: w.address, chain: 'devnet' as const, salt };
const text = createKeyMessage(fields);
const sig = w.sign(text);

describe('kdm: domain and chain', () => {
  it('assertDomain: a string in the SIWS grammar, named in every refusal', () => {
    expect(assertDomain('app.example.com')).toBe('app.example.com');
    expect(assertDomain('localhost:3000', 'x')).toBe('localhost:3000');
    for (const [value, name] of [[7, 'domain'], [null, 'vault.domain']] as const) {
      const e = expectCode(() => (name === 'domain' ? assertDomain(value) : assertDomain(value, name)), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: name });
      expect(e.message).toBe(`${name}: expected a string`);
    }
    const e = expectCode(() => assertDomain('App.Example'), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'domain', reason: 'domain-grammar' });
    expect(e.message).toBe('domain: expected a lower-case host[:port] as a browser reports it (SPEC 7.2)');
    expect(expectCode(() => assertDomain('a..b', 'prepared.domain'), 'INVALID_INPUT').details).toEqual({ field: 'prepared.domain', reason: 'domain-grammar' });
  });
  it('assertChain: one of the four clusters, named in every refusal', () => {
    expect(VAULT_CHAINS).toEqual(['mainnet', 'devnet', 'testnet', 'localnet']);
    for (const c of VAULT_CHAINS) expect(assertChain(c)).toBe(c);
    for (const c of ['mainnet-beta', 'solana:mainnet', 'Mainnet', '', 7, null]) {
      const e = expectCode(() => assertChain(c), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'chain' });
      expect(e.message).toBe('chain: expected one of mainnet, devnet, testnet, localnet');
    }
    expect(expectCode(() => assertChain('x', 'vault.chain'), 'INVALID_INPUT').details).toEqual({ field: 'vault.chain' });
  });
});

describe('kdm: the key message', () => {
  it('the exact text (SPEC 5.1), version 1 by default', () => {
    expect([KDM_VERSION, KDM_SALT_LENGTH, KDM_FIRST_LINE]).toEqual([1, 32, 'agentvault key message v1']);
    expect(text).toBe(
      [
        'agentvault key message v1',
        '',
        'Sign this text to unlock your encrypted agentvault data on app.example.com.',
        'It is not a login and not a transaction. Sign it only on this site.',
        '',
        'Domain: app.example.com',
        `Address: ${w.address}`,
        'Chain: devnet',
        'Key version: 1',
        `Salt: ${Buffer.from(salt).toString('base64url')}`,
      ].join('\n'),
    );
    expect(createKeyMessage({ ...fields, version: 1 })).toBe(text);
  });
  it('refusals name the field', () => {
    for (const version of [0, 2, 1.5]) expect(expectCode(() => createKeyMessage({ ...fields, version }), 'INVALID_INPUT').details).toEqual({ field: 'version' });
    expect(expectCode(() => createKeyMessage({ ...fields, salt: new Uint8Array(31) }), 'INVALID_INPUT').details).toEqual({ field: 'salt' });
    expect(expectCode(() => createKeyMessage({ ...fields, salt: new Uint8Array(33) }), 'INVALID_INPUT').details).toEqual({ field: 'salt' });
    expect(expectCode(() => createKeyMessage({ ...fields, address: 'x' }), 'INVALID_INPUT').details?.['field']).toBe('address');
    expect(expectCode(() => createKeyMessage({ ...fields, domain: 'a..b' }), 'INVALID_INPUT').details?.['field']).toBe('domain');
    expect(expectCode(() => createKeyMessage({ ...fields, chain: 'x' as 'devnet' }), 'INVALID_INPUT').details?.['field']).toBe('chain');
  });
  it('keyMessageBytes: the UTF-8 text by default, the off-chain v1 envelope on request', () => {
    expect(Buffer.from(keyMessageBytes(fields)).toString('utf8')).toBe(text);
    expect(Buffer.from(keyMessageBytes(fields, 'raw')).toString('utf8')).toBe(text);
    expect(Buffer.from(keyMessageBytes(fields, 'offchain-v1'))).toEqual(offchainV1Ref(text, Buffer.from(w.publicKey)));
  });
});

describe('kdm: deriveWalletKey', () => {
  it('raw by default: a raw signature derives, an off-chain one does not (and vice versa)', () => {
    const raw = deriveWalletKey({ ...fields, signature: sig });
    expect(raw.length).toBe(32);
    expect(deriveWalletKey({ ...fields, signature: sig, signedAs: 'raw' }).expose()).toEqual(raw.expose());
    expect(deriveWalletKey({ ...fields, signature: sig, version: 1 }).expose()).toEqual(raw.expose());
    const off = w.sign(keyMessageBytes(fields, 'offchain-v1'));
    const e = expectCode(() => deriveWalletKey({ ...fields, signature: off }), 'INVALID_SIGNATURE');
    expect(e.details).toEqual({ reason: 'kdm-signature' });
    expect(e.message).toBe('key-message signature does not verify for this wallet and vault');
    expect(deriveWalletKey({ ...fields, signature: off, signedAs: 'offchain-v1' }).length).toBe(32);
    expectCode(() => deriveWalletKey({ ...fields, signature: sig, signedAs: 'offchain-v1' }), 'INVALID_SIGNATURE');
  });
  it('the key depends on every bound field and on the pepper', () => {
    const base = Buffer.from(deriveWalletKey({ ...fields, signature: sig }).expose()).toString('hex');
    const pepper = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 3) & 0xff);
    const peppered = Buffer.from(deriveWalletKey({ ...fields, signature: sig, pepper }).expose()).toString('hex');
    expect(peppered).not.toBe(base);
    const pepper2 = Uint8Array.from(pepper, (b, i) => (i === 0 ? b ^ 1 : b));
    expect(Buffer.from(deriveWalletKey({ ...fields, signature: sig, pepper: pepper2 }).expose()).toString('hex')).not.toBe(peppered);
  });
  it('refusals: signature, signedAs, pepper, each named', () => {
    for (const s of [new Uint8Array(63), new Uint8Array(65), 'sig']) {
      const e = expectCode(() => deriveWalletKey({ ...fields, signature: s as Uint8Array }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'signature' });
    }
    for (const signedAs of ['ledger', '', 'RAW']) {
      const e = expectCode(() => deriveWalletKey({ ...fields, signature: sig, signedAs: signedAs as 'raw' }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'signedAs' });
      expect(e.message).toBe("signedAs: expected 'raw' or 'offchain-v1'");
    }
    expect(expectCode(() => deriveWalletKey({ ...fields, signature: sig, pepper: new Uint8Array(31) }), 'WEAK_KEY').details).toEqual({ field: 'pepper' });
    // The all-zero signature is refused as a signature (strict verification), not used as key material.
    expect(expectCode(() => deriveWalletKey({ ...fields, signature: new Uint8Array(64) }), 'INVALID_SIGNATURE').details).toEqual({ reason: 'kdm-signature' });
  });
});

describe('kdm: zeroing', () => {
  it('the HKDF input (signature copy, with the pepper when there is one) is zeroed; the caller\'s signature is not', () => {
    const pepper = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 3) & 0xff);
    for (const [extra, len] of [[{}, 64], [{ pepper }, 96]] as const) {
      const spy = vi.spyOn(Uint8Array.prototype, 'fill');
      const copy = Uint8Array.from(sig);
      deriveWalletKey({ ...fields, signature: copy, ...extra }).dispose();
      const zeroed = spy.mock.contexts.filter((_, i) => spy.mock.calls[i]![0] === 0) as Uint8Array[];
      spy.mockRestore();
      expect(zeroed.map((b) => b.length)).toContain(len);
      expect(copy).toEqual(sig);
      expect(pepper.some((b) => b !== 0)).toBe(true);
    }
  });
});
