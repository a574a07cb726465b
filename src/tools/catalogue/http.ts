/**
 * Runs a declared operation against WorkOS through the team's client (ctx.workos): its raw
 * request helpers, so Gatehouse never handles the API key and the client's fetch policy, retries
 * and error types all apply (docs/architecture.md "The MCP surface and the policy pipeline" step 6).
 */
import type { WorkOS } from '@workos-inc/node';
import { AppError } from '../../errors/app-error.ts';
import { SECRET_MARKER } from '../../secrets/filter.ts';
import { workosCall } from '../../workos/errors.ts';
import type { ToolContext } from '../types.ts';
import { DOT_SEGMENT } from './args.ts';
import type { Operation } from './types.ts';

type Params = Record<string, unknown>;

/** The path with its `:name` segments filled (ids are validated to id characters; encoded anyway). */
export function fillPath(op: Operation, params: Params): { path: string; rest: Params } {
  const rest: Params = { ...params };
  const path = op.path.replace(/:([a-z_]+)/g, (_, key: string) => {
    const value = rest[key];
    delete rest[key];
    if (typeof value !== 'string' || value === '')
      throw new Error(`${op.name}: missing path parameter ${key}`);
    // "." and ".." are resolved by the URL, encoded or not: the call would leave its template.
    if (/^\.{1,2}$/.test(value))
      throw new AppError('invalid_input', `${op.name}: ${key} ${DOT_SEGMENT}.`, {
        hint: 'Fix the arguments and try again.',
        fields: [{ field: key, message: DOT_SEGMENT }],
      });
    return encodeURIComponent(value);
  });
  return { path, rest };
}

function pick(params: Params, keys: readonly string[] | undefined, keep: boolean): Params {
  const set = new Set(keys ?? []);
  return Object.fromEntries(Object.entries(params).filter(([k]) => set.has(k) === keep));
}

/** A DELETE's query (the SDK's `delete` takes scalars; no DELETE declares an array parameter). */
function scalarQuery(params: Params): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(toQuery(params))) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/** The parameters under their wire names (Operation.wireNames). */
function renamed(params: Params, names: Readonly<Record<string, string>> | undefined): Params {
  if (!names) return params;
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [names[k] ?? k, v]));
}

/**
 * Query values as @workos-inc/node sends them: an array as the key repeated (`events=a&events=b`,
 * its query serialiser's "repeat format"), as it sends `events` and `domains`; a parameter WorkOS
 * takes comma-separated (`statuses`) is joined by its declaration.
 */
function toQuery(params: Params): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String) : (v as string | number | boolean);
  }
  return out;
}

/** Sends the call; answers WorkOS's JSON (null for a 204), with the declared secret fields removed. */
export async function execute(ctx: ToolContext, op: Operation, params: Params): Promise<unknown> {
  if (op.run) {
    const answer = await op.run(ctx, params);
    return op.secrets?.length ? withoutFields(answer ?? null, new Set(op.secrets)) : (answer ?? null);
  }
  return send(ctx.workos, op, params);
}

/**
 * The declared HTTP call itself (never a `run` hook): the path filled, local parameters kept back,
 * the rest as query or body, WorkOS's errors mapped to the one error type under `action` (by
 * default the operation's name and request), and the declared secrets removed from the answer.
 */
export async function send(w: WorkOS, op: Operation, params: Params, action?: string): Promise<unknown> {
  const { path, rest: all } = fillPath(op, params);
  const rest = renamed(pick(all, op.local, false), op.wireNames);
  const data = await workosCall(action ?? `${op.name} (${op.method} ${path})`, async () => {
    switch (op.method) {
      case 'GET':
        return (await w.get(path, { query: toQuery(rest) })).data;
      case 'DELETE':
        if (op.deleteBody) await w.deleteWithBody(path, rest);
        else await w.delete(path, scalarQuery(rest));
        return null;
      case 'POST':
        return (
          await w.post(path, pick(rest, op.query, false), { query: toQuery(pick(rest, op.query, true)) })
        ).data;
      case 'PUT':
        return (
          await w.put(path, pick(rest, op.query, false), { query: toQuery(pick(rest, op.query, true)) })
        ).data;
      case 'PATCH':
        return (
          await w.patch(path, pick(rest, op.query, false), { query: toQuery(pick(rest, op.query, true)) })
        ).data;
    }
  });
  return op.secrets?.length ? withoutFields(data ?? null, new Set(op.secrets)) : (data ?? null);
}

/** Replaces the named fields, at any depth, with the secret marker (present fields only). */
export function withoutFields(value: unknown, names: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutFields(v, names));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, names.has(k) ? SECRET_MARKER : withoutFields(v, names)]),
  );
}

/** A GET of one object, for hooks (describe, the organizations an id belongs to). */
export async function fetchObject(
  ctx: ToolContext,
  path: string,
  what: string,
  query?: Record<string, string | number>,
): Promise<Record<string, unknown>> {
  return workosCall(
    `get ${what}`,
    async () => (await ctx.workos.get(path, query ? { query } : {})).data as Record<string, unknown>,
  );
}
