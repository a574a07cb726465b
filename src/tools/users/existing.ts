/**
 * What already exists for an email in an organization: a pending invitation or a membership.
 * Inviting again would send a second email (or fail in WorkOS); both tools report it instead.
 */
import type { InvitationResponse, OrganizationMembershipResponse, UserResponse } from '@workos-inc/node';
import { callList } from '../catalogue/call.ts';
import type { ToolContext } from '../types.ts';
import { collectPages, MAX_PAGE_SIZE } from './collect.ts';

/** Pages of invitations/users read to know an organization's state (10 000 each). */
const MAX_PAGES = 100;

export interface OrganizationPeople {
  /** Lower-cased email → the pending invitation. */
  pending: Map<string, InvitationResponse>;
  /** Lower-cased emails of the organization's users. */
  members: Set<string>;
  /** False when the organization has more invitations or users than were read. */
  complete: boolean;
}

/** Pending invitations and members of an organization, keyed by lower-cased email. */
export async function organizationPeople(
  ctx: ToolContext,
  organizationId: string,
): Promise<OrganizationPeople> {
  const [invitations, users] = await Promise.all([
    collectPages(
      (after) =>
        callList<InvitationResponse>(
          ctx,
          'invitations.list',
          { organization_id: organizationId, limit: MAX_PAGE_SIZE, ...(after && { after }) },
          `list the invitations of ${organizationId}`,
        ),
      MAX_PAGES,
      ctx.signal,
    ),
    collectPages(
      (after) =>
        callList<UserResponse>(
          ctx,
          'users.list',
          { organization_id: organizationId, limit: MAX_PAGE_SIZE, ...(after && { after }) },
          `list the members of ${organizationId}`,
        ),
      MAX_PAGES,
      ctx.signal,
    ),
  ]);
  const pending = new Map<string, InvitationResponse>();
  for (const inv of invitations.items) {
    if (inv.state === 'pending' && inv.organization_id === organizationId)
      pending.set(inv.email.toLowerCase(), inv);
  }
  return {
    pending,
    members: new Set(users.items.map((u) => u.email.toLowerCase())),
    complete: invitations.complete && users.complete,
  };
}

/** The pending invitation of one email (in one organization, or without any), if there is one. */
export async function pendingInvitation(
  ctx: ToolContext,
  email: string,
  organizationId: string | undefined,
): Promise<InvitationResponse | undefined> {
  const page = await callList<InvitationResponse>(
    ctx,
    'invitations.list',
    { email, ...(organizationId && { organization_id: organizationId }), limit: MAX_PAGE_SIZE },
    `list the invitations of ${email}`,
  );
  return page.data.find(
    (inv) =>
      inv.state === 'pending' &&
      inv.email.toLowerCase() === email &&
      (inv.organization_id ?? undefined) === organizationId,
  );
}

/** Whether the user with this email is already in the organization (active or pending membership). */
export async function isMember(ctx: ToolContext, email: string, organizationId: string): Promise<boolean> {
  const users = await callList<UserResponse>(
    ctx,
    'users.list',
    { email, limit: 1 },
    `look up the user ${email}`,
  );
  const user = users.data.find((u) => u.email.toLowerCase() === email);
  if (!user) return false;
  const memberships = await callList<OrganizationMembershipResponse>(
    ctx,
    'organization_memberships.list',
    { user_id: user.id, organization_id: organizationId, statuses: ['active', 'pending'], limit: 10 },
    `list the memberships of ${user.id}`,
  );
  return memberships.data.some((m) => m.organization_id === organizationId && m.status !== 'inactive');
}
