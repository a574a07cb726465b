/** Organizations and their domains (https://workos.com/docs/reference/organization, https://workos.com/docs/reference/domain-verification). */
import { z } from 'zod';
import { deleteOrganization } from '../../organizations/delete-organization.ts';
import { domainArg, id, metadata, name, page } from '../args.ts';
import { fetchObject } from '../http.ts';
import { organizationOf } from '../scope.ts';
import { defineOperation } from '../types.ts';

const ORG = 'https://workos.com/docs/reference/organization';
const DOMAIN = 'https://workos.com/docs/reference/domain-verification';
const orgId = id('org_', 'organization');
const domainId = id('org_domain_', 'organization domain');

export const ORGANIZATION_OPERATIONS = [
  defineOperation({
    name: 'organizations.list',
    area: 'organizations',
    summary: 'List organizations, optionally only those with one of the given domains.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/organizations',
    params: z.strictObject({
      domains: z
        .array(domainArg)
        .max(20)
        .optional()
        .describe('Only organizations with one of these domains.'),
      ...page,
    }),
    docs: `${ORG}/list`,
  }),
  defineOperation({
    name: 'organizations.get',
    area: 'organizations',
    summary: 'Get one organization with its domains.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/organizations/:id',
    params: z.strictObject({ id: orgId }),
    docs: `${ORG}/get`,
  }),
  defineOperation({
    name: 'organizations.get_by_external_id',
    area: 'organizations',
    summary: 'Get the organization with this external id (your own system’s id for it).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/organizations/external_id/:external_id',
    params: z.strictObject({
      external_id: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, ".", ":", "_" or "-"'),
    }),
    docs: `${ORG}/get-by-external-id`,
  }),
  defineOperation({
    name: 'organizations.create',
    area: 'organizations',
    summary:
      'Create an organization (domains are added pending; use organization_domains.create to verify one).',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/organizations',
    params: z.strictObject({
      name: name('organization'),
      external_id: z.string().min(1).max(200).optional(),
      metadata: metadata.optional(),
    }),
    docs: `${ORG}/create`,
  }),
  defineOperation({
    name: 'organizations.update',
    area: 'organizations',
    summary:
      'Rename an organization, or set its external id or metadata (domains: see organization_domains).',
    kind: 'write',
    permission: 'workos:write',
    method: 'PUT',
    path: '/organizations/:id',
    params: z.strictObject({
      id: orgId,
      name: name('organization').optional(),
      external_id: z.string().min(1).max(200).nullable().optional(),
      metadata: metadata.optional(),
    }),
    docs: `${ORG}/update`,
  }),
  defineOperation({
    name: 'organizations.delete',
    area: 'organizations',
    summary: 'Delete an organization with its domains, SSO connections, directories and memberships.',
    kind: 'destructive',
    permission: 'workos:write',
    method: 'DELETE',
    path: '/organizations/:id',
    params: z.strictObject({ id: orgId }),
    docs: `${ORG}/delete`,
    // The same description as delete_organization's (one description of this WorkOS call), which
    // also refuses the caller's own team.
    describe: (ctx, p) => deleteOrganization.describeDestruction!(ctx, { organization_id: p.id }),
  }),

  defineOperation({
    name: 'organization_domains.get',
    area: 'organization_domains',
    summary: 'Get a domain of an organization, with its verification state and DNS TXT record.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/organization_domains/:id',
    params: z.strictObject({ id: domainId }),
    docs: `${DOMAIN}/get`,
  }),
  defineOperation({
    name: 'organization_domains.create',
    area: 'organization_domains',
    summary:
      'Add a domain to an organization (pending): the answer has the DNS TXT record to create (verification_prefix, verification_token).',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/organization_domains',
    params: z.strictObject({ organization_id: orgId, domain: domainArg }),
    docs: `${DOMAIN}/create`,
  }),
  defineOperation({
    name: 'organization_domains.verify',
    area: 'organization_domains',
    summary:
      'Start DNS verification of a pending domain (WorkOS checks its TXT record); poll organization_domains.get for the state.',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/organization_domains/:id/verify',
    params: z.strictObject({ id: domainId }),
    docs: `${DOMAIN}/verify`,
    // A verified domain routes its people's sign-ins to the organization: the same gate as
    // verify_organization_domain's check (gatehouse:admin and a person's confirmation).
    changesSignIn: (p) => `verify domain ${p.id}, so sign-ins with that domain route to its organization`,
    organizations: organizationOf(
      (p) => `/organization_domains/${encodeURIComponent(String(p.id))}`,
      'domain',
    ),
  }),
  defineOperation({
    name: 'organization_domains.delete',
    area: 'organization_domains',
    summary: 'Remove a domain from its organization.',
    kind: 'destructive',
    permission: 'workos:write',
    method: 'DELETE',
    path: '/organization_domains/:id',
    params: z.strictObject({ id: domainId }),
    docs: `${DOMAIN}/delete`,
    // Removing a domain (a verified one stops routing its people's sign-ins) is a sign-in change,
    // as dropping a verified domain through update_organization is.
    changesSignIn: (p) =>
      `remove domain ${p.id} from its organization, which stops routing its sign-ins there`,
    organizations: organizationOf(
      (p) => `/organization_domains/${encodeURIComponent(String(p.id))}`,
      'domain',
    ),
    async describe(ctx, p) {
      const d = await fetchObject(ctx, `/organization_domains/${encodeURIComponent(p.id)}`, `domain ${p.id}`);
      const state = String(d.state ?? 'unknown');
      const policy =
        state === 'verified'
          ? ' It is verified: its people lose the sign-in policy this domain gives the organization (SSO routing, automatic membership).'
          : '';
      return {
        summary: `Removing domain ${String(d.domain)} (${p.id}, ${state}) from organization ${String(d.organization_id)} in ${ctx.environment}.${policy}`,
        details: { domain: d.domain, id: p.id, state, organization_id: d.organization_id },
      };
    },
  }),
];
