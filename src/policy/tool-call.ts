import type {
  ElicitRequestFormParams,
  ElicitResult,
  InputRequiredResult,
} from '@modelcontextprotocol/server';
import type { Principal } from '../oauth/principal.ts';
import type { TraceContext } from '../telemetry/index.ts';
import type { McpSessionState } from '../tools/types.ts';

/** One tools/call as the transport hands it to the pipeline. */
export interface ToolCall {
  principal: Principal;
  session: McpSessionState | undefined;
  name: string;
  args: unknown;
  signal: AbortSignal;
  /** The HTTP request's id (the access log's, X-Request-Id), carried into the audit entry. */
  requestId?: string;
  /** The caller's W3C trace (request `_meta` or `traceparent` header): the call's span joins it. */
  traceContext?: TraceContext;
  /** Present when the client can be asked directly (2025-era session with elicitation). */
  elicit?: (params: ElicitRequestFormParams) => Promise<ElicitResult>;
  /** Present when the client supports URL-mode elicitation. */
  elicitUrl?: (message: string, url: string, elicitationId: string) => Promise<void>;
  /** Present for a 2026-07-28 client that declared form elicitation in this request. */
  question?: QuestionRound;
}

/**
 * Asking the human through a 2026-07-28 client: the call answers `input_required` with the
 * question, and the client retries it with the answer (see src/mcp/questions.ts).
 */
export interface QuestionRound {
  /** On a retry: the nonce of the confirmation the question was about (from verified state). */
  answering: string | undefined;
  /** On a retry: the human's answer to the question `key`. */
  answer(
    key: string,
  ): { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> } | undefined;
  /** The result that asks the question, carrying the confirmation's nonce. */
  ask(key: string, params: ElicitRequestFormParams, nonce: string): Promise<InputRequiredResult>;
}

/** The audit trail's actor fields of a call, built once from its principal and session. */
export function auditActor(call: Pick<ToolCall, 'principal' | 'session'>) {
  const p = call.principal;
  return {
    teamId: p.teamId,
    userId: p.userId,
    actorEmail: p.email,
    clientId: p.clientId,
    familyId: p.familyId,
    sessionId: call.session?.id || null,
  };
}

/** The caller as the approvals record it: who asks, through which authorization and session. */
export function requesterOf(call: Pick<ToolCall, 'principal' | 'session'>) {
  const p = call.principal;
  return {
    userId: p.userId,
    teamId: p.teamId,
    familyId: p.familyId,
    clientId: p.clientId,
    email: p.email,
    sessionId: call.session?.id || null,
  };
}
