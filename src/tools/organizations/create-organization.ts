import type { OrganizationResponse } from '@workos-inc/node';
import { z } from 'zod';
import { name } from '../catalogue/args.ts';
import { callOperation } from '../catalogue/call.ts';
import { confirmationArg, environmentArg, WRITE } from '../common.ts';
import { defineTool } from '../types.ts';
import {
  domainListArg,
  externalIdArg,
  metadataArg,
  SIGN_IN_CHANGE_NOTE,
  toDomainData,
  verifiedDomainsChange,
} from './args.ts';
import { domainsText, organizationShape, toOrganization } from './shape.ts';

export const createOrganization = defineTool({
  name: 'create_workos_organization',
  title: 'Create organization',
  description:
    'Create a WorkOS organization (one of your customers) in the current environment. Give it a `name`, optionally its email `domains` (bare names like "acme.com"; mark a domain "verified" only when the customer has proven ownership, otherwise it stays "pending"), an `external_id` (your own id for the customer, unique) and `metadata` (string pairs). Returns the new organization with its id ("org_01H…"). Next: invite_user to add people, or generate_admin_portal_link to let the customer\u2019s IT admin set up SSO or Directory Sync. ' +
    SIGN_IN_CHANGE_NOTE,
  input: z.strictObject({
    // The catalogue's name: quoted in a sign-in change a human confirms, so no line breaks.
    name: name('organization').describe('The organization\u2019s display name, e.g. "Acme Corp".'),
    domains: domainListArg
      .optional()
      .describe(
        'Email domains the organization owns: "acme.com" or { domain: "acme.com", state: "verified" | "pending" } (default pending).',
      ),
    external_id: externalIdArg.optional(),
    metadata: metadataArg.optional(),
    confirmation_token: confirmationArg,
    environment: environmentArg,
  }),
  output: z.object({ organization: organizationShape }),
  annotations: WRITE,
  kind: 'write',
  permission: 'workos:write',
  changesSignIn: (args) => verifiedDomainsChange(args.domains, `the new organization "${args.name}"`),
  async run(ctx, args) {
    const created = await callOperation<OrganizationResponse>(
      ctx,
      'organizations.create',
      {
        name: args.name,
        ...(args.domains && { domain_data: toDomainData(args.domains) }),
        ...(args.external_id !== undefined && { external_id: args.external_id }),
        ...(args.metadata && { metadata: args.metadata }),
      },
      `create organization "${args.name}"`,
    );
    const organization = toOrganization(created);
    return {
      structured: { organization },
      summary: `Created organization "${organization.name}" (${organization.id}) in ${ctx.environment} with ${domainsText(organization.domains)}.`,
    };
  },
});
