import type { Permission } from '../../../db/schema/enums.ts';
import type { AppContext } from '../../app/context.ts';
import type { TeamMembership } from '../../auth/authkit.ts';
import type { BrowserSession } from '../../auth/browser-sessions.ts';
import { effectivePermissions } from '../../auth/permissions.ts';

/**
 * What the human may do in one of their teams, for the consent page's preview, by the role
 * WorkOS lists for them there. The session's own team uses the permissions of its verified
 * AuthKit token; another team uses those last captured for the same role there, else the role's
 * fallback set — the same rule the resource server applies to a token (PrincipalResolver).
 */
export function permissionsInTeam(
  ctx: AppContext,
  s: Pick<BrowserSession, 'userId' | 'organizationId' | 'role' | 'permissions'>,
  team: Pick<TeamMembership, 'organizationId' | 'role'>,
): Permission[] {
  if (team.organizationId === s.organizationId && team.role === s.role) return [...s.permissions];
  const known = ctx.teams.getByOrganization(team.organizationId);
  const snapshot = known ? ctx.users.membership(known.id, s.userId) : undefined;
  return snapshot && snapshot.role === team.role
    ? [...snapshot.permissions]
    : effectivePermissions(team.role, null);
}
