/**
 * What already exists for an email in an organization: a pending invitation or a membership.
 * Inviting again would send a second email (or fail in WorkOS); both tools report it instead.
 */
import type { Invitation } from '@workos-inc/node';
import { workosCall } from '../../workos/errors.ts';
import type { ToolContext } from '../types.ts';
import { collectPages, MAX_PAGE_SIZE } from './collect.ts';

/** Pages of invitations/users read to know an organization's state (10 000 each). */
const MAX_PAGES = 100;

export interface OrganizationPeople {
  /** Lower-cased email → the pending invitation. */
  pending: Map<string, Invitation>;
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
    workosCall(`list the invitations of ${organizationId}`, () =>
      collectPages(
        (after) =>
          ctx.workos.userManagement.listInvitations({
            organizationId,
            limit: MAX_PAGE_SIZE,
            ...(after && { after }),
          }),
        MAX_PAGES,
        ctx.signal,
      ),
    ),
    workosCall(`list the members of ${organizationId}`, () =>
      collectPages(
        (after) =>
          ctx.workos.userManagement.listUsers({
            organizationId,
            limit: MAX_PAGE_SIZE,
            ...(after && { after }),
          }),
        MAX_PAGES,
        ctx.signal,
      ),
    ),
  ]);
  const pending = new Map<string, Invitation>();
  for (const inv of invitations.items) {
    if (inv.state === 'pending' && inv.organizationId === organizationId)
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
): Promise<Invitation | undefined> {
  const page = await workosCall(`list the invitations of ${email}`, () =>
    ctx.workos.userManagement.listInvitations({
      email,
      ...(organizationId && { organizationId }),
      limit: MAX_PAGE_SIZE,
    }),
  );
  return page.data.find(
    (inv) =>
      inv.state === 'pending' &&
      inv.email.toLowerCase() === email &&
      (inv.organizationId ?? undefined) === organizationId,
  );
}

/** Whether the user with this email is already in the organization (active or pending membership). */
export async function isMember(ctx: ToolContext, email: string, organizationId: string): Promise<boolean> {
  const users = await workosCall(`look up the user ${email}`, () =>
    ctx.workos.userManagement.listUsers({ email, limit: 1 }),
  );
  const user = users.data.find((u) => u.email.toLowerCase() === email);
  if (!user) return false;
  const memberships = await workosCall(`list the memberships of ${user.id}`, () =>
    ctx.workos.userManagement.listOrganizationMemberships({ userId: user.id, organizationId, limit: 10 }),
  );
  return memberships.data.some((m) => m.organizationId === organizationId && m.status !== 'inactive');
}
