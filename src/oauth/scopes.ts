import type { Permission } from '../../db/schema/enums.ts';

/**
 * OAuth scopes Gatehouse issues. They only ever narrow what a token can do; what the human's
 * role allows is checked on every call (a token never carries more than its human).
 *  - `mcp`: use every tool the human's role allows (the default).
 *  - `mcp:read`: read-only tools only (least privilege for clients that only look).
 *  - `offline_access`: accepted for clients that ask for it. Refresh tokens go to clients that
 *    registered the `refresh_token` grant, whether or not they asked for it; a client that did
 *    not is never granted `offline_access` (see `grantedScopes`).
 */
export const SCOPES_SUPPORTED = ['mcp', 'mcp:read', 'offline_access'] as const;
export type Scope = (typeof SCOPES_SUPPORTED)[number];

/** The scope a request to /mcp needs (advertised in WWW-Authenticate). */
export const MCP_REQUIRED_SCOPE = 'mcp';
/** Either of these lets a token reach /mcp at all. */
const MCP_ACCESS_SCOPES: readonly string[] = ['mcp', 'mcp:read'];

export const DEFAULT_SCOPES: Scope[] = ['mcp', 'offline_access'];

const READ_PERMISSIONS: readonly Permission[] = ['workos:read', 'integrations:read'];

export type ScopeParse = { ok: true; scopes: Scope[] } | { ok: false; unknown: string[] };

/** Parses a space-delimited scope string (RFC 6749 §3.3); empty means the defaults. */
export function parseScope(raw: string | null | undefined): ScopeParse {
  const parts = (raw ?? '').split(' ').filter((s) => s.length > 0);
  if (parts.length === 0) return { ok: true, scopes: [...DEFAULT_SCOPES] };
  const unknown = parts.filter((p) => !(SCOPES_SUPPORTED as readonly string[]).includes(p));
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, scopes: [...new Set(parts as Scope[])] };
}

export function formatScope(scopes: readonly string[]): string {
  return [...scopes].join(' ');
}

export function canReachMcp(scopes: readonly string[]): boolean {
  return scopes.some((s) => MCP_ACCESS_SCOPES.includes(s));
}

/**
 * Whether a token with these scopes may use a permission at all, whatever its human's role. When
 * this is false the token's scope (not the role) is what stands in the way.
 */
export function scopeAllows(permission: Permission, scopes: readonly string[]): boolean {
  if (scopes.includes('mcp')) return true;
  return scopes.includes('mcp:read') && READ_PERMISSIONS.includes(permission);
}

/** Narrows a human's permissions to what the token's scopes allow. */
export function capPermissions(permissions: readonly Permission[], scopes: readonly string[]): Permission[] {
  return permissions.filter((p) => scopeAllows(p, scopes));
}

/**
 * The scopes actually granted to a client: `offline_access` only when it registered the
 * `refresh_token` grant, since it gets no refresh token otherwise. RFC 7591 §2: grant_types
 * defaults to ["authorization_code"]; RFC 6749 §3.3: the issued scope may differ from the
 * requested one, and the token response then says which was granted.
 */
export function grantedScopes(requested: readonly string[], grantTypes: readonly string[]): string[] {
  return grantTypes.includes('refresh_token')
    ? [...requested]
    : requested.filter((s) => s !== 'offline_access');
}

/** `requested` ⊆ `granted`: a refresh may keep or narrow scopes, never widen them (RFC 6749 §6). */
export function isSubset(requested: readonly string[], granted: readonly string[]): boolean {
  return requested.every((s) => granted.includes(s));
}
