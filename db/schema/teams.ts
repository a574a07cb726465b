import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import {
  AUTHORITY_TTL_MS,
  DEFAULT_TOOL_CALLS_PER_MINUTE,
  MCP_SESSION_IDLE_TTL_MS,
} from '../../src/config/constants.ts';
import { ENVIRONMENTS, type Permission } from './enums.ts';

/**
 * A team is a WorkOS organization whose members sign in to Gatehouse.
 * Gatehouse keys it by its own id so that its settings, tokens and grants survive
 * a change of the WorkOS id (local mode re-seeds the emulator at every start and
 * re-links teams through `seedKey`, the organization's external_id).
 */
export const teams = sqliteTable(
  'teams',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id').notNull(),
    name: text('name').notNull(),
    seedKey: text('seed_key'),
    /**
     * When the operator admitted the organization as a team (GATEHOUSE_TEAMS, `gatehouse teams
     * admit`, or local mode's seeded staff teams). Null: not a team — nobody signs in to it and
     * its tokens are refused (rows from before admission existed are kept but inert).
     */
    admittedAt: integer('admitted_at'),
    /** Who admitted it: `config`, `cli` or `seed`. */
    admittedBy: text('admitted_by'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('teams_organization_id').on(t.organizationId),
    uniqueIndex('teams_seed_key').on(t.seedKey),
  ],
);

/**
 * A WorkOS environment a team's tools act on (docs/architecture.md "Trust model"): the API key
 * a team admin linked, sealed with AES-256-GCM under the data dir's environments secret and never
 * shown again. `keyFingerprint` (HMAC of the key) tells when two teams linked the same key
 * without opening either.
 */
export const teamEnvironments = sqliteTable(
  'team_environments',
  {
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    environment: text('environment', { enum: ENVIRONMENTS }).notNull(),
    keySealed: text('key_sealed').notNull(),
    keyLast4: text('key_last4').notNull(),
    keyFingerprint: text('key_fingerprint').notNull(),
    /** What WorkOS told us when the key was checked (e.g. 'staging' or 'production'). */
    keyKind: text('key_kind').notNull(),
    /** The key reaches the identity environment itself (the team's own organization is in it). */
    sharesIdentity: integer('shares_identity', { mode: 'boolean' }).notNull().default(false),
    linkedAt: integer('linked_at').notNull(),
    linkedBy: text('linked_by'),
    /** Bumped on every change so cached WorkOS clients for the old key are dropped. */
    version: integer('version').notNull().default(1),
  },
  (t) => [
    uniqueIndex('team_environments_pk').on(t.teamId, t.environment),
    index('team_environments_fingerprint').on(t.keyFingerprint),
  ],
);

/** The admin controls of a team (DESIGN §5). Defaults mirror the hosted WorkOS MCP: all enabled. */
export const teamSettings = sqliteTable('team_settings', {
  teamId: text('team_id')
    .primaryKey()
    .references(() => teams.id, { onDelete: 'cascade' }),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  allowProduction: integer('allow_production', { mode: 'boolean' }).notNull().default(true),
  allowWrite: integer('allow_write', { mode: 'boolean' }).notNull().default(true),
  requireDifferentApprover: integer('require_different_approver', { mode: 'boolean' })
    .notNull()
    .default(false),
  authorityTtlMs: integer('authority_ttl_ms').notNull().default(AUTHORITY_TTL_MS),
  piiRedaction: integer('pii_redaction', { mode: 'boolean' }).notNull().default(false),
  /**
   * Deletions (and sign-in changes) are confirmed only by a person: the human answering the
   * client's elicitation. A confirmation token the agent sends back is then refused.
   */
  destructiveNeedsPerson: integer('destructive_needs_person', { mode: 'boolean' }).notNull().default(false),
  sessionIdleTtlMs: integer('session_idle_ttl_ms').notNull().default(MCP_SESSION_IDLE_TTL_MS),
  /** Tool calls one token (authorization or connection token) may make per minute. */
  toolCallsPerMinute: integer('tool_calls_per_minute').notNull().default(DEFAULT_TOOL_CALLS_PER_MINUTE),
  /** Set when the kill switch was pulled; cleared only by re-enabling. */
  killedAt: integer('killed_at'),
  /** Bumped on every change so caches keyed on it are invalidated. */
  version: integer('version').notNull().default(1),
  updatedAt: integer('updated_at').notNull(),
  updatedBy: text('updated_by'),
});

/** A human Gatehouse has seen sign in. */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    workosUserId: text('workos_user_id').notNull(),
    email: text('email').notNull(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    seedKey: text('seed_key'),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [
    uniqueIndex('users_workos_user_id').on(t.workosUserId),
    uniqueIndex('users_seed_key').on(t.seedKey),
  ],
);

/** Last-known role of a user in a team, refreshed at every sign-in and principal resolution. */
export const teamMembers = sqliteTable(
  'team_members',
  {
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    permissions: text('permissions', { mode: 'json' }).$type<Permission[]>().notNull().default(sql`'[]'`),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('team_members_pk').on(t.teamId, t.userId), index('team_members_user').on(t.userId)],
);
