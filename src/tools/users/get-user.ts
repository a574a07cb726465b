import type { OrganizationMembershipResponse, UserResponse } from '@workos-inc/node';
import { z } from 'zod';
import { callList, callOperation } from '../catalogue/call.ts';
import { environmentArg, READ_ONLY } from '../common.ts';
import { defineTool } from '../types.ts';
import { collectPages, MAX_PAGE_SIZE } from './collect.ts';
import { organizationNames } from './lookups.ts';
import { membershipShape, toMembership, toUser, userShape } from './map.ts';

/** A user rarely belongs to more organizations than this; the answer says when there are more. */
const MAX_MEMBERSHIP_PAGES = 5;

export const getUser = defineTool({
  name: 'get_user',
  title: 'Get a user',
  description:
    'One AuthKit user by user_id (user_…), with every organization they belong to: the organization, their role slug(s) and the membership status and id (pass that id to update_membership_role to change the role).',
  input: z.strictObject({
    user_id: z.string().min(1).max(200).describe('The user id (user_…); list_users shows them.'),
    environment: environmentArg,
  }),
  output: z.object({
    user: userShape,
    memberships: z.array(membershipShape),
    memberships_complete: z.boolean(),
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const user = await callOperation<UserResponse>(
      ctx,
      'users.get',
      { id: args.user_id },
      `get user ${args.user_id}`,
    );
    const { items, complete } = await collectPages(
      (after) =>
        callList<OrganizationMembershipResponse>(
          ctx,
          'organization_memberships.list',
          // Every status: the answer shows each membership's (WorkOS lists active ones unless asked).
          {
            user_id: user.id,
            statuses: ['active', 'inactive', 'pending'],
            limit: MAX_PAGE_SIZE,
            ...(after && { after }),
          },
          `list the memberships of user ${args.user_id}`,
        ),
      MAX_MEMBERSHIP_PAGES,
      ctx.signal,
    );
    const names = await organizationNames(
      ctx,
      items.filter((m) => !m.organization_name).map((m) => m.organization_id),
    );
    const memberships = items.map((m) =>
      toMembership(m, { organization: names.get(m.organization_id) ?? null, email: user.email }),
    );
    const where = memberships.length
      ? memberships
          .map((m) => `${m.organization_name ?? m.organization_id} (${m.role_slug}, ${m.status})`)
          .join('; ')
      : 'no organization';
    return {
      structured: { user: toUser(user), memberships, memberships_complete: complete },
      summary: `${user.email} (${user.id}) belongs to ${where}.${complete ? '' : ' There are more memberships than shown.'}`,
    };
  },
});
