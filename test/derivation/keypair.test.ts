/**
 * deriveSolanaKeypair and the presets: paths per preset, refusal of options a preset does not use,
 * wrong-typed inputs, and a property test that every derived key equals the independent reference
 * and tweetnacl's keyPair.fromSeed, and signs what tweetnacl verifies.
 */
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { DERIVATION_PRESETS, deriveSolanaKeypair, resolveDerivation } from '../../src/derivation/index.js';
import { _entropyToMnemonic } from '../../src/derivation/mnemonic.js';
import { SecretBytes } from '../../src/secret.js';
import { expectCode } from '../helpers/errors.js';
import { expectNoSecretIn } from '../helpers/secrets.js';
import { NOT_INTEGERS, NOT_STRINGS } from '../helpers/wrong-types.js';
import { solanaRef, toHexRef } from './_reference.js';

const ABOUT = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('presets', () => {
  it.each([
    [{}, 'phantom', "m/44'/501'/0'/0'"],
    [{ preset: 'phantom', account: 7 }, 'phantom', "m/44'/501'/7'/0'"],
    [{ preset: 'solflare', account: 1 }, 'solflare', "m/44'/501'/1'/0'"],
    [{ preset: 'backpack', account: 2 }, 'backpack', "m/44'/501'/2'/0'"],
    [{ preset: 'ledger-live' }, 'ledger-live', "m/44'/501'/0'"],
    [{ preset: 'ledger-live', account: 3 }, 'ledger-live', "m/44'/501'/3'"],
    [{ preset: 'solana-cli' }, 'solana-cli', null],
    [{ preset: 'solana-cli-key' }, 'solana-cli-key', "m/44'/501'/0'/0'"],
    [{ preset: 'solana-cli-key', account: 4, change: 5 }, 'solana-cli-key', "m/44'/501'/4'/5'"],
    [{ preset: 'solana-cli-key', uri: 'prompt://?key=4/5' }, 'solana-cli-key', "m/44'/501'/4'/5'"],
    [{ preset: 'solana-cli-key', uri: 'prompt://?key=4' }, 'solana-cli-key', "m/44'/501'/4'"],
    [{ preset: 'custom', path: "m/44h/501h/9h" }, 'custom', "m/44'/501'/9'"],
    [{ path: "m/501'/0'" }, 'custom', "m/501'/0'"],
  ] as const)('%j -> %s %s', (opts, preset, path) => {
    const r = resolveDerivation(opts as never);
    expect(r.preset).toBe(preset);
    expect(r.path === null ? null : r.path.text).toBe(path);
  });

  it('aliases derive the same key as phantom', () => {
    const addresses = ['phantom', 'solflare', 'backpack'].map((preset) => deriveSolanaKeypair(ABOUT, { preset: preset as never, account: 1 }).address);
    expect(new Set(addresses).size).toBe(1);
  });

  it.each([
    [{ preset: 'phantom', change: 1 }, 'change'],
    [{ preset: 'phantom', path: "m/44'" }, 'path'],
    [{ preset: 'phantom', uri: 'prompt://?key=0/0' }, 'uri'],
    [{ preset: 'ledger-live', change: 0 }, 'change'],
    [{ preset: 'solana-cli', account: 0 }, 'account'],
    [{ preset: 'solana-cli', path: "m/44'" }, 'path'],
    [{ preset: 'solana-cli-key', path: "m/44'" }, 'path'],
    [{ preset: 'solana-cli-key', uri: 'prompt://?key=0/0', account: 0 }, 'uri'],
    [{ preset: 'solana-cli-key', uri: 'prompt://?key=0/0', change: 0 }, 'uri'],
    [{ preset: 'custom' }, 'path'],
    [{ preset: 'custom', path: "m/44'", account: 1 }, 'account'],
    [{ path: "m/44'", account: 1 }, 'account'],
    [{ preset: 'trust' }, 'preset'],
    [{ preset: 'Phantom' }, 'preset'],
    // Unknown option names (misspellings) are refused too, even with an undefined value.
    [{ acount: 5 }, 'acount'],
    [{ preset: 'ledger-live', Account: 1 }, 'Account'],
    [{ preset: 'custom', path: "m/44'", derivationPath: "m/44'/501'" }, 'derivationPath'],
    [{ chnage: undefined }, 'chnage'],
    [{ passphrase: 'x' }, 'passphrase'],
  ] as const)('refuses %j (field %s) instead of ignoring it', (opts, field) => {
    const e = expectCode(() => resolveDerivation(opts as never), 'INVALID_INPUT');
    expect(e.details?.['field']).toBe(field);
  });

  it('refuses out-of-range account/change with INVALID_PATH and non-integers with INVALID_INPUT', () => {
    expectCode(() => resolveDerivation({ account: 2 ** 31 }), 'INVALID_PATH');
    expectCode(() => resolveDerivation({ account: -1 }), 'INVALID_PATH');
    expectCode(() => resolveDerivation({ preset: 'solana-cli-key', change: 2 ** 31 }), 'INVALID_PATH');
    for (const [, value] of NOT_INTEGERS.filter(([l]) => l !== 'undefined')) {
      expectCode(() => resolveDerivation({ account: value as never }), 'INVALID_INPUT');
      expectCode(() => resolveDerivation({ preset: 'solana-cli-key', change: value as never }), 'INVALID_INPUT');
    }
  });

  it('refuses a malformed custom path with INVALID_PATH (never hardens it silently)', () => {
    expectCode(() => deriveSolanaKeypair(ABOUT, { path: "m/44'/501'/0'/0" }), 'INVALID_PATH');
    expectCode(() => deriveSolanaKeypair(ABOUT, { preset: 'solana-cli-key', uri: 'prompt://?key=0/0/0' }), 'INVALID_PATH');
  });

  it('lists every preset', () => {
    expect([...DERIVATION_PRESETS]).toEqual(['phantom', 'solflare', 'backpack', 'ledger-live', 'solana-cli', 'solana-cli-key', 'custom']);
  });
});

