/**
 * The approval gate (docs/architecture.md, "Human in the loop"): an integration call goes out
 * only under a human's approval — the caller's active broad grant for the provider (write when
 * the call writes), or the approved exact-call request it names, whose method, URL and body must
 * match (matchCall). Compare now, with no side effect; spend an exact-call grant only when the
 * call goes out (`commit`, one atomic update, so concurrent uses succeed once).
 */

import type { AppContext } from '../app/context.ts';
import { callRefusalMessage, releaseCall } from '../approvals/agent.ts';
import { integrationRequest, isWriteRequest } from '../approvals/request.ts';
import { AppError } from '../errors/app-error.ts';
import type { Approval } from '../tools/ports.ts';
import { requesterOf, type ToolCall } from './tool-call.ts';

const APPROVAL = { denial: 'approval_required' } as const;

export function approvalFor(app: AppContext, call: ToolCall, args: Record<string, unknown>): Approval {
  const p = call.principal;
  const req = integrationRequest(args);
  const requestId = typeof args.request_id === 'string' ? args.request_id : undefined;
  if (requestId) {
    const seen = app.grants.agent.checkCall(requestId, p, req);
    if (!seen.ok) throw new AppError('forbidden', callRefusalMessage(seen.reason, seen.grant), APPROVAL);
    const requester = requesterOf(call);
    return {
      grant: seen.grant,
      commit() {
        const used = app.grants.agent.consumeCall(requestId, requester, req);
        if (!used.ok) throw new AppError('forbidden', callRefusalMessage(used.reason, used.grant), APPROVAL);
        return used.grant;
      },
      release: (spent) => void releaseCall(app.grants.store, requester, spent),
    };
  }
  const write = isWriteRequest(req);
  const find = () => {
    const g = app.grants.agent.activeBroad(p, req.provider.id, write);
    if (g) return g;
    const readOnly = write ? app.grants.agent.activeBroad(p, req.provider.id, false) : undefined;
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
  // Broad authority is not spent by a call: nothing to give back.
  return { grant: find(), commit: find, release: () => {} };
}
