import { z } from 'zod';
import { secondsLeft } from '../../approvals/store.ts';
import { AppError } from '../../errors/app-error.ts';
import { defineTool } from '../types.ts';

export const checkAccessRequest = defineTool({
  name: 'check_access_request',
  title: 'Check an access request',
  description:
    'The state of a request you made with request_elevated_access: pending (ask the human again or wait), approved (with the providers, level, seconds left and the approver\u2019s notes — follow them), denied (with the reason), expired, consumed (an exact-call approval already used), revoked, or superseded. Only the connection that asked can see it.',
  input: z.strictObject({
    request_id: z.string().min(1).max(100).describe('The request_id returned by request_elevated_access.'),
  }),
  output: z.object({
    request_id: z.string(),
    /** As request_elevated_access names them: `session` (broad authority for a while) or `call`. */
    kind: z.enum(['session', 'call']),
    status: z.enum(['pending', 'approved', 'denied', 'expired', 'consumed', 'revoked', 'superseded']),
    providers: z.array(z.string()),
    level: z.string().nullable(),
    method: z.string().nullable(),
    url: z.string().nullable(),
    seconds_left: z.number().nullable(),
    approver_notes: z.string().nullable(),
    deny_reason: z.string().nullable(),
    next_step: z.string(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  kind: 'integration',
  permission: 'integrations:read',
  async run(ctx, args) {
    const g = ctx.grants.mine(args.request_id);
    if (!g)
      throw new AppError('not_found', `No access request ${args.request_id} of yours.`, {
        hint: 'Use the request_id returned by request_elevated_access on this connection.',
      });
    const now = ctx.clock.now();
    const next: Record<string, string> = {
      pending: 'Still waiting for a human. Remind them of the approval link, then check again.',
      approved:
        g.kind === 'broad'
          ? `Call call_integration_api within ${secondsLeft(g, now)} seconds. Follow the approver's notes.`
          : `Call call_integration_api with request_id "${g.id}" and exactly the approved method, URL and body. It works once.`,
      denied: 'Do not retry the same request; tell the human and ask what they want instead.',
      expired: 'Ask again with request_elevated_access if you still need it.',
      consumed: 'This exact-call approval was already used.',
      revoked: 'A human revoked this grant; stop using it.',
      superseded: 'A newer request of yours replaced this one.',
    };
    const summaryByStatus: Record<string, string> = {
      approved: `Approved${g.notes ? ` with notes: "${g.notes}"` : ''}.`,
      denied: `Denied: ${g.denyReason ?? 'no reason given'}.`,
    };
    return {
      structured: {
        request_id: g.id,
        kind: g.kind === 'broad' ? ('session' as const) : ('call' as const),
        status: g.status,
        providers: g.providers,
        level: g.level,
        method: g.method,
        url: g.url,
        seconds_left: g.status === 'approved' ? secondsLeft(g, now) : null,
        approver_notes: g.notes,
        deny_reason: g.denyReason,
        next_step: next[g.status] ?? '',
      },
      summary: summaryByStatus[g.status] ?? `Request ${g.id} is ${g.status}.`,
    };
  },
});
