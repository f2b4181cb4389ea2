/**
 * SPEC 3.7 / issue 16: `parseGrant` decodes the stored signature with the canonical decoder of
 * src/_encoding.ts. A stored signature whose base64 has non-zero unused bits decodes (with node's
 * Buffer) to the very bytes the user signed, yet is refused: INVALID_INPUT, field
 * `grant.authorization.signature`, reason `non-zero-unused-bits`. One grant, one text.
 */
import { describe, expect, it } from 'vitest';
import { createExecutionGrant, parseGrant, serializeGrant } from '../../src/execution/grant.js';
import { expectCode } from '../helpers/errors.js';
import { basePolicy, enableAuthorization, NOW, setup, wrapperV1 } from './_fixtures.js';

const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

describe('parseGrant: canonical signature text (SPEC 3.7)', () => {
  it('refuses every alias of the stored signature with a typed reason; the canonical text parses', async () => {
    const s = setup(23);
    const grant = await createExecutionGrant({
      authorization: await enableAuthorization(s.owner, { agent: s.agent.address }), vault: s.vault, agentKeyRecord: s.agent.records.agentKey,
      agentAddress: s.agent.address, policy: basePolicy(), wrapper: wrapperV1(), now: NOW,
    });
    const text = serializeGrant(grant);
    expect(parseGrant(text)).toEqual(grant);
    const sig = grant.authorization.signature;
    const i = sig.length - 3;
    const v = A.indexOf(sig[i]!);
    for (let k = 1; k < 16; k++) {
      const alias = sig.slice(0, i) + A[(v & 0x30) | k]! + sig.slice(i + 1);
      expect(Buffer.from(alias, 'base64')).toEqual(Buffer.from(sig, 'base64')); // the same signed bytes
      const e = expectCode(() => parseGrant(text.replace(sig, alias)), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'grant.authorization.signature', reason: 'non-zero-unused-bits' });
    }
    for (const [bad, reason] of [
      [sig.slice(0, -2), 'bad-length'],
      [sig.replace('==', '=A'), 'bad-padding'],
      [sig.replace(/^./, '-'), 'bad-alphabet'],
      [Buffer.alloc(63).toString('base64'), 'bad-length'],
    ] as const) {
      const e = expectCode(() => parseGrant(text.replace(sig, bad)), 'INVALID_INPUT');
      expect(e.details).toMatchObject({ field: 'grant.authorization.signature', reason });
    }
  });
});
