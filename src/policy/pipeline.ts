/**
 * The policy pipeline (DESIGN §3): every tools/call passes through here, in this order.
 *
 *   1. token → principal (done by the endpoint), team enabled, kill switch off
 *   2. permission for the tool (role, narrowed by the token's scopes)
 *   3. arguments valid (unknown fields refused)
 *   4. environment: sandbox unless switched; production only if the team allows and the user may
 *   5. write gate: the team's "allow write" toggle
 *   6. destructive gate: describe, then confirm (token or elicitation) — destructive-gate.ts
 *   7. call WorkOS, mapping its errors
 *   8. response filter: secrets always, PII when the team asks
 *   9. audit entry and metrics — for denials and failures as well as successes
 *
 * Read it top to bottom: each step either passes or ends the call with a clear denial.
 */
import type { CallToolResult, ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/server';
import type { Environment } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import type { Principal } from '../oauth/principal.ts';
import { scopeAllows } from '../oauth/scopes.ts';
import type { McpSessionState, ToolContext, ToolDefinition } from '../tools/types.ts';
import { Denied, deny } from './denials.ts';
import { confirmDestruction, withoutConfirmationToken } from './destructive-gate.ts';
import { filterValue } from './secrets.ts';
import { toToolResult } from './to-tool-result.ts';

export interface ToolCall {
  principal: Principal;
  session: McpSessionState | undefined;
  name: string;
  args: unknown;
  signal: AbortSignal;
  /** Present when the client can be asked directly (2025-era session with elicitation). */
  elicit?: (params: ElicitRequestFormParams) => Promise<ElicitResult>;
  /** Present when the client supports URL-mode elicitation. */
  elicitUrl?: (message: string, url: string, elicitationId: string) => Promise<void>;
}

/** Runs one tool call through every gate; always returns a result, never throws. */
export async function runToolCall(app: AppContext, call: ToolCall): Promise<CallToolResult> {
  const started = performance.now();
  const { principal: p } = call;
  let tool: ToolDefinition | undefined;
  let environment: Environment = call.session?.environment ?? 'sandbox';
  // A confirmation token is a bearer secret for one delete: the trail records that one was sent,
  // never its value, whatever happens to the call (refused before parsing included).
  let auditedArgs: unknown = withoutConfirmationToken(call.args);
  const filter = { pii: p.settings.piiRedaction };

  const finish = (
    outcome: 'allowed' | 'denied' | 'failed',
    result: CallToolResult,
    reason?: string,
    details?: { summary: string },
  ) => {
    const latencyMs = performance.now() - started;
    app.audit.append({
      event: 'tool.call',
      outcome,
      reason: reason ?? null,
      teamId: p.teamId,
      userId: p.userId,
      actorEmail: p.email,
      clientId: p.clientId,
      familyId: p.familyId,
      sessionId: call.session?.id || null,
      tool: tool?.name ?? call.name.slice(0, 100),
      environment,
      args: auditedArgs,
      latencyMs,
      ...(details ? { details } : {}),
    });
    app.metrics.recordCall({
      teamId: p.teamId,
      tool: tool?.name ?? 'unknown',
      outcome: outcome === 'allowed' ? 'ok' : outcome === 'denied' ? 'denied' : 'error',
      latencyMs,
      ...(outcome === 'denied' && reason ? { denialReason: reason } : {}),
    });
    // The pipeline's own cost, audit and metrics included: everything but the tool's WorkOS time.
    if (toolMs > 0) app.metrics.recordPipelineOverhead(performance.now() - started - toolMs);
    return result;
  };

  // Looked up first so even a refused call is recorded under its tool's name.
  tool = app.tools.get(call.name);
  let toolMs = 0;
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await work();
    } finally {
      toolMs += performance.now() - t;
    }
  };

  try {
    // 1. The team must have MCP enabled (the kill switch also turns it off).
    if (!p.settings.enabled || p.settings.killedAt !== null) {
      throw deny(
        'mcp_disabled',
        'forbidden',
        'MCP access is disabled for your team by a Gatehouse admin.',
        'Ask a team admin to turn "Enable MCP access" back on.',
      );
    }

    // 2. The tool must exist and the caller must hold its permission.
    if (!tool)
      throw deny(
        'unknown_tool',
        'not_found',
        `There is no tool named "${call.name.slice(0, 100)}".`,
        'Call tools/list to see the tools available to you.',
      );
    if (!p.permissions.includes(tool.permission)) {
      if (!scopeAllows(tool.permission, p.scopes)) {
        throw deny(
          'insufficient_scope',
          'forbidden',
          `${tool.name} needs ${tool.permission}, but this connection was authorized read-only (scope "mcp:read").`,
          'Reconnect the client asking for the "mcp" scope (for a connection token, create a full-access one under Connections); your role is not the problem.',
        );
      }
      throw deny(
        'missing_permission',
        'forbidden',
        `${tool.name} needs the ${tool.permission} permission, which your role (${p.role}) does not include.`,
        'Ask a team admin for a role that includes it.',
      );
    }

    // An impersonated session reads only (seeds/000: "mutations are blocked on impersonated
    // sessions"); integration tools refuse their writes themselves (request-shape.ts).
    if (p.impersonator && (tool.kind === 'write' || tool.kind === 'destructive')) {
      throw deny(
        'impersonated_session',
        'forbidden',
        `${tool.name} changes data, and this connection comes from a session ${p.impersonator} opened by impersonating ${p.email}: impersonated sessions can only read.`,
        'Sign in as yourself (not through WorkOS impersonation) to make changes.',
      );
    }

    // 3. Arguments must match the tool's schema exactly.
    const parsed = tool.input.safeParse(call.args ?? {});
    if (!parsed.success) {
      throw deny(
        'invalid_arguments',
        'invalid_input',
        `Invalid arguments for ${tool.name}: ${describeIssues(parsed.error.issues)}`,
        'Fix the arguments and call again.',
      );
    }
    const args = parsed.data as Record<string, unknown>;
    auditedArgs = withoutConfirmationToken(args);

    // 4. Environment: the session's (or the call's own, for sessionless clients). A session tool's
    // `environment` (switch_environment's target) is an argument, not where the call runs.
    if (typeof args.environment === 'string' && tool.kind !== 'session')
      environment = args.environment as Environment;
    // Integrations go through Pipes, not a WorkOS environment; session tools check for themselves.
    if (
      environment === 'production' &&
      (tool.kind === 'read' || tool.kind === 'write' || tool.kind === 'destructive')
    ) {
      checkProduction(app, p);
      // DESIGN §1: a session starts in sandbox and reaches production only once the agent was
      // told to switch. Naming production on one call is how a sessionless (2026-07-28) client
      // chooses it; a session must switch first.
      if (call.session && call.session.environment !== 'production') {
        throw deny(
          'environment_not_switched',
          'forbidden',
          'This session is in sandbox: production is used only after switch_environment.',
          'Call switch_environment with {"environment":"production"} first (when the human asked for production), then call this tool again.',
        );
      }
    }

    // Staff are never customers: no tool reads, changes or deletes an admitted team's own
    // organization, in any environment (docs/architecture.md "Trust model").
    if (tool.kind === 'read' || tool.kind === 'write' || tool.kind === 'destructive') {
      const staff = app.teams.protectedOrganizationIds();
      const named = Object.values(args).find((v) => typeof v === 'string' && staff.has(v));
      if (named) {
        throw deny(
          'staff_organization',
          'forbidden',
          `${named} is a Gatehouse team's own organization (staff), not a customer: tools never read, change or delete it.`,
          'Work with customer organizations only; team settings live in the Gatehouse console.',
        );
      }
    }

    // 5. Write gate.
    if ((tool.kind === 'write' || tool.kind === 'destructive') && !p.settings.allowWrite) {
      throw deny(
        'write_disabled',
        'forbidden',
        'Write access is turned off for your team: Gatehouse is read-only right now.',
        'A team admin can turn on "Allow write access".',
      );
    }

    const ctx = toolContext(app, call, environment, tool);

    // 6. Destructive gate.
    if (tool.kind === 'destructive') {
      const destructive = tool;
      const confirmed = await confirmDestruction(app, call, destructive, ctx, args, timed);
      if (confirmed !== true) return finish('denied', confirmed.result, confirmed.reason);
    }

    // 7. Call WorkOS (through the tool).
    const runnable = tool;
    const result = await timed(() => runnable.run(ctx, args));
    const structured = tool.output.parse(result.structured);

    // 8. Response filter.
    const safe = filterValue(structured, filter) as Record<string, unknown>;
    const summary = filterValue(result.summary, filter);
    // The trail records what the agent was told (the summary, already filtered), not the data.
    return finish(
      'allowed',
      {
        content: [{ type: 'text', text: `${summary}\n\n${JSON.stringify(safe)}` }],
        structuredContent: safe,
      },
      undefined,
      { summary },
    );
  } catch (e) {
    // 9. Denials and failures are results too, and are audited like successes.
    if (e instanceof Denied) return finish('denied', toToolResult(e.error, filter), e.reason);
    // A tool's own refusal (no approval covers the call, a header it may not set…) is a denial
    // too: audited and counted as one, not as a failure.
    if (isAppError(e) && e.code === 'forbidden')
      return finish('denied', toToolResult(e, filter), e.denial ?? 'refused_by_tool');
    if (isAppError(e)) return finish('failed', toToolResult(e, filter), e.code);
    app.log.error('tool failed unexpectedly', {
      tool: call.name,
      error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e),
    });
    return finish(
      'failed',
      toToolResult(
        new AppError('internal', 'Gatehouse hit an unexpected error running this tool. It has been logged.'),
        filter,
      ),
      'internal',
    );
  }
}

