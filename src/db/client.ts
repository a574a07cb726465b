import { Database } from 'bun:sqlite';
import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { type BunSQLiteDatabase, drizzle } from 'drizzle-orm/bun-sqlite';
import * as schema from '../../db/schema/index.ts';
import { quote } from '../config/checks.ts';
import { DATABASE_FILE, interruptedRestoreProblem, whoAmI } from '../config/data-dir.ts';
import { ConfigError } from '../config/index.ts';
import { DATA_FILE_MODE, ensurePrivateDir } from '../crypto/secret-files.ts';

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };
/** The database file's name inside the data directory. */
export { DATABASE_FILE, schema };

/** The handle a `db.transaction` callback receives: services take it to write inside a caller's transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Busy handlers wait this long for a competing writer before failing. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating if needed) the SQLite database with the pragmas docs/architecture.md "Storage and audit" requires:
 * WAL journal, foreign keys enforced, a busy timeout, and fsync at commit boundaries. A new
 * database is created 0600 in a 0700 directory; SQLite gives its -wal and -shm files the
 * database file's mode. (Files an older version left readable are tightened at start:
 * restrictDataDir.) A data dir or database that cannot be written is a ConfigError naming
 * GATEHOUSE_DATA_DIR, its value and why.
 */
export function openDatabase(path: string): Db {
  if (path === ':memory:') return configure(new Database(path, { create: true, strict: true }));
  const dir = dirname(path);
  // A data dir a restore left half moved: any command would start a new database on it.
  const interrupted = interruptedRestoreProblem(dir);
  if (interrupted) throw new ConfigError([interrupted]);
  const problem = (what: string, e: unknown) =>
    new ConfigError([
      isBusy(e)
        ? `GATEHOUSE_DATA_DIR ${quote(dir)}: ${what} (${describeError(e)}): another process held it locked for more than ${BUSY_TIMEOUT_MS / 1000} s. Find what holds it open (a stuck command, another server) and start again`
        : `GATEHOUSE_DATA_DIR ${quote(dir)}: ${what} (${describeError(e)}). The data dir and every file in it must be writable by the user Gatehouse runs as (${whoAmI()})`,
    ]);
  try {
    ensurePrivateDir(dir);
  } catch (e) {
    throw problem('the directory cannot be created', e);
  }
  try {
    // 'a' creates the file with this mode only if it is missing, and never truncates it.
    closeSync(openSync(path, 'a', DATA_FILE_MODE));
  } catch (e) {
    throw problem(`the database ${quote(path)} cannot be opened for writing`, e);
  }
  let sqlite: Database;
  try {
    sqlite = new Database(path, { create: true, strict: true });
  } catch (e) {
    throw problem(`the database ${quote(path)} cannot be opened`, e);
  }
  try {
    const db = configure(sqlite);
    // A read-only database (or a WAL beside it that this user cannot write) fails here, at start,
    // rather than at the first sign-in.
    sqlite.exec('BEGIN IMMEDIATE');
    sqlite.exec('ROLLBACK');
    return db;
  } catch (e) {
    sqlite.close();
    // SQLITE_NOTADB: the file's header is not SQLite's (another program's file, or damaged).
    if (isNotADatabase(e))
      throw new ConfigError([
        `GATEHOUSE_DATA_DIR ${quote(dir)}: ${quote(path)} is not a SQLite database (file is not a database): it is another program's file, or it was damaged. Move it aside, or put Gatehouse's back from a backup (gatehouse restore)`,
      ]);
    throw problem(`the database ${quote(path)} cannot be written`, e);
  }
}

function configure(sqlite: Database): Db {
  // First: every statement after it, the journal mode's included, waits out another process's
  // lock (a command's checkpoint, a closing connection) instead of failing at once.
  sqlite.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.exec('PRAGMA journal_mode = WAL');
  sqlite.exec('PRAGMA foreign_keys = ON');
  sqlite.exec('PRAGMA synchronous = NORMAL');
  const db = drizzle({ client: sqlite, schema }) as Db;
  // Transactions take the write lock as they begin (BEGIN IMMEDIATE), so one that reads and then
  // writes waits out another process's write (busy_timeout) instead of failing at once with
  // "database is locked": a deferred transaction cannot upgrade past a write committed since its
  // read began. Only another process (a command beside the server) ever waits: the server has one
  // connection.
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn, config) =>
    transaction(fn, { behavior: 'immediate', ...config })) as Db['transaction'];
  return db;
}

/** Whether SQLite refused a file whose header is not SQLite's (SQLITE_NOTADB). */
export function isNotADatabase(e: unknown): boolean {
  return (
    e instanceof Error &&
    /SQLITE_NOTADB|file is not a database/i.test(`${(e as { code?: string }).code} ${e.message}`)
  );
}

/** Whether SQLite refused because another connection holds a lock (busy or locked). */
export function isBusy(e: unknown): boolean {
  return (
    e instanceof Error &&
    /SQLITE_BUSY|SQLITE_LOCKED|database is locked/i.test(`${(e as { code?: string }).code} ${e.message}`)
  );
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'EACCES' || code === 'EPERM') return `permission denied, ${code}`;
  return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
}
