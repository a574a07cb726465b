import type { SQLQueryBindings } from 'bun:sqlite';
import type { Db } from '../db/client.ts';
import { dialectOf } from '../db/dialect.ts';

/**
 * The entry's insert, answering its seq: SQLite's own rowid (`lastInsertRowid`, a few µs less on
 * the request path than RETURNING); RETURNING on PostgreSQL, whose bridge has no rowid.
 */
export function prepareInsert(db: Db): (...values: SQLQueryBindings[]) => number {
  const sql = `INSERT INTO audit_entries (id, at, event, team_id, user_id, actor_email, client_id, family_id, session_id, tool,
        environment, outcome, reason, args, latency_ms, details, args_sha256, args_bytes, details_sha256,
        details_bytes, prev_hash, hash, signature)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  if (dialectOf(db.$client) === 'postgresql') {
    const returning = db.$client.prepare<{ seq: number }, SQLQueryBindings[]>(`${sql} RETURNING seq`);
    return (...values) => Number(returning.get(...values)!.seq);
  }
  const insert = db.$client.prepare<unknown, SQLQueryBindings[]>(sql);
  return (...values) => Number(insert.run(...values).lastInsertRowid);
}
