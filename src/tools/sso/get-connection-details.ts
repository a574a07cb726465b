import { z } from 'zod';
import { environmentArg, READ_ONLY } from '../common.ts';
import { idArg } from '../organizations/args.ts';
import { findOrganization } from '../organizations/related.ts';
import { defineTool } from '../types.ts';
import { getConnection } from './delete-connection.ts';
import { connectionShape, stateMeaning, toConnection } from './shape.ts';

export const getSsoConnectionDetails = defineTool({
  name: 'get_sso_connection_details',
  title: 'SSO connection details',
  description:
    'One SSO connection ("conn_01H…"): its name, identity provider type, state and what that state means for sign-in, the domains it serves, and the organization it belongs to (with that organization\u2019s domains and their verification state). Certificates and IdP secrets are never shown. Next: diagnose_sso_sign_in with its organization_id to see recent sign-in failures.',
  input: z.strictObject({
    connection_id: idArg('conn_', 'SSO connection'),
    environment: environmentArg,
  }),
  output: z.object({
    connection: connectionShape,
    state_meaning: z.string(),
    organization: z
      .object({
        id: z.string(),
        name: z.string(),
        domains: z.array(z.object({ domain: z.string(), state: z.string() })),
      })
      .nullable(),
    unverified_domains: z
      .array(z.string())
      .describe('Domains of the connection that are not verified domains of its organization.'),
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const connection = toConnection(await getConnection(ctx, args.connection_id));
    const org = await findOrganization(ctx.workos, connection.organization_id);
    const verified = new Set(
      (org?.domains ?? []).filter((d) => String(d.state) === 'verified').map((d) => d.domain),
    );
    const unverified = org ? connection.domains.filter((d) => !verified.has(d)) : [];
    return {
      structured: {
        connection,
        state_meaning: stateMeaning(connection.state),
        organization: org
          ? {
              id: org.id,
              name: org.name,
              domains: org.domains.map((d) => ({ domain: d.domain, state: String(d.state) })),
            }
          : null,
        unverified_domains: unverified,
      },
      summary: `SSO connection "${connection.name}" (${connection.id}, ${connection.type}) of ${
        org ? `"${org.name}"` : 'no known organization'
      } is ${connection.state}, for ${connection.domains.join(', ') || 'no domains'}. ${stateMeaning(connection.state)}`,
    };
  },
});
