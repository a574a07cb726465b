import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real SQLITE_BUSY: a second connection refused the write lock another holds, at once. */
export function sqliteBusyError(): Error {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-busy-'));
  const a = new Database(join(dir, 'busy.db'));
  const b = new Database(join(dir, 'busy.db'));
  try {
    a.exec('PRAGMA journal_mode = WAL');
    b.exec('PRAGMA busy_timeout = 0');
    a.exec('BEGIN IMMEDIATE');
    b.exec('BEGIN IMMEDIATE');
  } catch (e) {
    return e as Error;
  } finally {
    a.close();
    b.close();
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('the second writer was not refused');
}
