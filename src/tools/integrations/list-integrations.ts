import { z } from 'zod';
import { DEMO_PROVIDER_LABEL, isDemoProvider } from '../../approvals/providers/demo.ts';
import { PROVIDERS } from '../../approvals/providers/index.ts';
import { connectedAccountHost } from '../../approvals/providers/snowflake.ts';
import type { Provider } from '../../approvals/providers/types.ts';
import { secondsLeft } from '../../approvals/store.ts';
import type { DemoProviders, PipesConnection } from '../ports.ts';
import { defineTool } from '../types.ts';
import { pipesProblem } from './connection-status.ts';

/** Providers whose API host is fixed; Snowflake's is the customer's account. */
const FIXED_HOSTS: Record<string, string> = {
  linear: 'api.linear.app',
  notion: 'api.notion.com',
  github: 'api.github.com',
  slack: 'slack.com',
};

/**
 * The API host calls for this provider go to: the demo provider's in local mode; for Snowflake,
 * the account the connection names (Pipes stores a Snowflake `account` as connection config,
 * https://workos.com/docs/reference/pipes/connected-account), when it is a valid account host.
 */
function apiHost(
  prov: Provider,
  demo: DemoProviders | undefined,
  c: PipesConnection | undefined,
): string | null {
  const demoHost = demo?.hosts[prov.id];
  if (demoHost) return demoHost;
  if (prov.id === 'snowflake') return connectedAccountHost(c?.config) ?? null;
  return FIXED_HOSTS[prov.id] ?? null;
}

/** The provider's example URL on its actual host (the Snowflake account's, when known). */
function exampleUrl(prov: Provider, host: string | null): string {
  if (!host) return prov.example;
  const u = new URL(prov.example);
  u.hostname = host;
  return u.toString();
}

export const listIntegrations = defineTool({
  name: 'list_integrations',
  title: 'List integrations',
  description:
    'The third-party APIs Gatehouse can call for you through WorkOS Pipes (Linear, Notion, Snowflake, GitHub, Slack): whether each is connected for you in Pipes (and any scopes it lacks), its API host and an example URL, whether it is the real API or a "demo provider (local mode)", and what you may do with it right now (an active approval, or what to request). Calling any of them needs a human\u2019s approval first: request_elevated_access.',
  input: z.strictObject({}),
  output: z.object({
    integrations: z.array(
      z.object({
        provider: z.string(),
        name: z.string(),
        description: z.string(),
        api_host: z.string().nullable(),
        example_url: z.string(),
        /** "demo provider (local mode)": Gatehouse's embedded fake with demo data; else the provider's own API. */
        served_by: z.string(),
        pipes_status: z.enum(['connected', 'needs_reauthorization', 'disconnected', 'not_installed']),
        pipes_account: z.string().nullable(),
        missing_scopes: z.array(z.string()),
        access_now: z.enum(['write', 'read', 'none']),
        grant: z
          .object({ id: z.string(), level: z.string().nullable(), seconds_left: z.number() })
          .nullable(),
        next_step: z.string(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  kind: 'integration',
  permission: 'integrations:read',
  async run(ctx) {
    const connections = await ctx.pipes.connections();
    const grants = ctx.grants.active().filter((g) => g.kind === 'broad');
    const now = ctx.clock.now();
    const integrations = PROVIDERS.map((prov) => {
      const c = connections.get(prov.id);
      const status = c?.status ?? 'not_installed';
      const grant = grants.find((g) => g.providers.includes(prov.id));
      const access = grant ? (grant.level === 'write' ? 'write' : 'read') : 'none';
      const demo = isDemoProvider(ctx.demoProviders, prov.id);
      const host = apiHost(prov, ctx.demoProviders, c);
      const problem = pipesProblem(prov.name, c);
      const next =
        status !== 'connected'
          ? problem!
          : `${problem ? `${problem} ` : ''}${
              grant
                ? `You may call call_integration_api for ${prov.name} (${access}) for ${secondsLeft(grant, now)} more seconds.`
                : 'Ask for access with request_elevated_access (kind "session" for a while, or kind "call" for one exact request).'
            }`;
      return {
        provider: prov.id,
        name: prov.name,
        description: demo
          ? `${DEMO_PROVIDER_LABEL}: Gatehouse's embedded stand-in for this API, with demo data only. ${prov.description}`
          : prov.description,
        api_host: host,
        example_url: exampleUrl(prov, host),
        served_by: demo ? DEMO_PROVIDER_LABEL : `${prov.name}'s own API`,
        pipes_status: status,
        pipes_account: c?.account ?? null,
        missing_scopes: c?.missingScopes ?? [],
        access_now: access as 'write' | 'read' | 'none',
        grant: grant ? { id: grant.id, level: grant.level, seconds_left: secondsLeft(grant, now) } : null,
        next_step: next,
      };
    });
    const connected = integrations.filter((i) => i.pipes_status === 'connected').map((i) => i.name);
    const demoNote = ctx.demoProviders
      ? ` Every provider here is a ${DEMO_PROVIDER_LABEL}: calls reach Gatehouse's embedded fakes with demo data, never the real services.`
      : '';
    return {
      structured: { integrations },
      summary: `${integrations.length} integrations; connected for you: ${connected.length ? connected.join(', ') : 'none'}.${demoNote}`,
    };
  },
});
