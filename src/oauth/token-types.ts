/** The vocabulary of tokens (src/oauth/tokens.ts owns their table): kinds, prefixes, outcomes. */
import type { schema } from '../db/client.ts';

export type Family = typeof schema.tokenFamilies.$inferSelect;

/** Prefixes make Gatehouse secrets recognisable to secret scanners (and to our own filter). */
export const TOKEN_PREFIX = {
  access: 'gatehouse_at_',
  refresh: 'gatehouse_rt_',
  connection: 'gatehouse_ct_',
} as const;

export interface IssuedTokens {
  accessToken: string;
  /** Absent for clients that did not register the refresh_token grant (RFC 7591 §2). */
  refreshToken: string | undefined;
  expiresInSeconds: number;
  scopes: string[];
  familyId: string;
}

export type RedeemFailure =
  | 'invalid'
  | 'expired'
  | 'replayed'
  | 'client_mismatch'
  | 'redirect_mismatch'
  | 'pkce_failed'
  | 'resource_mismatch'
  | 'not_admitted';
export type RefreshFailure =
  | 'invalid'
  | 'expired'
  | 'revoked'
  | 'reused'
  | 'client_mismatch'
  | 'scope_widened'
  | 'resource_mismatch'
  | 'not_admitted';

/** The row behind a bearer token presented to /mcp. */
export interface BearerRecord {
  tokenHash: string;
  kind: 'access' | 'connection';
  expiresAt: number | null;
  /** When the token or its family was revoked, if it was. */
  revokedAt: number | null;
  family: Family;
}
