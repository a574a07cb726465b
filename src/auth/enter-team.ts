import type { Permission } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import { AppError } from '../errors/app-error.ts';

/**
 * Switches a browser session into one of the human's teams: AuthKit re-issues an
 * organization-scoped token (`authenticateWithRefreshToken({organizationId})`), verified against
 * the JWKS, whose role and permissions the session then carries.
 */
export async function enterTeam(
  ctx: AppContext,
  s: { idHash: string; workosUserId: string; userId: string },
  organizationId: string,
): Promise<{ teamId: string; role: string; permissions: Permission[] }> {
  const refreshToken = ctx.browserSessions.refreshToken(s.idHash);
  if (!refreshToken)
    throw new AppError('unauthenticated', 'Your sign-in has expired.', { hint: 'Sign in again.' });
  const teams = await ctx.authkit.teams(s.workosUserId);
  const chosen = teams.find((t) => t.organizationId === organizationId);
  if (!chosen) throw new AppError('forbidden', 'You are not a member of that team.');
  const entry = await ctx.authkit.enterTeam(refreshToken, organizationId, s.workosUserId);
  const team = ctx.teams.upsertFromOrganization({
    organizationId,
    name: chosen.name,
    seedKey: ctx.config.mode === 'local' ? chosen.externalId : null,
  });
  ctx.users.recordMembership(team.id, s.userId, entry.role, entry.permissions);
  ctx.browserSessions.chooseTeam(s.idHash, {
    teamId: team.id,
    role: entry.role,
    permissions: entry.permissions,
    refreshToken: entry.refreshToken,
    authkitSessionId: entry.sessionId,
  });
  return { teamId: team.id, role: entry.role, permissions: entry.permissions };
}
