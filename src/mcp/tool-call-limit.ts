import type { AuditService } from '../audit/service.ts';
import { type RateDecision, RateLimiter, rateLimitHeaders } from '../http/rate-limit.ts';
import type { Clock } from '../kernel/clock.ts';
import type { Principal } from '../oauth/principal.ts';
import { jsonRpcErrors, LIMIT_EXCEEDED, messagesOf } from './json-rpc.ts';

type RequestId = string | number | null;

/** The `tools/call` requests (not notifications) in a parsed JSON-RPC body or batch. */
export function toolCallsIn(body: unknown): { id: RequestId; name: string }[] {
  const out: { id: RequestId; name: string }[] = [];
  for (const m of messagesOf(body)) {
    if (!m || typeof m !== 'object' || !('id' in m) || (m as { method?: unknown }).method !== 'tools/call')
      continue;
    const id = (m as { id: unknown }).id;
    const name = (m as { params?: { name?: unknown } }).params?.name;
    out.push({
      id: typeof id === 'string' || typeof id === 'number' ? id : null,
      name: typeof name === 'string' ? name.slice(0, 100) : '',
    });
  }
  return out;
}

export interface ToolCallLimitDeps {
  clock: Clock;
  audit: AuditService;
}

export type ToolCallVerdict =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; response: Response };

/**
 * Tool calls per token (its token family: an authorization or a connection token, whatever
 * access token of it is presented), at the team's "tool calls per minute" with a burst of one
 * minute's worth. A call over the limit never reaches the pipeline: it is answered with a
 * JSON-RPC error (code LIMIT_EXCEEDED, `data.retryAfterSeconds`) in an HTTP 429 with
 * Retry-After and the RateLimit header fields. The first refusal in a window is audited
 * (`tool.call`, denied, `rate_limited`); the refusals after it in the same window are not.
 */
export class ToolCallLimits {
  private readonly limiter: RateLimiter;

  constructor(private readonly deps: ToolCallLimitDeps) {
    // The size given here is a placeholder: every check passes the team's own.
    this.limiter = new RateLimiter(deps.clock, 60, 60, 'tool-calls');
  }

  check(principal: Principal, body: unknown, sessionId: string | null): ToolCallVerdict | undefined {
    const calls = toolCallsIn(body);
    if (calls.length === 0) return undefined;
    // The principal was resolved for this very request: its settings are current.
    const perMinute = principal.settings.toolCallsPerMinute;
    const size = { capacity: perMinute, refillPerMinute: perMinute };
    let decision: RateDecision | undefined;
    for (const _ of calls) {
      decision = this.limiter.check(principal.familyId, size);
      if (!decision.allowed) break;
    }
    const d = decision!;
    const headers = rateLimitHeaders([d]);
    if (d.allowed) return { allowed: true, headers };
    if (d.firstRefusal) {
      this.deps.audit.append({
        event: 'tool.call',
        outcome: 'denied',
        teamId: principal.teamId,
        userId: principal.userId,
        clientId: principal.clientId,
        familyId: principal.familyId,
        sessionId,
        tool: calls[0]!.name || null,
        reason: 'rate_limited',
        details: {
          limit_per_minute: perMinute,
          retry_after_seconds: d.retryAfterSeconds,
          note: 'the first refused call of this window; later refusals in it are not recorded one by one',
        },
      });
    }
    return {
      allowed: false,
      response: jsonRpcErrors(
        429,
        calls.map((c) => c.id),
        LIMIT_EXCEEDED,
        `Rate limit: this token may make ${perMinute} tool calls per minute (your team's setting). The call was not run; retry in ${d.retryAfterSeconds} s.`,
        headers,
        { retryAfterSeconds: d.retryAfterSeconds, limitPerMinute: perMinute },
      ),
    };
  }
}
