/**
 * The one policy decision (docs/architecture.md "The MCP surface and the policy pipeline",
 * steps 1–5, arguments aside): may this principal use this tool, in this environment, now? Pure:
 * plain values in, a decision out. `tools/list` is a filter over it and `tools/call` asks it
 * before anything runs, so what an agent is shown and what it may do can never disagree.
 */
import type { Environment, Permission } from '../../db/schema/enums.ts';
import type { ErrorCode } from '../errors/app-error.ts';
import { scopeAllows } from '../oauth/scopes.ts';
import type { DenialReason } from './denials.ts';

/** Whether a call reads or changes data; integration tools classify each call from its arguments. */
export type Access = 'read' | 'write';

export interface DecisionPrincipal {
  role: string;
  email: string;
  permissions: readonly Permission[];
  scopes: readonly string[];
  impersonator: string | null;
  settings: { enabled: boolean; killedAt: number | null; allowProduction: boolean; allowWrite: boolean };
}

export interface DecisionTool {
  name: string;
  kind: 'session' | 'read' | 'write' | 'destructive' | 'integration';
  permission: Permission;
  /** The permission a call classified as a write needs (integration tools), when it differs. */
  writePermission?: Permission;
  requiresSession?: boolean;
  /**
   * The tool leads to an environment named in its arguments (switch_environment): production's
   * gates apply to that target, since every later call will run there.
   */
  targetsEnvironment?: boolean;
}

export interface DecisionContext {
  /** Where the call runs: the session's environment, or what a sessionless call names. */
  environment: Environment;
  /** The 2025-era session's own environment; undefined on the sessionless 2026-07-28 path. */
  sessionEnvironment: Environment | undefined;
  /** Whether the team has a production WorkOS environment to run in. */
  productionLinked: boolean;
  /** How this call was classified; a tool's kind decides when absent. */
  access?: Access;
  /** For a tool that targets an environment: the one it leads to. */
  target?: Environment;
  /** What this call would change about how an organization signs in (needs gatehouse:admin). */
  signInChange?: string;
  /** The permission this exact call needs, when the tool decides it per call (the catalogue's operations). */
  permission?: Permission;
}

export type Decision =
  | { allowed: true; access: Access }
  | { allowed: false; reason: DenialReason; code: ErrorCode; message: string; hint?: string };

const refuse = (reason: DenialReason, code: ErrorCode, message: string, hint?: string): Decision => ({
  allowed: false,
  reason,
  code,
  message,
  ...(hint ? { hint } : {}),
});

/** Tools that act on a WorkOS environment (integrations go through Pipes; session tools check for themselves). */
export const actsOnWorkOS = (kind: DecisionTool['kind']): boolean =>
  kind === 'read' || kind === 'write' || kind === 'destructive';

/** The access a tool's calls have when the call itself is not classified. */
export function accessOf(tool: DecisionTool, classified?: Access): Access {
  // A write or destructive tool always writes: a classification can never make it a read.
  if (tool.kind === 'write' || tool.kind === 'destructive') return 'write';
  return classified ?? 'read';
}

/** The team's own switch, which comes before any tool: MCP enabled and the kill switch off. */
export function teamGate(p: Pick<DecisionPrincipal, 'settings'>): Decision | undefined {
  if (!p.settings.enabled || p.settings.killedAt !== null) {
    return refuse(
      'mcp_disabled',
      'forbidden',
      'MCP access is disabled for your team by a Gatehouse admin.',
      'Ask a team admin to turn "Enable MCP access" back on.',
    );
  }
  return undefined;
}

/**
 * The whole decision for one call (or, for tools/list, for the caller's current environment):
 * the caller may use the tool at all ({@link mayUseTool}), in this environment, for this access.
 */
