/**
 * Issue 16 item 1 and the one-domain-grammar rule: the vault MAC, salts, recovery codes and the
 * KDM domain are refused by explicit rules with typed errors (SPEC 3.7, 5.1, 6.4.1, 6.6).
 */
import { describe, expect, it } from 'vitest';
import { base32crockford } from '@scure/base';
import { AgentvaultError } from '../../src/errors.js';
import { assertDomain as assertSiwsDomain } from '../../src/messages/fields.js';
import { parseVault, type VaultData } from '../../src/vault/data.js';
import { assertDomain as assertKdmDomain } from '../../src/vault/kdm.js';
import { parseRecoveryCode } from '../../src/vault/recovery.js';
import { createVault, prepareVault, unlockVault, vaultKeyMessage } from '../../src/vault/vault.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode } from '../helpers/errors.js';
import { testWallet } from './_wallet.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('vault MAC: every altered character is INTEGRITY (SPEC 6.6)', () => {
  const w = testWallet(1);
  const prepared = prepareVault({ address: w.address, domain: 'app.example.com', chain: 'mainnet' });
  const sig = w.sign(prepared.keyMessage);
  const { vault, unlocked } = createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(w.address) });
  unlocked.lock();
  const kdmSig = w.sign(vaultKeyMessage(vault).text);
  const tryUnlock = (v: VaultData) => unlockVault(v, { authorization: fakeAuthorization(w.address), signature: kdmSig });

  it('the untouched vault unlocks', () => {
    tryUnlock(vault).lock();
  });
  for (let pos = 0; pos < 43; pos++) {
    it(`MAC character ${pos} replaced by each other alphabet character -> INTEGRITY`, () => {
      const original = vault.mac[pos]!;
      // Every substitute for the last position (2 unused bits: 48 of the 63 are non-canonical);
      // four spread substitutes elsewhere keep the run short.
      const subs = pos === 42 ? [...B64URL].filter((c) => c !== original) : ['A', 'z', '-', '_'].filter((c) => c !== original).slice(0, 3);
      for (const c of subs) {
        const mac = vault.mac.slice(0, pos) + c + vault.mac.slice(pos + 1);
        let v: VaultData;
        try {
          v = parseVault({ ...vault, mac });
        } catch (e) {
          expect(e, `parseVault threw for position ${pos} '${c}'`).toBeInstanceOf(AgentvaultError);
          continue;
        }
        const e = expectCode(() => tryUnlock(v), 'INTEGRITY');
        expect(e.message).not.toContain(mac);
      }
    });
  }
  it('a MAC with non-zero unused bits names the reason', () => {
    const last = B64URL.indexOf(vault.mac[42]!);
    const mac = vault.mac.slice(0, 42) + B64URL[last ^ 1];
    const e = expectCode(() => tryUnlock(parseVault({ ...vault, mac })), 'INTEGRITY');
    expect(e.details?.['reason']).toBe('non-zero-unused-bits');
  });
  it('a KDM salt with non-zero unused bits is INVALID_INPUT at parseVault', () => {
    const salt = vault.kdm.salt;
    const last = B64URL.indexOf(salt[42]!);
    const bad = { ...vault, kdm: { ...vault.kdm, salt: salt.slice(0, 42) + B64URL[last ^ 1] } };
    expect(expectCode(() => parseVault(bad), 'INVALID_INPUT').details?.['reason']).toBe('non-zero-unused-bits');
  });
});

