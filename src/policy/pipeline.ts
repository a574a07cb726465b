/**
 * The policy pipeline (docs/architecture.md, "The MCP surface and the policy pipeline"): every
 * tools/call passes these gates, in this order.
 *
 *   1. token → principal (done by the endpoint)
 *   2. may this caller use this tool at all — the same decision tools/list filters on (decide.ts)
 *   3. arguments valid (unknown fields refused)
 *   4. this exact call: its environment and whether it reads or writes, decided again (decide.ts);
 *      staff organizations refused (staff-gate.ts)
 *   5. destructive gate: describe, then confirm (the human asked directly, a token, or a person
 *      in the console) — destructive-gate.ts; a write that changes how an organization signs in
 *      passes it too. A tool's `precheck` runs just before it: it refuses what WorkOS would
 *      refuse, before anyone is asked, and names a sign-in change only WorkOS's state shows
 *   6. the tool runs with its narrow context (tool-context.ts): its team's own WorkOS client,
 *      ports bound to the caller, and for integration calls the approval that covers them
 *      (approval-gate.ts); its errors are mapped
 *   7. response filter: secrets always, PII when the team asks
 *   8. audit entry and metrics — for denials and failures as well as successes (outcome.ts)
 *
 * Read it top to bottom: each gate either passes or ends the call with a clear denial.
 */
import type { CallToolResult, InputRequiredResult } from '@modelcontextprotocol/server';
import type { Environment } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import { databaseUnavailableError } from '../errors/database.ts';
import type { Principal } from '../oauth/principal.ts';
import { filterValue } from '../secrets/filter.ts';
import type { ToolDefinition } from '../tools/types.ts';
import { type DecisionContext, decide, mayUseTool, teamGate } from './decide.ts';
import { Denied, deny } from './denials.ts';
import { confirmDestruction, withoutConfirmationToken } from './destructive-gate.ts';
import { type CallRecord, type Ending, recordOutbound, recordOutcome } from './outcome.ts';
import { refuseStaffOrganizations } from './staff-gate.ts';
import { Stopwatch } from './stopwatch.ts';
import { toToolResult } from './to-tool-result.ts';
import type { ToolCall } from './tool-call.ts';
import { toolContext } from './tool-context.ts';

export type { ToolCall } from './tool-call.ts';

/**
 * Runs one tool call through every gate; always returns a result (or, for a 2026-07-28 client
 * whose human must confirm, the question), never throws.
 */
export async function runToolCall(
  app: AppContext,
  call: ToolCall,
): Promise<CallToolResult | InputRequiredResult> {
  const watch = new Stopwatch();
  // Looked up first so even a refused call is recorded under its tool's name.
  const tool = app.tools.get(call.name);
  const record: CallRecord = {
    tool,
    environment: call.session?.environment ?? 'sandbox',
    // A confirmation token is a bearer secret for one delete: the trail records that one was
    // sent, never its value, whatever happens to the call (refused before parsing included).
    args: withoutConfirmationToken(call.args),
    // The call's span, joining the caller's trace (a no-op unless traces are on).
    trace: app.telemetry.startCall({
      tool: tool?.name,
      teamId: call.principal.teamId,
      clientId: call.principal.clientId,
      requestId: call.requestId,
      traceContext: call.traceContext,
    }),
    // Announced last, just before the `try` that ends it: while this call runs, other calls'
    // entries wait to share a batch with its.
    underway: app.audit.begin(),
  };
  try {
    // 7. The exact secrets this call knows, stripped in any shape from what the agent and the
    // trail get: the team's WorkOS keys, and each provider token the tool is handed (as it is).
    const known = app.environments.keysToRedact(call.principal.teamId);
    const ending = await record.trace
      .run(() => passGates(app, call, record, watch, known))
      .catch((e: unknown) => failure(app, call, e, known));
    // A call refused before its arguments were read (a viewer's mutate) is still counted under
    // the operation it names, when its arguments name a declared one.
    if (record.metricName === undefined && record.tool?.metricName)
      record.metricName = metricNameOf(record.tool, call.args);
    record.args = filterValue(record.args, { pii: false, known });
    return await recordOutcome(app, call, record, ending, watch);
  } finally {
    // Whatever happened, this call no longer holds other entries back.
    record.underway.end();
  }
}

