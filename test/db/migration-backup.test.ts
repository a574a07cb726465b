import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../../db/migrations/index.ts';
import { ConfigError } from '../../src/config/index.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations, MIGRATION_BACKUP_DIR } from '../../src/db/migrate.ts';

const dirs: string[] = [];
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gatehouse-migrate-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const backups = (dir: string) =>
  existsSync(join(dir, MIGRATION_BACKUP_DIR)) ? readdirSync(join(dir, MIGRATION_BACKUP_DIR)) : [];

describe('migrations are forward-only', () => {
  test('a new, empty database — migrated without a copy', () => {
    const dir = dataDir();
    const db = openDatabase(join(dir, 'gatehouse.db'));
    const r = applyMigrations(db);
    db.$client.close();
    expect(r.applied).toBe(migrations.length);
    expect(r.backup).toBeUndefined();
    expect(backups(dir)).toEqual([]);
  });

  test('an older database with data — copied (0600, consistent, the old schema and its rows) before the migration', () => {
    const dir = dataDir();
    const db = openDatabase(join(dir, 'gatehouse.db'));
    applyMigrations(db, migrations.length - 1);
    // Rows written under the older schema (a table of the test's own, whatever the schema holds).
    db.$client.run('CREATE TABLE probe (name TEXT)');
    db.$client.run("INSERT INTO probe VALUES ('written before the upgrade')");
    const r = applyMigrations(db);
    db.$client.close();
    expect(r.applied).toBe(1);
    const last = migrations[migrations.length - 1]!.tag;
    expect(r.backup).toMatch(new RegExp(`/backups/gatehouse-before-${last}-\\d{8}T\\d{6}Z\\.db$`));
    expect(statSync(r.backup!).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, MIGRATION_BACKUP_DIR)).mode & 0o777).toBe(0o700);
    const copy = new Database(r.backup!, { readonly: true });
    expect(copy.query<{ n: number }, []>('SELECT count(*) AS n FROM __drizzle_migrations').get()!.n).toBe(
      migrations.length - 1,
    );
    expect(copy.query<{ name: string }, []>('SELECT name FROM probe').get()!.name).toBe(
      'written before the upgrade',
    );
    expect(copy.query<{ quick_check: string }, []>('PRAGMA quick_check').get()!.quick_check).toBe('ok');
    copy.close();
  });

  test('an up-to-date database — no migration, no copy', () => {
    const dir = dataDir();
    const db = openDatabase(join(dir, 'gatehouse.db'));
    applyMigrations(db);
    const r = applyMigrations(db);
    db.$client.close();
    expect(r).toEqual({ applied: 0 });
    expect(backups(dir)).toEqual([]);
  });

  test('a database migrated by a newer Gatehouse — refused, naming GATEHOUSE_DATA_DIR, nothing applied', () => {
    const dir = dataDir();
    const db = openDatabase(join(dir, 'gatehouse.db'));
    applyMigrations(db);
    db.$client.run('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)', [
      'future',
      4_102_444_800_000,
    ]);
    let error: unknown;
    try {
      applyMigrations(db);
    } catch (e) {
      error = e;
    }
    db.$client.close();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(
      `GATEHOUSE_DATA_DIR '${dir}' holds a database migrated by a newer Gatehouse`,
    );
    expect((error as ConfigError).message).toContain('Migrations are forward-only');
    expect(backups(dir)).toEqual([]);
  });
});
