/**
 * The arguments of `query` and `mutate`: the operation's name and its parameters, parsed against
 * the operation's own strict schema while the pipeline parses the tool's arguments (step 3), so
 * an unknown operation or field is refused before any gate that depends on the operation runs.
 */
import { z } from 'zod';
import { confirmationArg, environmentArg, MAX_JSON_DEPTH, nestsDeeperThan, TOO_DEEP } from '../common.ts';
import { operation } from './catalogue.ts';
import type { Operation } from './types.ts';

type Issue = { path: PropertyKey[]; message: string; code: string; keys?: string[] };

function paramIssue(op: Operation, i: Issue): string {
  if (i.code === 'unrecognized_keys' && i.keys) {
    const known = Object.keys(op.params.shape);
    return `unknown field(s) ${i.keys.join(', ')} for ${op.name}; its parameters are ${known.length ? known.join(', ') : '(none)'}`;
  }
  return i.message;
}

export function catalogueInput(tool: 'query' | 'mutate') {
  const base = {
    operation: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .describe('The operation’s name from list_operations, e.g. "organization_domains.create".'),
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        'The operation’s parameters, as its JSON Schema in list_operations says (unknown fields are refused).',
      ),
    environment: environmentArg,
  };
  const shape = tool === 'mutate' ? { ...base, confirmation_token: confirmationArg } : base;
  return z.strictObject(shape).transform((v, ctx) => {
    const op = operation(v.operation);
    if (!op) {
      ctx.addIssue({
        code: 'custom',
        path: ['operation'],
        message: `there is no operation named "${v.operation.slice(0, 100)}"; call list_operations (with search) to see the operations you may run`,
      });
      return z.NEVER;
    }
    if (tool === 'query' && op.kind !== 'read') {
      ctx.addIssue({
        code: 'custom',
        path: ['operation'],
        message: `${op.name} changes data: call mutate, not query`,
      });
      return z.NEVER;
    }
    if (tool === 'mutate' && op.kind === 'read') {
      ctx.addIssue({
        code: 'custom',
        path: ['operation'],
        message: `${op.name} only reads: call query, not mutate`,
      });
      return z.NEVER;
    }
    if (nestsDeeperThan(v.params, MAX_JSON_DEPTH)) {
      ctx.addIssue({ code: 'custom', path: ['params'], message: `${TOO_DEEP}; no operation takes that` });
      return z.NEVER;
    }
    const parsed = op.params.safeParse(v.params ?? {});
    if (!parsed.success) {
      for (const i of parsed.error.issues.slice(0, 5))
        ctx.addIssue({ code: 'custom', path: ['params', ...i.path], message: paramIssue(op, i as Issue) });
      return z.NEVER;
    }
    return { ...v, operation: op.name, params: parsed.data as Record<string, unknown> };
  });
}