describe('one domain grammar for the KDM and SIWS (SPEC 5.1 = 7.2)', () => {
  const decide = (fn: () => unknown) => {
    try {
      fn();
      return 'ok';
    } catch (e) {
      if (!(e instanceof AgentvaultError)) throw e;
      return 'refused';
    }
  };
  const cases = [
    'localhost:0', 'localhost:00080', 'localhost:99999', 'localhost:65536', 'a-.b', '-a.b', 'App.Example.com', 'a..b', 'a.b.', '127.1', '0x7f.1',
    '1.2.3.04', 'good@evil.example', 'https://x.example', 'x.example/', '[0:0:0:0:0:0:0:1]', 'a_b.example', ' a.example', 'a.example:',
    'localhost', 'localhost:1', 'localhost:65535', 'localhost:3000', 'app.example.com', 'a-b.example', '127.0.0.1', '[::1]', '[::1]:8080', 'xn--bcher-kva.example',
    'a'.repeat(63) + '.example', 'a'.repeat(64) + '.example',
  ];
  it.each(cases)('%s: the vault and the message layer decide alike', (d) => {
    const kdm = decide(() => assertKdmDomain(d));
    expect(kdm).toBe(decide(() => assertSiwsDomain(d)));
    if (kdm === 'refused') {
      const e = expectCode(() => assertKdmDomain(d), 'INVALID_INPUT');
      expect(e.details?.['reason']).toBe('domain-grammar');
    }
  });
  it('refusals named in issue 16', () => {
    for (const d of ['localhost:0', 'localhost:00080', 'localhost:99999', 'a-.b']) expectCode(() => prepareVault({ address: testWallet(1).address, domain: d, chain: 'mainnet' }), 'INVALID_INPUT');
  });
});

describe('recovery code grammar (SPEC 6.4.1)', () => {
  const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const canonical = base32crockford.encode(bytes);
  it('bit order: 26 symbols, most significant bit first, as RFC 4648 base32 over the Crockford alphabet', () => {
    expect(canonical).toHaveLength(26);
    expect(parseRecoveryCode(canonical)).toEqual(bytes);
    expect(parseRecoveryCode('00000000000000000000000004')).toEqual(Uint8Array.of(...new Array(15).fill(0), 1));
    expect(parseRecoveryCode('80000000000000000000000000')).toEqual(Uint8Array.of(0x40, ...new Array(15).fill(0)));
  });
  it('input tolerance: case, O/I/L, hyphen, space, tab, CR, LF anywhere', () => {
    const grouped = canonical.match(/.{1,5}/g)!.join('-');
    expect(parseRecoveryCode(grouped.toLowerCase())).toEqual(bytes);
    expect(parseRecoveryCode(' ' + canonical.split('').join('\t') + '\r\n')).toEqual(bytes);
    expect(parseRecoveryCode('O'.repeat(25) + '4')).toEqual(parseRecoveryCode('0'.repeat(25) + '4'));
    expect(parseRecoveryCode('I' + '0'.repeat(25))).toEqual(parseRecoveryCode('l' + '0'.repeat(25)));
  });
  it('refusals carry a reason', () => {
    const r = (s: string) => expectCode(() => parseRecoveryCode(s), 'INVALID_INPUT').details?.['reason'];
    expect(r('0'.repeat(25) + '1')).toBe('non-zero-unused-bits');
    expect(r('0'.repeat(25) + '3')).toBe('non-zero-unused-bits');
    expect(r('0'.repeat(25))).toBe('bad-length');
    expect(r('0'.repeat(27))).toBe('bad-length');
    expect(r('0'.repeat(25) + 'U')).toBe('bad-alphabet');
    expect(r('0'.repeat(25) + '\u00a0' + '0')).toBe('bad-alphabet');
    expect(r('0'.repeat(25) + '_')).toBe('bad-alphabet');
    expect(r('0'.repeat(65))).toBe('bad-type-or-length');
  });
});

import fc from 'fast-check';
import { recoveryCodeTextRef } from '../helpers/reference.js';

describe('recovery code: properties (SPEC 6.4.1)', () => {
  it('round trip against the independent reference text', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      expect(parseRecoveryCode(recoveryCodeTextRef(Buffer.from(b)))).toEqual(b);
    }));
  });
  it('any text: bytes of length 16 or an AgentvaultError, nothing else', () => {
    fc.assert(fc.property(fc.string({ maxLength: 70 }), (s) => {
      try {
        expect(parseRecoveryCode(s)).toHaveLength(16);
      } catch (e) {
        expect(e).toBeInstanceOf(AgentvaultError);
      }
    }));
  });
});
