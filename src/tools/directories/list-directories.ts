import { z } from 'zod';
import { workosCall } from '../../workos/errors.ts';
import { environmentArg, listMetadata, pageInfo, paginationArgs, READ_ONLY } from '../common.ts';
import { idArg } from '../organizations/args.ts';
import { plural } from '../organizations/paging.ts';
import { defineTool } from '../types.ts';
import { directoryShape, toDirectory } from './shape.ts';

const NAME = 'list_directories';

export const listDirectories = defineTool({
  name: NAME,
  title: 'List directories',
  description:
    'List Directory Sync directories (SCIM or HRIS connections that provision an organization\u2019s users and groups), newest first, with their provider type, state (active = linked, inactive = unlinked, …), last sync time and a `stale` flag when the last sync is over 24 hours old. Filter by `organization_id` ("org_01H…") or `search` (part of the directory name). Directory ids look like "directory_01H…": pass one to get_directory_details, list_directory_users or list_directory_groups.',
  input: z.strictObject({
    organization_id: idArg('org_', 'organization').optional(),
    search: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .describe('Only directories whose name contains this text.'),
    ...paginationArgs,
    environment: environmentArg,
  }),
  output: z.object({ directories: z.array(directoryShape), list_metadata: listMetadata }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const now = ctx.clock.now();
    const page = await workosCall('list directories', () =>
      ctx.workos.directorySync.listDirectories({
        organizationId: args.organization_id,
        search: args.search,
        limit: args.limit,
        before: args.before,
        after: args.after,
        order: args.order,
      }),
    );
    const directories = page.data.map((d) => toDirectory(d, now));
    const stale = directories.filter((d) => d.stale).length;
    return {
      structured: { directories, list_metadata: pageInfo(page, NAME) },
      summary: `In ${ctx.environment}: ${plural(directories.length, 'directory', 'directories')}.${
        page.listMetadata.after ? ' More are available (see next_page).' : ''
      }${stale ? ` ${stale} not synced in the last 24 hours.` : ''}`,
    };
  },
});