function metricNameOf(tool: ToolDefinition, args: unknown): string | undefined {
  const parsed = tool.input.safeParse(args ?? {});
  if (!parsed.success) return undefined;
  try {
    return tool.metricName?.(parsed.data);
  } catch {
    return undefined;
  }
}

async function passGates(
  app: AppContext,
  call: ToolCall,
  record: CallRecord,
  watch: Stopwatch,
  known: string[],
): Promise<Ending> {
  const p = call.principal;
  const tool = record.tool;
  const trace = record.trace; // each gate passed is an event on the call's span

  // 2. May this caller use this tool at all, whatever its arguments?
  if (!tool) {
    throw (
      denial(teamGate(p)) ??
      deny(
        'unknown_tool',
        'not_found',
        `There is no tool named "${call.name.slice(0, 100)}".`,
        'Call tools/list to see the tools available to you.',
      )
    );
  }
  enforce(mayUseTool(p, tool, {}));
  trace.gate('permission');

  // 3. Arguments must match the tool's schema exactly.
  const args = parseArguments(tool, call.args);
  record.args = withoutConfirmationToken(args);
  record.metricName = tool.metricName?.(args);
  trace.gate('arguments');

  // 4. This exact call: where it runs, whether it reads or writes, what it changes.
  record.environment = environmentOf(tool, call, args);
  let signInChange = tool.changesSignIn?.(args);
  enforce(
    decide(p, tool, {
      ...callContext(app, p, call, record.environment, tool, args),
      ...(signInChange ? { signInChange } : {}),
    }),
  );
  trace.gate('decision', { 'gatehouse.environment': record.environment });
  refuseStaffOrganizations(app, tool, args);
  trace.gate('staff');
  // The tool's narrow context; for integration calls, the approval gate finds the grant now.
  const ctx = toolContext(app, call, record.environment, tool, args, known);
  // Whatever the tool sends out is recorded as it goes (method, URL, header names, body hash).
  recordOutbound(ctx, record);

  // What WorkOS says now: a precondition it would refuse ends the call before anyone confirms,
  // and a sign-in change only WorkOS's current state shows is decided like one in the arguments.
  if (tool.precheck) {
    const found = (await tool.precheck(ctx, args))?.changesSignIn;
    if (found) {
      signInChange = signInChange ? `${signInChange}, and ${found}` : found;
      enforce(
        decide(p, tool, { ...callContext(app, p, call, record.environment, tool, args), signInChange }),
      );
    }
    trace.gate('precheck');
  }

  // 5. Destructive gate: a delete, or a change to how an organization signs in, needs a human.
  if (tool.kind === 'destructive' || tool.destructiveFor?.(args) || signInChange) {
    const confirmed = await confirmDestruction(
      app,
      call,
      tool,
      ctx,
      args,
      (w) => watch.time(w),
      signInChange,
    );
    if (confirmed !== true) return { outcome: 'denied', result: confirmed.result, reason: confirmed.reason };
    trace.gate('destructive');
  }

  // 6. The tool runs.
  const result = await watch.time(() => tool.run(ctx, args));
  const structured = tool.output.parse(result.structured);

  // 7. Response filter; the trail records what the agent was told, not the data.
  const filter = { pii: p.settings.piiRedaction, known };
  const safe = filterValue(structured, filter) as Record<string, unknown>;
  const summary = filterValue(result.summary, filter);
  trace.gate('response_filter');
  return {
    outcome: 'allowed',
    result: {
      content: [{ type: 'text', text: `${summary}\n\n${JSON.stringify(safe)}` }],
      structuredContent: safe,
    },
    details: { summary },
  };
}

/** Denials and failures are results too (8: audited like successes). */
function failure(app: AppContext, call: ToolCall, e: unknown, known: readonly string[]): Ending {
  const filter = { pii: call.principal.settings.piiRedaction, known };
  if (e instanceof Denied)
    return { outcome: 'denied', result: toToolResult(e.error, filter), reason: e.reason };
  // A tool's own refusal (no approval covers the call, a header it may not set…) is a denial
  // too: audited and counted as one, not as a failure.
  if (isAppError(e) && e.code === 'forbidden')
    return { outcome: 'denied', result: toToolResult(e, filter), reason: e.denial ?? 'refused_by_tool' };
  if (isAppError(e)) return { outcome: 'failed', result: toToolResult(e, filter), reason: e.code };
  app.log.error('tool failed unexpectedly', {
    tool: call.name,
    error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e),
  });
  const unavailable = databaseUnavailableError(e);
  if (unavailable)
    return { outcome: 'failed', result: toToolResult(unavailable, filter), reason: 'unavailable' };
  return {
    outcome: 'failed',
    result: toToolResult(
      new AppError('internal', 'Gatehouse hit an unexpected error running this tool. It has been logged.'),
      filter,
    ),
    reason: 'internal',
  };
}

