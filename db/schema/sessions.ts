import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { Permission } from './enums.ts';
import { teams, users } from './teams.ts';

/**
 * A browser signed in to the console. The cookie holds a random id; only its SHA-256 is stored.
 * The AuthKit refresh token is kept encrypted (AES-GCM under the cookie password) so that the
 * human can switch team and so that logout can end the AuthKit session.
 */
export const browserSessions = sqliteTable(
  'browser_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Null until the human picked a team. */
    teamId: text('team_id').references(() => teams.id, { onDelete: 'cascade' }),
    role: text('role'),
    permissions: text('permissions', { mode: 'json' }).$type<Permission[]>(),
    authkitSessionId: text('authkit_session_id'),
    refreshTokenSealed: text('refresh_token_sealed'),
    /**
     * Set when AuthKit says the session is an impersonation (the access token's `act` claim, or
     * the authentication response's `impersonator`): the impersonator's email. Writes are refused.
     */
    impersonator: text('impersonator'),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    endedAt: integer('ended_at'),
  },
  (t) => [index('browser_sessions_user').on(t.userId)],
);

/**
 * One sign-in attempt: the AuthKit `state` (hashed) bound to its PKCE verifier and where to
 * return. Consumed exactly once by /callback.
 */
export const loginFlows = sqliteTable('login_flows', {
  stateHash: text('state_hash').primaryKey(),
  codeVerifierSealed: text('code_verifier_sealed').notNull(),
  returnTo: text('return_to').notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  consumedAt: integer('consumed_at'),
});
