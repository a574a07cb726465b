/**
 * The console's page index of the trail (db/schema/audit.ts, `audit_pages`): one narrow row per
 * entry, with the indexes every /audit filter needs. The trail's own commit (on the request path:
 * an acknowledged tool call waits for its entry) writes no page row; `settle` copies what the
 * trail has beyond the index in one statement — once a second from the head writer, and before
 * any page is read, so a page never misses a committed entry. Entries appended by another process
 * (the CLI) are indexed the same way: `settle` reads the database, not this process's queue.
 */
import type { Database } from 'bun:sqlite';
import { dialectOf } from '../db/dialect.ts';

/**
 * Where the index ends, as far as the trail goes: a row numbered past the trail's end (written
 * into the database by someone else) would otherwise stop every later entry being indexed.
 * `audit verify` names such rows (indexProblem).
 */
const PAGES_END =
  'SELECT coalesce(max(seq), 0) FROM audit_pages WHERE seq <= (SELECT coalesce(max(seq), 0) FROM audit_entries)';

/**
 * Why the page index disagrees with the trail, if it does (after `afterSeq`): a row with other
 * values than its entry's, or none, hides or misfiles the entry on the console's filtered pages;
 * an entry below the index's end without its row is missing from them.
 */
export function indexProblem(sqlite: Database, afterSeq = 0): string | undefined {
  const altered = sqlite
    .query<{ seq: number }, [number]>(
      `SELECT p.seq FROM audit_pages p LEFT JOIN audit_entries e ON e.seq = p.seq
       WHERE p.seq > ? AND (e.seq IS NULL OR p.team_id IS DISTINCT FROM e.team_id OR p.at IS DISTINCT FROM e.at
         OR p.user_id IS DISTINCT FROM e.user_id OR p.actor_email IS DISTINCT FROM lower(e.actor_email)
         OR p.client_id IS DISTINCT FROM e.client_id OR p.tool IS DISTINCT FROM e.tool
         OR p.outcome IS DISTINCT FROM e.outcome OR p.event IS DISTINCT FROM e.event)
       ORDER BY p.seq LIMIT 1`,
    )
    .get(afterSeq);
  if (altered)
    return `the console's page index (audit_pages) does not match the trail at #${altered.seq}: the console's filtered pages would misfile or show an entry the trail does not hold`;
  const missing = sqlite
    .query<{ seq: number }, [number]>(
      `SELECT e.seq FROM audit_entries e LEFT JOIN audit_pages p ON p.seq = e.seq
       WHERE e.seq > ? AND p.seq IS NULL AND e.seq <= (${PAGES_END}) ORDER BY e.seq LIMIT 1`,
    )
    .get(afterSeq);
  if (missing)
    return `the console's page index (audit_pages) has no row for entry #${missing.seq}: the console's filtered pages would not show it`;
  return undefined;
}

export class AuditPages {
  private statements: ReturnType<AuditPages['prepare']> | undefined;

  constructor(private readonly sqlite: Database) {}

  /** Indexes every entry the pages do not have yet; answers how many (0 costs two index reads). */
  settle(): number {
    // Prepared at first use: a service built on a database not migrated yet stays usable.
    this.statements ??= this.prepare();
    const { ends, fill } = this.statements;
    const { trail, pages } = ends.get() ?? { trail: null, pages: null };
    if ((trail ?? 0) <= (pages ?? 0)) return 0;
    // One statement, which reads the index's end itself: a settle in another process that got
    // there first only leaves this one less (or nothing) to copy. On PostgreSQL two replicas'
    // statements could both read the same end (read committed) and insert the same rows: there it
    // runs in a transaction, which takes the write lock first (src/db/pg/bridge.ts).
    return this.statements.locked ? this.statements.locked() : fill.run().changes;
  }

  private prepare() {
    const fill = this.sqlite.prepare<unknown, []>(
      `INSERT INTO audit_pages (seq, team_id, at, user_id, actor_email, client_id, tool, outcome, event)
       SELECT seq, team_id, at, user_id, lower(actor_email), client_id, tool, outcome, event
       FROM audit_entries WHERE seq > (${PAGES_END}) ORDER BY seq`,
    );
    return {
      ends: this.sqlite.prepare<{ trail: number | null; pages: number | null }, []>(
        `SELECT (SELECT max(seq) FROM audit_entries) AS trail, (${PAGES_END}) AS pages`,
      ),
      fill,
      locked:
        dialectOf(this.sqlite) === 'postgresql'
          ? this.sqlite.transaction(() => fill.run().changes)
          : undefined,
    };
  }
}
