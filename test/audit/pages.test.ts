/**
 * The console's page index (src/audit/pages.ts): the trail's commit writes no page row; settling
 * copies every entry the index lacks, once, whichever process appended it.
 */
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditService } from '../../src/audit/service.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'gatehouse.db');
const db = openDatabase(file);
applyMigrations(db);
const audit = new AuditService(db, { now: () => 1_800_000_000_000 });
const pages = () => db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM audit_pages').get()!.n;
const entry = (i: number) => ({
  event: 'tool.call' as const,
  outcome: 'allowed' as const,
  teamId: 'team_a',
  userId: 'usr_a',
  actorEmail: `Person.${i}@Demo.TEST`,
  clientId: 'cl_1',
  tool: 'whoami',
});

test('audit pages — a commit writes no page row; settling indexes each new entry once, email lower-cased', async () => {
  expect(audit.settlePages()).toBe(0);
  await Promise.all([0, 1, 2].map((i) => audit.record(entry(i))));
  audit.append(entry(3));
  expect(pages()).toBe(0);
  expect(audit.settlePages()).toBe(4);
  expect(audit.settlePages()).toBe(0);
  const emails = db.$client
    .query<{ e: string }, []>('SELECT actor_email AS e FROM audit_pages ORDER BY seq')
    .all()
    .map((r) => r.e);
  expect(emails).toEqual([0, 1, 2, 3].map((i) => `person.${i}@demo.test`));
});

test('audit pages — entries another process appended are indexed by the next settle', () => {
  const other = openDatabase(file);
  try {
    new AuditService(other, { now: () => 1_800_000_000_001 }).append(entry(4));
  } finally {
    other.$client.close();
  }
  const before = pages();
  expect(audit.settlePages()).toBe(1);
  expect(pages()).toBe(before + 1);
  const [trail, index] = ['audit_entries', 'audit_pages'].map(
    (t) => db.$client.query<{ s: number }, []>(`SELECT max(seq) AS s FROM ${t}`).get()!.s,
  );
  expect(index).toBe(trail);
});

test('audit pages — upgrading indexes the entries the trail already had (migration 0017)', () => {
  const old = openDatabase(join(dir, 'upgrade.db'));
  try {
    applyMigrations(old, 17); // up to 0016: the trail indexed itself
    const before = new AuditService(old, { now: () => 1_800_000_000_000 });
    // AuditService prepares nothing on audit_pages until it settles: it can write an old trail.
    for (let i = 0; i < 5; i++) before.append(entry(i));
    applyMigrations(old);
    const rows = old.$client
      .query<{ seq: number; e: string }, []>('SELECT seq, actor_email AS e FROM audit_pages ORDER BY seq')
      .all();
    expect(rows.map((r) => r.e)).toEqual([0, 1, 2, 3, 4].map((i) => `person.${i}@demo.test`));
    expect(new AuditService(old, { now: () => 1 }).settlePages()).toBe(0);
  } finally {
    old.$client.close();
  }
});
