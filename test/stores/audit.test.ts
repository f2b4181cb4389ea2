/**
 * Audit log (SPEC 9.9): one suite over the memory and PostgreSQL (real server and PGlite) logs.
 * Hashes are recomputed here with node:crypto, independently of the library's formula code.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isAgentvaultError } from '../../src/errors.js';
import { AUDIT_GENESIS, auditHook, MemoryAuditLog, verifyAuditLog, type AuditEntry, type AuditEvent, type AuditLogStore } from '../../src/stores/index.js';
import { migratePostgresStores, PostgresAuditLog, type PgClientLike } from '../../src/stores/postgres.js';

const hex = (n: number): string => randomBytes(n).toString('hex');
const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

function event(i: number, allowed = i % 3 !== 0): AuditEvent {
  return {
    at: 1_800_000_000_000 + i,
    grantId: `grant-${i % 2}`,
    bot: 'bot-1',
    agent: 'Agent1111111111111111111111111111111111111',
    allowed,
    ...(allowed ? { budgetAfter: { 'grant:g:signatures:3600': String(i), 'wallet:w:sol:86400': '18446744073709551615' } } : { reason: 'budget', rule: 'budgets[0]', instructionIndex: 2 }),
    messageHash: sha(`m${i}`),
  };
}

interface Opened {
  log: AuditLogStore;
  raw?: PgClientLike;
  table?: string;
  close(): Promise<void>;
}

const pgUrl = inject('agentvaultPgUrl');
const impls: { name: string; skip: boolean; open(): Promise<Opened> }[] = [
  { name: 'memory', skip: false, open: async () => ({ log: new MemoryAuditLog(), close: async () => {} }) },
  {
    name: 'postgres',
    skip: pgUrl === '',
    async open() {
      const pool = new pg.Pool({ connectionString: pgUrl, max: 4 });
      const prefix = `a${hex(4)}_`;
      await migratePostgresStores(pool, { prefix });
      return {
        log: new PostgresAuditLog(pool, { prefix }),
        raw: pool,
        table: `"${prefix}audit_log"`,
        async close() {
          await pool.query(`DROP TABLE IF EXISTS "${prefix}audit_log", "${prefix}audit_head"`);
          await pool.end();
        },
      };
    },
  },
  {
    name: 'pglite',
    skip: false,
    async open() {
      const db = await PGlite.create();
      await migratePostgresStores(db);
      return { log: new PostgresAuditLog(db), raw: db, table: '"agentvault_audit_log"', close: () => db.close() };
    },
  },
];

describe.each(impls)('$name audit log', (impl) => {
  let o: Opened;
  let entries: readonly AuditEntry[];
  describe.skipIf(impl.skip)('behaviour', () => {
    beforeAll(async () => {
      o = await impl.open();
      const hook = auditHook(o.log);
      for (let i = 1; i <= 6; i++) await hook(event(i));
      // Concurrent appends (several instances) still form one chain.
      await Promise.all(Array.from({ length: 14 }, (_, i) => o.log.append(event(7 + i))));
      entries = await o.log.read();
    });
    afterAll(async () => {
      await o?.close();
    });

    it('chains every entry: recomputed independently with node:crypto', async () => {
      expect(entries).toHaveLength(20);
      let prev = AUDIT_GENESIS;
      entries.forEach((e, i) => {
        expect(e.seq).toBe(i + 1);
        expect(e.prevHash).toBe(prev);
        expect(e.hash).toBe(sha(`agentvault-audit-v1\n${e.seq}\n${e.prevHash}\n${e.event}`));
        prev = e.hash;
      });
      const head = await o.log.head();
      expect(head).toEqual({ seq: 20, hash: prev });
      expect(verifyAuditLog(entries, { head })).toEqual({ ok: true, count: 20, head });
      // Canonical JSON: sorted keys, no spaces, what was logged.
      expect(entries[0]!.event).toBe(
        `{"agent":"Agent1111111111111111111111111111111111111","allowed":true,"at":1800000000001,"bot":"bot-1",` +
          `"budgetAfter":{"grant:g:signatures:3600":"1","wallet:w:sol:86400":"18446744073709551615"},"grantId":"grant-1","messageHash":"${sha('m1')}"}`,
      );
      expect(JSON.parse(entries[2]!.event)).toMatchObject({ allowed: false, reason: 'budget', rule: 'budgets[0]', instructionIndex: 2 });
      // A window of the log verifies against the entry before it.
      expect(verifyAuditLog(entries.slice(10), { after: { seq: 10, hash: entries[9]!.hash } }).ok).toBe(true);
      expect(await o.log.read(19, 5)).toEqual(entries.slice(18));
    });

    it('detects a removed entry', () => {
      const v = verifyAuditLog([...entries.slice(0, 7), ...entries.slice(8)]);
      expect(v).toEqual({ ok: false, index: 7, reason: 'seq' });
      // Removing the first entry: the run no longer starts at the genesis or at an anchor.
      expect(verifyAuditLog(entries.slice(1), { after: { seq: 0, hash: AUDIT_GENESIS } })).toEqual({ ok: false, index: 0, reason: 'seq' });
    });

    it('detects reordered entries', () => {
      const r = [...entries];
      [r[4], r[5]] = [r[5]!, r[4]!];
      expect(verifyAuditLog(r)).toMatchObject({ ok: false, index: 4 });
      // Even with the seq numbers swapped back, the chain breaks.
      const s = r.map((e, i) => ({ ...e, seq: i + 1 }));
      expect(verifyAuditLog(s)).toMatchObject({ ok: false, index: 4 });
    });

    it('detects an edited entry, and an edit with its hash recomputed', () => {
      const e = entries[3]!;
      const edited = { ...e, event: e.event.replace('"allowed":true', '"allowed":false') };
      expect(edited.event).not.toBe(e.event);
      expect(verifyAuditLog([...entries.slice(0, 3), edited, ...entries.slice(4)])).toEqual({ ok: false, index: 3, reason: 'hash' });
      const rehashed = { ...edited, hash: sha(`agentvault-audit-v1\n${e.seq}\n${e.prevHash}\n${edited.event}`) };
      expect(verifyAuditLog([...entries.slice(0, 3), rehashed, ...entries.slice(4)])).toEqual({ ok: false, index: 4, reason: 'prev-hash' });
      // An entry whose text is not canonical (spaces) but correctly hashed is refused too.
      const spaced = entries.slice(0, 1).map((x) => {
        const ev = x.event.replace(':', ': ');
        return { ...x, event: ev, hash: sha(`agentvault-audit-v1\n1\n${AUDIT_GENESIS}\n${ev}`) };
      });
      expect(verifyAuditLog(spaced)).toEqual({ ok: false, index: 0, reason: 'event' });
    });

    it('detects truncation and a rewritten log against an anchored head', async () => {
      const head = await o.log.head();
      expect(verifyAuditLog(entries.slice(0, 19)).ok).toBe(true); // without an anchor, a cut tail is invisible
      expect(verifyAuditLog(entries.slice(0, 19), { head })).toEqual({ ok: false, index: 19, reason: 'head' });
      // A whole log rebuilt from edited events verifies as a chain but not against the head.
      const forged = new MemoryAuditLog();
      for (const e of entries) await forged.append({ ...(JSON.parse(e.event) as AuditEvent), allowed: true });
      expect(verifyAuditLog(await forged.read())).toMatchObject({ ok: true });
      expect(verifyAuditLog(await forged.read(), { head })).toMatchObject({ ok: false, reason: 'head' });
    });

    it.skipIf(impl.name === 'memory')('the table refuses UPDATE and DELETE; tampering past the trigger is detected', async () => {
      const raw = o.raw!;
      const t = o.table!;
      let refused = '';
      try {
        await raw.query(`DELETE FROM ${t} WHERE seq = 5`);
      } catch (e) {
        refused = String(e);
      }
      expect(refused).toMatch(/append-only/);
      await expect(raw.query(`UPDATE ${t} SET event = '{}' WHERE seq = 5`)).rejects.toThrow(/append-only/);
      // Someone with the rights to disable the trigger removes one entry and edits another.
      await raw.query(`ALTER TABLE ${t} DISABLE TRIGGER USER`);
      await raw.query(`DELETE FROM ${t} WHERE seq = 5`);
      await raw.query(`UPDATE ${t} SET event = replace(event, '"bot-1"', '"bot-2"') WHERE seq = 9`);
      const after = await o.log.read();
      expect(verifyAuditLog(after)).toEqual({ ok: false, index: 4, reason: 'seq' });
      expect(verifyAuditLog(after.slice(4), { after: { seq: 5, hash: entries[4]!.hash } })).toEqual({ ok: false, index: 3, reason: 'hash' });
    });

    it('refuses malformed events with INVALID_INPUT and appends nothing', async () => {
      const before = await o.log.head();
      const base = event(1);
      const bad: unknown[] = [
        null,
        { ...base, extra: 1 },
        { ...base, at: 1.5 },
        { ...base, allowed: 'yes' },
        { ...base, messageHash: 'XYZ' },
        { ...base, budgetAfter: { c: 5 } },
        { ...base, budgetAfter: { c: '-1' } },
        { ...base, reason: 'a\u0000' },
        { ...base, instructionIndex: -1 },
        { ...base, grantId: '' },
      ];
      for (const ev of bad) {
        let codeSeen = 'resolved';
        try {
          await o.log.append(ev as AuditEvent);
        } catch (e) {
          codeSeen = isAgentvaultError(e) ? e.code : String(e);
        }
        expect(codeSeen, JSON.stringify(ev)).toBe('INVALID_INPUT');
      }
      expect(await o.log.head()).toEqual(before);
    });
  });
});
