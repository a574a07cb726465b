/**
 * The agent-facing shapes of WorkOS users, invitations and memberships: snake_case as WorkOS
 * names them, without what an agent must never see (invitation tokens and accept URLs, which
 * carry the token).
 */
import type { Invitation, OrganizationMembership, User } from '@workos-inc/node';
import { z } from 'zod';

export const userShape = z.object({
  id: z.string(),
  email: z.string(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  email_verified: z.boolean(),
  external_id: z.string().nullable(),
  last_sign_in_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  metadata: z.record(z.string(), z.string()),
});
export type UserOut = z.infer<typeof userShape>;

export function toUser(u: User): UserOut {
  return {
    id: u.id,
    email: u.email,
    first_name: u.firstName ?? null,
    last_name: u.lastName ?? null,
    email_verified: u.emailVerified === true,
    external_id: u.externalId ?? null,
    last_sign_in_at: u.lastSignInAt ?? null,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
    metadata: { ...(u.metadata ?? {}) },
  };
}

export const invitationShape = z.object({
  id: z.string(),
  email: z.string(),
  state: z.string().describe('pending, accepted, expired or revoked'),
  organization_id: z.string().nullable(),
  role_slug: z.string().nullable(),
  inviter_user_id: z.string().nullable(),
  expires_at: z.string(),
  accepted_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  created_at: z.string(),
});
export type InvitationOut = z.infer<typeof invitationShape>;

/** Never copies `token` or `acceptInvitationUrl`: whoever holds them can join the organization. */
export function toInvitation(inv: Invitation): InvitationOut {
  return {
    id: inv.id,
    email: inv.email,
    state: inv.state,
    organization_id: inv.organizationId ?? null,
    role_slug: inv.roleSlug ?? null,
    inviter_user_id: inv.inviterUserId ?? null,
    expires_at: inv.expiresAt,
    accepted_at: inv.acceptedAt ?? null,
    revoked_at: inv.revokedAt ?? null,
    created_at: inv.createdAt,
  };
}

export const membershipShape = z.object({
  id: z.string().describe('The organization_membership_id (what update_membership_role takes).'),
  user_id: z.string(),
  user_email: z.string().nullable(),
  organization_id: z.string(),
  organization_name: z.string().nullable(),
  role_slug: z.string(),
  role_slugs: z.array(z.string()),
  status: z.string().describe('active, inactive or pending'),
  directory_managed: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type MembershipOut = z.infer<typeof membershipShape>;

export function toMembership(
  m: OrganizationMembership,
  names: { organization?: string | null; email?: string | null } = {},
): MembershipOut {
  const roles = (m.roles ?? []).map((r) => r.slug);
  return {
    id: m.id,
    user_id: m.userId,
    user_email: names.email ?? null,
    organization_id: m.organizationId,
    organization_name: m.organizationName ?? names.organization ?? null,
    role_slug: m.role?.slug ?? '',
    role_slugs: roles.length > 0 ? roles : m.role?.slug ? [m.role.slug] : [],
    status: m.status,
    directory_managed: m.directoryManaged === true,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}
