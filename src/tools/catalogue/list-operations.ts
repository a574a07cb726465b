import { z } from 'zod';
import { READ_ONLY } from '../common.ts';
import { defineTool } from '../types.ts';
import { AREAS, EXCLUDED, excludedFor, matches, mayRun, OPERATIONS } from './catalogue.ts';
import type { Operation } from './types.ts';

const schemas = new Map<string, Record<string, unknown>>();

/** An operation's parameters as JSON Schema (zod v4), computed once. */
function parametersOf(op: Operation): Record<string, unknown> {
  let s = schemas.get(op.name);
  if (!s) {
    s = z.toJSONSchema(op.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    delete s.$schema;
    schemas.set(op.name, s);
  }
  return s;
}

const operationOut = z.object({
  name: z.string(),
  area: z.string(),
  summary: z.string(),
  kind: z.enum(['read', 'write', 'destructive']),
  tool: z.enum(['query', 'mutate']),
  parameters: z.record(z.string(), z.unknown()),
  docs: z.string(),
});

/**
 * `list_operations`: the catalogue as the caller may use it now — the pipeline's own decision
 * (policy/decide.ts) per operation, with its permission, in the caller's environment — so what it
 * lists and what query/mutate let through can never disagree.
 */
export const listOperations = defineTool({
  name: 'list_operations',
  title: 'List WorkOS operations',
  description: `The WorkOS operations catalogue: the operations you may run now with query (reads) or mutate (writes, deletes), each with its parameters as JSON Schema and its API reference link. Filter with search (words, e.g. "domain verify") and area (${AREAS.join(', ')}). Never offered: API keys, client secrets and certificates, Vault values, impersonation, Gatehouse's own settings, deleting the WorkOS team.`,
  input: z.strictObject({
    search: z
      .string()
      .trim()
      .max(200)
      .optional()
      .describe('Words the operation’s name or summary must contain.'),
    area: z
      .enum(AREAS as [string, ...string[]])
      .optional()
      .describe('Only this area.'),
    environment: z
      .enum(['sandbox', 'production'])
      .optional()
      .describe('List for this environment (default: the session’s).'),
  }),
  output: z.object({
    operations: z.array(operationOut),
    count: z.number(),
    not_in_catalogue: z.array(z.object({ what: z.string(), why: z.string() })).optional(),
    why_hidden: z
      .array(z.string())
      .optional()
      .describe('Why the hidden operations may not be run now, once per reason.'),
    hidden: z
      .number()
      .describe(
        'Operations that match but that you may not run now (permission, environment, write access).',
      ),
  }),
  annotations: READ_ONLY,
  // It reads only the catalogue and the caller's own permissions, not WorkOS.
  kind: 'session',
  permission: 'workos:read',
  async run(ctx, args) {
    const environment = args.environment ?? ctx.environment;
    const context = {
      environment,
      sessionEnvironment: ctx.session?.environment,
      productionLinked: environment === 'production' && ctx.team.linked('production'),
    };
    const wanted = OPERATIONS.filter(
      (op) => (!args.area || op.area === args.area) && (!args.search || matches(op, args.search)),
    );
    const decided = wanted.map((op) => ({ op, decision: mayRun(ctx.principal, op, context) }));
    const allowed = decided.filter((d) => d.decision.allowed).map((d) => d.op);
    // Why the others are not listed, once per reason (the pipeline's own words).
    const whyHidden = [
      ...new Set(
        decided.flatMap(({ decision: d }) =>
          d.allowed ? [] : [d.hint ? `${d.message} ${d.hint}` : d.message],
        ),
      ),
    ].slice(0, 5);
    const excluded = args.search ? excludedFor(args.search) : [];
    const operations = allowed.map((op) => ({
      name: op.name,
      area: op.area,
      summary: op.summary,
      kind: op.kind,
      tool: op.kind === 'read' ? ('query' as const) : ('mutate' as const),
      parameters: parametersOf(op),
      docs: op.docs,
    }));
    const hidden = wanted.length - allowed.length;
    const never = excluded.length
      ? ` Not in the catalogue: ${excluded.map((e) => `${e.what} — ${e.why}`).join(' ')}`
      : '';
    return {
      structured: {
        operations,
        count: operations.length,
        hidden,
        ...(whyHidden.length ? { why_hidden: whyHidden } : {}),
        ...(excluded.length ? { not_in_catalogue: excluded.map(({ what, why }) => ({ what, why })) } : {}),
      },
      summary: `${operations.length} operation${operations.length === 1 ? '' : 's'} you may run in ${environment}${hidden ? ` (${hidden} more match but you may not run them now: see why_hidden)` : ''}.${never}`,
    };
  },
});

export { EXCLUDED };
