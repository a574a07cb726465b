import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { callOperation } from '../catalogue/call.ts';
import { confirmationArg, DESTRUCTIVE, destructiveOutput, environmentArg } from '../common.ts';
import { defineTool, type ToolContext } from '../types.ts';
import { idArg } from './args.ts';
import { countText, plural } from './paging.ts';
import { getOrganization, organizationPicture } from './related.ts';

/** Gatehouse never deletes the team it runs in (docs/architecture.md "The MCP surface and the policy pipeline", "never exposed"). */
function refuseOwnTeam(ctx: ToolContext, organizationId: string): void {
  if (organizationId === ctx.principal.organizationId) {
    throw new AppError(
      'forbidden',
      `${organizationId} is your own team (${ctx.principal.teamName}); Gatehouse never deletes the team it runs in.`,
      { hint: 'Delete a customer organization instead, or do this in the WorkOS dashboard.' },
    );
  }
}

const names = (items: { name: string }[], max = 10) =>
  items.length > max
    ? `${items
        .slice(0, max)
        .map((i) => i.name)
        .join(', ')}, …`
    : items.map((i) => i.name).join(', ');

export const deleteOrganization = defineTool({
  name: 'delete_organization',
  title: 'Delete organization',
  description:
    'Permanently delete an organization ("org_01H…") with its domains, SSO connections, directories and memberships. Cannot be undone. Two steps: call without confirmation_token to get exactly what would be destroyed and a confirmation_token; show that to the human, and only if they agree call again with the same arguments plus the token. Your own Gatehouse team can never be deleted.',
  input: z.strictObject({
    organization_id: idArg('org_', 'organization'),
    confirmation_token: confirmationArg,
    environment: environmentArg,
  }),
  output: destructiveOutput(z.object({ organization_id: z.string(), name: z.string() })),
  annotations: DESTRUCTIVE,
  kind: 'destructive',
  permission: 'workos:write',
  async describeDestruction(ctx, args) {
    refuseOwnTeam(ctx, args.organization_id);
    const pic = await organizationPicture(ctx.workos, args.organization_id, { countDirectoryUsers: true });
    const org = pic.organization;
    const connections = pic.connections.items.map((c) => ({
      id: c.id,
      name: c.name,
      type: String(c.connection_type),
      state: c.state,
    }));
    const directories = pic.directories.items.map((d) => {
      const counts = pic.directoryCounts.get(d.id);
      return {
        id: d.id,
        name: d.name,
        type: String(d.type),
        users: counts?.users ?? null,
        groups: counts?.groups ?? null,
      };
    });
    const memberships = pic.memberships;
    const alsoRemoved: string[] = [];
    if (connections.length)
      alsoRemoved.push(`${plural(connections.length, 'SSO connection')} (${names(connections)})`);
    if (directories.length) {
      const described = directories
        .map((d) => (d.users === null ? d.name : `${d.name} with ${plural(d.users, 'user')}`))
        .join(', ');
      alsoRemoved.push(`${plural(directories.length, 'directory', 'directories')} (${described})`);
    }
    if (memberships.count)
      alsoRemoved.push(
        `${countText(memberships.count, memberships.complete)} membership${memberships.count === 1 ? '' : 's'}`,
      );
    const domains = org.domains.map((d) => d.domain);
    const head = `Deleting organization "${org.name}" (${org.id}) in ${ctx.environment}`;
    const what = alsoRemoved.length
      ? ` will also remove ${alsoRemoved.length > 1 ? `${alsoRemoved.slice(0, -1).join(', ')} and ${alsoRemoved.at(-1)}` : alsoRemoved[0]}`
      : ' removes it; it has no SSO connections, directories or memberships';
    const domainText = domains.length ? ` Its domains (${domains.join(', ')}) are released.` : '';
    return {
      summary: `${head}${what}.${domainText}`,
      details: {
        organization: { id: org.id, name: org.name, external_id: org.external_id ?? null },
        domains,
        sso_connection_count: connections.length,
        sso_connections: connections,
        directory_count: directories.length,
        directories,
        membership_count: memberships.count,
        membership_count_complete: memberships.complete,
      },
    };
  },
  async run(ctx, args) {
    refuseOwnTeam(ctx, args.organization_id);
    const org = await getOrganization(ctx.workos, args.organization_id);
    await callOperation(
      ctx,
      'organizations.delete',
      { id: args.organization_id },
      `delete organization ${args.organization_id}`,
    );
    return {
      structured: { status: 'deleted' as const, deleted: { organization_id: org.id, name: org.name } },
      summary: `Deleted organization "${org.name}" (${org.id}) from ${ctx.environment}.`,
    };
  },
});
