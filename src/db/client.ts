import { Database } from 'bun:sqlite';
import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { type BunSQLiteDatabase, drizzle } from 'drizzle-orm/bun-sqlite';
import * as schema from '../../db/schema/index.ts';
import { DATA_FILE_MODE, ensurePrivateDir } from '../crypto/secret-files.ts';

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };
export { schema };

/** The handle a `db.transaction` callback receives: services take it to write inside a caller's transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The database file's name inside the data directory. */
export const DATABASE_FILE = 'gatehouse.db';

/** Busy handlers wait this long for a competing writer before failing. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating if needed) the SQLite database with the pragmas docs/architecture.md "Storage and audit" requires:
 * WAL journal, foreign keys enforced, a busy timeout, and fsync at commit boundaries. A new
 * database is created 0600 in a 0700 directory; SQLite gives its -wal and -shm files the
 * database file's mode. (Files an older version left readable are tightened at start:
 * restrictDataDir.)
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') {
    ensurePrivateDir(dirname(path));
    // 'a' creates the file with this mode only if it is missing, and never truncates it.
    closeSync(openSync(path, 'a', DATA_FILE_MODE));
  }
  const sqlite = new Database(path, { create: true, strict: true });
  sqlite.exec('PRAGMA journal_mode = WAL');
  sqlite.exec('PRAGMA foreign_keys = ON');
  sqlite.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.exec('PRAGMA synchronous = NORMAL');
  return drizzle({ client: sqlite, schema }) as Db;
}
