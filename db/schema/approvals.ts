import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { ACCESS_LEVELS, GRANT_KINDS, GRANT_STATUSES } from './enums.ts';
import { teams, users } from './teams.ts';

/**
 * An authority grant (DESIGN §4): broad authority over providers for a TTL counted from
 * approval, or one exact request (method, URL, body hash) consumed on use.
 */
export const grants = sqliteTable(
  'grants',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: GRANT_KINDS }).notNull(),
    status: text('status', { enum: GRANT_STATUSES }).notNull(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: text('client_id'),
    familyId: text('family_id').notNull(),
    mcpSessionId: text('mcp_session_id'),
    providers: text('providers', { mode: 'json' }).$type<string[]>().notNull(),
    level: text('level', { enum: ACCESS_LEVELS }),
    method: text('method'),
    url: text('url'),
    bodyHash: text('body_hash'),
    body: text('body'),
    /** Exact-call grants: the extra headers the approved request sends (lower-case names), if any. */
    headers: text('headers', { mode: 'json' }).$type<Record<string, string>>(),
    reason: text('reason').notNull(),
    /** SHA-256 of the single-use secret in the approval link. */
    approvalTokenHash: text('approval_token_hash').notNull(),
    approverUserId: text('approver_user_id'),
    notes: text('notes'),
    denyReason: text('deny_reason'),
    createdAt: integer('created_at').notNull(),
    requestExpiresAt: integer('request_expires_at').notNull(),
    decidedAt: integer('decided_at'),
    expiresAt: integer('expires_at'),
    consumedAt: integer('consumed_at'),
    revokedAt: integer('revoked_at'),
    revokedBy: text('revoked_by'),
    supersededBy: text('superseded_by'),
  },
  (t) => [index('grants_team_status').on(t.teamId, t.status), index('grants_family').on(t.familyId)],
);
