import { z } from 'zod';
import { workosCall } from '../../workos/errors.ts';
import { environmentArg, READ_ONLY } from '../common.ts';
import { idArg } from '../organizations/args.ts';
import { countText, plural } from '../organizations/paging.ts';
import { findOrganization } from '../organizations/related.ts';
import { defineTool } from '../types.ts';
import { countDirectory } from './counts.ts';
import { ago, directoryShape, toDirectory } from './shape.ts';

export const getDirectoryDetails = defineTool({
  name: 'get_directory_details',
  title: 'Directory details',
  description:
    'One Directory Sync directory ("directory_01H…"): provider type, state, last sync and whether it is stale (over 24 hours), its organization, and how many users (active and total) and groups it provisions. Next: list_directory_users or list_directory_groups with the same directory_id.',
  input: z.strictObject({
    directory_id: idArg('directory_', 'directory'),
    environment: environmentArg,
  }),
  output: z.object({
    directory: directoryShape,
    organization: z.object({ id: z.string(), name: z.string() }).nullable(),
    counts: z.object({
      users: z.number(),
      active_users: z.number(),
      groups: z.number(),
      complete: z.boolean().describe('False when counting stopped at 1000 (then counts are minimums).'),
    }),
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const now = ctx.clock.now();
    const dir = await workosCall(`get directory ${args.directory_id}`, () =>
      ctx.workos.directorySync.getDirectory(args.directory_id),
    );
    const [counts, org] = await Promise.all([
      countDirectory(ctx.workos, dir.id),
      findOrganization(ctx.workos, dir.organizationId),
    ]);
    const directory = toDirectory(dir, now);
    const users = countText(counts.users, counts.complete);
    return {
      structured: {
        directory,
        organization: org ? { id: org.id, name: org.name } : null,
        counts,
      },
      summary: `Directory "${directory.name}" (${directory.id}, ${directory.type}) of ${
        org ? `"${org.name}"` : 'no known organization'
      } is ${directory.state}, last synced ${ago(directory.last_sync_at, now)} ago${
        directory.stale ? ' (stale: over 24 hours)' : ''
      }; ${users} user${counts.users === 1 ? '' : 's'} (${counts.active_users} active), ${plural(counts.groups, 'group')}.`,
    };
  },
});
