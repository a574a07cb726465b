import type { UserResponse } from '@workos-inc/node';
import { z } from 'zod';
import { callList } from '../catalogue/call.ts';
import {
  environmentArg,
  listMetadata,
  pageInfo,
  pageSentence,
  paginationArgs,
  READ_ONLY,
} from '../common.ts';
import { defineTool } from '../types.ts';
import { toUser, userShape } from './map.ts';

export const listUsers = defineTool({
  name: 'list_users',
  title: 'List users',
  description:
    'List AuthKit users of the environment, newest first, optionally only the members of one organization (organization_id) or the user with an exact email. Returns id, email, names, email verification, last sign-in and metadata. Use get_user for one user with their memberships and roles.',
  input: z.strictObject({
    organization_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Only members of this organization (org_…).'),
    email: z.email().max(320).optional().describe('Only the user with exactly this email address.'),
    ...paginationArgs,
    environment: environmentArg,
  }),
  output: z.object({ users: z.array(userShape), list_metadata: listMetadata }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const page = await callList<UserResponse>(
      ctx,
      'users.list',
      {
        ...(args.organization_id && { organization_id: args.organization_id }),
        ...(args.email && { email: args.email.toLowerCase() }),
        ...(args.limit !== undefined && { limit: args.limit }),
        ...(args.before && { before: args.before }),
        ...(args.after && { after: args.after }),
        ...(args.order && { order: args.order }),
      },
      'list users',
    );
    const users = page.data.map(toUser);
    return {
      structured: { users, list_metadata: pageInfo(page, 'list_users') },
      summary: `${args.organization_id ? `Members of ${args.organization_id}: ` : ''}${pageSentence(users.length, 'user', page)}`,
    };
  },
});
