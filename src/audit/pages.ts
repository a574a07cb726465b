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
       FROM audit_entries WHERE seq > (SELECT coalesce(max(seq), 0) FROM audit_pages) ORDER BY seq`,
    );
    return {
      ends: this.sqlite.prepare<{ trail: number | null; pages: number | null }, []>(
        'SELECT (SELECT max(seq) FROM audit_entries) AS trail, (SELECT max(seq) FROM audit_pages) AS pages',
      ),
      fill,
      locked:
        dialectOf(this.sqlite) === 'postgresql'
          ? this.sqlite.transaction(() => fill.run().changes)
          : undefined,
    };
  }
}
