/**
 * The agent-facing shapes of WorkOS users, invitations and memberships: snake_case as WorkOS
 * names them, without what an agent must never see (invitation tokens and accept URLs, which
 * carry the token). They read WorkOS's documented objects (https://workos.com/docs/reference/authkit;
 * the SDK's `UserResponse`, `InvitationResponse`, `OrganizationMembershipResponse`) as the
 * catalogue's declarations answer them.
 */
import type { InvitationResponse, OrganizationMembershipResponse, UserResponse } from '@workos-inc/node';
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

export function toUser(u: UserResponse): UserOut {
  return {
    id: u.id,
    email: u.email,
    first_name: u.first_name ?? null,
    last_name: u.last_name ?? null,
    email_verified: u.email_verified === true,
    external_id: u.external_id ?? null,
    last_sign_in_at: u.last_sign_in_at ?? null,
    created_at: u.created_at,
    updated_at: u.updated_at,
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

/** Never copies `token` or `accept_invitation_url`: whoever holds them can join the organization. */
export function toInvitation(inv: InvitationResponse): InvitationOut {
  return {
    id: inv.id,
    email: inv.email,
    state: inv.state,
    organization_id: inv.organization_id ?? null,
    role_slug: inv.role_slug ?? null,
    inviter_user_id: inv.inviter_user_id ?? null,
    expires_at: inv.expires_at,
    accepted_at: inv.accepted_at ?? null,
    revoked_at: inv.revoked_at ?? null,
    created_at: inv.created_at,
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
  m: OrganizationMembershipResponse,
  names: { organization?: string | null; email?: string | null } = {},
): MembershipOut {
  const roles = (m.roles ?? []).map((r) => r.slug);
  return {
    id: m.id,
    user_id: m.user_id,
    user_email: names.email ?? null,
    organization_id: m.organization_id,
    organization_name: m.organization_name ?? names.organization ?? null,
    role_slug: m.role?.slug ?? '',
    role_slugs: roles.length > 0 ? roles : m.role?.slug ? [m.role.slug] : [],
    status: m.status,
    directory_managed: m.directory_managed === true,
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}
