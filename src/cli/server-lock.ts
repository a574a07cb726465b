/**
 * Which data dir a running server owns. `gatehouse serve` holds an exclusive SQLite lock on
 * GATEHOUSE_DATA_DIR/gatehouse.lock for as long as it runs (the operating system drops it when
 * the process ends, even on SIGKILL or in another container sharing the volume), so `gatehouse
 * restore` can refuse to replace a running server's files, and a second server on the same data
 * dir is refused instead of writing a second audit chain into it.
 */
import { Database } from 'bun:sqlite';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_FILE_MODE, ensureOwnFile, ensurePrivateDir } from '../crypto/secret-files.ts';
import { isBusy } from '../db/client.ts';

export const LOCK_FILE = 'gatehouse.lock';

export interface ServerLock {
  release(): void;
}

/**
 * Takes the data dir's lock, or returns undefined when another process holds it. The lock file is
 * a tiny SQLite database in exclusive locking mode: its first write takes a lock that is kept
 * until the connection closes.
 */
export function acquireServerLock(dataDir: string): ServerLock | undefined {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, LOCK_FILE);
  // A regular file of the data dir's owner, never a link (a restore runs as root).
  ensureOwnFile(path);
  const db = new Database(path, { create: true, readwrite: true });
  try {
    db.exec('PRAGMA busy_timeout = 0');
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    // No journal file beside it: the lock holds nothing worth a rollback.
    db.exec('PRAGMA journal_mode = MEMORY');
    db.exec('CREATE TABLE IF NOT EXISTS server (pid INTEGER NOT NULL, started_at TEXT NOT NULL)');
    db.exec('DELETE FROM server');
    db.run('INSERT INTO server (pid, started_at) VALUES (?, ?)', [process.pid, new Date().toISOString()]);
  } catch (e) {
    db.close();
    if (isBusy(e)) return undefined;
    throw e;
  }
  chmodSync(path, DATA_FILE_MODE);
  held.add(db);
  return {
    release() {
      held.delete(db);
      db.close();
    },
  };
}

/** The open lock connections: referenced here so the garbage collector never closes one. */
const held = new Set<Database>();

/** Whether a running server holds the data dir's lock (no lock file: none ever did). */
export function serverRunning(dataDir: string): boolean {
  const path = join(dataDir, LOCK_FILE);
  if (!existsSync(path)) return false;
  let db: Database | undefined;
  try {
    db = new Database(path, { readwrite: true, create: false });
    db.exec('PRAGMA busy_timeout = 0');
    db.query('SELECT count(*) FROM sqlite_master').get();
    return false;
  } catch (e) {
    if (isBusy(e)) return true;
    throw e;
  } finally {
    db?.close();
  }
}
