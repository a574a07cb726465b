import type { WorkOS } from '@workos-inc/node';
import type { z } from 'zod';
import type { Environment, Permission } from '../../db/schema/enums.ts';
import type { Clock } from '../kernel/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Principal } from '../oauth/principal.ts';
import type {
  Approval,
  CallerGrants,
  CallerPipes,
  CallerTeam,
  DemoProviders,
  Memberships,
  OutboundFetch,
} from './ports.ts';

/** How a tool touches WorkOS, which decides the gates it passes (docs/architecture.md "The MCP surface and the policy pipeline" pipeline). */
export type ToolKind = 'session' | 'read' | 'write' | 'destructive' | 'integration';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/**
 * What a tool handler gets — only what tools use (never the whole application): who calls, in
 * which environment, that team's WorkOS client, and small ports bound to the caller (ports.ts).
 */
export interface ToolContext {
  principal: Principal;
  environment: Environment;
  /** The WorkOS client of `environment`, the caller's own team's. */
  workos: WorkOS;
  /** The MCP session, for 2025-era clients; undefined on the 2026-07-28 stateless path. */
  session: McpSessionState | undefined;
  signal: AbortSignal;
  clock: Clock;
  log: Logger;
  /** The origin humans reach Gatehouse at (links for them). */
  publicUrl: string;
  grants: CallerGrants;
  pipes: CallerPipes;
  team: CallerTeam;
  memberships: Memberships;
  /** Guarded outbound HTTP to provider APIs. */
  outbound: OutboundFetch;
  /** Local mode: the providers answered by Gatehouse's embedded demo APIs; undefined in live mode. */
  demoProviders: DemoProviders | undefined;
  /** The approval the pipeline found for this call (tools with `requiresApproval`). */
  approval?: Approval;
  /** Sends the human a URL through URL-mode elicitation (2025-11-25 clients that support it). */
  elicitUrl?: (message: string, url: string, elicitationId: string) => Promise<void>;
}

/** Mutable per-session state the session tools change. */
export interface McpSessionState {
  id: string;
  environment: Environment;
  /**
   * Client capabilities declared at initialize (MCP 2025-11-25): form-mode elicitation
   * (`elicitation: {}` or `{ form: {} }`), and URL-mode elicitation (`{ url: {} }`). A client
   * declaring only `url` cannot answer a form.
   */
  supportsElicitation: boolean;
  supportsUrlElicitation: boolean;
}

export interface ToolResult<O> {
  /** The structured result (validated against the output schema). */
  structured: O;
  /** One or two sentences for the agent's transcript. */
  summary: string;
}

/**
 * A tool: a thin adapter that parses input (zod, unknown fields refused), calls services or
 * WorkOS, and maps the result. The pipeline around it enforces every rule.
 */
export interface ToolDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  kind: ToolKind;
  /** The permission the caller needs (after scope narrowing). */
  permission: Permission;
  /** Integration tools: the permission a call classified as a write needs, when it differs. */
  writePermission?: Permission;
  /**
   * Integration tools: whether this call reads or changes data, from its (parsed) arguments, so
   * the one write gate and the impersonation rule cover third-party calls too. May throw an
   * AppError for arguments it cannot classify.
   */
  classify?(args: z.infer<I>): 'read' | 'write';
  /**
   * Only useful inside a 2025-era MCP session (it changes session state): hidden from tools/list
   * on the sessionless 2026-07-28 path, where it could only fail.
   */
  requiresSession?: boolean;
  /**
   * Integration calls: the pipeline's approval gate (policy/approval-gate.ts) finds the grant
   * that covers the call before it runs, and hands it over as `ctx.approval`.
   */
  requiresApproval?: boolean;
  /** Leads to the environment named in its arguments (switch_environment): see policy/decide.ts. */
  targetsEnvironment?: boolean;
  run(ctx: ToolContext, args: z.infer<I>): Promise<ToolResult<z.infer<O>>>;
  /**
   * A write that changes how an organization's people sign in (an SSO or domain-verification
   * portal link, a domain marked verified): returns what it would change, or undefined when this
   * call does not. Such a call needs gatehouse:admin and a human's confirmation, as a delete does.
   */
  changesSignIn?(args: z.infer<I>): string | undefined;
  /**
   * A tool whose calls differ (the catalogue's `mutate`): whether this call destroys, so it passes
   * the destructive gate as a destructive tool's every call does.
   */
  destructiveFor?(args: z.infer<I>): boolean;
  /** A tool whose calls differ: the permission this call needs, checked on top of `permission`. */
  permissionFor?(args: z.infer<I>): Permission;
  /** The name the metrics count this call under when it is more than the tool (`mutate <operation>`). */
  metricName?(args: z.infer<I>): string;
  /**
   * What this call would meet, read from WorkOS before anyone is asked to confirm it (the pipeline
   * runs it after the permission, environment and staff gates, before the destructive gate):
   * throws an AppError for a precondition WorkOS would refuse (so nobody confirms a call that
   * cannot succeed), or returns a sign-in change the arguments alone cannot show (removing a
   * domain that is verified today), which then needs a team admin and a confirmation as
   * `changesSignIn` does.
   */
  precheck?(ctx: ToolContext, args: z.infer<I>): Promise<{ changesSignIn?: string } | undefined>;
  /** Destructive tools: what the call would destroy, fetched from WorkOS, before anything happens. */
  describeDestruction?(ctx: ToolContext, args: z.infer<I>): Promise<Destruction>;
}

/** What a delete will destroy: one sentence, and the names and counts behind it. */
export interface Destruction {
  summary: string;
  details: Record<string, unknown>;
}

/** Helps TypeScript infer I/O types for each tool definition. */
export function defineTool<I extends z.ZodType, O extends z.ZodType>(
  def: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  return def;
}
