import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { AUDIT_OUTCOMES, ENVIRONMENTS } from './enums.ts';

/**
 * Append-only audit trail. Each entry carries the SHA-256 of the previous entry's hash and its
 * own canonical encoding (a hash chain); `signature` is an Ed25519 signature over the hash.
 */
export const auditEntries = sqliteTable(
  'audit_entries',
  {
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
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    signature: text('signature'),
  },
  (t) => [
    uniqueIndex('audit_entries_id').on(t.id),
    index('audit_entries_team_at').on(t.teamId, t.at),
    index('audit_entries_tool').on(t.tool),
  ],
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
