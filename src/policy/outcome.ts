import type { CallToolResult, InputRequiredResult } from '@modelcontextprotocol/server';
import type { Environment } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import { type AuditInput, storable, type Underway } from '../audit/service.ts';
import { sha256 } from '../crypto/random.ts';
import { AppError } from '../errors/app-error.ts';
import { DATABASE_RETRY_AFTER_S, databaseUnavailableError } from '../errors/database.ts';
import type { GuardedFetchInit } from '../outbound/types.ts';
import { filterValue } from '../secrets/filter.ts';
import type { CallTrace } from '../telemetry/index.ts';
import type { ToolContext, ToolDefinition } from '../tools/types.ts';
import type { Stopwatch } from './stopwatch.ts';
import { toToolResult } from './to-tool-result.ts';
import { auditActor, type ToolCall } from './tool-call.ts';

/** How a call ended, as the trail and the metrics record it. */
export interface Ending {
  outcome: 'allowed' | 'denied' | 'failed';
  /** What the caller gets: a result, or (2026-07-28) a question for the human first. */
  result: CallToolResult | InputRequiredResult;
  reason?: string;
  /** What the agent was told (already filtered), kept in the trail instead of the data. */
  details?: { summary: string };
}

/** What the gates learn about a call as it goes, for the one record at the end. */
export interface CallRecord {
  tool: ToolDefinition | undefined;
  environment: Environment;
  /** The arguments as the trail keeps them (a confirmation token's value never). */
  args: unknown;
  /** What the metrics count the call under, when the tool names more than itself (catalogue). */
  metricName?: string;
  /** The requests the tool sent through its outbound port (integration calls), as they went out. */
  sent?: SentRequest[];
  /** The call's span (a no-op unless traces are on): each gate adds an event as it passes. */
  trace: CallTrace;
  /** The call among those under way (`AuditService.begin`): its entry joins a batch or not. */
  underway: Underway;
}

/**
 * One outgoing request as the signed entry commits to it: method, URL, the header names (never
 * their values: Gatehouse injects credentials), and the SHA-256 and length of the exact body.
 */
export interface SentRequest {
  method: string;
  url: string;
  /** Binds the exact URL even where the trail's secret filter masks part of it. */
  url_sha256: string;
  header_names: string[];
  body_sha256: string | null;
  body_bytes: number;
  /** The provider's HTTP status, when an answer came. */
  status: number | null;
}

function describeRequest(url: string, init: GuardedFetchInit = {}): SentRequest {
  const body = init.body;
  return {
    method: (init.method ?? 'GET').toUpperCase(),
    url,
    url_sha256: sha256(url),
    header_names: [...new Headers(init.headers).keys()],
    body_sha256: body === undefined ? null : sha256(body),
    body_bytes:
      body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length,
    status: null,
  };
}

/** Records each request the tool sends through its outbound port, for the call's one entry. */
export function recordOutbound(ctx: ToolContext, record: CallRecord): void {
  const send = ctx.outbound;
  ctx.outbound = async (url, init) => {
    const sent = describeRequest(url, init);
    record.sent = [...(record.sent ?? []), sent];
    const res = await send(url, init);
    sent.status = res.status;
    return res;
  };
}

/**
 * The end of every call, allowed, denied or failed alike (pipeline step 9): one signed audit
 * entry, the call's metrics, and the pipeline's own cost. Returns the result to send, once the
 * entry has committed (group commit: calls ending together share one transaction).
 */
