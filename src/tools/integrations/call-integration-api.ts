import { z } from 'zod';
import { DEMO_PROVIDER_LABEL, isDemoProvider } from '../../approvals/providers/demo.ts';
import { connectedAccountHost } from '../../approvals/providers/snowflake.ts';
import type { Provider } from '../../approvals/providers/types.ts';
import { HTTP_METHODS, headersArg, integrationRequest, isWriteRequest } from '../../approvals/request.ts';
import type { Grant } from '../../approvals/store.ts';
import { AppError, isAppError } from '../../errors/app-error.ts';
import { workosCall } from '../../workos/errors.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan, TOO_DEEP } from '../common.ts';
import type { CallerPipes } from '../ports.ts';
import { defineTool } from '../types.ts';

const MAX_RESPONSE_BYTES = 1024 * 1024;
const CALL_TIMEOUT_MS = 20_000;

export const callIntegrationApi = defineTool({
  name: 'call_integration_api',
  title: 'Call an integration API',
  description:
    'Call a third-party API (Linear, Notion, Snowflake, GitHub, Slack) through WorkOS Pipes, as the human. Needs an approval: an active "session" grant covering the provider (read or write as the request requires), or `request_id` of an approved exact-call request whose method, URL and body match exactly (used up by this call). Gatehouse injects the credentials: never send Authorization or cookies. Responses are size-limited and secrets are stripped. In local mode every provider is a "demo provider (local mode)": the same URLs reach Gatehouse\u2019s embedded fakes with demo data (served_by says so).',
  input: z.strictObject({
    method: z.enum(HTTP_METHODS),
    url: z
      .string()
      .min(8)
      .max(4096)
      .describe('The https URL of a known provider API, e.g. https://api.linear.app/graphql.'),
    headers: headersArg,
    body: z
      .union([z.string().max(262_144), z.record(z.string(), z.unknown())])
      .refine((b) => !nestsDeeperThan(b, MAX_JSON_DEPTH), TOO_DEEP)
      .optional()
      .describe('JSON object or text. Omit for none.'),
    request_id: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('An approved exact-call request to use (instead of session authority).'),
  }),
  output: z.object({
    provider: z.string(),
    status: z.number(),
    content_type: z.string().nullable(),
    body: z.unknown(),
    redirect_location: z.string().nullable(),
    authority: z.object({ kind: z.enum(['session', 'call']), grant_id: z.string() }),
    /** "demo provider (local mode)" when the call reached Gatehouse's embedded fake of the API. */
    served_by: z.string(),
    /** Scopes the integration requests that this Pipes connection lacks (the human must re-authorize). */
    missing_scopes: z.array(z.string()),
    pipes_warning: z.string().nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  kind: 'integration',
  permission: 'integrations:read',
  writePermission: 'integrations:write',
  requiresApproval: true,
  classify: (args) => (isWriteRequest(integrationRequest(args)) ? 'write' : 'read'),
  async run(ctx, args) {
    const req = integrationRequest(args);
    const token = await workosCall(`get a ${req.provider.name} token from WorkOS Pipes`, () =>
      ctx.pipes.accessToken(req.provider.id),
    );
    if (!token.active) {
      // Pipes answers `not_installed` or `needs_reauthorization` (https://workos.com/docs/reference/pipes/access-token);
      // a disconnected account has nothing installed either.
      throw new AppError(
        'unavailable',
        token.error === 'needs_reauthorization'
          ? `Your ${req.provider.name} connection in WorkOS Pipes needs re-authorization.`
          : `${req.provider.name} is not connected for you in WorkOS Pipes.`,
        {
          hint: `Ask the human to ${token.error === 'needs_reauthorization' ? 'reconnect' : 'connect'} ${req.provider.name} in WorkOS Pipes, then retry.`,
        },
      );
    }
    const approval = ctx.approval!;
    // Local mode reaches only the demo provider's own host (Snowflake: the demo account): any
    // other account would go out to the network, which local mode promises not to need.
    const demoHost = ctx.demoProviders?.hosts[req.provider.id];
    if (demoHost && req.parsedUrl.hostname !== demoHost) {
      throw new AppError(
        'invalid_input',
        `In local mode ${req.provider.name} is a ${DEMO_PROVIDER_LABEL} at ${demoHost}; ${req.parsedUrl.hostname} is not served here.`,
        {
          hint: `Call https://${demoHost}${req.parsedUrl.pathname} instead (list_integrations names each provider's host).`,
        },
      );
    }
    await pinnedToConnectedAccount(ctx, req.provider, req.parsedUrl.hostname, demoHost);

    // Provider headers win over the agent's (case-insensitively), and the credential is ours.
    const headers = new Headers(args.headers ?? {});
    for (const [k, v] of Object.entries(
      req.provider.headers({ method: req.method, url: req.parsedUrl, body: req.body }),
    ))
      headers.set(k, v);
    headers.set('Authorization', `Bearer ${token.accessToken.accessToken}`);
    // The approval the pipeline found (approval-gate.ts) is spent only when the request goes out:
    // after the URL, DNS and address checks; and given back if the connection then never opened.
    let grant: Grant | undefined;
    const res = await ctx
      .outbound(req.url, {
        method: req.method,
        headers,
        body: req.body,
        timeoutMs: CALL_TIMEOUT_MS,
        maxResponseBytes: MAX_RESPONSE_BYTES,
        allowedHosts: (host) => req.provider.allowsHost(host),
        beforeSend: () => {
          grant = approval.commit();
        },
      })
      .catch((e: unknown) => {
        if (grant && isAppError(e) && e.notSent) approval.release(grant);
        throw e;
      });
    if (!grant) throw new AppError('internal', 'The approval was never spent although the call went out.');
    const contentType = res.headers.get('content-type');
    const text = res.text();
    let body: unknown = text;
    if (contentType?.includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    const demo = isDemoProvider(ctx.demoProviders, req.provider.id);
    // Pipes lists the integration's requested scopes this token lacks
    // (https://workos.com/docs/reference/pipes/access-token `missing_scopes`); only a human can
    // grant them, by re-authorizing the connection.
    const missing = token.accessToken.missingScopes ?? [];
    const warning =
      missing.length > 0
        ? `Your ${req.provider.name} connection lacks the scopes ${missing.join(', ')}: calls that need them fail. Only the human can grant them, by re-authorizing ${req.provider.name} in WorkOS Pipes.`
        : null;
    return {
      structured: {
        provider: req.provider.id,
        status: res.status,
        content_type: contentType,
        body,
        redirect_location: location,
        authority: {
          kind: grant.kind === 'broad' ? ('session' as const) : ('call' as const),
          grant_id: grant.id,
        },
        served_by: demo ? DEMO_PROVIDER_LABEL : `${req.provider.name}'s own API`,
        missing_scopes: missing,
        pipes_warning: warning,
      },
      summary: `${
        location
          ? `${req.provider.name} answered ${res.status} with a redirect to ${location}; Gatehouse does not follow redirects.`
          : `${req.provider.name}${demo ? ` (${DEMO_PROVIDER_LABEL})` : ''} answered HTTP ${res.status}.`
      }${warning ? ` ${warning}` : ''}`,
    };
  },
});

/**
 * A Snowflake token works for the account that issued it; still, it goes only to the account the
 * human connected in Pipes (its `account` setting), never to another one the agent names. A
 * connection that names no account (or local mode's demo account, checked above) pins nothing.
 */
async function pinnedToConnectedAccount(
  ctx: { pipes: CallerPipes },
  provider: Provider,
  hostname: string,
  demoHost: string | undefined,
): Promise<void> {
  if (provider.id !== 'snowflake' || demoHost) return;
  const connected = connectedAccountHost((await ctx.pipes.connections()).get('snowflake')?.config);
  if (!connected || hostname === connected) return;
  throw new AppError(
    'invalid_input',
    `Your Snowflake connection in WorkOS Pipes is for the account at ${connected}; ${hostname} is another account.`,
    { hint: `Call https://${connected}/api/v2/statements instead (list_integrations names the host).` },
  );
}
