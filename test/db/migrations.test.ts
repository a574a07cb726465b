import { expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from '../../db/migrations/index.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';

const DIR = join(import.meta.dir, '..', '..', 'db', 'migrations');

test('migrations bundle — matches the drizzle-kit journal and SQL files (run `bun run db:generate`)', () => {
  const journal = JSON.parse(readFileSync(join(DIR, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  expect(migrations.map((m) => m.tag)).toEqual(journal.entries.map((e) => e.tag));
  for (const m of migrations) expect(m.sql).toBe(readFileSync(join(DIR, `${m.tag}.sql`), 'utf8'));
  const sqlFiles = readdirSync(DIR).filter((f) => f.endsWith('.sql'));
  expect(sqlFiles.length).toBe(migrations.length);
});

test('migrations — apply once, then are a no-op; pragmas are set', () => {
  const db = openDatabase(':memory:');
  expect(applyMigrations(db).applied).toBe(migrations.length);
  expect(applyMigrations(db).applied).toBe(0);
  expect(db.$client.query<{ foreign_keys: number }, []>('PRAGMA foreign_keys').get()?.foreign_keys).toBe(1);
  const tables = db.$client
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type='table'")
    .all()
    .map((r) => r.name);
  for (const t of [
    'teams',
    'team_settings',
    'users',
    'browser_sessions',
    'tokens',
    'audit_entries',
    'grants',
  ])
    expect(tables).toContain(t);
  db.$client.close();
});