export async function recordOutcome(
  app: AppContext,
  call: ToolCall,
  record: CallRecord,
  ending: Ending,
  watch: Stopwatch,
): Promise<CallToolResult | InputRequiredResult> {
  const latencyMs = watch.totalMs();
  const tool = record.tool?.name;
  // The trail keeps whatever the agent sent: an unknown tool's whole name too, when it is long or
  // holds what a text column cannot (NUL, a lone surrogate: the column gets U+FFFD instead).
  const shortName = call.name.slice(0, 100);
  const longName =
    tool === undefined && (call.name.length > 100 || storable(shortName) !== shortName)
      ? { requested_tool: call.name }
      : undefined;
  // The HTTP request's id ties the entry to the access log line (X-Request-Id).
  const requestId = call.requestId ? { request_id: call.requestId } : undefined;
  const details =
    ending.details || record.sent || longName || requestId
      ? { ...ending.details, ...(record.sent ? { requests: record.sent } : {}), ...longName, ...requestId }
      : undefined;
  const entry: AuditInput = {
    event: 'tool.call',
    outcome: ending.outcome,
    reason: ending.reason ?? null,
    ...auditActor(call),
    tool: tool ?? shortName,
    environment: record.environment,
    args: record.args,
    latencyMs,
    ...(details ? { details } : {}),
  };
  // Encoding the entry can fail at once, committing it later: either way the call is unrecorded.
  let committed: Promise<unknown>;
  try {
    committed = app.audit.record(entry, record.underway);
  } catch (e) {
    committed = Promise.reject(e);
  }
  // The pipeline's own cost, the audit entry included: everything but the tool's own time (taken
  // before waiting for the batch, which other calls' entries share).
  const own = watch.ownMs();
  // What the agent gets: the result, or an error when its entry could not be committed. The
  // metrics and the span count what the agent got.
  let result = ending.result;
  let outcome = ending.outcome;
  let reason = ending.reason;
  try {
    await committed;
  } catch (e) {
    result = unrecorded(app, record, entry, e);
    outcome = 'failed';
    reason = 'unrecorded';
  }
  app.metrics.recordCall({
    teamId: call.principal.teamId,
    tool: record.metricName ?? tool ?? 'unknown',
    outcome: outcome === 'allowed' ? 'ok' : outcome === 'denied' ? 'denied' : 'error',
    latencyMs,
    ...(outcome === 'denied' && reason ? { denialReason: reason } : {}),
  });
  if (own !== undefined) app.metrics.recordPipelineOverhead(own);
  record.trace.end({ outcome, ...(reason ? { reason } : {}), environment: record.environment, latencyMs });
  return result;
}

/**
 * The call's entry could not be committed. Its result is withheld, since every result sent has
 * its entry in the trail: the agent is told why (never the database's message) and whether the
 * call may have changed something, and the log keeps what the entry would have said (people's
 * emails and phone numbers masked, as secrets always are), so an operator can reconcile.
 */
function unrecorded(app: AppContext, record: CallRecord, entry: AuditInput, e: unknown): CallToolResult {
  app.log.error('audit entry not written: the call was answered with an error instead of its result', {
    entry: filterValue(entry, { pii: true }),
    error: e instanceof Error ? { name: e.name, message: e.message } : String(e),
  });
  const unavailable = databaseUnavailableError(e);
  const changed =
    entry.outcome === 'allowed' && record.tool !== undefined && mayChange(record.tool, record.args);
  return toToolResult(
    new AppError(
      unavailable?.code ?? 'internal',
      "Gatehouse could not write this call's entry to its audit trail, so it does not send the result.",
      {
        hint: changed
          ? 'The call did run: check whether its change took effect before you retry it.'
          : `Try again in ${DATABASE_RETRY_AFTER_S} seconds.`,
        ...(unavailable ? { retryAfterSeconds: DATABASE_RETRY_AFTER_S } : {}),
      },
    ),
    { pii: false, known: [] },
  );
}

/**
 * Whether a call that ran may have changed something: a tool that does not declare itself
 * read-only (switch_environment changes the session), or an integration call classified as a
 * write (one that cannot be classified counts as one).
 */
function mayChange(tool: ToolDefinition, args: unknown): boolean {
  if (!tool.classify) return tool.annotations.readOnlyHint !== true;
  try {
    return tool.classify(args as never) === 'write';
  } catch {
    return true;
  }
}