export function decide(p: DecisionPrincipal, tool: DecisionTool, ctx: DecisionContext): Decision {
  const caller = mayUseTool(p, tool, ctx);
  if (!caller.allowed) return caller;
  const access = caller.access;

  // Changing how an organization signs in is a team admin's call, whoever may otherwise write.
  if (ctx.signInChange && !p.permissions.includes('gatehouse:admin')) {
    return refuse(
      'sign_in_change_needs_admin',
      'forbidden',
      `${tool.name} would ${ctx.signInChange}, which changes how that organization's people sign in: only a Gatehouse team admin (gatehouse:admin) may do that, and only with a human's confirmation.`,
      'Ask a team admin to make this change.',
    );
  }

  // 3. Environment: production only when the team allows it, the role may, and it exists; a
  // session reaches it only through switch_environment (which leads there: the same gates).
  const production = tool.targetsEnvironment
    ? ctx.target === 'production'
    : ctx.environment === 'production' && actsOnWorkOS(tool.kind);
  if (production) {
    if (!p.settings.allowProduction) {
      return refuse(
        'production_not_allowed',
        'forbidden',
        'Production access is turned off for your team.',
        'Work in sandbox, or ask a team admin to turn on "Allow production access".',
      );
    }
    if (!p.permissions.includes('workos:production')) {
      return refuse(
        'production_not_allowed',
        'forbidden',
        scopeAllows('workos:production', p.scopes)
          ? `Your role (${p.role}) has no production access.`
          : 'This connection was authorized read-only (scope "mcp:read"), which does not reach production.',
        'Work in sandbox.',
      );
    }
    if (!ctx.productionLinked) {
      return refuse(
        'production_unavailable',
        'unavailable',
        'No production WorkOS environment is linked to your team.',
        'A team admin can link one under Settings → WorkOS environments.',
      );
    }
    if (
      !tool.targetsEnvironment &&
      ctx.sessionEnvironment !== undefined &&
      ctx.sessionEnvironment !== 'production'
    ) {
      return refuse(
        'environment_not_switched',
        'forbidden',
        'This session is in sandbox: production is used only after switch_environment.',
        'Call switch_environment with {"environment":"production"} first (when the human asked for production), then call this tool again.',
      );
    }
  }

  // 4. Write gate: "Allow write access" off means read-only everywhere, third-party APIs included.
  if (access === 'write' && !p.settings.allowWrite) {
    return refuse(
      'write_disabled',
      'forbidden',
      tool.kind === 'integration'
        ? `Write access is turned off for your team, so ${tool.name} may not make a request that changes data.`
        : 'Write access is turned off for your team: Gatehouse is read-only right now.',
      tool.kind === 'integration'
        ? 'Use read-only requests, or ask a team admin to turn on "Allow write access".'
        : 'A team admin can turn on "Allow write access".',
    );
  }

  // Session tools change session state: a sessionless (2026-07-28) caller has none.
  if (tool.requiresSession && ctx.sessionEnvironment === undefined) {
    return refuse(
      'session_required',
      'invalid_input',
      'This connection has no MCP session to remember an environment in.',
      'Pass environment: "production" or "sandbox" on each tool call instead.',
    );
  }

  return { allowed: true, access };
}

/**
 * Whether the caller may use the tool at all, whatever the call's arguments and environment:
 * the team's switch, the permission, and an impersonated session
 * reading only. The pipeline asks this before it parses arguments.
 */
export function mayUseTool(
  p: DecisionPrincipal,
  tool: DecisionTool,
  ctx: Pick<DecisionContext, 'access' | 'permission'>,
): Decision {
  const access = accessOf(tool, ctx.access);

  // 1. The team must have MCP enabled (the kill switch also turns it off).
  const team = teamGate(p);
  if (team) return team;

  // 2. The caller must hold the permission (role, narrowed by the token's scopes).
  const needed =
    ctx.permission ?? (access === 'write' ? (tool.writePermission ?? tool.permission) : tool.permission);
  if (!p.permissions.includes(needed)) {
    if (!scopeAllows(needed, p.scopes)) {
      return refuse(
        'insufficient_scope',
        'forbidden',
        `${tool.name} needs ${needed}, but this connection was authorized read-only (scope "mcp:read").`,
        'Reconnect the client asking for the "mcp" scope (for a connection token, create a full-access one under Connections); your role is not the problem.',
      );
    }
    return refuse(
      'missing_permission',
      'forbidden',
      `${tool.name} needs the ${needed} permission, which your role (${p.role}) does not include.`,
      'Ask a team admin for a role that includes it.',
    );
  }

  // An impersonated session reads only (seeds/000: "mutations are blocked on impersonated sessions").
  if (p.impersonator && access === 'write') {
    return refuse(
      'impersonated_session',
      'forbidden',
      `${tool.name} changes data, and this connection comes from a session ${p.impersonator} opened by impersonating ${p.email}: impersonated sessions can only read.`,
      'Sign in as yourself (not through WorkOS impersonation) to make changes.',
    );
  }

  return { allowed: true, access };
}
