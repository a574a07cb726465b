import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Environment } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import type { ToolDefinition } from '../tools/types.ts';
import type { Stopwatch } from './stopwatch.ts';
import { auditActor, type ToolCall } from './tool-call.ts';

/** How a call ended, as the trail and the metrics record it. */
export interface Ending {
  outcome: 'allowed' | 'denied' | 'failed';
  result: CallToolResult;
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
}

/**
 * The end of every call, allowed, denied or failed alike (pipeline step 9): one signed audit
 * entry, the call's metrics, and the pipeline's own cost. Returns the result to send.
 */
export function recordOutcome(
  app: AppContext,
  call: ToolCall,
  record: CallRecord,
  ending: Ending,
  watch: Stopwatch,
): CallToolResult {
  const latencyMs = watch.totalMs();
  const tool = record.tool?.name;
  app.audit.append({
    event: 'tool.call',
    outcome: ending.outcome,
    reason: ending.reason ?? null,
    ...auditActor(call),
    tool: tool ?? call.name.slice(0, 100),
    environment: record.environment,
    args: record.args,
    latencyMs,
    ...(ending.details ? { details: ending.details } : {}),
  });
  app.metrics.recordCall({
    teamId: call.principal.teamId,
    tool: tool ?? 'unknown',
    outcome: ending.outcome === 'allowed' ? 'ok' : ending.outcome === 'denied' ? 'denied' : 'error',
    latencyMs,
    ...(ending.outcome === 'denied' && ending.reason ? { denialReason: ending.reason } : {}),
  });
  // The pipeline's own cost, audit and metrics included: everything but the tool's own time.
  const own = watch.ownMs();
  if (own !== undefined) app.metrics.recordPipelineOverhead(own);
  return ending.result;
}
