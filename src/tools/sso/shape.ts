import type { Connection } from '@workos-inc/node';
import { z } from 'zod';

export const connectionShape = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string().describe('The identity provider and protocol, e.g. OktaSAML, AzureSAML, GenericOIDC.'),
  state: z
    .string()
    .describe('active (users can sign in), draft (setup not finished), inactive (turned off) or validating.'),
  organization_id: z.string().nullable(),
  domains: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ConnectionShape = z.infer<typeof connectionShape>;

export function toConnection(c: Connection): ConnectionShape {
  return {
    id: c.id,
    name: c.name,
    type: String(c.type),
    state: c.state,
    organization_id: c.organizationId ?? null,
    domains: c.domains.map((d) => d.domain),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

/** What a connection's state means for the people who sign in through it. */
export function stateMeaning(state: string): string {
  switch (state) {
    case 'active':
      return 'Active: users can sign in through it.';
    case 'draft':
      return 'Draft: setup was started but never finished, so nobody can sign in through it yet.';
    case 'inactive':
      return 'Inactive: it was turned off (or the IdP side was removed); nobody can sign in through it.';
    case 'validating':
      return 'Validating: WorkOS is checking its configuration; sign-in is not available yet.';
    default:
      return `State "${state}".`;
  }
}