function checkProduction(app: AppContext, p: Principal) {
  if (!p.settings.allowProduction) {
    throw deny(
      'production_not_allowed',
      'forbidden',
      'Production access is turned off for your team.',
      'Work in sandbox, or ask a team admin to turn on "Allow production access".',
    );
  }
  if (!p.permissions.includes('workos:production')) {
    throw deny(
      'production_not_allowed',
      'forbidden',
      `Your role (${p.role}) has no production access.`,
      'Work in sandbox.',
    );
  }
  if (!app.environments.has(p.teamId, 'production')) {
    throw deny(
      'production_unavailable',
      'unavailable',
      'No production WorkOS environment is linked to your team.',
      'A team admin can link one under Settings → WorkOS environments.',
    );
  }
}

/** The refusal of a WorkOS tool when the team has linked no environment to act on. */
function notLinked(environment: Environment): Denied {
  return deny(
    'environment_not_linked',
    'unavailable',
    `No WorkOS environment is linked to your team for ${environment}, so there is nothing for this tool to act on.`,
    'Ask a team admin to link one under Settings → WorkOS environments in the Gatehouse console.',
  );
}

/**
 * The tool's view of the call. Its WorkOS client comes only from the principal's own team
 * (docs/architecture.md "Trust model"), so another team's environment is out of reach by
 * construction. WorkOS tools need one; the others get a client only if they ask for it.
 */
function toolContext(
  app: AppContext,
  call: ToolCall,
  environment: Environment,
  tool: ToolDefinition,
): ToolContext {
  const workos = app.environments.client(call.principal.teamId, environment);
  const needsWorkOS = tool.kind === 'read' || tool.kind === 'write' || tool.kind === 'destructive';
  if (!workos && needsWorkOS) throw notLinked(environment);
  return {
    app,
    principal: call.principal,
    environment,
    get workos() {
      if (!workos) throw notLinked(environment);
      return workos;
    },
    session: call.session,
    signal: call.signal,
    ...(call.elicitUrl ? { elicitUrl: call.elicitUrl } : {}),
  };
}

function describeIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string; code?: string; keys?: string[] }[],
): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.map(String).join('.') || '(arguments)';
      if (i.code === 'unrecognized_keys' && i.keys) return `unknown field(s) ${i.keys.join(', ')}`;
      return `${path}: ${i.message}`;
    })
    .join('; ');
}
