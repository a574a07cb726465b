/** Admin Portal links (https://workos.com/docs/reference/admin-portal/portal-link/generate). */
import { GenerateLinkIntent } from '@workos-inc/node';
import { z } from 'zod';
import { generateAdminPortalLink } from '../../audit/generate-admin-portal-link.ts';
import { id } from '../args.ts';
import { defineOperation } from '../types.ts';

const INTENTS = Object.values(GenerateLinkIntent) as [GenerateLinkIntent, ...GenerateLinkIntent[]];
const httpsUrl = z
  .url({ protocol: /^https$/ })
  .max(2000)
  .optional();

/** generate_admin_portal_link's own arguments, from the operation's parameters. */
const asToolArgs = (p: {
  organization_id: string;
  intent: GenerateLinkIntent;
  return_url?: string;
  success_url?: string;
}) => ({
  organization_id: p.organization_id,
  intent: p.intent,
  ...(p.return_url && { return_url: p.return_url }),
  ...(p.success_url && { success_url: p.success_url }),
});

export const ADMIN_PORTAL_OPERATIONS = [
  defineOperation({
    name: 'admin_portal.generate_link',
    area: 'admin_portal',
    summary: `An Admin Portal link for a customer's IT admin (intents: ${INTENTS.join(', ')}); expires in 5 minutes. sso, domain_verification and certificate_renewal change sign-in: a team admin and a human's confirmation.`,
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/portal/generate_link',
    params: z.strictObject({
      organization_id: id('org_', 'organization'),
      intent: z.enum(INTENTS),
      return_url: httpsUrl,
      success_url: httpsUrl,
    }),
    docs: 'https://workos.com/docs/reference/admin-portal/portal-link/generate',
    // The named tool's checks (certificate renewal needs SAML, log streams an active trail) and
    // its sign-in rule, so the catalogue answers exactly as generate_admin_portal_link does.
    changesSignIn: (p) => generateAdminPortalLink.changesSignIn!(asToolArgs(p)),
    run: async (ctx, p) => (await generateAdminPortalLink.run(ctx, asToolArgs(p))).structured,
  }),
];
