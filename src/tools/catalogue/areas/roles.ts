/**
 * Roles and permissions (https://workos.com/docs/reference/roles). Creating or changing a role
 * needs gatehouse:admin: a Gatehouse team's people get their Gatehouse permissions from their
 * WorkOS role's permissions (src/auth/permissions.ts), so a role edit can grant Gatehouse access.
 */
import { z } from 'zod';
import { PERMISSIONS } from '../../../../db/schema/enums.ts';
import { AppError } from '../../../errors/app-error.ts';
import type { ToolContext } from '../../types.ts';
import { id, name, slug } from '../args.ts';
import { fetchObject } from '../http.ts';
import { defineOperation } from '../types.ts';

const REF = 'https://workos.com/docs/reference/roles';
const orgId = id('org_', 'organization');
/**
 * Gatehouse's own permissions are never granted through the catalogue: a role carrying one gives
 * Gatehouse access to whoever holds it in a Gatehouse team (that is Gatehouse's own settings).
 */
const GATEHOUSE = new Set<string>(PERMISSIONS);
const grantable = z
  .array(slug('permission'))
  .max(100)
  .refine((list) => !list.some((p) => GATEHOUSE.has(p)), {
    message: `may not include Gatehouse's own permissions (${PERMISSIONS.join(', ')}): Gatehouse access is managed by a team admin in the Gatehouse console`,
  });
const description = z.string().trim().max(500).optional().describe('What the role is for.');

/**
 * A role that already carries one of Gatehouse's permissions is where a Gatehouse team's people
 * get their Gatehouse access (a managed environment that is also the identity environment): taking
 * them away is changing Gatehouse's own settings (an admin's agent could strip every other admin),
 * so such a role's permissions are never replaced through the catalogue.
 */
async function refuseGatehouseRole(ctx: ToolContext, slug: string): Promise<undefined> {
  const role = await fetchObject(ctx, `/authorization/roles/${encodeURIComponent(slug)}`, `role ${slug}`);
  const held = (Array.isArray(role.permissions) ? role.permissions : [])
    .map((p) => (typeof p === 'string' ? p : String((p as { slug?: unknown })?.slug)))
    .filter((p) => GATEHOUSE.has(p));
  if (held.length === 0) return undefined;
  throw new AppError(
    'forbidden',
    `roles.set_permissions would replace the permissions of role "${slug}", which carries Gatehouse's own (${held.join(', ')}): people get their Gatehouse access from it, so the catalogue never changes it.`,
    {
      hint: 'A person changes this role in the WorkOS dashboard; Gatehouse access is managed by a team admin.',
    },
  );
}

