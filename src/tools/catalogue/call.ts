/**
 * How a named tool reaches WorkOS where it wraps a catalogued endpoint (issue 19 §2: "the existing
 * named tools should call the same declarations … so there is one description of each WorkOS
 * call"): the operation's strict schema checks the parameters, its path template is filled, the
 * request goes out through the team's client exactly as `query`/`mutate` send it (http.ts), its
 * declared secrets are removed, and WorkOS's failures become the one error type (src/errors).
 *
 * The answer is WorkOS's JSON as documented (snake_case); `T` names the @workos-inc/node wire type
 * (`OrganizationResponse`, `ListResponse<ConnectionResponse>`…) the caller reads it as.
 */
import type { WorkOS } from '@workos-inc/node';
import { AppError } from '../../errors/app-error.ts';
import type { ListPage } from '../common.ts';
import { declaration } from './declarations.ts';
import { send } from './http.ts';

/** A WorkOS list answer (https://workos.com/docs/reference/pagination; the SDK's `ListResponse`). */
export interface WireList<T> {
  data: T[];
  list_metadata: { before?: string | null; after?: string | null };
}

/**
 * Runs the declared operation `name` with `params` (WorkOS wire names). `action` words the error
 * ("get organization org_…") as the tool always has; by default the operation's name.
 */
export async function callOperation<T>(
  ctx: { workos: WorkOS },
  name: string,
  params: Record<string, unknown>,
  action?: string,
): Promise<T> {
  const op = declaration(name);
  if (!op) throw new Error(`no catalogue declaration named ${name}`);
  const parsed = op.params.safeParse(params);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5);
    throw new AppError(
      'invalid_input',
      `${action ? `Cannot ${action}` : name}: ${issues.map((i) => `${i.path.join('.') || 'params'} ${i.message}`).join('; ')}.`,
      {
        hint: 'Fix the arguments and try again.',
        fields: issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      },
    );
  }
  return (await send(ctx.workos, op, parsed.data as Record<string, unknown>, action)) as T;
}

/** A wire list as the tools' paging helpers read it (common.ts `pageInfo`, `pageSentence`). */
export function asPage<T>(list: WireList<T>): ListPage<T> & { list_metadata: WireList<T>['list_metadata'] } {
  return { ...list, listMetadata: list.list_metadata ?? {} };
}

/** One page of a catalogued list operation, as the paging helpers read it. */
export async function callList<T>(
  ctx: { workos: WorkOS },
  name: string,
  params: Record<string, unknown>,
  action?: string,
): Promise<ReturnType<typeof asPage<T>>> {
  return asPage(await callOperation<WireList<T>>(ctx, name, params, action));
}
