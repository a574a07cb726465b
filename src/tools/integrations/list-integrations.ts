import { z } from 'zod';
import { PROVIDERS } from '../../approvals/providers/index.ts';
import { secondsLeft } from '../../approvals/store.ts';
import { defineTool } from '../types.ts';

export const listIntegrations = defineTool({
  name: 'list_integrations',
  title: 'List integrations',
  description:
    'The third-party APIs Gatehouse can call for you through WorkOS Pipes (Linear, Notion, Snowflake, GitHub, Slack): whether each is connected for you in Pipes, its API base URL, and what you may do with it right now (an active approval, or what to request). Calling any of them needs a human\u2019s approval first: request_elevated_access.',
  input: z.strictObject({}),
  output: z.object({
    integrations: z.array(
      z.object({
        provider: z.string(),
        name: z.string(),
        description: z.string(),
        example_url: z.string(),
        pipes_status: z.enum(['connected', 'needs_reauthorization', 'not_installed']),
        access_now: z.enum(['write', 'read', 'none']),
        grant: z
          .object({ id: z.string(), level: z.string().nullable(), seconds_left: z.number() })
          .nullable(),
        next_step: z.string(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  kind: 'integration',
  permission: 'integrations:read',
  async run(ctx) {
    const statuses = await ctx.pipes.statuses();
    const grants = ctx.grants.active().filter((g) => g.kind === 'broad');
    const now = ctx.clock.now();
    const integrations = PROVIDERS.map((prov) => {
      const status = statuses.get(prov.id) ?? 'not_installed';
      const grant = grants.find((g) => g.providers.includes(prov.id));
      const access = grant ? (grant.level === 'write' ? 'write' : 'read') : 'none';
      const next =
        status === 'not_installed'
          ? `Not connected in WorkOS Pipes: ask the human to connect ${prov.name} first.`
          : status === 'needs_reauthorization'
            ? `The ${prov.name} connection needs re-authorization in WorkOS Pipes: ask the human to reconnect it.`
            : grant
              ? `You may call call_integration_api for ${prov.name} (${access}) for ${secondsLeft(grant, now)} more seconds.`
              : `Ask for access with request_elevated_access (kind "session" for a while, or kind "call" for one exact request).`;
      return {
        provider: prov.id,
        name: prov.name,
        description: prov.description,
        example_url: prov.example,
        pipes_status: status,
        access_now: access as 'write' | 'read' | 'none',
        grant: grant ? { id: grant.id, level: grant.level, seconds_left: secondsLeft(grant, now) } : null,
        next_step: next,
      };
    });
    const connected = integrations.filter((i) => i.pipes_status === 'connected').map((i) => i.name);
    return {
      structured: { integrations },
      summary: `${integrations.length} integrations; connected for you: ${connected.length ? connected.join(', ') : 'none'}.`,
    };
  },
});
