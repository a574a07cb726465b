/**
 * AuthKit users, organization memberships, invitations and sessions
 * (https://workos.com/docs/reference/authkit). Invitation tokens and accept URLs are secrets:
 * whoever holds one can join the organization.
 */
import { z } from 'zod';
import { AppError } from '../../../errors/app-error.ts';
import { DOT_SEGMENT, id, metadata, notDotSegment, page, slug } from '../args.ts';
import { fetchObject } from '../http.ts';
import { organizationOf, organizationsOfUser } from '../scope.ts';
import { defineOperation } from '../types.ts';

const REF = 'https://workos.com/docs/reference/authkit';
const userId = id('user_', 'user');
const orgId = id('org_', 'organization');
const membershipId = id('om_', 'organization membership');
const invitationId = id('invitation_', 'invitation');
const INVITATION_SECRETS = ['token', 'accept_invitation_url'] as const;
const email = z.string().trim().toLowerCase().email().max(320);

const ofUser = async (ctx: Parameters<typeof organizationsOfUser>[0], p: Record<string, unknown>) =>
  organizationsOfUser(ctx, String(p.id ?? p.user_id));
const ofMembership = organizationOf(
  (p) => `/user_management/organization_memberships/${encodeURIComponent(String(p.id))}`,
  'membership',
);
const ofInvitation = organizationOf(
  (p) => `/user_management/invitations/${encodeURIComponent(String(p.id))}`,
  'invitation',
);

const fullName = (u: Record<string, unknown>) =>
  [u.first_name, u.last_name].filter((s) => typeof s === 'string' && s).join(' ');

