import type { DirectoryGroupResponse } from '@workos-inc/node';
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
import { groupShape, toGroup } from './shape.ts';

const NAME = 'list_directory_groups';

export const listDirectoryGroups = defineTool({
  name: NAME,
  title: 'List directory groups',
  description:
    'List the groups a directory provisions (e.g. "Engineering"), or the groups one directory user belongs to. Requires `directory_id` ("directory_01H…", from list_directories) or `user_id` (a directory user id "directory_user_01H…", from list_directory_users). Group ids ("directory_group_01H…") can be passed to list_directory_users as group_id to see the members.',
  input: z
    .strictObject({
      directory_id: idArg('directory_', 'directory').optional(),
      user_id: idArg('directory_user_', 'directory user').optional(),
      ...paginationArgs,
      environment: environmentArg,
    })
    .refine((a) => a.directory_id !== undefined || a.user_id !== undefined, {
      message:
        'pass directory_id (every group of a directory; list_directories shows ids) or user_id (the groups of one directory user; list_directory_users shows ids)',
    }),
  output: z.object({ groups: z.array(groupShape), list_metadata: listMetadata }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const scope = args.user_id ? `directory user ${args.user_id}` : `directory ${args.directory_id}`;
    const page = asPage(
      await callOperation<WireList<DirectoryGroupResponse>>(
        ctx,
        'directory_groups.list',
        {
          ...(args.directory_id && { directory: args.directory_id }),
          ...(args.user_id && { user: args.user_id }),
          limit: args.limit,
          before: args.before,
          after: args.after,
          order: args.order,
        },
        `list the groups of ${scope}`,
      ),
    );
    const groups = page.data.map(toGroup);
    return {
      structured: { groups, list_metadata: pageInfo(page, NAME) },
      summary: pageSentence(groups.length, 'group', page),
    };
  },
});
