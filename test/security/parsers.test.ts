/**
 * Security controls that held up: parser robustness on arbitrary input (only AgentvaultError,
 * never a TypeError or a crash) and SPEC text equality of the key message.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { openRecord, sealRecord } from '../../src/records/record.js';
import { parseVault } from '../../src/vault/data.js';
import { createKeyMessage } from '../../src/vault/kdm.js';
import { createVault, prepareVault } from '../../src/vault/vault.js';
import { base64urlnopad } from '@scure/base';
import { fakeAuthorization } from '../helpers/auth.js';
import { testWallet } from '../helpers/wallet.js';

const only = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AgentvaultError)) throw e;
  }
};
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);

describe('security: parsers (controls that held up)', () => {
  it('control: openRecord throws only AgentvaultError on arbitrary and mutated record text', () => {
    const address = testWallet(50).address;
    const good = sealRecord(KEY, new Uint8Array([1, 2, 3]), { type: 'profile', context: { address } });
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(), fc.string({ maxLength: 4 }), (s, i, ins) => {
        only(() => openRecord(KEY, s, { type: 'profile', context: { address } }));
        only(() => openRecord(KEY, 'avr1.' + s, { type: 'profile', context: { address } }));
        const k = i % good.length;
        only(() => openRecord(KEY, good.slice(0, k) + ins + good.slice(k + 1), { type: 'profile', context: { address } }));
      }),
      { numRuns: 400 },
    );
  });

  it('control: parseVault throws only AgentvaultError on arbitrary JSON and on field-level mutations', () => {
    const w = testWallet(51);
    const prepared = prepareVault({ address: w.address, domain: 'app.example.com', chain: 'mainnet' });
    const s = w.sign(prepared.keyMessage);
    const created = createVault({ prepared, signatures: [s, s], recovery: { kind: 'code' }, authorization: fakeAuthorization(w.address) });
    created.unlocked.lock();
    created.recoveryCode?.dispose();
    const base = JSON.parse(JSON.stringify(created.vault));
    const paths = [['format'], ['schema'], ['owner'], ['wallet'], ['domain'], ['chain'], ['kdm'], ['kdm', 'version'], ['kdm', 'salt'], ['kdm', 'signedAs'], ['kdm', 'peppered'], ['recovery'], ['recovery', 'kind'], ['recovery', 'salt'], ['recovery', 'scrypt'], ['recovery', 'peppered'], ['activeUmkVersion'], ['umks'], ['umks', 0], ['umks', 0, 'version'], ['umks', 0, 'state'], ['umks', 0, 'wallet'], ['umks', 0, 'recovery'], ['revision'], ['mac']];
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...paths), fc.jsonValue(), (j, path, val) => {
        only(() => parseVault(j));
        const v = structuredClone(base);
        let o = v;
        for (const p of path.slice(0, -1)) o = o[p as never];
        o[path[path.length - 1] as never] = val as never;
        only(() => parseVault(v));
      }),
      { numRuns: 400 },
    );
  });

  it('control: KDM text equals SPEC 5.1 byte for byte', () => {
    const spec = readFileSync(new URL('../../docs/SPEC.md', import.meta.url), 'utf8');
    const block = /### 5\.1[\s\S]*?```\n([\s\S]*?)\n```/.exec(spec)![1]!;
    const address = testWallet(52).address;
    const salt = Uint8Array.from({ length: 32 }, (_, i) => i);
    const expected = block
      .replaceAll('<domain>', 'app.example.com')
      .replaceAll('<address>', address)
      .replaceAll('<chain>', 'devnet')
      .replaceAll('<version>', '1')
      .replaceAll('<base64url(salt)>', base64urlnopad.encode(salt));
    expect(createKeyMessage({ domain: 'app.example.com', address, chain: 'devnet', salt })).toBe(expected);
  });
});
