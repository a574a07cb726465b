/**
 * Closed sets of values shared by the schema, zod validators and TypeScript types.
 * Each array drives a Drizzle column's `enum`, a `z.enum(...)` and a union type.
 */
export const ENVIRONMENTS = ['sandbox', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const ROLE_SLUGS = ['admin', 'member', 'viewer'] as const;
export type RoleSlug = (typeof ROLE_SLUGS)[number];

export const PERMISSIONS = [
  'workos:read',
  'workos:write',
  'workos:production',
  'integrations:read',
  'integrations:write',
  'approvals:approve',
  'gatehouse:admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a token row is: OAuth access/refresh token, or a console-made connection token. */
export const TOKEN_KINDS = ['access', 'refresh', 'connection'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** How a family of tokens came to be. */
export const FAMILY_KINDS = ['oauth', 'connection'] as const;
export type FamilyKind = (typeof FAMILY_KINDS)[number];

export const CLIENT_KINDS = ['dcr', 'cimd'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export const TOKEN_ENDPOINT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

export const GRANT_KINDS = ['broad', 'call'] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];

export const GRANT_STATUSES = [
  'pending',
  'approved',
  'denied',
  'expired',
  'consumed',
  'revoked',
  'superseded',
] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

export const ACCESS_LEVELS = ['read', 'write'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export const AUDIT_OUTCOMES = ['allowed', 'denied', 'failed', 'ok'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
