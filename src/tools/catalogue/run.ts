/** Running a parsed catalogue call: the staff check, then the WorkOS request. */
import type { ToolContext } from '../types.ts';
import { operation } from './catalogue.ts';
import { execute } from './http.ts';
import { refuseStaff } from './scope.ts';
import type { Operation } from './types.ts';

export interface CatalogueArgs {
  operation: string;
  params: Record<string, unknown>;
}

/** The operation of parsed arguments (the input schema only lets known ones through). */
export function opOf(args: CatalogueArgs): Operation {
  const op = operation(args.operation);
  if (!op) throw new Error(`unknown operation ${args.operation} after parsing`);
  return op;
}

export async function runOperation(ctx: ToolContext, args: CatalogueArgs): Promise<unknown> {
  const op = opOf(args);
  await refuseStaff(ctx, op, args.params);
  return execute(ctx, op, args.params);
}

/** One sentence about a result: a list's size and how to page, or the object's id. */
export function describeResult(op: Operation, result: unknown): string {
  if (result === null) return `${op.name}: done.`;
  if (typeof result === 'object' && result && Array.isArray((result as { data?: unknown }).data)) {
    const r = result as { data: unknown[]; list_metadata?: { after?: string | null } };
    const after = r.list_metadata?.after;
    return `${op.name}: ${r.data.length} result${r.data.length === 1 ? '' : 's'}.${after ? ` More: call again with params.after "${after}".` : ''}`;
  }
  const id = typeof result === 'object' && result ? (result as { id?: unknown }).id : undefined;
  return `${op.name}: done${typeof id === 'string' ? ` (${id})` : ''}.`;
}
