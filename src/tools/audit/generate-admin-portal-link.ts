import {
  type ConnectionResponse,
  GenerateLinkIntent,
  type OrganizationResponse,
  type PortalLinkResponseWire,
} from '@workos-inc/node';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { callOperation } from '../catalogue/call.ts';
import { confirmationArg, environmentArg, WRITE } from '../common.ts';
import { collectOperation } from '../organizations/related.ts';
import { defineTool, type ToolContext } from '../types.ts';
import { getOrganization } from '../users/lookups.ts';

const INTENTS = Object.values(GenerateLinkIntent) as [GenerateLinkIntent, ...GenerateLinkIntent[]];
/**
 * Intents whose portal changes how the organization's people sign in: a link for them needs a
 * Gatehouse team admin and a human's confirmation (see ToolDefinition.changesSignIn).
 */
const SIGN_IN_INTENTS: Partial<Record<GenerateLinkIntent, string>> = {
  sso: 'set up or change its SSO connection',
  domain_verification: 'verify its domains',
  certificate_renewal: 'replace its SAML signing certificate',
};

/** WorkOS's SAML connection types end in `SAML` (OktaSAML, AzureSAML, GenericSAML, …). */
const isSaml = (type: string) => /SAML$/.test(type);

/**
 * Why the portal cannot do what `intent` asks for this organization, checked before a link is
 * made so the agent hears the reason and what to do instead: certificate renewal renews a SAML
 * connection's certificate (https://workos.com/docs/reference/admin-portal/portal-link/generate:
 * "renewing SAML Certificates"), and log streams stream Audit Log events, which need the
 * organization's audit log trail to be active (https://workos.com/docs/reference/audit-logs/configuration;
 * @workos-inc/node has no method for it, so it is read with the SDK's raw request).
 */
async function refusal(
  ctx: ToolContext,
  org: OrganizationResponse,
  intent: GenerateLinkIntent,
): Promise<AppError | undefined> {
  if (intent === 'certificate_renewal') {
    const { items: connections } = await collectOperation<ConnectionResponse>(
      ctx.workos,
      'sso_connections.list',
      { organization_id: org.id },
      `list the SSO connections of ${org.name}`,
    );
    if (connections.some((c) => isSaml(String(c.connection_type)))) return undefined;
    const kinds = [...new Set(connections.map((c) => String(c.connection_type)))];
    return new AppError(
      'invalid_input',
      `${org.name} has no SAML connection (${kinds.length ? `its SSO connections are ${kinds.join(', ')}` : 'it has no SSO connection'}), so there is no SAML certificate to renew.`,
      { hint: 'Use intent "sso" to set up or change its SSO connection instead.' },
    );
  }
  if (intent === 'log_streams') {
    const data = await callOperation<{ state?: string }>(
      ctx,
      'audit_logs.get_configuration',
      { id: org.id },
      `get the audit log configuration of ${org.name}`,
    );
    if (data.state === 'active') return undefined;
    return new AppError(
      'invalid_input',
      `${org.name}'s audit log trail is ${data.state ?? 'not set up'}: log streams send Audit Log events to a SIEM, and it has none to send.`,
      {
        hint: 'WorkOS sets up log streams only in the Admin Portal (this intent) or its dashboard, and only for an organization that records Audit Log events: record events for it first (intent "audit_logs" shows its trail), then ask for this link again.',
      },
    );
  }
  return undefined;
}

/**
 * Log Streams (Datadog, Splunk, …) are configured "through your WorkOS Dashboard or … through the
 * WorkOS Admin Portal" (https://workos.com/docs/audit-logs/log-streams): the API has no endpoint
 * for them, so the answer says where the stream is actually set up.
 */
const LOG_STREAMS_NOTE =
  'WorkOS sets up audit log streams (Datadog, Splunk, Snowflake, S3, Google Cloud Storage, HTTP POST) only in the Admin Portal or the WorkOS dashboard, not through its API: open this link, choose the destination and enter its credentials (for Datadog, its API key and site) there. ';

/** The intents {@link refusal} may refuse. */
const REFUSABLE = new Set<GenerateLinkIntent>(['certificate_renewal', 'log_streams'] as GenerateLinkIntent[]);

