import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAgentvaultError } from '../../../src/errors.js';
import { anchorSnakeCase, createProgramDecoder, isProgramDecoder, legacyDiscriminator } from '../../../src/execution/programs/idl/index.js';
import {
  codamaDecode,
  codamaDiscriminator,
  dataOf,
  DRIFT,
  driftIdl,
  driftIdlBytes,
  encodeIx,
  JUP,
  jupiterIdl,
  jupiterIdlBytes,
  nodeDiscriminator,
  randomAddress,
  realTxs,
} from './_fixtures.js';

const jupiter = createProgramDecoder(jupiterIdlBytes, { program: JUP });
const drift = createProgramDecoder(driftIdlBytes, { program: DRIFT });
const accs = (n: number): string[] => Array.from({ length: n }, (_, i) => randomAddress(i));

function refusedWith(fn: () => unknown, code: string, reason?: string): void {
  try {
    fn();
  } catch (e) {
    expect(isAgentvaultError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    if (reason) expect((e as { details: { reason: string } }).details.reason).toBe(reason);
    return;
  }
  throw new Error('expected a refusal');
}

describe('IDL model', () => {
  it('hashes the IDL bytes (node:crypto) and is branded and frozen', () => {
    expect(jupiter.idlSha256).toBe(createHash('sha256').update(jupiterIdlBytes).digest('hex'));
    expect(drift.idlSha256).toBe(createHash('sha256').update(driftIdlBytes).digest('hex'));
    expect(jupiter.idlSha256.startsWith('764ea6d7')).toBe(true);
    expect(drift.idlSha256.endsWith('9490')).toBe(true);
    expect(isProgramDecoder(jupiter)).toBe(true);
    expect(isProgramDecoder({ ...jupiter })).toBe(false);
    expect(Object.isFrozen(jupiter)).toBe(true);
    expect(jupiter.format).toBe('legacy');
    expect(drift.instructions.length).toBe(driftIdl.instructions.length);
  });

  it('legacy discriminators equal node:crypto and Codama for every instruction of both IDLs', () => {
    for (const idl of [jupiterIdl, driftIdl]) {
      const seen = new Set<string>();
      for (const ix of idl.instructions as { name: string }[]) {
        const mine = Buffer.from(legacyDiscriminator(ix.name)).toString('hex');
        expect(mine).toBe(nodeDiscriminator(ix.name).toString('hex'));
        seen.add(mine);
        expect(codamaDiscriminator(idl, ix.name)).toBe(mine);
      }
      expect(seen.size).toBe(idl.instructions.length);
    }
  }, 30_000);

  it('snake_case follows heck on runs of capitals and digits', () => {
    expect(anchorSnakeCase('sharedAccountsExactOutRoute')).toBe('shared_accounts_exact_out_route');
    expect(anchorSnakeCase('aldrinV2Swap')).toBe('aldrin_v2_swap');
    expect(anchorSnakeCase('HTTPServer')).toBe('http_server');
    expect(anchorSnakeCase('updateK')).toBe('update_k');
  });

  it('refuses a parsed object, unknown options, a legacy IDL without program id, a mismatched id', () => {
    refusedWith(() => createProgramDecoder(jupiterIdl as never, { program: JUP }), 'INVALID_INPUT');
    refusedWith(() => createProgramDecoder(jupiterIdlBytes), 'INVALID_INPUT');
    refusedWith(() => createProgramDecoder(jupiterIdlBytes, { program: JUP, x: 1 } as never), 'INVALID_INPUT');
    refusedWith(() => createProgramDecoder(jupiterIdlBytes, { program: 'not-an-address' }), 'INVALID_INPUT');
  });
});

const mini = (types: unknown[], args: unknown[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ version: '0.1.0', name: 'mini', instructions: [{ name: 'doIt', accounts: [], args }], types, ...extra });

describe('hostile IDLs are refused with INVALID_INPUT (idl-invalid)', () => {
  const cases: [string, string][] = [
    ['cyclic defined types', mini([{ name: 'A', type: { kind: 'struct', fields: [{ name: 'b', type: { defined: 'B' } }] } }, { name: 'B', type: { kind: 'struct', fields: [{ name: 'a', type: { vec: { defined: 'A' } } }] } }], [{ name: 'x', type: { defined: 'A' } }])],
    ['self-reference through option', mini([{ name: 'L', type: { kind: 'struct', fields: [{ name: 'next', type: { option: { defined: 'L' } } }] } }], [{ name: 'x', type: { defined: 'L' } }])],
    ['unknown type', mini([], [{ name: 'x', type: 'u512' }])],
    ['unknown constructor', mini([], [{ name: 'x', type: { hashMap: ['u8', 'u8'] } }])],
    ['unknown defined type', mini([], [{ name: 'x', type: { defined: 'Nope' } }])],
    ['deep nesting', mini([], [{ name: 'x', type: JSON.parse('{"vec":'.repeat(40) + '"u8"' + '}'.repeat(40)) }])],
    ['huge array', mini([], [{ name: 'x', type: { array: ['u8', 1e9] } }])],
    ['generic type', mini([{ name: 'G', generics: [{ kind: 'type', name: 'T' }], type: { kind: 'struct', fields: [] } }], [{ name: 'x', type: { defined: { name: 'G' } } }])],
    ['__proto__ field', mini([], [{ name: '__proto__', type: 'u8' }])],
    ['duplicate instruction', JSON.stringify({ name: 'm', instructions: [{ name: 'a', accounts: [], args: [] }, { name: 'a', accounts: [], args: [] }] })],
    ['bytemuck type', mini([{ name: 'Z', serialization: 'bytemuck', type: { kind: 'struct', fields: [] } }], [{ name: 'x', type: { defined: 'Z' } }])],
    ['not JSON', '{"name":'],
    ['0.30 prefix discriminators', JSON.stringify({ address: JUP, metadata: { name: 'p', version: '1', spec: '0.1.0' }, instructions: [{ name: 'a', discriminator: [1], accounts: [], args: [] }, { name: 'b', discriminator: [1, 2], accounts: [], args: [] }] })],
  ];
  for (const [name, text] of cases) it(name, () => refusedWith(() => createProgramDecoder(text, { program: JUP }), 'INVALID_INPUT', 'idl-invalid'));

  it('a reachable duplicate type is refused; unreachable odd definitions are ignored; legacy account layouts resolve', () => {
    const dup = [{ name: 'A', type: { kind: 'struct', fields: [] } }, { name: 'A', type: { kind: 'struct', fields: [{ name: 'x', type: 'u8' }] } }];
    refusedWith(() => createProgramDecoder(mini(dup, [{ name: 'x', type: { defined: 'A' } }]), { program: JUP }), 'INVALID_INPUT', 'idl-invalid');
    const odd = [{ name: 'Weird<T>', type: { kind: 'struct', fields: [{ name: 'x', type: 'f128' }] } }, { name: 'Z', type: { kind: 'struct', fields: [{ name: 'z', type: 'coption' }] } }, 7];
    expect(createProgramDecoder(mini(odd, [{ name: 'x', type: 'u8' }]), { program: JUP }).instructions).toEqual(['doIt']);
    const withAccount = mini([], [{ name: 'x', type: { defined: 'Layout' } }], { accounts: [{ name: 'Layout', type: { kind: 'struct', fields: [{ name: 'n', type: 'u16' }] } }] });
    expect(createProgramDecoder(withAccount, { program: JUP }).decode(Uint8Array.of(...legacyDiscriminator('doIt'), 1, 2), []).args).toEqual({ x: { n: 513n } });
  });

  it('a long chain of defined types is bounded', () => {
    const types = Array.from({ length: 200 }, (_, i) => ({ name: `T${i}`, type: { kind: 'struct', fields: [{ name: 'n', type: i === 199 ? 'u8' : { defined: `T${i + 1}` } }] } }));
    refusedWith(() => createProgramDecoder(mini(types, [{ name: 'x', type: { defined: 'T0' } }]), { program: JUP }), 'INVALID_INPUT', 'idl-invalid');
  });
});

describe('decoding real bytes', () => {
  it('placePerpOrder encoded by Codama decodes to the same values', () => {
    const params = {
      orderType: 'limit', marketType: 'perp', direction: 'short', userOrderId: 7, baseAssetAmount: 2_500_000_000n, price: 151_000_000n,
      marketIndex: 2, reduceOnly: true, postOnly: 'mustPostOnly', bitFlags: 0, maxTs: -5n, triggerPrice: null, triggerCondition: 'above',
      oraclePriceOffset: -1000, auctionDuration: 10, auctionStartPrice: null, auctionEndPrice: 99n,
    };
    const data = encodeIx(driftIdl, 'placePerpOrder', { params });
    const ix = drift.decode(data, accs(3));
    expect(ix.name).toBe('placePerpOrder');
    expect(ix.args).toEqual({
      params: {
        orderType: { __variant: 'Limit' }, marketType: { __variant: 'Perp' }, direction: { __variant: 'Short' }, userOrderId: 7n,
        baseAssetAmount: 2_500_000_000n, price: 151_000_000n, marketIndex: 2n, reduceOnly: true, postOnly: { __variant: 'MustPostOnly' },
        bitFlags: 0n, maxTs: -5n, triggerPrice: null, triggerCondition: { __variant: 'Above' }, oraclePriceOffset: -1000n,
        auctionDuration: 10n, auctionStartPrice: null, auctionEndPrice: 99n,
      },
    });
    expect(ix.accounts).toEqual({ state: randomAddress(0), user: randomAddress(1), authority: randomAddress(2) });
    expect(Object.isFrozen(ix.args)).toBe(true);
  });

  it('a Jupiter route with data-enum steps, and an ExactOut route, decode; optional accounts default to the program id', () => {
    const data = encodeIx(jupiterIdl, 'route', {
      routePlan: [{ swap: { __kind: 'Whirlpool', aToB: true }, percent: 100, inputIndex: 0, outputIndex: 1 }],
      inAmount: 1_000_000n, quotedOutAmount: 999n, slippageBps: 50, platformFeeBps: 0,
    });
    const ix = jupiter.decode(data, accs(9));
    expect(ix.name).toBe('route');
    expect(ix.args).toMatchObject({ inAmount: 1_000_000n, slippageBps: 50n, routePlan: [{ swap: { __variant: 'Whirlpool', aToB: true }, percent: 100n }] });
    refusedWith(() => jupiter.decode(data, accs(4)), 'SIGNING_REFUSED', 'instruction-data-invalid');
    const x = encodeIx(jupiterIdl, 'sharedAccountsExactOutRoute', { id: 1, routePlan: [], outAmount: 5n, quotedInAmount: 6n, slippageBps: 1, platformFeeBps: 2 });
    const d = jupiter.decode(x, [...accs(13), 'extra1111111111111111111111111111111111111'.slice(0, 43)]);
    expect(d.args).toEqual({ id: 1n, routePlan: [], outAmount: 5n, quotedInAmount: 6n, slippageBps: 1n, platformFeeBps: 2n });
    expect(d.remainingAccounts.length).toBe(1);
  });

  it('the six mainnet transactions: names match verify.mjs; undecodable routes (newer AMMs than the pinned IDL) refuse', () => {
    const outcomes: string[] = [];
    for (const tx of realTxs()) {
      for (const ix of tx.ixs) {
        const dec = ix.programId === JUP ? jupiter : ix.programId === DRIFT ? drift : undefined;
        if (!dec) continue;
        try {
          const d = dec.decode(dataOf(ix), ix.accountIndexes.map((i) => tx.all[i]));
          expect(d.name).toBe(ix.instructionName);
          // Independent reference: Codama decodes the same bytes to the same amounts.
          const ref = codamaDecode(ix.programId === JUP ? jupiterIdl : driftIdl, d.name, dataOf(ix));
          if (d.name === 'route') expect((d.args as { inAmount: bigint }).inAmount).toBe(ref.inAmount);
          if (d.name === 'cancelOrders') expect((d.args as { marketIndex: bigint }).marketIndex).toBe(BigInt(ref.marketIndex.value ?? ref.marketIndex));
          outcomes.push(`${tx.file}:${d.name}`);
        } catch (e) {
          expect(isAgentvaultError(e, 'SIGNING_REFUSED')).toBe(true);
          outcomes.push(`${tx.file}:${ix.instructionName}:refused`);
        }
      }
    }
    expect(outcomes).toEqual([
      'drift-24iGSgbnUUpL.json:cancelOrders',
      'drift-24iGSgbnUUpL.json:placeOrders',
      'jupiter-2BppD7ZqzcCp.json:route',
      'jupiter-2kai9Wa4rc43.json:sharedAccountsRoute:refused',
      'jupiter-3LF4ABXfbETv.json:sharedAccountsRoute:refused',
      'jupiter-4cWStqraSHpM.json:route',
      'jupiter-4cWStqraSHpM.json:route',
      'jupiter-GCeRpjvfNXZB.json:route:refused',
    ]);
  });

  it('refuses unknown discriminators, trailing bytes, truncation, bad bool/option/enum tags', () => {
    const good = encodeIx(driftIdl, 'cancelOrders', { marketType: { __option: 'Some', value: 'perp' }, marketIndex: { __option: 'Some', value: 0 }, direction: { __option: 'None' } });
    expect(drift.decode(good, accs(3)).args).toEqual({ marketType: { __variant: 'Perp' }, marketIndex: 0n, direction: null });
    refusedWith(() => drift.decode(Uint8Array.of(...good, 0), accs(3)), 'SIGNING_REFUSED', 'instruction-data-invalid');
    refusedWith(() => drift.decode(good.subarray(0, good.length - 1), accs(3)), 'SIGNING_REFUSED', 'instruction-data-invalid');
    refusedWith(() => drift.decode(new Uint8Array(8), accs(3)), 'SIGNING_REFUSED', 'unknown-instruction');
    refusedWith(() => drift.decode(new Uint8Array(0), accs(3)), 'SIGNING_REFUSED', 'unknown-instruction');
    const badOption = Uint8Array.from(good);
    badOption[8] = 2;
    refusedWith(() => drift.decode(badOption, accs(3)), 'SIGNING_REFUSED', 'instruction-data-invalid');
    const badEnum = Uint8Array.from(good);
    badEnum[9] = 9;
    refusedWith(() => drift.decode(badEnum, accs(3)), 'SIGNING_REFUSED', 'instruction-data-invalid');
    const w = encodeIx(driftIdl, 'withdraw', { marketIndex: 0, amount: 1n, reduceOnly: false });
    const badBool = Uint8Array.from(w);
    badBool[w.length - 1] = 2;
    refusedWith(() => drift.decode(badBool, accs(8)), 'SIGNING_REFUSED', 'instruction-data-invalid');
  });

  it('a huge vec length prefix is refused before allocating', () => {
    const disc = legacyDiscriminator('placeOrders');
    const data = Uint8Array.of(...disc, 0xff, 0xff, 0xff, 0xff);
    const t = performance.now();
    refusedWith(() => drift.decode(data, accs(3)), 'SIGNING_REFUSED', 'instruction-data-invalid');
    expect(performance.now() - t).toBeLessThan(50);
  });

  it('zero-sized elements are bounded by the value budget', () => {
    const idl = mini([{ name: 'E', type: { kind: 'struct', fields: [] } }], [{ name: 'x', type: { vec: { defined: 'E' } } }]);
    const d = createProgramDecoder(idl, { program: JUP });
    const data = Uint8Array.of(...legacyDiscriminator('doIt'), 0xff, 0xff, 0xff, 0x7f);
    const t = performance.now();
    refusedWith(() => d.decode(data, []), 'SIGNING_REFUSED', 'instruction-data-invalid');
    expect(performance.now() - t).toBeLessThan(50);
    expect(d.decode(Uint8Array.of(...legacyDiscriminator('doIt'), 2, 0, 0, 0), []).args).toEqual({ x: [{}, {}] });
  });
});

describe('0.30 IDL format', () => {
  const idl030 = {
    address: DRIFT,
    metadata: { name: 'demo', version: '0.1.0', spec: '0.1.0' },
    instructions: [
      {
        name: 'place_order',
        discriminator: [9, 8, 7, 6, 5, 4, 3, 2],
        accounts: [{ name: 'authority', signer: true }, { name: 'group', accounts: [{ name: 'market', writable: true }, { name: 'oracle', optional: true }] }],
        args: [{ name: 'params', type: { defined: { name: 'Params' } } }, { name: 'owner', type: 'pubkey' }, { name: 'pair', type: { defined: { name: 'Pair' } } }],
      },
    ],
    types: [
      { name: 'Params', type: { kind: 'struct', fields: [{ name: 'side', type: { defined: { name: 'Side' } } }, { name: 'size', type: 'u128' }, { name: 'memo', type: 'string' }, { name: 'tag', type: { array: ['u8', 2] } }] } },
      { name: 'Side', type: { kind: 'enum', variants: [{ name: 'Bid' }, { name: 'Ask', fields: [{ name: 'limit', type: 'i16' }] }] } },
      { name: 'Pair', type: { kind: 'struct', fields: ['u8', 'bool'] } },
      { name: 'Unused', serialization: 'bytemuck', type: { kind: 'struct', fields: [{ name: 'x', type: 'u8' }] } },
    ],
  };
  it('reads 0.30 discriminators from the file, flattens groups, decodes Codama-encoded bytes', () => {
    const text = JSON.stringify(idl030);
    const d = createProgramDecoder(text);
    expect(d.format).toBe('anchor-0.30');
    expect(d.program).toBe(DRIFT);
    const data = encodeIx(idl030, 'placeOrder', { side: { __kind: 'Ask', limit: -3 }, size: 2n ** 100n, memo: 'hé', tag: ['base16', '0102'], owner: JUP, pair: [7, true] });
    expect(Array.from(data.subarray(0, 8))).toEqual([9, 8, 7, 6, 5, 4, 3, 2]);
    const ix = d.decode(data, accs(2));
    expect(ix.name).toBe('place_order');
    expect(ix.args).toEqual({ params: { side: { __variant: 'Ask', limit: -3n }, size: 2n ** 100n, memo: 'hé', tag: [1n, 2n] }, owner: JUP, pair: { 0: 7n, 1: true } });
    expect(ix.accounts).toEqual({ authority: randomAddress(0), market: randomAddress(1), oracle: DRIFT });
    refusedWith(() => createProgramDecoder(text, { program: JUP }), 'INVALID_INPUT');
  });
});

describe('properties (fast-check)', () => {
  const decoders = [
    [jupiter, jupiterIdl, 13],
    [drift, driftIdl, 12],
  ] as const;
  it('random data after a valid discriminator never throws anything but AgentvaultError, in bounded time', () => {
    for (const [dec, idl, n] of decoders) {
      const names = (idl.instructions as { name: string }[]).map((i) => i.name);
      fc.assert(
        fc.property(fc.constantFrom(...names), fc.uint8Array({ maxLength: 1300 }), (name, tail) => {
          const data = Uint8Array.of(...legacyDiscriminator(name), ...tail);
          const t = performance.now();
          try {
            const ix = dec.decode(data, accs(n));
            expect(ix.name).toBe(name);
          } catch (e) {
            expect(isAgentvaultError(e, 'SIGNING_REFUSED')).toBe(true);
          }
          expect(performance.now() - t).toBeLessThan(1000); // loose: a shared 2-core machine; the bound is on work, not speed
        }),
        { numRuns: 300 },
      );
    }
  });
  it('a single bit flip in the discriminator of a valid instruction refuses (or names another instruction)', () => {
    const cases = [
      [drift, encodeIx(driftIdl, 'withdraw', { marketIndex: 0, amount: 1n, reduceOnly: false }), 'withdraw', 8],
      [jupiter, encodeIx(jupiterIdl, 'sharedAccountsRoute', { id: 0, routePlan: [], inAmount: 1n, quotedOutAmount: 1n, slippageBps: 1, platformFeeBps: 0 }), 'sharedAccountsRoute', 13],
    ] as const;
    for (const [dec, data, name, n] of cases) {
      let refused = 0;
      for (let bit = 0; bit < 64; bit++) {
        const flipped = Uint8Array.from(data);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        try {
          expect(dec.decode(flipped, accs(n)).name).not.toBe(name);
        } catch (e) {
          expect(isAgentvaultError(e, 'SIGNING_REFUSED')).toBe(true);
          refused++;
        }
      }
      expect(refused).toBe(64);
    }
  });
  it('random IDL text never throws anything but AgentvaultError', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (j) => {
        try {
          createProgramDecoder(j, { program: JUP });
        } catch (e) {
          expect(isAgentvaultError(e, 'INVALID_INPUT')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('wrong types and round trips', () => {
  it('every wrong-typed IDL, data, accounts and options value is INVALID_INPUT', async () => {
    const { NOT_BYTES } = await import('../../helpers/wrong-types.js');
    for (const [label, v] of NOT_BYTES) {
      if (typeof v === 'string') continue; // a string is an accepted IDL form (its UTF-8 bytes)
      refusedWith(() => createProgramDecoder(v as never, { program: JUP }), 'INVALID_INPUT');
      refusedWith(() => drift.decode(v as never, accs(3)), 'INVALID_INPUT');
      void label;
    }
    for (const bad of ['', '00'.repeat(32)]) refusedWith(() => createProgramDecoder(bad, { program: JUP }), 'INVALID_INPUT', 'idl-invalid');
    const data = encodeIx(driftIdl, 'cancelOrder', { orderId: { __option: 'None' } });
    for (const a of [null, 'x', {}, [1, 2, 3], [JUP, 5]]) refusedWith(() => drift.decode(data, a as never), 'INVALID_INPUT');
    for (const o of [null, 5, 'x']) refusedWith(() => createProgramDecoder(jupiterIdlBytes, o as never), 'INVALID_INPUT');
  });

  it('Codama-encoded random placePerpOrder and cancelOrders decode to the same values; input not mutated (fast-check)', () => {
    const u = (bits: number) => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n });
    const i = (bits: number) => fc.bigInt({ min: -(2n ** BigInt(bits - 1)), max: 2n ** BigInt(bits - 1) - 1n });
    const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
    const enumOf = (...v: string[]) => fc.integer({ min: 0, max: v.length - 1 }).map((k) => v[k]!);
    const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
    fc.assert(
      fc.property(
        fc.record({
          orderType: enumOf('market', 'limit', 'triggerMarket', 'triggerLimit', 'oracle'), marketType: enumOf('spot', 'perp'), direction: enumOf('long', 'short'),
          userOrderId: u(8), baseAssetAmount: u(64), price: u(64), marketIndex: u(16), reduceOnly: fc.boolean(), postOnly: enumOf('none', 'mustPostOnly', 'tryPostOnly', 'slide'),
          bitFlags: u(8), maxTs: opt(i(64)), triggerPrice: opt(u(64)), triggerCondition: enumOf('above', 'below', 'triggeredAbove', 'triggeredBelow'),
          oraclePriceOffset: opt(i(32)), auctionDuration: opt(u(8)), auctionStartPrice: opt(i(64)), auctionEndPrice: opt(i(64)),
        }),
        (p) => {
          const num = (x: bigint) => x; // Codama takes bigint or number for every width
          const enc = { ...p, userOrderId: Number(p.userOrderId), marketIndex: Number(p.marketIndex), bitFlags: Number(p.bitFlags), oraclePriceOffset: p.oraclePriceOffset === null ? null : Number(p.oraclePriceOffset), auctionDuration: p.auctionDuration === null ? null : Number(p.auctionDuration), baseAssetAmount: num(p.baseAssetAmount) };
          const data = encodeIx(driftIdl, 'placePerpOrder', { params: enc });
          const copy = Uint8Array.from(data);
          const got = drift.decode(data, accs(3)).args as { params: Record<string, unknown> };
          expect(data).toEqual(copy);
          const variant = (s: string) => ({ __variant: cap(s) });
          expect(got.params).toEqual({
            ...p, orderType: variant(p.orderType), marketType: variant(p.marketType), direction: variant(p.direction), postOnly: variant(p.postOnly), triggerCondition: variant(p.triggerCondition),
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
