import { chmodSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { migrations } from '../../db/migrations/index.ts';
import { quote } from '../config/checks.ts';
import { ConfigError } from '../config/index.ts';
import { sha256 } from '../crypto/random.ts';
import { DATA_FILE_MODE, ensurePrivateDir } from '../crypto/secret-files.ts';
import type { Db } from './client.ts';
import { pgClientOf } from './dialect.ts';
import { applyPgMigrations } from './pg/migrate.ts';

const BREAKPOINT = '--> statement-breakpoint';

/** Where the automatic copy taken before a migration goes, inside the data dir. */
export const MIGRATION_BACKUP_DIR = 'backups';

export interface MigrationResult {
  /** How many migrations this call applied. */
  applied: number;
  /** The copy of the database taken before applying them, when it already held data. */
  backup?: string;
}

/**
 * Applies the drizzle-kit migrations committed under db/migrations, in one transaction,
 * skipping those already applied (idempotent). `upTo` stops after that many (an older release's
 * schema, to prove an upgrade keeps its data). The SQL is bundled into the build, so the
 * compiled binary needs no migrations folder next to it.
 *
 * Migrations are forward-only: there is no down migration. So before applying any to a database
 * that already holds a schema, a consistent copy of it is written to
 * `<data dir>/backups/gatehouse-before-<first migration>-<time>.db` (VACUUM INTO), which a
 * downgrade restores; and a database migrated by a newer Gatehouse is refused, never run on.
 */
export function applyMigrations(db: Db, upTo = migrations.length, retried = false): MigrationResult {
  const pg = pgClientOf(db);
  if (pg) return applyPgMigrations(pg, upTo === migrations.length ? undefined : upTo);
  const meta = migrations.slice(0, upTo).map((m) => ({
    sql: m.sql.split(BREAKPOINT),
    bps: m.breakpoints,
    folderMillis: m.when,
    hash: sha256(m.sql),
  }));
  const before = countApplied(db);
  // Tables and no migrations journal: another program's database (GATEHOUSE_DATA_DIR pointed at
  // the wrong directory). Migrating it would fail on its first CREATE TABLE, or mix two schemas.
  if (before === 0) {
    const tables = foreignTables(db.$client);
    if (tables.length > 0)
      throw new ConfigError([
        `GATEHOUSE_DATA_DIR ${quote(dirname(db.$client.filename))}: ${basename(db.$client.filename)} is not a Gatehouse database (it holds tables ${tables
          .slice(0, 5)
          .map((t) => quote(t))
          .join(
            ', ',
          )}${tables.length > 5 ? ', …' : ''} and no Gatehouse migrations). Point GATEHOUSE_DATA_DIR at Gatehouse's data dir, or move that file aside`,
      ]);
  }
  const newest = before > 0 ? newestApplied(db) : undefined;
  const latest = migrations[migrations.length - 1]!;
  if (newest !== undefined && newest > latest.when) {
    throw new ConfigError([
      `GATEHOUSE_DATA_DIR ${quote(dirname(db.$client.filename))} holds a database migrated by a newer Gatehouse (its last migration is from ${new Date(newest).toISOString()}; this version's last, ${latest.tag}, is older). Migrations are forward-only: run the newer version, or restore the backup taken before the upgrade (gatehouse restore, or the copy in ${MIGRATION_BACKUP_DIR}/)`,
    ]);
  }
  const pending = meta.filter((m) => newest === undefined || m.folderMillis > newest);
  const backup =
    before > 0 && pending.length > 0
      ? backupBeforeMigration(db, migrations.find((m) => m.when === pending[0]!.folderMillis)!.tag)
      : undefined;
  // drizzle's own migrator, fed from the bundle instead of the filesystem.
  const migrate = () =>
    (
      db as unknown as { dialect: { migrate(m: unknown, s: unknown, c: unknown): void }; session: unknown }
    ).dialect.migrate(meta, (db as unknown as { session: unknown }).session, {});
  try {
    migrate();
  } catch (e) {
    // Another process applied them first (commands started together on a fresh data dir): the
    // migrator reads what is applied before its transaction begins, so it tried them again, and
    // its transaction rolled back. Start over once, from what is applied now (a newer schema is
    // refused then too); a failure with nothing applied meanwhile is this database's own.
    if (retried || countApplied(db) === before) throw e;
    return applyMigrations(db, upTo, true);
  }
  return { applied: countApplied(db) - before, ...(backup ? { backup } : {}) };
}

/** A consistent copy (VACUUM INTO) of a file database, 0600 in `<data dir>/backups/` (0700). */
function backupBeforeMigration(db: Db, firstPending: string): string | undefined {
  const file = db.$client.filename;
  if (!file || file === ':memory:') return undefined;
  const dir = join(dirname(file), MIGRATION_BACKUP_DIR);
  ensurePrivateDir(dir);
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let path = join(dir, `gatehouse-before-${firstPending}-${stamp}.db`);
  for (let n = 2; existsSync(path); n++)
    path = join(dir, `gatehouse-before-${firstPending}-${stamp}-${n}.db`);
  db.$client.run('VACUUM INTO ?', [path]);
  chmodSync(path, DATA_FILE_MODE);
  return path;
}

function newestApplied(db: Db): number | undefined {
  const row = db.$client
    .query<{ at: number | null }, []>('SELECT max(created_at) AS at FROM __drizzle_migrations')
    .get();
  return row?.at == null ? undefined : Number(row.at);
}

/** Up to six tables of another program's in a SQLite database (anything but SQLite's and drizzle's). */
export function foreignTables(sqlite: Db['$client']): string[] {
  return sqlite
    .query<{ name: string }, []>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations' ORDER BY name LIMIT 6",
    )
    .all()
    .map((t) => t.name);
}

function countApplied(db: Db): number {
  const row = db.$client
    .query<{ n: number }, []>(
      "SELECT count(*) AS n FROM sqlite_master WHERE type='table' AND name='__drizzle_migrations'",
    )
    .get();
  if (!row || row.n === 0) return 0;
  return db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM __drizzle_migrations').get()?.n ?? 0;
}
