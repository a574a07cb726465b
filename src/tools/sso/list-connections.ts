import type { ConnectionResponse } from '@workos-inc/node';
import { ConnectionType } from '@workos-inc/node';
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
import { domainArg, idArg } from '../organizations/args.ts';
import { defineTool } from '../types.ts';
import { connectionShape, toConnection } from './shape.ts';

const NAME = 'list_sso_connections';

export const listSsoConnections = defineTool({
  name: NAME,
  title: 'List SSO connections',
  description:
    'List SSO connections (SAML/OIDC links between an organization and its identity provider), newest first, with their type (OktaSAML, AzureSAML, GenericOIDC…), state (active, draft = setup unfinished, inactive, validating), organization and domains. Filter by `organization_id` ("org_01H…"), `connection_type` or `domain`. Connection ids look like "conn_01H…": pass one to get_sso_connection_details; for "why can\u2019t they sign in?" use diagnose_sso_sign_in with the organization id.',
  input: z.strictObject({
    organization_id: idArg('org_', 'organization').optional(),
    connection_type: z
      .enum(ConnectionType)
      .optional()
      .describe('Only connections of this type, e.g. "OktaSAML", "AzureSAML", "GenericOIDC", "GoogleOAuth".'),
    domain: domainArg.optional().describe('Only connections serving this email domain, e.g. "acme.com".'),
    ...paginationArgs,
    environment: environmentArg,
  }),
  output: z.object({ connections: z.array(connectionShape), list_metadata: listMetadata }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const page = asPage(
      await callOperation<WireList<ConnectionResponse>>(
        ctx,
        'sso_connections.list',
        {
          organization_id: args.organization_id,
          connection_type: args.connection_type,
          domain: args.domain,
          limit: args.limit,
          before: args.before,
          after: args.after,
          order: args.order,
        },
        'list SSO connections',
      ),
    );
    const connections = page.data.map(toConnection);
    const notActive = connections.filter((c) => c.state !== 'active').length;
    return {
      structured: { connections, list_metadata: pageInfo(page, NAME) },
      summary: `In ${ctx.environment}: ${pageSentence(connections.length, 'SSO connection', page)}${
        notActive ? ` ${notActive} of them not active.` : ''
      }`,
    };
  },
});
