import type { OrganizationResponse } from '@workos-inc/node';
import { z } from 'zod';

export const domainShape = z.object({
  domain: z.string(),
  state: z.string().describe('verified, pending (not yet proven) or failed (verification failed).'),
});

/** An organization as tools show it: no verification tokens, no Stripe ids. */
export const organizationShape = z.object({
  id: z.string(),
  name: z.string(),
  external_id: z.string().nullable(),
  domains: z.array(domainShape),
  metadata: z.record(z.string(), z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type OrganizationShape = z.infer<typeof organizationShape>;

/** From WorkOS's Organization object as documented (https://workos.com/docs/reference/organization; the SDK's `OrganizationResponse`). */
export function toOrganization(o: OrganizationResponse): OrganizationShape {
  return {
    id: o.id,
    name: o.name,
    external_id: o.external_id ?? null,
    domains: o.domains.map((d) => ({ domain: d.domain, state: String(d.state) })),
    metadata: { ...(o.metadata ?? {}) },
    created_at: o.created_at,
    updated_at: o.updated_at,
  };
}

/** "acme.com (verified), acme.io (pending)". */
export function domainsText(domains: { domain: string; state: string }[]): string {
  return domains.length ? domains.map((d) => `${d.domain} (${d.state})`).join(', ') : 'no domains';
}
