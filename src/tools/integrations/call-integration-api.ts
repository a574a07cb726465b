import { z } from 'zod';
import { callRefusalMessage } from '../../approvals/agent.ts';
import type { Grant } from '../../approvals/store.ts';
import { AppError } from '../../errors/app-error.ts';
import { workosCall } from '../../workos/errors.ts';
import { defineTool, type ToolContext } from '../types.ts';
import {
  assertTeamAllowsWrites,
  type CanonicalRequest,
  canonicalRequest,
  HTTP_METHODS,
} from './request-shape.ts';

/** Headers an agent may never set: credentials are Gatehouse's to inject, transport is ours. */
const FORBIDDEN_HEADERS =
  /^(authorization|proxy-authorization|cookie|host|content-length|transfer-encoding|connection|upgrade|te|trailer|keep-alive|x-forwarded-.*|forwarded|x-real-ip|x-snowflake-authorization-token-type)$/i;
/**
 * Method overrides: a server honouring one would run a DELETE while Gatehouse judged (and the
 * human approved) a GET or a POST query, so the read/write decision would not hold.
 */
const METHOD_OVERRIDE_HEADERS = /^(x-http-method-override|x-http-method|x-method-override)$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const MAX_RESPONSE_BYTES = 1024 * 1024;
const CALL_TIMEOUT_MS = 20_000;

function agentHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name))
      throw new AppError('invalid_input', `Invalid header name ${JSON.stringify(name.slice(0, 50))}.`);
    if (METHOD_OVERRIDE_HEADERS.test(name)) {
      throw new AppError(
        'forbidden',
        `You cannot set the ${name} header: the request's method is what gets approved and checked; send that method instead.`,
        { denial: 'header_refused' },
      );
    }
    if (FORBIDDEN_HEADERS.test(name)) {
      throw new AppError(
        'forbidden',
        `You cannot set the ${name} header: Gatehouse injects the provider credentials itself.`,
        { denial: 'header_refused' },
      );
    }
    if (/[\r\n\0]/.test(value))
      throw new AppError('invalid_input', `The ${name} header contains a line break.`);
    out[name] = value;
  }
  return out;
}

const APPROVAL = { denial: 'approval_required' } as const;

/** Which grant lets this call through; throws a clear denial when none does. */
function authority(
  ctx: ToolContext,
  req: CanonicalRequest,
  write: boolean,
  requestId: string | undefined,
): { check(): Grant | undefined; commit(): Grant } {
  const p = ctx.principal;
  const requester = {
    userId: p.userId,
    teamId: p.teamId,
    familyId: p.familyId,
    clientId: p.clientId,
    email: p.email,
    sessionId: ctx.session?.id || null,
  };
  if (requestId) {
    return {
      // Compare first (no side effect)…
      check() {
        const seen = ctx.app.grants.agent.checkCall(requestId, p, req);
        if (!seen.ok) throw new AppError('forbidden', callRefusalMessage(seen.reason, seen.grant), APPROVAL);
        return seen.grant;
      },
      // …consume after, atomically (the same comparison, then one conditional update).
      commit() {
        const used = ctx.app.grants.agent.consumeCall(requestId, requester, req);
        if (!used.ok) throw new AppError('forbidden', callRefusalMessage(used.reason, used.grant), APPROVAL);
        return used.grant;
      },
    };
  }
  const find = () => {
    const g = ctx.app.grants.agent.activeBroad(p, req.provider.id, write);
    if (g) return g;
    const readOnly = write ? ctx.app.grants.agent.activeBroad(p, req.provider.id, false) : undefined;
    throw new AppError(
      'forbidden',
      readOnly
        ? `This ${req.provider.name} request changes data, but your approval is read-only.`
        : `No active approval covers ${req.provider.name}${write ? ' for writes' : ''}.`,
      {
        hint: 'Ask a human with request_elevated_access (kind "session" or kind "call"), then check_access_request.',
        denial: 'approval_required',
      },
    );
  };
  return { check: find, commit: find };
}

export const callIntegrationApi = defineTool({
  name: 'call_integration_api',
  title: 'Call an integration API',
  description:
    'Call a third-party API (Linear, Notion, Snowflake, GitHub, Slack) through WorkOS Pipes, as the human. Needs an approval: an active "session" grant covering the provider (read or write as the request requires), or `request_id` of an approved exact-call request whose method, URL and body match exactly (used up by this call). Gatehouse injects the credentials: never send Authorization or cookies. Responses are size-limited and secrets are stripped.',
  input: z.strictObject({
    method: z.enum(HTTP_METHODS),
    url: z
      .string()
      .min(8)
      .max(4096)
      .describe('The https URL of a known provider API, e.g. https://api.linear.app/graphql.'),
    headers: z
      .record(z.string(), z.string().max(2000))
      .optional()
      .describe('Extra request headers (no Authorization, Cookie or Host).'),
    body: z
      .union([z.string().max(262_144), z.record(z.string(), z.unknown())])
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
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  kind: 'integration',
  permission: 'integrations:read',
  async run(ctx, args) {
    const p = ctx.principal;
    const req = canonicalRequest(args.method, args.url, args.body);
    const extra = agentHeaders(args.headers);
    if (Object.keys(extra).length > 20) throw new AppError('invalid_input', 'At most 20 extra headers.');
    const write = req.provider.isWrite({ method: req.method, url: req.parsedUrl, body: req.body });
    if (write) assertTeamAllowsWrites(p, `a ${req.provider.name} request that changes data`);
    if (write && !p.permissions.includes('integrations:write')) {
      throw new AppError(
        'forbidden',
        `This ${req.provider.name} request changes data, and your role (${p.role}) cannot write to integrations.`,
        { denial: 'missing_permission' },
      );
    }
    const grantFor = authority(ctx, req, write, args.request_id);
    grantFor.check();

    const token = await workosCall(`get a ${req.provider.name} token from WorkOS Pipes`, () =>
      ctx.app.workos.identity.client.pipes.getAccessToken({
        provider: req.provider.id,
        userId: p.workosUserId,
      }),
    );
    if (!token.active) {
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
    const grant = grantFor.commit();

    // Provider headers win over the agent's (case-insensitively), and the credential is ours.
    const headers = new Headers(extra);
    for (const [k, v] of Object.entries(
      req.provider.headers({ method: req.method, url: req.parsedUrl, body: req.body }),
    ))
      headers.set(k, v);
    headers.set('Authorization', `Bearer ${token.accessToken.accessToken}`);
    const res = await ctx.app.outbound.fetch(req.url, {
      method: req.method,
      headers,
      body: req.body,
      timeoutMs: CALL_TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      allowedHosts: (host) => req.provider.allowsHost(host),
    });
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
      },
      summary: location
        ? `${req.provider.name} answered ${res.status} with a redirect to ${location}; Gatehouse does not follow redirects.`
        : `${req.provider.name} answered HTTP ${res.status}.`,
    };
  },
});
