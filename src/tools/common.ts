import { z } from 'zod';
import { ENVIRONMENTS } from '../../db/schema/enums.ts';

/** Every WorkOS tool accepts this; sessionless (2026-07-28) clients name the environment per call. */
export const environmentArg = z
  .enum(ENVIRONMENTS)
  .optional()
  .describe(
    'sandbox or production. Defaults to the session\u2019s environment (sandbox unless switch_environment was called). In a session, production must be switched to first; clients without a session name it here on each call.',
  );

/** Annotations of tools that only read. */
export const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const;
/** Annotations of tools that create or change without destroying. */
export const WRITE = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
} as const;
/** Annotations of tools that destroy (always behind a confirmation). */
export const DESTRUCTIVE = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: true,
} as const;

/** WorkOS pagination, passed through. */
export const paginationArgs = {
  limit: z.number().int().min(1).max(100).optional().describe('Page size, 1–100 (default 10).'),
  before: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Cursor: return the page before this id (list_metadata.before of a previous page).'),
  after: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Cursor: return the page after this id (list_metadata.after of a previous page).'),
  order: z.enum(['asc', 'desc']).optional().describe('Sort by creation time (default desc).'),
};

export const listMetadata = z.object({
  before: z.string().nullable(),
  after: z.string().nullable(),
  next_page: z.string().nullable().describe('How to get the next page, or null when this is the last one.'),
});

export interface ListPage<T> {
  data: T[];
  listMetadata: { before?: string | null; after?: string | null };
}

/** Pagination metadata plus a sentence the agent can act on. */
export function pageInfo(page: ListPage<unknown>, tool: string) {
  const after = page.listMetadata.after ?? null;
  return {
    before: page.listMetadata.before ?? null,
    after,
    next_page: after
      ? `Call ${tool} again with after: "${after}" (and the same filters) for the next page.`
      : null,
  };
}

export function pageSentence(count: number, noun: string, page: ListPage<unknown>): string {
  const more = page.listMetadata.after ? ' More are available (see next_page).' : '';
  return `${count} ${noun}${count === 1 ? '' : 's'}.${more}`;
}

/** The confirmation token a destructive tool's second call carries (see the policy pipeline). */
export const confirmationArg = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe(
    'Leave out on the first call: Gatehouse answers with what would be destroyed and a confirmation_token. Only after the human agrees, call again with the same arguments plus that token.',
  );

/**
 * Output of a destructive tool: either the confirmation request (first call, produced by the
 * pipeline) or the result of the deletion (confirmed call).
 */
export function destructiveOutput<T extends z.ZodType>(deleted: T) {
  return z.object({
    status: z.enum(['confirmation_required', 'deleted']),
    will_destroy: z.record(z.string(), z.unknown()).optional(),
    confirmation_token: z.string().optional(),
    expires_at: z.string().optional(),
    deleted: deleted.optional(),
  });
}

/** How deep a free-form JSON argument may nest (a request body, a schema): far past any real one. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `value` nests objects or arrays deeper than `max`. Iterative, so any depth is measured
 * safely: a hand-written request can nest far past what a recursive walk (or a client) survives.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

export const TOO_DEEP = `nested deeper than ${MAX_JSON_DEPTH} levels`;
