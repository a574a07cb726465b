import { z } from 'zod';
import { defineTool } from '../types.ts';
import { catalogueInput } from './input.ts';
import { describeResult, opOf, runOperation } from './run.ts';
import { refuseStaff } from './scope.ts';

/**
 * `mutate`: one write or delete of the catalogue. Each call passes the gates of its operation
 * (docs/architecture.md "The MCP surface and the policy pipeline"): the operation's permission
 * (`permissionFor`), the write gate (mutate always writes), and for a destructive operation the
 * destructive gate (`destructiveFor`, `describeDestruction`): described, then confirmed. The
 * operation's `precheck` runs where a named tool's does, before anyone is asked to confirm.
 */
export const mutate = defineTool({
  name: 'mutate',
  title: 'Change WorkOS (catalogue write)',
  description:
    'Run one write or delete operation of the WorkOS operations catalogue: {operation, params}. Call list_operations first for the names, parameters (JSON Schema) and docs; unknown fields are refused. Destructive operations take two steps: call without confirmation_token to get exactly what would be destroyed and a confirmation_token; show it to the human, and only if they agree call again with the same arguments plus the token. For reads use query.',
  input: catalogueInput('mutate'),
  output: z.object({
    operation: z.string().optional(),
    status: z.enum(['done', 'deleted', 'confirmation_required']),
    result: z.unknown().optional(),
    will_destroy: z.record(z.string(), z.unknown()).optional(),
    confirmation_token: z.string().optional(),
    expires_at: z.string().optional(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  kind: 'write',
  permission: 'workos:write',
  permissionFor: (args) => opOf(args).permission,
  metricName: (args) => `mutate ${opOf(args).name}`,
  destructiveFor: (args) => {
    const op = opOf(args);
    return op.kind === 'destructive' || op.destroysWhen?.(args.params) === true;
  },
  changesSignIn: (args) => opOf(args).changesSignIn?.(args.params),
  // Before anyone is asked to confirm: the staff rule on the object the call names, then the
  // operation's own precheck (the named tool's refusals), as the pipeline runs a tool's.
  async precheck(ctx, args) {
    const op = opOf(args);
    await refuseStaff(ctx, op, args.params);
    return op.precheck?.(ctx, args.params);
  },
  async describeDestruction(ctx, args) {
    const op = opOf(args);
    await refuseStaff(ctx, op, args.params);
    if (!op.describe) throw new Error(`${op.name} cannot describe what it destroys`);
    const d = await op.describe(ctx, args.params);
    return { summary: d.summary, details: { operation: op.name, ...d.details } };
  },
  async run(ctx, args) {
    const op = opOf(args);
    const result = await runOperation(ctx, args);
    const status = op.kind === 'destructive' ? ('deleted' as const) : ('done' as const);
    return { structured: { operation: op.name, status, result }, summary: describeResult(op, result) };
  },
});
