import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { pgClientOf } from '../db/dialect.ts';
import { REPLICA_LOCKS } from '../db/pg/bridge.ts';
import type { Clock } from '../kernel/clock.ts';

export type McpSessionRow = typeof schema.mcpSessions.$inferSelect;

/** How often a live session's `last_seen_at` is written (it moves on every request in memory). */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

/**
 * The `mcp_sessions` table: the record of 2025-era MCP sessions, kept in step with the live ones
 * (src/mcp/live.ts) for the dashboard, the kill switch's preview and later reading. The only
 * code that reads or writes the table.
 */
export class McpSessionRows {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Sessions live in memory: rows a previous process left open are over. */
  closeLeftOpen(reason: string): void {
    const t = schema.mcpSessions;
    // Several replicas on PostgreSQL: only the rows of replicas that are gone are over. A live
    // replica holds its key as an advisory lock (PgClient.replica), so the lock table names them.
    const pg = pgClientOf(this.db);
    const gone = pg
      ? sql`(${t.replica} IS NULL OR ${t.replica} NOT IN (SELECT objid::text FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = ${REPLICA_LOCKS} AND objsubid = 2 AND granted))`
      : undefined;
    pg?.replica();
    this.db
      .update(t)
      .set({ closedAt: this.clock.now(), closedReason: reason })
      .where(and(isNull(t.closedAt), gone))
      .run();
  }

  /** A session was opened (the transport assigned its id). */
  create(s: { id: string; familyId: string; userId: string; teamId: string }, now: number): void {
    this.db
      .insert(schema.mcpSessions)
      .values({ ...s, createdAt: now, lastSeenAt: now, replica: pgClientOf(this.db)?.replica() ?? null })
      .run();
  }

  /** What the client said at initialize. */
  recordHandshake(
    id: string,
    hello: {
      protocolVersion: string | null;
      clientInfo: Record<string, unknown> | null;
      capabilities: Record<string, unknown> | null;
    },
  ): void {
    this.db.update(schema.mcpSessions).set(hello).where(eq(schema.mcpSessions.id, id)).run();
  }

  /** The session was used at `at`. */
  touch(id: string, at: number): void {
    this.db
      .update(schema.mcpSessions)
      .set({ lastSeenAt: at })
      .where(and(eq(schema.mcpSessions.id, id), isNull(schema.mcpSessions.closedAt)))
      .run();
  }

  /** The session ended; a row already closed keeps its first reason. */
  close(id: string, reason: string): void {
    this.db
      .update(schema.mcpSessions)
      .set({ closedAt: this.clock.now(), closedReason: reason })
      .where(and(eq(schema.mcpSessions.id, id), isNull(schema.mcpSessions.closedAt)))
      .run();
  }

  /** How many sessions of a team are open. */
  openCount(teamId: string): number {
    return (
      this.db
        .select({ n: count() })
        .from(schema.mcpSessions)
        .where(and(eq(schema.mcpSessions.teamId, teamId), isNull(schema.mcpSessions.closedAt)))
        .get()?.n ?? 0
    );
  }

  /** Open sessions of a team, or of one authorization (token family), newest first. */
  listOpen(filter: { teamId: string } | { familyId: string }): McpSessionRow[] {
    return this.db
      .select()
      .from(schema.mcpSessions)
      .where(
        and(
          'teamId' in filter
            ? eq(schema.mcpSessions.teamId, filter.teamId)
            : eq(schema.mcpSessions.familyId, filter.familyId),
          isNull(schema.mcpSessions.closedAt),
        ),
      )
      .orderBy(desc(schema.mcpSessions.createdAt))
      .all();
  }
}
