/** Admin Portal links (https://workos.com/docs/reference/admin-portal/portal-link/generate). */
import { GenerateLinkIntent } from '@workos-inc/node';
import { z } from 'zod';
import { id } from '../args.ts';
import { defineOperation } from '../types.ts';

export const PORTAL_INTENTS = Object.values(GenerateLinkIntent) as [
  GenerateLinkIntent,
  ...GenerateLinkIntent[],
];
const httpsUrl = z
  .url({ protocol: /^https$/ })
  .max(2000)
  .optional();

export const ADMIN_PORTAL_OPERATIONS = [
  defineOperation({
    name: 'admin_portal.generate_link',
    area: 'admin_portal',
    summary: `An Admin Portal link for a customer's IT admin (intents: ${PORTAL_INTENTS.join(', ')}); expires in 5 minutes. sso, domain_verification and certificate_renewal change sign-in: a team admin and a human's confirmation.`,
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/portal/generate_link',
    params: z.strictObject({
      organization_id: id('org_', 'organization'),
      intent: z.enum(PORTAL_INTENTS),
      return_url: httpsUrl,
      success_url: httpsUrl,
    }),
    // The documented body names the organization `organization` (the SDK's `GenerateLink`
    // serialised); the catalogue keeps its one name for it, organization_id.
    wireNames: { organization_id: 'organization' },
    docs: 'https://workos.com/docs/reference/admin-portal/portal-link/generate',
    // changesSignIn, precheck and run: generate_admin_portal_link's (hooks.ts), so the catalogue
    // refuses and answers exactly as the named tool, which sends this declaration.
  }),
];
