import { PERMISSIONS, type Permission, ROLE_SLUGS, type RoleSlug } from '../../db/schema/enums.ts';

/** docs/architecture.md "Trust model": the permission sets a role slug falls back to when a token carries none. */
export const ROLE_PERMISSIONS: Record<RoleSlug, readonly Permission[]> = {
  admin: PERMISSIONS,
  member: ['workos:read', 'workos:write', 'integrations:read', 'integrations:write'],
  viewer: ['workos:read', 'integrations:read'],
};

const isPermission = (p: string): p is Permission => (PERMISSIONS as readonly string[]).includes(p);
const isRoleSlug = (r: string): r is RoleSlug => (ROLE_SLUGS as readonly string[]).includes(r);

/**
 * The permissions a human holds: those their WorkOS token carries (unknown slugs ignored), or,
 * when it carries none, the fallback set of their role. Unknown roles get nothing.
 */
export function effectivePermissions(
  role: string | null | undefined,
  tokenPermissions?: readonly string[] | null,
): Permission[] {
  const fromToken = (tokenPermissions ?? []).filter(isPermission);
  if (fromToken.length > 0) return [...new Set(fromToken)].sort();
  if (role && isRoleSlug(role)) return [...ROLE_PERMISSIONS[role]].sort();
  return [];
}
