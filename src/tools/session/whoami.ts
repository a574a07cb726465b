import { z } from 'zod';
import { ENVIRONMENTS } from '../../../db/schema/enums.ts';
import { DEMO_PROVIDER_LABEL } from '../../approvals/providers/demo.ts';
import { PROVIDERS } from '../../approvals/providers/index.ts';
import { defineTool } from '../types.ts';

/**
 * Branding (seeds/000 "Brand your sign-in page from a screenshot"): AuthKit's look is set "via the
 * Branding section of the WorkOS Dashboard", per environment (https://workos.com/docs/authkit/branding);
 * WorkOS's API reference and @workos-inc/node (11.0.0) have no branding endpoint or method, and the
 * Admin Portal has no branding intent, so no Gatehouse tool can change it.
 */
export const BRANDING_NOTE =
  'No branding changes: WorkOS publishes no API for AuthKit branding (logo, colors, fonts, page copy), and no Admin Portal link sets it; it is edited per environment in the WorkOS dashboard (https://dashboard.workos.com/branding). An agent can only describe the settings to enter there (for example colors read from a screenshot).';

/**
 * What agents can never do through Gatehouse (seeds/000 "Limitations"). Sent with every answer:
 * plain ASCII (an apostrophe, not U+2019), since one character beyond it makes the whole answer a
 * two-byte string, which JSON and UTF-8 encode three times slower (bench/README.md).
 */
export const LIMITATIONS = [
  'No impersonation: the agent always acts as you, never as one of your users.',
  'No minting or rotating credentials (API keys, OAuth client secrets, signing certificates).',
  "No changing Gatehouse's own access settings (the admin toggles live in the console).",
  'No deleting your team.',
  'Secrets in WorkOS responses are stripped before the agent sees them.',
  BRANDING_NOTE,
];

const output = z.object({
  user: z.object({ email: z.string(), name: z.string() }),
  team: z.object({ name: z.string(), organization_id: z.string() }),
  role: z.string(),
  permissions: z.array(z.string()),
  client: z.object({ id: z.string().nullable(), name: z.string(), kind: z.enum(['oauth', 'connection']) }),
  scopes: z.array(z.string()),
  environment: z.enum(ENVIRONMENTS),
  /** Which of the team's own WorkOS environments are linked (tools act on these only). */
  environments_linked: z.object({ sandbox: z.boolean(), production: z.boolean() }),
  /** Set when this connection comes from an impersonated sign-in: it can only read. */
  impersonated_by: z.string().nullable(),
  session: z.enum(['mcp_session', 'stateless']),
  team_settings: z.object({
    mcp_enabled: z.boolean(),
    allow_production: z.boolean(),
    allow_write: z.boolean(),
    require_different_approver: z.boolean(),
    authority_ttl_seconds: z.number(),
    pii_redaction: z.boolean(),
  }),
  active_grants: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      providers: z.array(z.string()),
      level: z.string().nullable(),
      expires_at: z.string().nullable(),
    }),
  ),
  limitations: z.array(z.string()),
  /** Where integration calls go: local mode answers them with "demo provider (local mode)" fakes. */
  integrations: z.object({ served_by: z.string(), providers: z.array(z.string()) }),
});

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I?',
  description:
    'Who this connection acts as: the human, their team and role, their permissions, the client, the current environment (sandbox or production), the team\u2019s access toggles, active approval grants, and what Gatehouse never allows or cannot do (limitations: e.g. AuthKit branding, which WorkOS offers only in its dashboard, no API). Call this first when unsure what you may do.',
  input: z.strictObject({}),
  output,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  kind: 'session',
  permission: 'workos:read',
  async run(ctx) {
    const p = ctx.principal;
    const structured = {
      user: { email: p.email, name: p.userName },
      team: { name: p.teamName, organization_id: p.organizationId },
      role: p.role,
      permissions: p.permissions,
      client: { id: p.clientId, name: p.clientName, kind: p.familyKind },
      scopes: p.scopes,
      environment: ctx.environment,
      environments_linked: {
        sandbox: ctx.team.linked('sandbox'),
        production: ctx.team.linked('production'),
      },
      impersonated_by: p.impersonator,
      session: ctx.session ? ('mcp_session' as const) : ('stateless' as const),
      team_settings: {
        mcp_enabled: p.settings.enabled,
        allow_production: p.settings.allowProduction,
        allow_write: p.settings.allowWrite,
        require_different_approver: p.settings.requireDifferentApprover,
        authority_ttl_seconds: Math.round(p.settings.authorityTtlMs / 1000),
        pii_redaction: p.settings.piiRedaction,
      },
      active_grants: ctx.grants.active().map((g) => ({
        id: g.id,
        kind: g.kind,
        providers: g.providers,
        level: g.level,
        expires_at: g.expiresAt ? new Date(g.expiresAt).toISOString() : null,
      })),
      limitations: LIMITATIONS,
      integrations: ctx.demoProviders
        ? { served_by: DEMO_PROVIDER_LABEL, providers: Object.keys(ctx.demoProviders.hosts) }
        : { served_by: "the providers' own APIs", providers: PROVIDERS.map((prov) => prov.id) },
    };
    const production =
      p.settings.allowProduction &&
      p.permissions.includes('workos:production') &&
      structured.environments_linked.production;
    const impersonated = p.impersonator
      ? ` This connection comes from a session ${p.impersonator} opened by impersonating ${p.email}: it can only read.`
      : '';
    const unlinked = structured.environments_linked.sandbox
      ? ''
      : ' No sandbox WorkOS environment is linked to your team yet: WorkOS tools refuse until an admin links one.';
    const demo = ctx.demoProviders
      ? ` Integrations (${structured.integrations.providers.join(', ')}) are each a ${DEMO_PROVIDER_LABEL}: calls reach Gatehouse's embedded fakes with demo data, not the real services.`
      : '';
    return {
      structured,
      summary: `You act as ${p.email} (${p.role}) in team ${p.teamName}, in ${ctx.environment}, via ${p.clientName}. Writes are ${p.settings.allowWrite && !p.impersonator ? 'allowed' : 'not allowed'}; production is ${production ? 'available' : 'not available to you'}.${impersonated}${unlinked}${demo}`,
    };
  },
});
