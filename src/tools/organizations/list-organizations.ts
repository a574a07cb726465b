import type { OrganizationResponse } from '@workos-inc/node';
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
import { defineTool } from '../types.ts';
import { domainArg } from './args.ts';
import { domainShape } from './shape.ts';

const NAME = 'list_workos_organizations';

export const listOrganizations = defineTool({
  name: NAME,
  title: 'List organizations',
  description:
    'List the WorkOS organizations (your customers) of the current environment, newest first, with their domains and verification states. Filter by `domains` to find the organization that owns an email domain; WorkOS has no name search, so to find one by name page through with `after`. Organization ids look like "org_01H…"; pass one to get_organization_details for its SSO connections, directories and members.',
  input: z.strictObject({
    domains: z
      .array(domainArg)
      .min(1)
      .max(10)
      .optional()
      .describe('Only organizations owning one of these domains, e.g. ["acme.com"].'),
    ...paginationArgs,
    environment: environmentArg,
  }),
  output: z.object({
    organizations: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        external_id: z.string().nullable(),
        domains: z.array(domainShape),
        created_at: z.string(),
      }),
    ),
    list_metadata: listMetadata,
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const page = asPage(
      await callOperation<WireList<OrganizationResponse>>(
        ctx,
        'organizations.list',
        {
          ...(args.domains && { domains: args.domains }),
          limit: args.limit,
          before: args.before,
          after: args.after,
          order: args.order,
        },
        'list organizations',
      ),
    );
    const organizations = page.data.map((o) => ({
      id: o.id,
      name: o.name,
      external_id: o.external_id ?? null,
      domains: o.domains.map((d) => ({ domain: d.domain, state: String(d.state) })),
      created_at: o.created_at,
    }));
    return {
      structured: { organizations, list_metadata: pageInfo(page, NAME) },
      summary: `In ${ctx.environment}: ${pageSentence(organizations.length, 'organization', page)}`,
    };
  },
});
