import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../../db/migrations/index.ts';
import { loadOrCreateAuditKey, signHash } from '../../src/audit/keys.ts';
import { AuditService } from '../../src/audit/service.ts';
import { verifyChain } from '../../src/audit/verify.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { onPostgres } from '../support/pg.ts';

/**
 * Migration 0020 (issue 13): the unused unique index on the entry id goes (one page less for each
 * commit to write). A trail written before the upgrade keeps every entry, and still verifies; seq
 * keeps AUTOINCREMENT, so entries cut from the end never hand their seq to new ones (audit_pages
 * and `audit export --after-seq` are keyed by it).
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const index = migrations.findIndex((m) => m.tag === '0020_audit_entries_id_index');

describe.skipIf(onPostgres)('audit_entries without its id index (SQLite)', () => {
  test('upgrade — every entry written before keeps its seq and hash, the chain verifies; a seq cut from the end is never reused', async () => {
    expect(index).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-rowid-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'gatehouse.db'));
    applyMigrations(db, index);
    const key = loadOrCreateAuditKey(dir);
    const clock = { now: () => 1_800_000_000_000 };
    const before = new AuditService(db, clock, (h) => signHash(key, h));
    for (let i = 0; i < 5; i++)
      await before.record({ event: 'tool.call', outcome: 'allowed', tool: 'whoami', args: { i } });
    const rows = () =>
      db.$client
        .query<{ seq: number; hash: string }, []>('SELECT seq, hash FROM audit_entries ORDER BY seq')
        .all();
    const written = rows();

    expect(applyMigrations(db).applied).toBe(migrations.length - index);
    expect(rows()).toEqual(written);
    const sql = db.$client
      .query<{ sql: string }, []>("SELECT sql FROM sqlite_master WHERE name = 'audit_entries'")
      .get()!.sql;
    expect(sql).toContain('AUTOINCREMENT');
    expect(
      db.$client
        .query("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'audit_entries_id'")
        .get(),
    ).toBeNull();

    const after = new AuditService(db, clock, (h) => signHash(key, h));
    const next = await after.record({ event: 'tool.call', outcome: 'denied', tool: 'whoami' });
    expect(next.seq).toBe(6);
    expect(verifyChain(db.$client, key)).toMatchObject({ ok: true, checked: 6 });
    // The end cut (as someone with the file could): the next entry still gets a fresh seq.
    db.$client.run('DELETE FROM audit_entries WHERE seq >= 5');
    const appended = await after.record({ event: 'tool.call', outcome: 'allowed', tool: 'whoami' });
    expect(appended.seq).toBe(7);
    db.$client.close();
  });
});