export const ROLE_OPERATIONS = [
  defineOperation({
    name: 'roles.list',
    area: 'roles',
    summary: 'List the environment’s roles in priority order, with their permissions.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/authorization/roles',
    params: z.strictObject({}),
    docs: `${REF}/role/list`,
  }),
  defineOperation({
    name: 'roles.get',
    area: 'roles',
    summary: 'Get one environment role by slug.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/authorization/roles/:slug',
    params: z.strictObject({ slug: slug('role') }),
    docs: `${REF}/role/get`,
  }),
  defineOperation({
    name: 'roles.create',
    area: 'roles',
    summary: 'Create an environment role (placed last in priority order). Needs gatehouse:admin.',
    kind: 'write',
    permission: 'gatehouse:admin',
    method: 'POST',
    path: '/authorization/roles',
    params: z.strictObject({ slug: slug('role'), name: name('role'), description }),
    docs: `${REF}/role/create`,
  }),
  defineOperation({
    name: 'roles.update',
    area: 'roles',
    summary: 'Rename an environment role or change its description. Needs gatehouse:admin.',
    kind: 'write',
    permission: 'gatehouse:admin',
    method: 'PATCH',
    path: '/authorization/roles/:slug',
    params: z.strictObject({ slug: slug('role'), name: name('role').optional(), description }),
    docs: `${REF}/role/update`,
  }),
  defineOperation({
    name: 'roles.set_permissions',
    area: 'roles',
    summary: 'Replace all permissions of an environment role with this list. Needs gatehouse:admin.',
    kind: 'write',
    permission: 'gatehouse:admin',
    method: 'PUT',
    path: '/authorization/roles/:slug/permissions',
    params: z.strictObject({ slug: slug('role'), permissions: grantable }),
    docs: `${REF}/role/set-permissions`,
    precheck: (ctx, p) => refuseGatehouseRole(ctx, p.slug),
  }),
  defineOperation({
    name: 'organization_roles.list',
    area: 'roles',
    summary: 'List the roles available in an organization (its own custom roles and the environment’s).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/authorization/organizations/:organization_id/roles',
    params: z.strictObject({ organization_id: orgId }),
    docs: `${REF}/organization-role/list`,
  }),
  defineOperation({
    name: 'organization_roles.get',
    area: 'roles',
    summary: 'Get one of an organization’s roles by slug.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/authorization/organizations/:organization_id/roles/:slug',
    params: z.strictObject({ organization_id: orgId, slug: slug('role') }),
    docs: `${REF}/organization-role/get`,
  }),
  defineOperation({
    name: 'organization_roles.create',
    area: 'roles',
    summary: 'Create a custom role for one organization. Needs gatehouse:admin.',
    kind: 'write',
    permission: 'gatehouse:admin',
    method: 'POST',
    path: '/authorization/organizations/:organization_id/roles',
    params: z.strictObject({ organization_id: orgId, slug: slug('role'), name: name('role'), description }),
    docs: `${REF}/organization-role/create`,
  }),
  defineOperation({
    name: 'organization_roles.update',
    area: 'roles',
    summary: 'Rename one of an organization’s custom roles or change its description. Needs gatehouse:admin.',
    kind: 'write',
    permission: 'gatehouse:admin',
    method: 'PATCH',
    path: '/authorization/organizations/:organization_id/roles/:slug',
    params: z.strictObject({
      organization_id: orgId,
      slug: slug('role'),
      name: name('role').optional(),
      description,
    }),
    docs: `${REF}/organization-role/update`,
  }),
  defineOperation({
    name: 'organization_roles.delete',
    area: 'roles',
    summary: 'Delete one of an organization’s custom roles. Needs gatehouse:admin.',
    kind: 'destructive',
    permission: 'gatehouse:admin',
    method: 'DELETE',
    path: '/authorization/organizations/:organization_id/roles/:slug',
    params: z.strictObject({ organization_id: orgId, slug: slug('role') }),
    docs: `${REF}/organization-role/delete`,
    async describe(ctx, p) {
      const r = await fetchObject(
        ctx,
        `/authorization/organizations/${encodeURIComponent(p.organization_id)}/roles/${encodeURIComponent(p.slug)}`,
        `role ${p.slug} of ${p.organization_id}`,
      );
      const permissions = Array.isArray(r.permissions) ? r.permissions : [];
      return {
        summary: `Deleting role "${String(r.name)}" (${p.slug}) of organization ${p.organization_id} in ${ctx.environment}, with its ${permissions.length} permission${permissions.length === 1 ? '' : 's'}: members who hold it lose what it grants.`,
        details: {
          role: { slug: p.slug, name: r.name, type: r.type ?? null, permissions },
          organization_id: p.organization_id,
        },
      };
    },
  }),
  defineOperation({
    name: 'permissions.list',
    area: 'roles',
    summary: 'List the environment’s permissions.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/authorization/permissions',
    params: z.strictObject({}),
    docs: `${REF}/permission/list`,
  }),
  defineOperation({
    name: 'permissions.get',
    area: 'roles',
    summary: 'Get one permission by slug.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/authorization/permissions/:slug',
    params: z.strictObject({ slug: slug('permission') }),
    docs: `${REF}/permission/get`,
  }),
];
