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
  targetsEnvironment: true,
  async run(ctx, args) {
    // Production's gates (toggle, role, a linked environment) are the pipeline's: targetsEnvironment.
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
