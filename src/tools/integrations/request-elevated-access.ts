import { z } from 'zod';
import { ACCESS_LEVELS } from '../../../db/schema/enums.ts';
import { providerById } from '../../approvals/providers/index.ts';
import { HTTP_METHODS, headersArg, integrationRequest, isWriteRequest } from '../../approvals/request.ts';
import { AppError } from '../../errors/app-error.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan, TOO_DEEP } from '../common.ts';
import type { PipesConnection } from '../ports.ts';
import { defineTool } from '../types.ts';
import { pipesProblem } from './connection-status.ts';

const input = z
  .strictObject({
    kind: z
      .enum(['session', 'call'])
      .describe(
        '"session": broad authority over providers for a while; "call": approval of one exact request.',
      ),
    reason: z
      .string()
      .trim()
      .min(3)
      .max(500)
      .describe('Why you need it, in words the human will read before approving.'),
    level: z.enum(ACCESS_LEVELS).optional().describe('kind "session" only: read, or write (changes data).'),
    providers: z
      .array(z.string().min(1).max(40))
      .min(1)
      .max(10)
      .optional()
      .describe('kind "session" only: provider ids from list_integrations.'),
    method: z.enum(HTTP_METHODS).optional().describe('kind "call" only: the HTTP method.'),
    url: z
      .string()
      .min(8)
      .max(4096)
      .optional()
      .describe('kind "call" only: the exact https URL you will call.'),
    body: z
      .union([z.string().max(262_144), z.record(z.string(), z.unknown())])
      .refine((b) => !nestsDeeperThan(b, MAX_JSON_DEPTH), TOO_DEEP)
      .optional()
      .describe('kind "call" only: the exact body (JSON object or text). Omit for none.'),
    headers: headersArg.describe(
      'kind "call" only: the exact extra headers the call will send (no Authorization, Cookie or Host); the call must send exactly these. Omit for none.',
    ),
  })
  .superRefine((v, ctx) => {
    const need = (field: string, ok: boolean) => {
      if (!ok) ctx.addIssue({ code: 'custom', path: [field], message: `required when kind is "${v.kind}"` });
    };
    const forbid = (field: string, present: boolean) => {
      if (present)
        ctx.addIssue({ code: 'custom', path: [field], message: `not allowed when kind is "${v.kind}"` });
    };
    if (v.kind === 'session') {
      need('level', v.level !== undefined);
      need('providers', v.providers !== undefined);
      forbid('method', v.method !== undefined);
      forbid('url', v.url !== undefined);
      forbid('body', v.body !== undefined);
      forbid('headers', v.headers !== undefined);
    } else {
      need('method', v.method !== undefined);
      need('url', v.url !== undefined);
      forbid('level', v.level !== undefined);
      forbid('providers', v.providers !== undefined);
    }
  });

export const requestElevatedAccess = defineTool({
  name: 'request_elevated_access',
  title: 'Request elevated access',
  description:
    'Ask a human to approve calls to third-party APIs through WorkOS Pipes. kind "session": read or write authority over chosen providers for a limited time (counted from approval). kind "call": approval of one exact request (method, URL and body must match when you call it; it is used up by that call). Returns a request_id and an approval_url: give the URL to the human, then poll check_access_request. A new session request replaces your previous pending one.',
  input,
  output: z.object({
    request_id: z.string(),
    status: z.literal('pending'),
    approval_url: z.string(),
    expires_at: z.string(),
    pipes_warnings: z.array(z.string()),
    instructions: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  kind: 'integration',
  permission: 'integrations:read',
  // Asking for write authority, or approval of a call that writes, is a write: the pipeline's one
  // write gate, the impersonation rule and integrations:write cover it (policy/decide.ts).
  writePermission: 'integrations:write',
  classify: (args) =>
    args.kind === 'session'
      ? args.level === 'write'
        ? 'write'
        : 'read'
      : isWriteRequest(integrationRequest(args))
        ? 'write'
        : 'read',
  async run(ctx, args) {
    let created: ReturnType<typeof ctx.grants.requestBroad>;
    let providerIds: string[];
    if (args.kind === 'session') {
      providerIds = [...new Set(args.providers!)];
      const unknown = providerIds.filter((id) => !providerById(id));
      if (unknown.length) {
        throw new AppError('invalid_input', `Unknown provider(s): ${unknown.join(', ')}.`, {
          hint: 'Call list_integrations for the provider ids.',
        });
      }
      created = ctx.grants.requestBroad({ level: args.level!, providers: providerIds, reason: args.reason });
    } else {
      const req = integrationRequest(args);
      providerIds = [req.provider.id];
      created = ctx.grants.requestCall({
        provider: req.provider.id,
        method: req.method,
        url: req.url,
        body: req.body,
        headers: req.headers,
        reason: args.reason,
      });
    }
    const connections = await ctx.pipes.connections().catch(() => new Map<string, PipesConnection>());
    const warnings = providerIds.flatMap((id) => {
      const problem = pipesProblem(providerById(id)?.name ?? id, connections.get(id));
      return problem ? [problem] : [];
    });
    const approvalUrl = `${ctx.publicUrl}/approvals/${created.grant.id}?t=${created.approvalToken}`;
    // The link also goes to the human directly where the client can show it (URL-mode
    // elicitation); not awaited: the agent gets its request id at once either way.
    if (ctx.session?.supportsUrlElicitation && ctx.elicitUrl)
      void ctx.elicitUrl(`Approve access: ${args.reason}`, approvalUrl, created.grant.id);
    return {
      structured: {
        request_id: created.grant.id,
        status: 'pending' as const,
        approval_url: approvalUrl,
        expires_at: new Date(created.grant.requestExpiresAt).toISOString(),
        pipes_warnings: warnings,
        instructions: `Give the human this link to approve or deny: ${approvalUrl} — then call check_access_request with request_id "${created.grant.id}" until it is no longer pending. Follow any notes the approver adds.`,
      },
      summary: `Request ${created.grant.id} is waiting for a human. Ask them to open ${approvalUrl}`,
    };
  },
});
