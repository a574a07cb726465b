import { z } from 'zod';
import { callOperation } from '../catalogue/call.ts';
import { confirmationArg, DESTRUCTIVE, destructiveOutput, environmentArg } from '../common.ts';
import { idArg } from '../organizations/args.ts';
import { countText, plural } from '../organizations/paging.ts';
import { findOrganization } from '../organizations/related.ts';
import { defineTool } from '../types.ts';
import { countDirectory } from './counts.ts';
import { getDirectory } from './get-directory-details.ts';
import { directoryState } from './shape.ts';

export const deleteDirectory = defineTool({
  name: 'delete_directory',
  title: 'Delete directory',
  description:
    'Permanently delete a Directory Sync directory ("directory_01H…") with every user and group it provisioned; the customer\u2019s provider stops syncing. Cannot be undone (the customer would have to set Directory Sync up again). Two steps: call without confirmation_token to see exactly what would be destroyed and get a token; only after the human agrees, call again with the same arguments plus the token.',
  input: z.strictObject({
    directory_id: idArg('directory_', 'directory'),
    confirmation_token: confirmationArg,
    environment: environmentArg,
  }),
  output: destructiveOutput(z.object({ directory_id: z.string(), name: z.string() })),
  annotations: DESTRUCTIVE,
  kind: 'destructive',
  permission: 'workos:write',
  async describeDestruction(ctx, args) {
    const dir = await getDirectory(ctx, args.directory_id);
    const state = directoryState(dir.state);
    const [counts, org] = await Promise.all([
      countDirectory(ctx.workos, dir.id),
      findOrganization(ctx.workos, dir.organization_id),
    ]);
    const orgText = org ? ` of organization "${org.name}" (${org.id})` : '';
    const users = countText(counts.users, counts.complete);
    return {
      summary: `Deleting directory "${dir.name}" (${dir.id}, ${dir.type}, ${state})${orgText} in ${ctx.environment} will also remove its ${users} user${counts.users === 1 ? '' : 's'} and ${plural(counts.groups, 'group')}.`,
      details: {
        directory: { id: dir.id, name: dir.name, type: String(dir.type), state },
        organization: org ? { id: org.id, name: org.name } : { id: dir.organization_id ?? null, name: null },
        user_count: counts.users,
        active_user_count: counts.active_users,
        group_count: counts.groups,
        counts_complete: counts.complete,
      },
    };
  },
  async run(ctx, args) {
    const dir = await getDirectory(ctx, args.directory_id);
    await callOperation(
      ctx,
      'directories.delete',
      { id: args.directory_id },
      `delete directory ${args.directory_id}`,
    );
    return {
      structured: { status: 'deleted' as const, deleted: { directory_id: dir.id, name: dir.name } },
      summary: `Deleted directory "${dir.name}" (${dir.id}) from ${ctx.environment}.`,
    };
  },
});
