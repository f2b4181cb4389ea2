/**
 * vectors/grants.json (issue 16): the stored grant, its wrap context, the LocalKeyWrapper data and
 * the grant.agent-key record, recomputed by the reference (node:crypto + tweetnacl) and read by
 * the library; negatives with their codes.
 */
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { grantWrapContext, parseGrant } from '../../src/execution/grant.js';
import { LocalKeyWrapper } from '../../src/execution/wrapper.js';
import { openRecord } from '../../src/records/record.js';
import { encodeContext, localWrapRef, naclKeypair, offchainV1Ref, recordIntermediatesRef, sealRecordRef } from '../helpers/reference.js';
import grants from '../../vectors/grants.json' with { type: 'json' };

const buf = (h: string) => Buffer.from(h, 'hex');
const hex = (h: string) => Uint8Array.from(buf(h));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const wrapperOf = (v: (typeof grants.valid)[number]) => new LocalKeyWrapper({ keys: { v1: hex(v.kek.v1) } });

async function outcome(fn: () => unknown): Promise<{ code: string; reason: unknown } | 'ok'> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof AgentvaultError)) throw e;
    return { code: e.code, reason: e.details?.['reason'] ?? null };
  }
}

describe('vectors/grants.json', () => {
  for (const v of grants.valid) {
    const g = v.grant;
    it(`${v.name}: the reference recomputes signature, wrap context, wrapped key and agent-key record`, () => {
      const owner = naclKeypair(buf(v.ownerSeed));
      const signed = g.authorization.signedAs === 'raw' ? Buffer.from(g.authorization.message, 'utf8') : offchainV1Ref(g.authorization.message, owner.publicKey);
      expect(signed.toString('hex')).toBe(v.signedBytes);
      expect(nacl.sign.detached.verify(signed, Buffer.from(g.authorization.signature, 'base64'), owner.publicKey)).toBe(true);
      const ctx = encodeContext({ address: g.owner, user: g.user, label: 'agentvault/v1/grant-data-key', grant: g.id, bot: g.bot, agent: g.agent, policy: g.policyHash, notBefore: g.notBefore, expiresAt: g.expiresAt });
      expect(ctx.toString('hex')).toBe(v.intermediate.wrapContext);
      const iv = Buffer.from(g.wrappedKey.data, 'base64url').subarray(0, 12);
      const w = localWrapRef(buf(v.kek.v1), 'v1', ctx, iv, buf(v.dataKey));
      expect(w.aad.toString('hex')).toBe(v.intermediate.wrapAad);
      expect(w.data).toBe(g.wrappedKey.data);
      const agent = naclKeypair(buf(v.agentSeed));
      expect(Buffer.from(agent.secretKey).toString('hex')).toBe(v.agentSecretKey);
      const rec = Buffer.from(g.agentKey.slice(5), 'base64url');
      const n = rec[10]!;
      const input = { key: buf(v.dataKey), plaintext: buf(v.agentSecretKey), type: 'grant.agent-key', context: v.intermediate.agentKeyContext, umkVersion: 1, salt: rec.subarray(11 + n, 43 + n), iv: rec.subarray(75 + n, 87 + n) };
      expect(sealRecordRef(input)).toBe(g.agentKey);
      const i = recordIntermediatesRef(input);
      expect(i.aad.toString('hex')).toBe(v.intermediate.agentKeyAad);
      expect(i.prk.toString('hex')).toBe(v.intermediate.agentKeyPrk);
      expect(i.commitment.toString('hex')).toBe(v.intermediate.agentKeyCommitment);
    });
    it(`${v.name}: the library parses the grant, unwraps the data key and opens the agent key`, async () => {
      const parsed = parseGrant(g);
      expect(JSON.parse(JSON.stringify(parsed))).toEqual(g);
      expect(toHex(grantWrapContext(parsed))).toBe(v.intermediate.wrapContext);
      const dataKey = await wrapperOf(v).unwrap(parsed.wrappedKey, grantWrapContext(parsed));
      expect(toHex(dataKey.expose())).toBe(v.dataKey);
      const opened = openRecord(dataKey.expose(), g.agentKey, { type: 'grant.agent-key', context: v.intermediate.agentKeyContext });
      expect(toHex(opened.plaintext.expose())).toBe(v.agentSecretKey);
    });
  }
  for (const bad of grants.invalid) {
    it(`refuses: ${bad.name} -> ${bad.code}`, async () => {
      const v = grants.valid[bad.of]!;
      const patched = { ...v.grant, ...bad.patch };
      const run = async () => {
        if (bad.op === 'parse') return parseGrant(patched);
        // The unwrap negatives edit unsigned fields: build the context from the edited grant.
        const ctx = grantWrapContext(patched as Parameters<typeof grantWrapContext>[0]);
        return wrapperOf(v).unwrap(patched.wrappedKey, ctx);
      };
      expect(await outcome(run)).toEqual({ code: bad.code, reason: bad.reason });
    });
  }
});
