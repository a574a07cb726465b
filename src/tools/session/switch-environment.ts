import { z } from 'zod';
import { ENVIRONMENTS } from '../../../db/schema/enums.ts';
import { AppError } from '../../errors/app-error.ts';
import { defineTool } from '../types.ts';

export const switchEnvironment = defineTool({
  name: 'switch_environment',
  title: 'Switch environment',
  description:
    'Switch this session between the sandbox and production WorkOS environments. Every session starts in sandbox; only switch to production when the human explicitly asks. Production requires your team to allow it and your role to include production access. Clients without a session pass `environment` on each call instead.',
  input: z.strictObject({
    environment: z.enum(ENVIRONMENTS).describe('The environment the following calls should use.'),
  }),
  output: z.object({ environment: z.enum(ENVIRONMENTS), previous: z.enum(ENVIRONMENTS) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  kind: 'session',
  permission: 'workos:read',
  requiresSession: true,
  async run(ctx, args) {
    const p = ctx.principal;
    if (args.environment === 'production') {
      if (!p.settings.allowProduction) {
        throw new AppError('forbidden', 'Production access is turned off for your team.', {
          hint: 'Stay in sandbox, or ask a team admin.',
          denial: 'production_not_allowed',
        });
      }
      if (!p.permissions.includes('workos:production')) {
        throw new AppError('forbidden', `Your role (${p.role}) has no production access.`, {
          hint: 'Stay in sandbox.',
          denial: 'production_not_allowed',
        });
      }
      if (!ctx.app.environments.has(p.teamId, 'production')) {
        throw new AppError('unavailable', 'No production WorkOS environment is linked to your team.', {
          hint: 'Stay in sandbox, or ask a team admin to link one under Settings → WorkOS environments.',
        });
      }
    }
    if (!ctx.session) {
      throw new AppError(
        'invalid_input',
        'This connection has no MCP session to remember an environment in.',
        {
          hint: `Pass environment: "${args.environment}" on each tool call instead.`,
        },
      );
    }
    const previous = ctx.session.environment;
    ctx.session.environment = args.environment;
    return {
      structured: { environment: args.environment, previous },
      summary:
        args.environment === 'production'
          ? 'Now working in PRODUCTION: changes affect real customers. Switch back to sandbox when done.'
          : 'Now working in sandbox.',
    };
  },
});
