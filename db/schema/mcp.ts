import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { ENVIRONMENTS } from './enums.ts';
import { tokenFamilies } from './oauth.ts';
import { teams, users } from './teams.ts';

/** A 2025-era MCP session (Mcp-Session-Id), bound to the token family that opened it. */
export const mcpSessions = sqliteTable(
  'mcp_sessions',
  {
    id: text('id').primaryKey(),
    familyId: text('family_id')
      .notNull()
      .references(() => tokenFamilies.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    environment: text('environment', { enum: ENVIRONMENTS }).notNull().default('sandbox'),
    protocolVersion: text('protocol_version'),
    clientInfo: text('client_info', { mode: 'json' }).$type<Record<string, unknown>>(),
    capabilities: text('capabilities', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    closedAt: integer('closed_at'),
    closedReason: text('closed_reason'),
    /**
     * The replica the session lives in (its memory), on PostgreSQL with several replicas: a
     * replica that starts closes only the rows of replicas that are gone (src/mcp/session-rows.ts).
     * Null on SQLite, where one process owns the database.
     */
    replica: text('replica'),
  },
  (t) => [index('mcp_sessions_team').on(t.teamId), index('mcp_sessions_family').on(t.familyId)],
);

/** How a confirmation is answered: its token by the agent, an MCP question, or a person in the console. */
export const CONFIRMATION_CHANNELS = ['token', 'question', 'console'] as const;
export type ConfirmationChannel = (typeof CONFIRMATION_CHANNELS)[number];

/**
 * A pending destructive operation: the confirmation token (hashed) is bound to the caller,
 * the tool and the exact arguments, and is consumed once. `via` says who may answer it: a
 * `console` confirmation is spendable only after its human confirmed it in /approvals.
 */
export const confirmations = sqliteTable(
  'confirmations',
  {
    hash: text('hash').primaryKey(),
    familyId: text('family_id')
      .notNull()
      .references(() => tokenFamilies.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    teamId: text('team_id').notNull(),
    tool: text('tool').notNull(),
    argsHash: text('args_hash').notNull(),
    environment: text('environment', { enum: ENVIRONMENTS }).notNull(),
    summary: text('summary', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    consumedAt: integer('consumed_at'),
    via: text('via', { enum: CONFIRMATION_CHANNELS }).notNull().default('token'),
    /** Console confirmations: the person's answer, when and who (their email). */
    decision: text('decision', { enum: ['confirmed', 'declined'] }),
    decidedAt: integer('decided_at'),
    decidedBy: text('decided_by'),
  },
  (t) => [
    index('confirmations_family_call').on(t.familyId, t.tool, t.argsHash),
    index('confirmations_team_user').on(t.teamId, t.userId),
  ],
);
