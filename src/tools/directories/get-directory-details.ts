import type { DirectoryResponse, WorkOS } from '@workos-inc/node';
import { z } from 'zod';
import { callOperation } from '../catalogue/call.ts';
import { environmentArg, READ_ONLY } from '../common.ts';
import { idArg } from '../organizations/args.ts';
import { countText, plural } from '../organizations/paging.ts';
import { findOrganization } from '../organizations/related.ts';
import { defineTool, type ToolContext } from '../types.ts';
import { latestDirectoryActivity } from './activity.ts';
import { countDirectory, type DirectoryCounts } from './counts.ts';
import { activityText, directoryShape, toDirectory } from './shape.ts';

interface DirectoryMetadata {
  users?: { active?: unknown; inactive?: unknown };
  groups?: unknown;
}

/**
 * The directory's counts as WorkOS keeps them: the `metadata` of the Directory object
 * (https://workos.com/docs/reference/directory-sync/directory — users active and inactive,
 * groups), which @workos-inc/node's deserializer drops; the catalogue's directories.get answers
 * the documented object whole. Without it, the users and groups are listed and counted.
 */
async function directoryCounts(
  ctx: ToolContext,
  data: { id: string; metadata?: DirectoryMetadata },
): Promise<DirectoryCounts & { source: 'directory_metadata' | 'listed' }> {
  const id = data.id;
  const m = data.metadata;
  const n = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
  const active = n(m?.users?.active);
  const inactive = n(m?.users?.inactive);
  const groups = n(m?.groups);
  if (active !== undefined && inactive !== undefined && groups !== undefined)
    return {
      users: active + inactive,
      active_users: active,
      groups,
      complete: true,
      source: 'directory_metadata',
    };
  return { ...(await countDirectory(ctx.workos, id)), source: 'listed' as const };
}

/** The catalogue's directories.get: the documented Directory object, its `metadata` counts included. */
export function getDirectory(
  ctx: { workos: WorkOS },
  id: string,
): Promise<DirectoryResponse & { metadata?: DirectoryMetadata }> {
  return callOperation(ctx, 'directories.get', { id }, `get directory ${id}`);
}

export const getDirectoryDetails = defineTool({
  name: 'get_directory_details',
  title: 'Directory details',
  description:
    'One Directory Sync directory ("directory_01H…"): provider type, state, last provisioning activity (its newest dsync.* event: WorkOS publishes no last-sync time) and whether it is stale (linked without activity for 24 hours), its organization, and how many users (active and total) and groups it provisions. Next: list_directory_users or list_directory_groups with the same directory_id.',
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
      source: z
        .enum(['directory_metadata', 'listed'])
        .describe(
          "directory_metadata: WorkOS's own counts on the directory; listed: counted by listing users and groups.",
        ),
    }),
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const now = ctx.clock.now();
    const dir = await getDirectory(ctx, args.directory_id);
    const [counts, org, activity] = await Promise.all([
      directoryCounts(ctx, dir),
      findOrganization(ctx.workos, dir.organization_id),
      latestDirectoryActivity(ctx.workos, new Set([dir.id]), dir.organization_id),
    ]);
    const directory = toDirectory(dir, now, activity.byDirectory.get(dir.id));
    const users = countText(counts.users, counts.complete);
    return {
      structured: {
        directory,
        organization: org ? { id: org.id, name: org.name } : null,
        counts,
      },
      summary: `Directory "${directory.name}" (${directory.id}, ${directory.type}) of ${
        org ? `"${org.name}"` : 'no known organization'
      } is ${directory.state}, ${activityText(directory, now)}${
        directory.stale ? ' (stale: linked without activity for over 24 hours)' : ''
      }; ${users} user${counts.users === 1 ? '' : 's'} (${counts.active_users} active), ${plural(counts.groups, 'group')}.`,
    };
  },
});
