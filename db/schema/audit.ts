import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { AUDIT_OUTCOMES, ENVIRONMENTS } from './enums.ts';

/**
 * Append-only audit trail. Each entry carries the SHA-256 of the previous entry's hash and its
 * own canonical encoding (a hash chain); `signature` is an Ed25519 signature over the hash.
 * `args` and `details` hold the whole value when it is small; a larger one is kept whole in
 * `audit_records`, and the entry holds a preview plus the record's SHA-256 and byte length, which
 * the chain covers: the signed entry commits to every byte of what was recorded.
 */
export const auditEntries = sqliteTable(
  'audit_entries',
  {
    // AUTOINCREMENT: a seq is never reused, even after entries were cut from the trail's end, so
    // what is keyed by seq (audit_pages, `audit export --after-seq`) never names another entry.
    // It costs each commit one more page (the sqlite_sequence row), on purpose.
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    at: integer('at').notNull(),
    event: text('event').notNull(),
    teamId: text('team_id'),
    userId: text('user_id'),
    actorEmail: text('actor_email'),
    clientId: text('client_id'),
    familyId: text('family_id'),
    sessionId: text('session_id'),
    tool: text('tool'),
    environment: text('environment', { enum: ENVIRONMENTS }),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    reason: text('reason'),
    args: text('args'),
    latencyMs: integer('latency_ms'),
    details: text('details'),
    /** Set when `args` is only a preview: the whole value is in audit_records. */
    argsSha256: text('args_sha256'),
    argsBytes: integer('args_bytes'),
    /** Set when `details` is only a preview: the whole value is in audit_records. */
    detailsSha256: text('details_sha256'),
    detailsBytes: integer('details_bytes'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    signature: text('signature'),
  },
  // Nothing but seq is indexed here: every index is a page more for each commit to write, on the
  // request path (an acknowledged call waits for its entry). Nothing looks an entry up by its id
  // (audit_records has its own index on it), which is unique by construction (the time and 72
  // random bits: src/audit/service.ts entryId). The console's filters are served by audit_pages,
  // filled behind the trail.
);

/**
 * What the console's /audit pages filter and order by, one row per entry (same seq), filled in
 * batches behind the trail: once a second by the head writer and before any page is read
 * (AuditService.settlePages), so a page always shows every committed entry. The trail commits
 * one narrow row per entry; these seven indexes are paid once per batch instead of once per
 * call (bench/README.md "Audit").
 *
 * Pages go newest first by (at, seq), keyset: every filter has an index that starts with the
 * team, then the filter's column, then the time, so a page (first or any later, any filter, any
 * time range) reads only its own rows.
 */
export const auditPages = sqliteTable(
  'audit_pages',
  {
    /** The entry's seq (audit_entries.seq). */
    seq: integer('seq').primaryKey(),
    teamId: text('team_id'),
    at: integer('at').notNull(),
    userId: text('user_id'),
    /** Lower-cased, as the console's user filter compares it. */
    actorEmail: text('actor_email'),
    clientId: text('client_id'),
    tool: text('tool'),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    event: text('event').notNull(),
  },
  (t) => [
    index('audit_pages_team_at').on(t.teamId, t.at),
    index('audit_pages_team_user_at').on(t.teamId, t.userId, t.at),
    index('audit_pages_team_email_at').on(t.teamId, t.actorEmail, t.at),
    index('audit_pages_team_client_at').on(t.teamId, t.clientId, t.at),
    index('audit_pages_team_tool_at').on(t.teamId, t.tool, t.at),
    // Most entries are allowed tool calls: those two filters page them through (team, at), and
    // only the other outcomes and events are indexed (the query repeats the index's condition).
    index('audit_pages_team_outcome_at').on(t.teamId, t.outcome, t.at).where(sql`${t.outcome} <> 'allowed'`),
    index('audit_pages_team_event_at').on(t.teamId, t.event, t.at).where(sql`${t.event} <> 'tool.call'`),
  ],
);

/**
 * The signed head on PostgreSQL (src/audit/head.ts): the newest entry's seq and hash, signed with
 * the audit key, with the counter that only grows. On SQLite the head stays in the data dir
 * (`audit-head.json`, outside the database); on PostgreSQL the replicas share no directory, so
 * every replica's head writer writes it here, in a transaction that holds the write lock.
 *
 * One row (id = 1), not one per counter: the head is the newest state only. The history of heads
 * is the witness's (GATEHOUSE_AUDIT_WITNESS, a file on another volume); a history kept in this
 * database would be rolled back with it, so it would prove nothing, and it would grow by a row
 * a second.
 */
export const auditHeads = sqliteTable(
  'audit_heads',
  {
    id: integer('id').primaryKey(),
    seq: integer('seq').notNull(),
    hash: text('hash').notNull(),
    at: integer('at').notNull(),
    counter: integer('counter').notNull(),
    signature: text('signature').notNull(),
  },
  (t) => [check('audit_heads_single_row', sql`${t.id} = 1`)],
);

/** The fields of an audit entry that can be kept out of line. */
export const AUDIT_RECORD_FIELDS = ['args', 'details'] as const;
export type AuditRecordField = (typeof AUDIT_RECORD_FIELDS)[number];

/**
 * The whole value of an entry's `args` or `details` when it is too large to keep in the entry
 * (canonical JSON, secrets stripped). Its SHA-256 and byte length are in the signed entry.
 */
export const auditRecords = sqliteTable(
  'audit_records',
  {
    entryId: text('entry_id').notNull(),
    field: text('field', { enum: AUDIT_RECORD_FIELDS }).notNull(),
    content: text('content').notNull(),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.field] })],
);

/** Per-minute rollups of tool calls for the dashboard and /metrics. */
export const metricRollups = sqliteTable(
  'metric_rollups',
  {
    bucket: integer('bucket').notNull(),
    teamId: text('team_id').notNull(),
    tool: text('tool').notNull(),
    calls: integer('calls').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    denials: integer('denials').notNull().default(0),
    latencySumMs: integer('latency_sum_ms').notNull().default(0),
    /** Counts per latency bucket (see LATENCY_BUCKETS_MS), JSON array. */
    histogram: text('histogram').notNull(),
  },
  (t) => [uniqueIndex('metric_rollups_pk').on(t.bucket, t.teamId, t.tool)],
);
