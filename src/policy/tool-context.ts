/**
 * Builds a tool's narrow context from the application (docs/architecture.md, "The MCP surface
 * and the policy pipeline"): the WorkOS client of the caller's own team only, and ports bound to
 * the caller. Tools never see the application itself.
 */
import type { Environment } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import { pipesConnections } from '../tools/integrations/connection-status.ts';
import type { ToolContext, ToolDefinition } from '../tools/types.ts';
import { workosCall } from '../workos/errors.ts';
import { approvalFor } from './approval-gate.ts';
import type { Denied } from './denials.ts';
import { deny } from './denials.ts';
import { requesterOf, type ToolCall } from './tool-call.ts';

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
 * `known` collects the secrets this call handles that the response filter must strip in any
 * shape: every provider token the Pipes port hands out is added as it is vended.
 */
export function toolContext(
  app: AppContext,
  call: ToolCall,
  environment: Environment,
  tool: ToolDefinition,
  args: Record<string, unknown>,
  known: string[] = [],
): ToolContext {
  const p = call.principal;
  const workos = app.environments.client(p.teamId, environment);
  const needsWorkOS = tool.kind === 'read' || tool.kind === 'write' || tool.kind === 'destructive';
  if (!workos && needsWorkOS) throw notLinked(environment);
  const requester = requesterOf(call);
  const pipes = app.workos.identity.client.pipes;
  return {
    principal: p,
    environment,
    get workos() {
      if (!workos) throw notLinked(environment);
      return workos;
    },
    session: call.session,
    signal: call.signal,
    clock: app.clock,
    log: app.log,
    publicUrl: app.config.publicUrl,
    grants: {
      requestBroad: (input) => app.grants.agent.requestBroad(requester, input),
      requestCall: (input) => app.grants.agent.requestCall(requester, input),
      active: () => app.grants.agent.activeFor(p),
      mine: (id) => app.grants.store.forRequester(id, p),
    },
    // Both calls are scoped to the caller's team: `organization_id` "scope[s] the integration
    // lookup to a specific organization" (https://workos.com/docs/reference/pipes/access-token).
    pipes: {
      async accessToken(provider) {
        const token = await pipes.getAccessToken({
          provider,
          userId: p.workosUserId,
          organizationId: p.organizationId,
        });
        // Gatehouse injects it; whatever the provider echoes back, the agent never sees it.
        if (token.active) known.push(token.accessToken.accessToken);
        return token;
      },
      async connections() {
        const list = await workosCall('list your Pipes connections', () =>
          pipes.listUserDataProviders({ userId: p.workosUserId, organizationId: p.organizationId }),
        );
        return pipesConnections(list.data);
      },
    },
    team: {
      linked: (env) => app.environments.has(p.teamId, env),
      staffTeamName: (organizationId) => app.teams.admittedByOrganization(organizationId)?.name,
    },
    memberships: {
      roleChanged: (workosUserId, organizationId) =>
        app.roleChanges.changedInWorkOS(workosUserId, organizationId),
    },
    outbound: (url, init) => app.outbound.fetch(url, init),
    demoProviders: app.demoProviders,
    ...(tool.requiresApproval ? { approval: approvalFor(app, call, args) } : {}),
    ...(call.elicitUrl ? { elicitUrl: call.elicitUrl } : {}),
  };
}
