import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WRITE_LOCK } from '../../src/db/pg/bridge.ts';
import { onPostgres, openStore } from './pg.ts';
import type { TestGatehouse } from './server.ts';

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

/**
 * Makes `target[method]` fail as a database that cannot answer does, with a real SQLITE_BUSY
 * (thrown, or a rejected promise when `how` is 'rejects'), until `restore()`; `calls()` counts
 * the attempts. Restore it in a `finally`.
 */
export function refusing<T extends object>(
  target: T,
  method: keyof T & string,
  how: 'throws' | 'rejects' = 'throws',
): { error: Error; calls: () => number; restore: () => void } {
  const slot = target as Record<string, unknown>;
  const own = Object.hasOwn(target, method);
  const original = slot[method];
  const error = sqliteBusyError();
  let calls = 0;
  slot[method] = () => {
    calls++;
    if (how === 'rejects') return Promise.reject(error);
    throw error;
  };
  return {
    error,
    calls: () => calls,
    restore: () => {
      if (own) slot[method] = original;
      else delete slot[method];
    },
  };
}

/**
 * Holds the database's write lock from another connection, as a stuck process would, until the
 * server logs `until` (the log is written on the server's own thread, which the lock blocks: the
 * timers' flushes that come after it then find the lock free), or until released.
 */
export async function holdWriteLock(gh: TestGatehouse, until: string): Promise<() => void> {
  const other = await openStore(gh.dataDir);
  // On PostgreSQL a single statement outside a transaction does not take WRITE_LOCK: the tables
  // written are locked against writes too (reads go on, as with SQLite's writer).
  other.exec(
    onPostgres
      ? `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK}); LOCK TABLE mcp_sessions, token_families, metric_rollups, audit_entries IN EXCLUSIVE MODE`
      : 'BEGIN IMMEDIATE',
  );
  const log = gh.ctx.log;
  const error = log.error;
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    log.error = error;
    other.exec('ROLLBACK');
    other.close();
  };
  log.error = (msg, fields) => {
    error.call(log, msg, fields);
    if (msg.startsWith(until)) release();
  };
  return release;
}

/** This server's own connection gives up on a lock at once, instead of after its 5 s. */
export function impatient(gh: TestGatehouse): () => void {
  const client = gh.ctx.db.$client;
  client.exec(onPostgres ? "SET lock_timeout = '20ms'" : 'PRAGMA busy_timeout = 0');
  return () => client.exec(onPostgres ? 'RESET lock_timeout' : 'PRAGMA busy_timeout = 5000');
}