describe('deriveSolanaKeypair', () => {
  it('every derived key equals the reference and tweetnacl, and signs what tweetnacl verifies (fast-check)', () => {
    const presetOpts = fc.oneof(
      fc.record({ preset: fc.constant('phantom'), account: fc.integer({ min: 0, max: 2 ** 31 - 1 }) }),
      fc.record({ preset: fc.constant('ledger-live'), account: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ preset: fc.constant('solana-cli') }),
      fc.record({ preset: fc.constant('solana-cli-key'), account: fc.nat(20), change: fc.nat(20) }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), presetOpts, fc.constantFrom('', 'TREZOR', 'p\u00e4ss'), fc.string({ maxLength: 40 }), (entropy, long, opts, passphrase, message) => {
        const mnemonic = _entropyToMnemonic(long ? Uint8Array.from([...entropy, ...entropy]) : entropy);
        const kp = deriveSolanaKeypair(mnemonic, { ...(opts as object), passphrase });
        const path = kp.path;
        const ref = solanaRef(mnemonic, passphrase, path);
        expect(kp.address).toBe(ref.address);
        expect(toHexRef(kp.seed.expose())).toBe(ref.seed.toString('hex'));
        const tw = nacl.sign.keyPair.fromSeed(kp.seed.expose());
        expect(toHexRef(kp.publicKey)).toBe(toHexRef(tw.publicKey));
        expect(toHexRef(kp.secretKey.expose())).toBe(toHexRef(tw.secretKey));
        const msg = new TextEncoder().encode(message);
        const sig = nacl.sign.detached(msg, kp.secretKey.expose());
        expect(nacl.sign.detached.verify(msg, sig, kp.publicKey)).toBe(true);
        kp.seed.dispose();
        kp.secretKey.dispose();
      }),
      { numRuns: 40 },
    );
  });

  it('returns secrets in SecretBytes of the right lengths, frozen, redacted in every serialization', async () => {
    const kp = deriveSolanaKeypair(ABOUT);
    expect(kp.seed).toBeInstanceOf(SecretBytes);
    expect(kp.secretKey).toBeInstanceOf(SecretBytes);
    expect(kp.seed.length).toBe(32);
    expect(kp.secretKey.length).toBe(64);
    expect(kp.publicKey).toHaveLength(32);
    expect(Object.isFrozen(kp)).toBe(true);
    const util = await import('node:util');
    const text = [JSON.stringify(kp), String(kp.seed), String(kp.secretKey), util.inspect(kp, { depth: 5 })].join('\n');
    // The second half of secretKey is the public key, which may be printed; the first half is the seed.
    expectNoSecretIn(text, [kp.seed.expose()], 'keypair output');
    expect(text).toContain(kp.address);
  });

  it('gives different keys for different accounts, passphrases and presets', () => {
    const a = new Set([
      deriveSolanaKeypair(ABOUT).address,
      deriveSolanaKeypair(ABOUT, { account: 1 }).address,
      deriveSolanaKeypair(ABOUT, { passphrase: 'x' }).address,
      deriveSolanaKeypair(ABOUT, { preset: 'ledger-live' }).address,
      deriveSolanaKeypair(ABOUT, { preset: 'solana-cli' }).address,
      deriveSolanaKeypair(ABOUT, { preset: 'solana-cli-key', change: 1 }).address,
    ]);
    expect(a.size).toBe(6);
  });

  it('accepts a SecretBytes mnemonic and does not change or dispose it', () => {
    const bytes = new TextEncoder().encode(ABOUT);
    const s = SecretBytes.copy(bytes);
    const kp = deriveSolanaKeypair(s, { preset: 'ledger-live' });
    expect(kp.address).toBe(deriveSolanaKeypair(ABOUT, { preset: 'ledger-live' }).address);
    expect(s.disposed).toBe(false);
    expect(toHexRef(s.expose())).toBe(toHexRef(bytes));
  });

  it('does not mutate the options object', () => {
    const opts = Object.freeze({ preset: 'phantom' as const, account: 3, passphrase: 'p' });
    deriveSolanaKeypair(ABOUT, opts);
    expect(opts).toEqual({ preset: 'phantom', account: 3, passphrase: 'p' });
  });

  it('checks the mnemonic before anything else (typed mnemonic errors)', () => {
    expectCode(() => deriveSolanaKeypair(ABOUT.replace('about', 'abandon')), 'MNEMONIC_CHECKSUM');
    expectCode(() => deriveSolanaKeypair('abandon about'), 'MNEMONIC_WORD_COUNT');
    expectCode(() => deriveSolanaKeypair(ABOUT.replace('about', 'abot')), 'MNEMONIC_UNKNOWN_WORD');
  });

  it.each(NOT_STRINGS.filter(([l]) => l !== 'undefined'))('refuses a %s passphrase with INVALID_INPUT', (_l, value) => {
    expectCode(() => deriveSolanaKeypair(ABOUT, { passphrase: value as never }), 'INVALID_INPUT');
  });

  it.each([null, 'phantom', 1, []])('refuses options = %j', (opts) => {
    expectCode(() => deriveSolanaKeypair(ABOUT, opts as never), 'INVALID_INPUT');
  });

  it('refuses an unknown (misspelt) option name, naming it, instead of deriving another key', () => {
    const e = expectCode(() => deriveSolanaKeypair(ABOUT, { acount: 5 } as never), 'INVALID_INPUT');
    expect(e.details?.['field']).toBe('acount');
    expect(e.message).toContain('acount');
    expectCode(() => deriveSolanaKeypair(ABOUT, { passphrase: 'p', pasphrase: 'q' } as never), 'INVALID_INPUT');
  });
});
