import type { ConnectionResponse, WorkOS } from '@workos-inc/node';
import { z } from 'zod';
import { callOperation } from '../catalogue/call.ts';
import { confirmationArg, DESTRUCTIVE, destructiveOutput, environmentArg } from '../common.ts';
import { idArg } from '../organizations/args.ts';
import { findOrganization } from '../organizations/related.ts';
import { defineTool } from '../types.ts';
import { type ConnectionShape, toConnection } from './shape.ts';

/** The catalogue's sso_connections.get (https://workos.com/docs/reference/sso/connection/get). */
export function getConnection(ctx: { workos: WorkOS }, id: string): Promise<ConnectionResponse> {
  return callOperation<ConnectionResponse>(ctx, 'sso_connections.get', { id }, `get SSO connection ${id}`);
}

export const deleteSsoConnection = defineTool({
  name: 'delete_sso_connection',
  title: 'Delete SSO connection',
  description:
    'Permanently delete an SSO connection ("conn_01H…"): people of its domains can no longer sign in through that identity provider. Cannot be undone (a new connection must be set up again through the Admin Portal). Two steps: call without confirmation_token to see exactly what would be destroyed and get a token; only after the human agrees, call again with the same arguments plus the token.',
  input: z.strictObject({
    connection_id: idArg('conn_', 'SSO connection'),
    confirmation_token: confirmationArg,
    environment: environmentArg,
  }),
  output: destructiveOutput(z.object({ connection_id: z.string(), name: z.string() })),
  annotations: DESTRUCTIVE,
  kind: 'destructive',
  permission: 'workos:write',
  async describeDestruction(ctx, args) {
    const c: ConnectionShape = toConnection(await getConnection(ctx, args.connection_id));
    const org = await findOrganization(ctx.workos, c.organization_id);
    const orgText = org ? ` of organization "${org.name}" (${org.id})` : '';
    const impact =
      c.state === 'active'
        ? `People at ${c.domains.join(', ') || 'its domains'} will no longer be able to sign in with it.`
        : `It is ${c.state}, so nobody signs in through it right now.`;
    return {
      summary: `Deleting SSO connection "${c.name}" (${c.id}, ${c.type}, ${c.state})${orgText} in ${ctx.environment}. ${impact}`,
      details: {
        connection: { id: c.id, name: c.name, type: c.type, state: c.state },
        organization: org ? { id: org.id, name: org.name } : { id: c.organization_id, name: null },
        domains: c.domains,
      },
    };
  },
  async run(ctx, args) {
    const c = await getConnection(ctx, args.connection_id);
    await callOperation(
      ctx,
      'sso_connections.delete',
      { id: args.connection_id },
      `delete SSO connection ${args.connection_id}`,
    );
    return {
      structured: { status: 'deleted' as const, deleted: { connection_id: c.id, name: c.name } },
      summary: `Deleted SSO connection "${c.name}" (${c.id}) from ${ctx.environment}.`,
    };
  },
});
