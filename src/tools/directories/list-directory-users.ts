import type { DirectoryUserResponse } from '@workos-inc/node';
import { z } from 'zod';
import { asPage, callOperation, type WireList } from '../catalogue/call.ts';
import {
  environmentArg,
  listMetadata,
  pageInfo,
  pageSentence,
  paginationArgs,
  READ_ONLY,
} from '../common.ts';
import { idArg } from '../organizations/args.ts';
import { defineTool } from '../types.ts';
import { directoryUserShape, toDirectoryUser } from './shape.ts';

const NAME = 'list_directory_users';

export const listDirectoryUsers = defineTool({
  name: NAME,
  title: 'List directory users',
  description:
    'List the people a directory provisions: name, email, state (active, or inactive when deprovisioned in the provider), job title and department. Group memberships are not in this list: WorkOS deprecated the directory user\u2019s `groups` field (empty for teams created since May 2026), so for one user\u2019s groups call list_directory_groups with user_id ("directory_user_01H…"). Requires `directory_id` ("directory_01H…", from list_directories) for everyone in a directory, or `group_id` ("directory_group_01H…", from list_directory_groups) for one group\u2019s members. Raw provider attributes are not shown.',
  input: z
    .strictObject({
      directory_id: idArg('directory_', 'directory').optional(),
      group_id: idArg('directory_group_', 'directory group').optional(),
      ...paginationArgs,
      environment: environmentArg,
    })
    .refine((a) => a.directory_id !== undefined || a.group_id !== undefined, {
      message:
        'pass directory_id (every user of a directory; list_directories shows ids) or group_id (the members of one group; list_directory_groups shows ids)',
    }),
  output: z.object({ users: z.array(directoryUserShape), list_metadata: listMetadata }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const scope = args.group_id ? `group ${args.group_id}` : `directory ${args.directory_id}`;
    const page = asPage(
      await callOperation<WireList<DirectoryUserResponse>>(
        ctx,
        'directory_users.list',
        {
          ...(args.directory_id && { directory: args.directory_id }),
          ...(args.group_id && { group: args.group_id }),
          limit: args.limit,
          before: args.before,
          after: args.after,
          order: args.order,
        },
        `list the users of ${scope}`,
      ),
    );
    const users = page.data.map(toDirectoryUser);
    const inactive = users.filter((u) => u.state !== 'active').length;
    return {
      structured: { users, list_metadata: pageInfo(page, NAME) },
      summary: `${pageSentence(users.length, 'user', page)}${inactive ? ` ${inactive} of them inactive.` : ''}`,
    };
  },
});
