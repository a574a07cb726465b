import { z } from 'zod';
import { READ_ONLY } from '../common.ts';
import { defineTool } from '../types.ts';
import { catalogueInput } from './input.ts';
import { describeResult, opOf, runOperation } from './run.ts';

/** `query`: one read operation of the catalogue, through the pipeline like any read tool. */
export const query = defineTool({
  name: 'query',
  title: 'Query WorkOS (catalogue read)',
  description:
    'Run one read operation of the WorkOS operations catalogue: {operation, params}. Call list_operations first for the names, parameters (JSON Schema) and docs; unknown fields are refused. For changes use mutate. Secrets (invitation tokens, webhook secrets, certificates) are never shown.',
  input: catalogueInput('query'),
  output: z.object({ operation: z.string(), result: z.unknown() }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  permissionFor: (args) => opOf(args).permission,
  metricName: (args) => `query ${opOf(args).name}`,
  precheck: (ctx, args) => opOf(args).precheck?.(ctx, args.params) ?? Promise.resolve(undefined),
  async run(ctx, args) {
    const op = opOf(args);
    const result = await runOperation(ctx, args);
    return { structured: { operation: op.name, result }, summary: describeResult(op, result) };
  },
});