/** Admin Portal links are single-use and expire five minutes after they are made. */
export const PORTAL_LINK_TTL_SECONDS = 5 * 60;

const httpsUrl = z
  .url({ protocol: /^https$/ })
  .max(2000)
  .optional();

export const generateAdminPortalLink = defineTool({
  name: 'generate_admin_portal_link',
  title: 'Generate an Admin Portal link',
  description: `Create an Admin Portal link for a customer's IT admin to set something up themselves for one organization: intent is one of ${INTENTS.join(', ')}. To set up an audit log stream (Datadog, Splunk, Snowflake, AWS S3, Google Cloud Storage or HTTP POST), use intent log_streams: WorkOS offers Log Streams only through the Admin Portal or its dashboard, never through its API, so this link is the one step an agent can take; the organization needs an active audit log trail (audit_configuration shows it). The link grants setup access to that organization, is meant to be handed to the customer's IT admin, and expires in 5 minutes (make it when they are ready). certificate_renewal needs a SAML connection and log_streams an active audit log trail: without them the answer says why and what to use instead. There is no branding intent: WorkOS sets AuthKit branding (logo, colors) only in its dashboard, with no API (whoami lists this limitation). Optionally return_url / success_url (https) send them back to your app. The sso, domain_verification and certificate_renewal intents change how the organization signs in: they need a Gatehouse team admin and a human's confirmation (the first call answers with a confirmation_token; call again with it only after the human agrees).`,
  input: z.strictObject({
    organization_id: z.string().min(1).max(200).describe('The organization (org_…) the portal sets up.'),
    intent: z.enum(INTENTS).describe('What the IT admin will set up.'),
    return_url: httpsUrl.describe('Where the portal’s "back" link goes (https).'),
    success_url: httpsUrl.describe('Where the IT admin lands after finishing (https).'),
    confirmation_token: confirmationArg,
    environment: environmentArg,
  }),
  output: z.object({
    link: z.string(),
    organization_id: z.string(),
    organization_name: z.string(),
    intent: z.string(),
    expires_in_seconds: z.number().int(),
    expires_at: z.string(),
  }),
  annotations: WRITE,
  kind: 'write',
  permission: 'workos:write',
  changesSignIn: (args) => {
    const what = SIGN_IN_INTENTS[args.intent];
    return what
      ? `hand out an Admin Portal link that lets whoever opens it ${what} for organization ${args.organization_id}`
      : undefined;
  },
  // Refused before anyone is asked to confirm (a certificate_renewal link is a sign-in change):
  // nobody should approve a link the portal cannot serve.
  async precheck(ctx, args) {
    if (!REFUSABLE.has(args.intent)) return undefined;
    const refused = await refusal(ctx, await getOrganization(ctx, args.organization_id), args.intent);
    if (refused) throw refused;
    return undefined;
  },
  async run(ctx, args) {
    const org = await getOrganization(ctx, args.organization_id);
    // Checked again here: the catalogue's admin_portal.generate_link runs this tool's run().
    const refused = await refusal(ctx, org, args.intent);
    if (refused) throw refused;
    const { link } = await callOperation<PortalLinkResponseWire>(
      ctx,
      'admin_portal.generate_link',
      {
        organization_id: org.id,
        intent: args.intent,
        ...(args.return_url && { return_url: args.return_url }),
        ...(args.success_url && { success_url: args.success_url }),
      },
      `generate an Admin Portal link for ${org.name}`,
    );
    const expiresAt = new Date(ctx.clock.now() + PORTAL_LINK_TTL_SECONDS * 1000).toISOString();
    return {
      structured: {
        link,
        organization_id: org.id,
        organization_name: org.name,
        intent: args.intent,
        expires_in_seconds: PORTAL_LINK_TTL_SECONDS,
        expires_at: expiresAt,
      },
      summary: `${args.intent === 'log_streams' ? LOG_STREAMS_NOTE : ''}Admin Portal link (${args.intent}) for ${org.name}: it expires in 5 minutes (at ${expiresAt}) and gives whoever opens it setup access for ${org.name}, so send it only to their IT admin.`,
    };
  },
});
