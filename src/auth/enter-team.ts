import type { Permission } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import { AppError } from '../errors/app-error.ts';
import type { TeamMembership } from './authkit.ts';

/**
 * The human's memberships that are Gatehouse teams: only organizations the operator admitted
 * (docs/architecture.md "Trust model"). Membership of any other organization counts for nothing.
 */
export async function admittedTeams(ctx: AppContext, workosUserId: string): Promise<TeamMembership[]> {
  const memberships = await ctx.authkit.teams(workosUserId);
  return memberships.filter((m) => ctx.teams.admittedByOrganization(m.organizationId));
}

/** The page a person outside every admitted team gets: no session, and the reason. */
export function notATeam(email: string): AppError {
  return new AppError(
    'forbidden',
    `Your organization is not a Gatehouse team: ${email} is not a member of any team this Gatehouse admits.`,
    {
      hint: 'Ask the operator of this Gatehouse to admit your organization (gatehouse teams admit org_…), or sign in with your staff account.',
    },
  );
}

/**
 * Switches a browser session into one of the human's admitted teams: AuthKit re-issues an
 * organization-scoped token (`authenticateWithRefreshToken({organizationId})`), verified against
 * the JWKS, whose role, permissions and impersonation (`act`) the session then carries.
 */
export async function enterTeam(
  ctx: AppContext,
  s: { idHash: string; workosUserId: string; userId: string },
  organizationId: string,
): Promise<{ teamId: string; role: string; permissions: Permission[] }> {
  const refreshToken = ctx.browserSessions.refreshToken(s.idHash);
  if (!refreshToken)
    throw new AppError('unauthenticated', 'Your sign-in has expired.', { hint: 'Sign in again.' });
  const team = ctx.teams.admittedByOrganization(organizationId);
  if (!team) throw new AppError('forbidden', 'That organization is not a Gatehouse team.');
  const teams = await ctx.authkit.teams(s.workosUserId);
  const chosen = teams.find((t) => t.organizationId === organizationId);
  if (!chosen) throw new AppError('forbidden', 'You are not a member of that team.');
  const entry = await ctx.authkit.enterTeam(refreshToken, organizationId, s.workosUserId);
  if (chosen.name !== team.name) ctx.teams.rename(team.id, chosen.name);
  ctx.users.recordMembership(team.id, s.userId, entry.role, entry.permissions);
  ctx.browserSessions.chooseTeam(s.idHash, {
    teamId: team.id,
    role: entry.role,
    permissions: entry.permissions,
    refreshToken: entry.refreshToken,
    authkitSessionId: entry.sessionId,
    impersonator: entry.impersonator,
  });
  return { teamId: team.id, role: entry.role, permissions: entry.permissions };
}
