/**
 * Wycheproof ed25519_test.json against verifyEd25519Strict (DESIGN 5, SIMD-0376 rules).
 *
 * Every valid case must verify, except the ones our stricter-than-RFC-8032 rules reject on
 * purpose (small-order A or R, non-canonical encodings): those are listed in
 * STRICT_REJECTS_VALID with a reason. For the v1 file at the pinned commit that list is EMPTY:
 * no valid case uses a small-order or non-canonically encoded A or R (checked below with an
 * independent decoder, so an empty list is a finding, not an omission).
 * Every invalid case must be rejected: `false`, or INVALID_INPUT for a signature that is not 64
 * bytes (truncated / with garbage), as documented on verifyEd25519Strict.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { expect, it } from 'vitest';
import { verifyEd25519Strict } from '../../src/primitives/ed25519.js';
import { isAgentvaultError } from '../../src/errors.js';
import { hex, leToBigInt } from '../helpers/bytes.js';
import { ED25519_L, nodeVerifyEd25519 } from '../helpers/ed25519.js';
import { countTests, describeWycheproof, type EddsaVerifyGroup } from '../helpers/wycheproof.js';

/** tcId -> why our strict verifier rejects this Wycheproof-"valid" case. Empty for the pinned file. */
const STRICT_REJECTS_VALID: ReadonlyMap<number, string> = new Map();

function strictOutcome(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): 'accept' | 'reject' | 'invalid-input' | string {
  try {
    return verifyEd25519Strict(pk, msg, sig) ? 'accept' : 'reject';
  } catch (e) {
    if (isAgentvaultError(e, 'INVALID_INPUT')) return 'invalid-input';
    return `unexpected throw: ${String(e)}`;
  }
}

/** Independent classification of an encoding: canonical? small order? (noble's Point, lenient decode). */
function classify(enc: Uint8Array): { canonical: boolean; smallOrder: boolean | 'not-a-point' } {
  let canonical = true;
  try {
    ed25519.Point.fromBytes(enc, false);
  } catch {
    canonical = false;
  }
  try {
    return { canonical, smallOrder: ed25519.Point.fromBytes(enc, true).isSmallOrder() };
  } catch {
    return { canonical, smallOrder: 'not-a-point' };
  }
}

describeWycheproof<EddsaVerifyGroup>('ed25519_test.json', 'eddsa_verify_schema_v1.json', (data) => {
  const cases = data.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })));
  const valid = cases.filter((t) => t.result === 'valid');
  const invalid = cases.filter((t) => t.result === 'invalid');

  it('is the file we expect (151 tests; no "acceptable")', () => {
    expect(data.algorithm).toBe('EDDSA');
    expect(countTests(data)).toBe(data.numberOfTests);
    expect(data.numberOfTests).toBe(151);
    expect(cases.filter((t) => t.result === 'acceptable')).toEqual([]);
    for (const g of data.testGroups) expect(g.publicKey.curve).toBe('edwards25519');
  });

  it('every id in STRICT_REJECTS_VALID is a valid case in the file', () => {
    for (const id of STRICT_REJECTS_VALID.keys()) expect(valid.some((t) => t.tcId === id), `tcId ${id}`).toBe(true);
  });

  it.each(valid.map((t) => [t.tcId, t.comment, t] as const))('valid tcId %i %s', (id, _c, t) => {
    const outcome = strictOutcome(hex(t.pk), hex(t.msg), hex(t.sig));
    if (STRICT_REJECTS_VALID.has(id)) expect(outcome, STRICT_REJECTS_VALID.get(id)).toBe('reject');
    else expect(outcome).toBe('accept');
  });

  it('no valid case has a small-order or non-canonical A or R, or S >= L (why the exception list is empty)', () => {
    for (const t of valid) {
      if (STRICT_REJECTS_VALID.has(t.tcId)) continue;
      const sig = hex(t.sig);
      for (const [what, enc] of [['A', hex(t.pk)], ['R', sig.subarray(0, 32)]] as const)
        expect(classify(enc), `tcId ${t.tcId} ${what}`).toEqual({ canonical: true, smallOrder: false });
      expect(leToBigInt(sig.subarray(32)) < ED25519_L, `tcId ${t.tcId} S`).toBe(true);
    }
  });

  it.each(invalid.map((t) => [t.tcId, t.comment, t] as const))('invalid tcId %i %s is rejected', (_id, _c, t) => {
    const sig = hex(t.sig);
    const outcome = strictOutcome(hex(t.pk), hex(t.msg), sig);
    // A signature of the wrong length is an argument error by contract; everything else returns false.
    expect(outcome).toBe(sig.length === 64 ? 'reject' : 'invalid-input');
  });

  it('node:crypto agrees on every valid case (sanity check of the vectors as read)', () => {
    for (const t of valid) expect(nodeVerifyEd25519(hex(t.pk), hex(t.msg), hex(t.sig)), `tcId ${t.tcId}`).toBe(true);
  });
});
