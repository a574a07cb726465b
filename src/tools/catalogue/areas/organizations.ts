/** Organizations and their domains (https://workos.com/docs/reference/organization, https://workos.com/docs/reference/domain-verification). */
import { z } from 'zod';
import {
  verifiedDomainsChange,
  verifiedDomainsLost,
  verifiedDomainsLostChange,
} from '../../organizations/args.ts';
import { DOT_SEGMENT, domainArg, id, metadata, name, notDotSegment, page } from '../args.ts';
import { fetchObject } from '../http.ts';
import { organizationOf } from '../scope.ts';
import { defineOperation } from '../types.ts';

const ORG = 'https://workos.com/docs/reference/organization';
const DOMAIN = 'https://workos.com/docs/reference/domain-verification';
const orgId = id('org_', 'organization');
const domainId = id('org_domain_', 'organization domain');

/**
 * `domain_data` as WorkOS takes it on create and update (https://workos.com/docs/reference/organization/create,
 * …/update; the SDK's `DomainData`: only `pending` and `verified`). On update it is the whole new
 * list. A domain sent `verified` routes its people's sign-ins to the organization, and one left
 * out or sent `pending` stops doing so: both are sign-in changes, as through the named tools.
 */
const domainData = z
  .array(z.strictObject({ domain: domainArg, state: z.enum(['pending', 'verified']) }))
  .max(50)
  .refine((l) => new Set(l.map((d) => d.domain)).size === l.length, 'a domain is listed twice')
  .describe('Domains with their state: pending, or verified only when the customer has proven ownership.');

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
        .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, ".", ":", "_" or "-"')
        .refine(notDotSegment, DOT_SEGMENT),
    }),
    docs: `${ORG}/get-by-external-id`,
  }),
  defineOperation({
    name: 'organizations.create',
    area: 'organizations',
    summary:
      'Create an organization, optionally with domains (pending; marking one verified changes sign-in: a team admin and a confirmation). To prove a domain by DNS use organization_domains.create.',
    kind: 'write',
    permission: 'workos:write',
    method: 'POST',
    path: '/organizations',
    params: z.strictObject({
      name: name('organization'),
      domain_data: domainData.optional(),
      external_id: z.string().min(1).max(64).optional(),
      metadata: metadata.optional(),
    }),
    docs: `${ORG}/create`,
    changesSignIn: (p) => verifiedDomainsChange(p.domain_data, `the new organization "${p.name}"`),
  }),
  defineOperation({
    name: 'organizations.update',
    area: 'organizations',
    summary:
      'Rename an organization, set its external id or metadata, or replace its domain list (domain_data; dropping or marking a verified domain changes sign-in).',
    kind: 'write',
    permission: 'workos:write',
    method: 'PUT',
    path: '/organizations/:id',
    params: z.strictObject({
      id: orgId,
      name: name('organization').optional(),
      domain_data: domainData
        .optional()
        .describe('The whole new domain list (domains left out are removed).'),
      external_id: z.string().min(1).max(64).nullable().optional(),
      metadata: metadata.optional(),
    }),
    docs: `${ORG}/update`,
    changesSignIn: (p) => verifiedDomainsChange(p.domain_data, `organization ${p.id}`),
    // Which domains are verified today is WorkOS's to say (update_organization's precheck).
    async precheck(ctx, p) {
      if (!p.domain_data) return undefined;
      const org = await fetchObject(
        ctx,
        `/organizations/${encodeURIComponent(p.id)}`,
        `organization ${p.id}`,
      );
      const today = Array.isArray(org.domains) ? (org.domains as { domain: string; state: string }[]) : [];
      const lost = verifiedDomainsLost(p.domain_data, new Map(today.map((d) => [d.domain, String(d.state)])));
      const change = verifiedDomainsLostChange(lost, `organization ${p.id}`);
      return change ? { changesSignIn: change } : undefined;
    },
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
    // describe: delete_organization's own description (hooks.ts), which also refuses the caller's team.
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
