/**
 * Role slugs: which exist (WorkOS's environment and organization roles), and who may hand them
 * out inside a Gatehouse team, where a role decides what its holder may do through Gatehouse.
 */
import type { Permission } from '../../../db/schema/enums.ts';
import { effectivePermissions } from '../../auth/permissions.ts';
import { callOperation } from '../catalogue/call.ts';
import type { ToolContext } from '../types.ts';

/** A role as WorkOS lists it (https://workos.com/docs/reference/roles; the SDK's `RoleResponse`). */
type WireRoles = { data: { slug: string; permissions?: string[] }[] };

/** What a WorkOS role slug looks like. */
export const ROLE_SLUG_PATTERN = /^[a-z0-9_-]+$/;

export interface RoleCatalog {
  /** Slug → the permission slugs WorkOS lists for it; null when WorkOS would not list roles. */
  known: Map<string, string[]> | null;
}

/**
 * The roles assignable in an organization: the environment's roles plus the organization's own.
 * When WorkOS refuses to list them (an API key without RBAC access), only the slug format is checked.
 */
export async function loadRoles(ctx: ToolContext, organizationId: string | undefined): Promise<RoleCatalog> {
  try {
    const [env, org] = await Promise.all([
      callOperation<WireRoles>(ctx, 'roles.list', {}, 'list the environment roles'),
      organizationId
        ? callOperation<WireRoles>(
            ctx,
            'organization_roles.list',
            { organization_id: organizationId },
            `list the roles of organization ${organizationId}`,
          )
        : Promise.resolve<WireRoles>({ data: [] }),
    ]);
    const known = new Map<string, string[]>();
    for (const r of [...env.data, ...org.data]) known.set(r.slug, [...(r.permissions ?? [])]);
    return { known: known.size > 0 ? known : null };
  } catch (e) {
    ctx.log.warn('could not list WorkOS roles; checking role slugs by format only', {
      error: e instanceof Error ? e.message : String(e),
    });
    return { known: null };
  }
}

const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Why `slug` cannot be assigned, or null when it can. */
export function roleProblem(catalog: RoleCatalog, slug: string): string | null {
  if (!ROLE_SLUG_PATTERN.test(slug)) {
    return `"${clip(slug)}" is not a role slug (lowercase letters, digits, "_" and "-", e.g. member)`;
  }
  if (catalog.known && !catalog.known.has(slug)) {
    return `unknown role "${slug}"; the roles here are ${[...catalog.known.keys()].sort().join(', ')}`;
  }
  return null;
}

/** The Gatehouse permissions a role carries: as WorkOS lists them, else the role's fallback set. */
function gatehousePermissions(catalog: RoleCatalog, slug: string): Permission[] {
  return effectivePermissions(slug, catalog.known?.get(slug) ?? null);
}

/**
 * In a Gatehouse team's organization a role is Gatehouse access, so nobody may grant (or take
 * away) more than they hold themselves: no privilege escalation by proxy. Returns why the change
 * is refused, or null. Organizations that are not Gatehouse teams are not restricted here.
 */
export function teamRoleProblem(
  ctx: ToolContext,
  organizationId: string,
  catalog: RoleCatalog,
  newRole: string,
  currentRole?: string,
): string | null {
  const teamName = ctx.team.staffTeamName(organizationId);
  if (!teamName) return null;
  const mine = new Set<string>(ctx.principal.permissions);
  const beyond = (slug: string) => gatehousePermissions(catalog, slug).filter((p) => !mine.has(p));
  const granted = beyond(newRole);
  if (granted.length > 0) {
    return `role "${newRole}" in ${teamName} (a Gatehouse team) carries ${granted.join(', ')}, which you do not hold yourself; only someone who holds them can grant it`;
  }
  if (currentRole) {
    const held = beyond(currentRole);
    if (held.length > 0) {
      return `this member of ${teamName} (a Gatehouse team) holds "${currentRole}", which carries ${held.join(', ')} that you do not hold; only someone who holds them can change it`;
    }
  }
  return null;
}