export const USER_OPERATIONS = [
  defineOperation({
    name: 'users.list',
    area: 'users',
    summary: 'List users, optionally by email or organization.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/user_management/users',
    params: z.strictObject({ email: email.optional(), organization_id: orgId.optional(), ...page }),
    docs: `${REF}/user/list`,
  }),
  defineOperation({
    name: 'users.get',
    area: 'users',
    summary: 'Get one user.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/user_management/users/:id',
    params: z.strictObject({ id: userId }),
    docs: `${REF}/user/get`,
  }),
  defineOperation({
    name: 'users.get_by_external_id',
    area: 'users',
    summary: 'Get the user with this external id (your own system’s id for them).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/user_management/users/external_id/:external_id',
    params: z.strictObject({
      external_id: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, ".", ":", "_" or "-"')
        .refine(notDotSegment, DOT_SEGMENT),
    }),
    docs: `${REF}/user/get-by-external-id`,
  }),
  defineOperation({
    name: 'users.list_identities',
    area: 'users',
    summary: 'List how a user signs in: their linked identities (OAuth providers, SSO).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/user_management/users/:id/identities',
    params: z.strictObject({ id: userId }),
    docs: `${REF}/identity/list`,
  }),
  defineOperation({
    name: 'users.update',
    area: 'users',
    summary: 'Change a user’s first or last name, or metadata.',
    kind: 'write',
    permission: 'workos:write',
    method: 'PUT',
    path: '/user_management/users/:id',
    params: z.strictObject({
      id: userId,
      first_name: z.string().trim().max(200).optional(),
      last_name: z.string().trim().max(200).optional(),
      metadata: metadata.optional(),
    }),
    docs: `${REF}/user/update`,
    organizations: ofUser,
  }),
  defineOperation({
    name: 'users.delete',
    area: 'users',
    summary: 'Delete a user, with all their memberships and sessions.',
    kind: 'destructive',
    permission: 'workos:write',
    method: 'DELETE',
    path: '/user_management/users/:id',
    params: z.strictObject({ id: userId }),
    docs: `${REF}/user/delete`,
    organizations: ofUser,
    async describe(ctx, p) {
      const u = await fetchObject(ctx, `/user_management/users/${encodeURIComponent(p.id)}`, `user ${p.id}`);
      const orgs = await organizationsOfUser(ctx, p.id);
      const who = fullName(u) ? `${fullName(u)} <${String(u.email)}>` : String(u.email);
      return {
        summary: `Deleting user ${who} (${p.id}) in ${ctx.environment} also removes their ${orgs.length} organization membership${orgs.length === 1 ? '' : 's'} and ends their sessions.`,
        details: { user: { id: p.id, email: u.email, name: fullName(u) || null }, organizations: orgs },
      };
    },
  }),

  defineOperation({
    name: 'organization_memberships.list',
    area: 'organization_memberships',
    summary: 'List memberships of an organization or of a user (at least one of them), by status.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/user_management/organization_memberships',
    params: z
      .strictObject({
        organization_id: orgId.optional(),
        user_id: userId.optional(),
        // Sent comma-separated, as the SDK's serializeListOrganizationMembershipsOptions joins them.
        statuses: z
          .array(z.enum(['active', 'inactive', 'pending']))
          .max(3)
          .transform((s) => s.join(','))
          .optional(),
        ...page,
      })
      .refine((p) => p.organization_id || p.user_id, 'give organization_id or user_id (or both)'),
    docs: `${REF}/organization-membership/list`,
  }),
  defineOperation({
    name: 'organization_memberships.get',
    area: 'organization_memberships',
    summary: 'Get one membership with its role and status.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/user_management/organization_memberships/:id',
    params: z.strictObject({ id: membershipId }),
    docs: `${REF}/organization-membership/get`,
  }),
  defineOperation({
    name: 'organization_memberships.create',
    area: 'organization_memberships',
    summary: 'Add a user to an organization with a role (default: the environment’s default role).',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/user_management/organization_memberships',
    params: z.strictObject({ user_id: userId, organization_id: orgId, role_slug: slug('role').optional() }),
    docs: `${REF}/organization-membership/create`,
  }),
  defineOperation({
    name: 'organization_memberships.update',
    area: 'organization_memberships',
    summary: 'Change a membership’s role.',
    kind: 'write',
    permission: 'workos:write',
    method: 'PUT',
    path: '/user_management/organization_memberships/:id',
    params: z.strictObject({ id: membershipId, role_slug: slug('role') }),
    docs: `${REF}/organization-membership/update`,
    organizations: ofMembership,
  }),
  defineOperation({
    name: 'organization_memberships.deactivate',
    area: 'organization_memberships',
    summary: 'Deactivate an active membership (kept, can be reactivated; the user loses access).',
    kind: 'write',
    permission: 'workos:write',
    method: 'PUT',
    path: '/user_management/organization_memberships/:id/deactivate',
    params: z.strictObject({ id: membershipId }),
    docs: `${REF}/organization-membership/deactivate`,
    organizations: ofMembership,
  }),
  defineOperation({
    name: 'organization_memberships.reactivate',
    area: 'organization_memberships',
    summary: 'Reactivate an inactive membership with its previous role.',
    kind: 'write',
    permission: 'workos:write',
    method: 'PUT',
    path: '/user_management/organization_memberships/:id/reactivate',
    params: z.strictObject({ id: membershipId }),
    docs: `${REF}/organization-membership/reactivate`,
    organizations: ofMembership,
  }),
  defineOperation({
    name: 'organization_memberships.delete',
    area: 'organization_memberships',
    summary: 'Delete a membership permanently (deactivate keeps it instead).',
    kind: 'destructive',
    permission: 'workos:write',
    method: 'DELETE',
    path: '/user_management/organization_memberships/:id',
    params: z.strictObject({ id: membershipId }),
    docs: `${REF}/organization-membership/delete`,
    organizations: ofMembership,
    async describe(ctx, p) {
      const m = await fetchObject(
        ctx,
        `/user_management/organization_memberships/${encodeURIComponent(p.id)}`,
        `membership ${p.id}`,
      );
      const role = (m.role as { slug?: string } | undefined)?.slug ?? 'none';
      return {
        summary: `Deleting membership ${p.id} (user ${String(m.user_id)} in organization ${String(m.organization_id)}, role ${role}, ${String(m.status)}) in ${ctx.environment}: the user leaves the organization and the record is gone (organization_memberships.deactivate keeps it).`,
        details: { id: p.id, user_id: m.user_id, organization_id: m.organization_id, role, status: m.status },
      };
    },
  }),

  defineOperation({
    name: 'invitations.list',
    area: 'invitations',
    summary: 'List invitations, by organization or by email (find a person’s invitations).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/user_management/invitations',
    params: z.strictObject({ organization_id: orgId.optional(), email: email.optional(), ...page }),
    secrets: INVITATION_SECRETS,
    docs: `${REF}/invitation/list`,
  }),
  defineOperation({
    name: 'invitations.get',
    area: 'invitations',
    summary: 'Get one invitation and its state.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/user_management/invitations/:id',
    params: z.strictObject({ id: invitationId }),
    secrets: INVITATION_SECRETS,
    docs: `${REF}/invitation/get`,
  }),
  defineOperation({
    name: 'invitations.send',
    area: 'invitations',
    summary: 'Invite an email address, optionally to an organization with a role.',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/user_management/invitations',
    params: z.strictObject({
      email,
      organization_id: orgId.optional(),
      role_slug: slug('role').optional(),
      expires_in_days: z.number().int().min(1).max(30).optional(),
    }),
    secrets: INVITATION_SECRETS,
    docs: `${REF}/invitation/send`,
  }),
  defineOperation({
    name: 'invitations.resend',
    area: 'invitations',
    summary: 'Send a pending invitation’s email again.',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/user_management/invitations/:id/resend',
    params: z.strictObject({ id: invitationId }),
    secrets: INVITATION_SECRETS,
    docs: `${REF}/invitation/resend`,
    organizations: ofInvitation,
  }),
  defineOperation({
    name: 'invitations.revoke',
    area: 'invitations',
    summary: 'Revoke a pending invitation (its link stops working).',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/user_management/invitations/:id/revoke',
    params: z.strictObject({ id: invitationId }),
    secrets: INVITATION_SECRETS,
    docs: `${REF}/invitation/revoke`,
    organizations: ofInvitation,
  }),

  defineOperation({
    name: 'user_sessions.list',
    area: 'user_sessions',
    summary: 'List a user’s active sessions (IP address, user agent, sign-in method, expiry).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/user_management/users/:user_id/sessions',
    params: z.strictObject({ user_id: userId, ...page }),
    docs: `${REF}/session/list`,
  }),
  defineOperation({
    name: 'user_sessions.revoke',
    area: 'user_sessions',
    summary: 'Sign a user out of one session.',
    kind: 'destructive',
    permission: 'workos:write',
    method: 'POST',
    path: '/user_management/sessions/revoke',
    params: z.strictObject({
      user_id: userId.describe('The user whose session it is (the session must be one of theirs).'),
      session_id: id('session_', 'session'),
    }),
    docs: `${REF}/session/revoke`,
    local: ['user_id'],
    organizations: ofUser,
    async describe(ctx, p) {
      const list = await fetchObject(
        ctx,
        `/user_management/users/${encodeURIComponent(p.user_id)}/sessions`,
        `the sessions of user ${p.user_id}`,
        { limit: 100 },
      );
      const sessions = Array.isArray(list.data) ? (list.data as Record<string, unknown>[]) : [];
      const s = sessions.find((x) => x.id === p.session_id);
      if (!s) throw notTheirs(p.session_id, p.user_id);
      const from = [s.ip_address, s.user_agent].filter(Boolean).join(', ');
      return {
        summary: `Revoking session ${p.session_id} of user ${p.user_id} (${String(s.auth_method ?? 'unknown method')}${from ? `, from ${from}` : ''}, started ${String(s.created_at)}) in ${ctx.environment}: that device is signed out.`,
        details: {
          session: {
            id: s.id,
            user_id: p.user_id,
            organization_id: s.organization_id ?? null,
            auth_method: s.auth_method ?? null,
            ip_address: s.ip_address ?? null,
            user_agent: s.user_agent ?? null,
            created_at: s.created_at ?? null,
          },
        },
      };
    },
  }),
];

function notTheirs(sessionId: string, userId: string): AppError {
  return new AppError('not_found', `Session ${sessionId} is not an active session of user ${userId}.`, {
    hint: 'List the user’s sessions with query user_sessions.list and use one of their ids.',
  });
}