function denial(d: ReturnType<typeof teamGate>): Denied | undefined {
  return d && !d.allowed
    ? new Denied(d.reason, new AppError(d.code, d.message, { hint: d.hint }))
    : undefined;
}

function enforce(d: ReturnType<typeof decide>): void {
  const refused = denial(d);
  if (refused) throw refused;
}

/** Whether the team has production linked: asked only when the call runs in production. */
function productionLinked(app: AppContext, p: Principal, environment: Environment | undefined): boolean {
  return environment === 'production' && app.environments.has(p.teamId, 'production');
}

/** The facts of the caller's session, as tools/list sees them. */
export function listingContext(
  app: AppContext,
  p: Principal,
  call: Pick<ToolCall, 'session'>,
): DecisionContext {
  const environment = call.session?.environment ?? 'sandbox';
  return {
    environment,
    sessionEnvironment: call.session?.environment,
    productionLinked: productionLinked(app, p, environment),
  };
}

function callContext(
  app: AppContext,
  p: Principal,
  call: ToolCall,
  environment: Environment,
  tool: ToolDefinition,
  args: Record<string, unknown>,
): DecisionContext {
  return {
    environment,
    sessionEnvironment: call.session?.environment,
    productionLinked: productionLinked(
      app,
      p,
      tool.targetsEnvironment ? (args.environment as Environment | undefined) : environment,
    ),
    ...(tool.classify ? { access: tool.classify(args) } : {}),
    ...(tool.permissionFor ? { permission: tool.permissionFor(args) } : {}),
    ...(tool.targetsEnvironment && typeof args.environment === 'string'
      ? { target: args.environment as Environment }
      : {}),
  };
}

function parseArguments(tool: ToolDefinition, raw: unknown): Record<string, unknown> {
  const parsed = tool.input.safeParse(raw ?? {});
  if (parsed.success) {
    const bad = unrepresentable(parsed.data, '');
    if (bad === undefined) return parsed.data as Record<string, unknown>;
    throw deny(
      'invalid_arguments',
      'invalid_input',
      `Invalid arguments for ${tool.name}: ${bad.path || '(arguments)'} ${bad.what}, which no WorkOS or provider field can hold as sent.`,
      'Send the text as it is meant, without it, and call again.',
    );
  }
  throw deny(
    'invalid_arguments',
    'invalid_input',
    `Invalid arguments for ${tool.name}: ${describeIssues(parsed.error.issues)}`,
    'Fix the arguments and call again.',
  );
}

/**
 * The first string in the arguments that cannot be passed on faithfully: a lone UTF-16 surrogate
 * (JSON's `"\ud800"`; no UTF-8 encodes it, so it would reach WorkOS as U+FFFD) or a NUL (which
 * neither PostgreSQL's text nor most APIs hold). Other control characters may be meant (a line
 * break in a description) and pass.
 */
function unrepresentable(value: unknown, path: string): { path: string; what: string } | undefined {
  if (typeof value === 'string') {
    if (!value.isWellFormed()) return { path, what: 'holds a lone UTF-16 surrogate (not valid Unicode)' };
    if (value.includes('\0')) return { path, what: 'holds a NUL character' };
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = unrepresentable(value[i], path ? `${path}.${i}` : String(i));
      if (bad) return bad;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      // A key is text sent on too (metadata names, headers): the same rule, its path shown escaped.
      const key = unrepresentable(k, '');
      if (key) return { path: JSON.stringify(at).slice(1, -1), what: `names a key that ${key.what}` };
      const bad = unrepresentable(v, at);
      if (bad) return bad;
    }
  }
  return undefined;
}

/**
 * Where the call runs: the session's environment, or the call's own for sessionless clients. A
 * session tool's `environment` (switch_environment's target) is an argument, not where it runs.
 */
function environmentOf(tool: ToolDefinition, call: ToolCall, args: Record<string, unknown>): Environment {
  if (typeof args.environment === 'string' && tool.kind !== 'session') return args.environment as Environment;
  return call.session?.environment ?? 'sandbox';
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
