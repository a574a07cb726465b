/**
 * Staff are never customers (docs/architecture.md "Trust model"): no catalogue call reads,
 * changes or deletes a Gatehouse team's own organization. The pipeline's staff gate sees only
 * top-level arguments, so the catalogue checks the operation's parameters itself — every value,
 * at any depth — and, for a write, the organizations the object it names belongs to.
 */
import { AppError } from '../../errors/app-error.ts';
import type { ToolContext } from '../types.ts';
import { fetchObject } from './http.ts';
import type { Operation } from './types.ts';

/** Every string in the parameters, at any depth (iterative: no nesting can exhaust the stack). */
function strings(value: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object') for (const child of Object.values(v)) stack.push(child);
  }
  return out;
}

function refuse(op: Operation, organizationId: string, team: string): AppError {
  return new AppError(
    'forbidden',
    `${op.name} would touch ${organizationId}, the Gatehouse team ${team}'s own organization (staff), not a customer: the catalogue never reads, changes or deletes it.`,
    {
      hint: 'Work with customer organizations only; team membership and settings live in the Gatehouse console.',
      denial: 'staff_organization',
    },
  );
}

/** Throws a denial when the call names, or (for writes) reaches, a staff organization. */
export async function refuseStaff(
  ctx: ToolContext,
  op: Operation,
  params: Record<string, unknown>,
): Promise<void> {
  for (const s of strings(params)) {
    const team = ctx.team.staffTeamName(s);
    if (team) throw refuse(op, s, team);
  }
  if (op.kind === 'read' || !op.organizations) return;
  for (const org of await op.organizations(ctx, params)) {
    const team = ctx.team.staffTeamName(org);
    if (team) throw refuse(op, org, team);
  }
}

/** The organization of one object that carries `organization_id` (a membership, a domain, an invitation…). */
export function organizationOf(path: (params: Record<string, unknown>) => string, what: string) {
  return async (ctx: ToolContext, params: Record<string, unknown>): Promise<string[]> => {
    const obj = await fetchObject(ctx, path(params), what);
    return typeof obj.organization_id === 'string' ? [obj.organization_id] : [];
  };
}

/** Pages of memberships read at most (100 each): beyond them the user is refused, never guessed. */
const MEMBERSHIP_PAGES = 20;

/**
 * Every organization a user belongs to, whatever the membership's status: every page, so a staff
 * membership cannot hide behind a hundred newer ones (nor a delete's description undercount).
 */
export async function organizationsOfUser(ctx: ToolContext, userId: string): Promise<string[]> {
  const orgs: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < MEMBERSHIP_PAGES; page++) {
    const res = await fetchObject(
      ctx,
      '/user_management/organization_memberships',
      `the memberships of user ${userId}`,
      { user_id: userId, statuses: 'active,inactive,pending', limit: 100, ...(after ? { after } : {}) },
    );
    const data = Array.isArray(res.data) ? (res.data as { organization_id?: unknown }[]) : [];
    for (const m of data) if (typeof m.organization_id === 'string') orgs.push(m.organization_id);
    const next = (res.list_metadata as { after?: unknown } | undefined)?.after;
    if (typeof next !== 'string' || next === '' || data.length === 0) return orgs;
    after = next;
  }
  throw new AppError(
    'conflict',
    `User ${userId} belongs to more than ${MEMBERSHIP_PAGES * 100} organizations: Gatehouse cannot say which ones this call would touch.`,
    { hint: 'Change this user in the WorkOS dashboard.' },
  );
}
