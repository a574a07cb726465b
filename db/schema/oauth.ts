import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import {
  CLIENT_KINDS,
  FAMILY_KINDS,
  TOKEN_ENDPOINT_AUTH_METHODS,
  TOKEN_KINDS,
  type TokenEndpointAuthMethod,
} from './enums.ts';
import { teams, users } from './teams.ts';

/** An OAuth client: registered dynamically (RFC 7591) or known by its metadata document URL. */
export const oauthClients = sqliteTable('oauth_clients', {
  id: text('id').primaryKey(),
  kind: text('kind', { enum: CLIENT_KINDS }).notNull(),
  clientName: text('client_name').notNull(),
  redirectUris: text('redirect_uris', { mode: 'json' }).$type<string[]>().notNull(),
  tokenEndpointAuthMethod: text('token_endpoint_auth_method', { enum: TOKEN_ENDPOINT_AUTH_METHODS })
    .$type<TokenEndpointAuthMethod>()
    .notNull(),
  clientSecretHash: text('client_secret_hash'),
  grantTypes: text('grant_types', { mode: 'json' }).$type<string[]>().notNull(),
  responseTypes: text('response_types', { mode: 'json' }).$type<string[]>().notNull(),
  applicationType: text('application_type').notNull(),
  scope: text('scope'),
  clientUri: text('client_uri'),
  logoUri: text('logo_uri'),
  softwareId: text('software_id'),
  softwareVersion: text('software_version'),
  /** The registered metadata as returned to the client (RFC 7591 §3.2.1), secrets excluded. */
  metadata: text('metadata', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  createdAt: integer('created_at').notNull(),
  /** For metadata-document clients: when the document was fetched and until when it is trusted. */
  fetchedAt: integer('fetched_at'),
  cacheUntil: integer('cache_until'),
});

/** A human's approval of a client in a team; re-authorization skips the consent page until revoked. */
export const oauthConsents = sqliteTable(
  'oauth_consents',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    clientId: text('client_id')
      .notNull()
      .references(() => oauthClients.id, { onDelete: 'cascade' }),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('oauth_consents_pk').on(t.userId, t.teamId, t.clientId)],
);

/**
 * Consent forms already submitted, by the nonce sealed into each form: a rendered consent form
 * is decided once. The decision's redirect is kept sealed (it carries the code), so the same
 * browser session posting the form again (a double click) gets the same answer, not a new code.
 * Rows past `expiresAt` (when the form would have expired anyway) are pruned.
 */
export const oauthConsentForms = sqliteTable(
  'oauth_consent_forms',
  {
    nonce: text('nonce').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    usedAt: integer('used_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    /** SHA-256 of the browser session that decided. */
    sessionHash: text('session_hash'),
    /** The decision's redirect Location, sealed; null while it is being decided. */
    answer: text('answer'),
  },
  (t) => [index('oauth_consent_forms_expires').on(t.expiresAt)],
);

/** Authorization codes (RFC 6749 §4.1.2), stored hashed, single-use. */
export const oauthCodes = sqliteTable('oauth_codes', {
  codeHash: text('code_hash').primaryKey(),
  clientId: text('client_id')
    .notNull()
    .references(() => oauthClients.id, { onDelete: 'cascade' }),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  teamId: text('team_id')
    .notNull()
    .references(() => teams.id, { onDelete: 'cascade' }),
  redirectUri: text('redirect_uri').notNull(),
  codeChallenge: text('code_challenge').notNull(),
  scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
  resource: text('resource').notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  consumedAt: integer('consumed_at'),
  /** The family the code was exchanged into: a replayed code revokes it (RFC 6749 §4.1.2). */
  familyId: text('family_id'),
  /** Issued from an impersonated browser session: the impersonator's email, carried to the tokens. */
  impersonator: text('impersonator'),
});

/**
 * Everything one authorization produced (an access/refresh token chain), or one connection
 * token. Revoking the family revokes every token in it; usage figures are kept here.
 */
export const tokenFamilies = sqliteTable(
  'token_families',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: FAMILY_KINDS }).notNull(),
    clientId: text('client_id').references(() => oauthClients.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    /** Connection tokens carry a human-chosen name. */
    name: text('name'),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    resource: text('resource').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    requestCount: integer('request_count').notNull().default(0),
    revokedAt: integer('revoked_at'),
    revokedReason: text('revoked_reason'),
    /** Issued from an impersonated browser session: the impersonator's email; writes are refused. */
    impersonator: text('impersonator'),
  },
  (t) => [
    index('token_families_team').on(t.teamId),
    index('token_families_user').on(t.userId),
    // /connections pages a team's live families of one kind newest first; /dashboard lists
    // those used lately.
    index('token_families_team_kind_live')
      .on(t.teamId, t.kind, t.createdAt)
      .where(sql`${t.revokedAt} IS NULL`),
    // Covering for the dashboard's count of the live families used in its window.
    index('token_families_team_used_live')
      .on(t.teamId, t.lastUsedAt, t.expiresAt)
      .where(sql`${t.revokedAt} IS NULL`),
    // /audit's client filter offers the team's clients: a loose scan, one step per client.
    index('token_families_team_client').on(t.teamId, t.clientId),
  ],
);

/** Bearer tokens, stored only as SHA-256 hashes. */
export const tokens = sqliteTable(
  'tokens',
  {
    hash: text('hash').primaryKey(),
    kind: text('kind', { enum: TOKEN_KINDS }).notNull(),
    familyId: text('family_id')
      .notNull()
      .references(() => tokenFamilies.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    /** Refresh tokens: when it was exchanged (rotation); a second use is reuse. */
    usedAt: integer('used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('tokens_family').on(t.familyId)],
);
