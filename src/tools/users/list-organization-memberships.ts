import type {
  OrganizationMembershipResponse,
  OrganizationMembershipStatus,
  UserResponse,
} from '@workos-inc/node';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { callList, callOperation } from '../catalogue/call.ts';
import {
  environmentArg,
  listMetadata,
  pageInfo,
  pageSentence,
  paginationArgs,
  READ_ONLY,
} from '../common.ts';
import { defineTool } from '../types.ts';
import { collectPages, MAX_PAGE_SIZE } from './collect.ts';
import { organizationNames } from './lookups.ts';
import { membershipShape, toMembership } from './map.ts';

const STATUSES = ['active', 'inactive', 'pending'] as const satisfies readonly OrganizationMembershipStatus[];
/** Pages of an organization's users read to put emails next to memberships. */
const MAX_USER_PAGES = 10;

export const listOrganizationMemberships = defineTool({
  name: 'list_organization_memberships',
  title: 'List organization memberships',
  description:
    'List who belongs to an organization (organization_id) or which organizations a user belongs to (user_id); at least one is required. Each membership shows its id (the organization_membership_id update_membership_role takes), the user and their email, the organization, role slug(s) and status. statuses filters by active, inactive or pending (WorkOS returns active ones by default).',
  input: z.strictObject({
    organization_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Memberships of this organization (org_…).'),
    user_id: z.string().min(1).max(200).optional().describe('Memberships of this user (user_…).'),
    statuses: z
      .array(z.enum(STATUSES))
      .min(1)
      .max(3)
      .optional()
      .describe('Only memberships in these statuses.'),
    ...paginationArgs,
    environment: environmentArg,
  }),
  output: z.object({ memberships: z.array(membershipShape), list_metadata: listMetadata }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const { organization_id: organizationId, user_id: userId } = args;
    const paging = {
      ...(args.statuses && { statuses: args.statuses }),
      ...(args.limit !== undefined && { limit: args.limit }),
      ...(args.before && { before: args.before }),
      ...(args.after && { after: args.after }),
      ...(args.order && { order: args.order }),
    };
    const request = organizationId
      ? { ...paging, organization_id: organizationId, ...(userId && { user_id: userId }) }
      : userId
        ? { ...paging, user_id: userId }
        : undefined;
    if (!request) {
      throw new AppError('invalid_input', 'list_organization_memberships needs organization_id or user_id.', {
        fields: [{ field: 'organization_id', message: 'give organization_id, user_id, or both' }],
      });
    }
    const page = await callList<OrganizationMembershipResponse>(
      ctx,
      'organization_memberships.list',
      request,
      'list organization memberships',
    );
    // WorkOS applies `statuses` itself; filtering again keeps the answer right where it does not.
    const data = args.statuses ? page.data.filter((m) => args.statuses?.includes(m.status)) : page.data;

    const names = await organizationNames(
      ctx,
      data.filter((m) => !m.organization_name).map((m) => m.organization_id),
    );
    const emails = new Map<string, string>();
    if (userId) {
      const user = await callOperation<UserResponse>(ctx, 'users.get', { id: userId }).catch(() => undefined);
      if (user) emails.set(user.id, user.email);
    } else if (organizationId && data.length > 0) {
      const users = await collectPages(
        (after) =>
          callList<UserResponse>(ctx, 'users.list', {
            organization_id: organizationId,
            limit: MAX_PAGE_SIZE,
            ...(after && { after }),
          }),
        MAX_USER_PAGES,
        ctx.signal,
      ).catch(() => ({ items: [] }));
      for (const u of users.items) emails.set(u.id, u.email);
    }
    const memberships = data.map((m) =>
      toMembership(m, {
        organization: names.get(m.organization_id) ?? null,
        email: emails.get(m.user_id) ?? null,
      }),
    );
    return {
      structured: { memberships, list_metadata: pageInfo(page, 'list_organization_memberships') },
      summary: pageSentence(memberships.length, 'membership', page),
    };
  },
});
