import type { DirectoryResponse } from '@workos-inc/node';
import { z } from 'zod';
import { asPage, callOperation, type WireList } from '../catalogue/call.ts';
import { environmentArg, listMetadata, pageInfo, paginationArgs, READ_ONLY } from '../common.ts';
import { idArg } from '../organizations/args.ts';
import { plural } from '../organizations/paging.ts';
import { defineTool } from '../types.ts';
import { latestDirectoryActivity } from './activity.ts';
import { directoryShape, toDirectory } from './shape.ts';

const NAME = 'list_directories';

export const listDirectories = defineTool({
  name: NAME,
  title: 'List directories',
  description:
    'List Directory Sync directories (SCIM or HRIS connections that provision an organization\u2019s users and groups), newest first, with their provider type, state (active = linked, inactive = unlinked, …), last provisioning activity and a `stale` flag for a linked directory without any in the last 24 hours. WorkOS publishes no last-sync time: activity is the newest dsync.* event WorkOS recorded for the directory (the Events API keeps 30 days), and a directory with nothing to change has none, so stale means "check it", not "broken". Filter by `organization_id` ("org_01H…") or `search` (part of the directory name). Directory ids look like "directory_01H…": pass one to get_directory_details, list_directory_users or list_directory_groups.',
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
    const page = asPage(
      await callOperation<WireList<DirectoryResponse>>(
        ctx,
        'directories.list',
        {
          organization_id: args.organization_id,
          search: args.search,
          limit: args.limit,
          before: args.before,
          after: args.after,
          order: args.order,
        },
        'list directories',
      ),
    );
    const activity = await latestDirectoryActivity(
      ctx.workos,
      new Set(page.data.map((d) => d.id)),
      args.organization_id,
    );
    const directories = page.data.map((d) => toDirectory(d, now, activity.byDirectory.get(d.id)));
    const stale = directories.filter((d) => d.stale).length;
    return {
      structured: { directories, list_metadata: pageInfo(page, NAME) },
      summary: `In ${ctx.environment}: ${plural(directories.length, 'directory', 'directories')}.${
        page.listMetadata.after ? ' More are available (see next_page).' : ''
      }${stale ? ` ${stale} linked but without provisioning activity (dsync events) in the last 24 hours.` : ''}${
        activity.complete
          ? ''
          : ' (Not every directory’s activity was found in the newest 1,000 directory events.)'
      }`,
    };
  },
});
