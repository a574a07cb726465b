import type { ConnectionResponse } from '@workos-inc/node';
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

/** From WorkOS's Connection object (https://workos.com/docs/reference/sso/connection; the SDK's `ConnectionResponse`: the type is `connection_type`). */
export function toConnection(c: ConnectionResponse): ConnectionShape {
  return {
    id: c.id,
    name: c.name,
    type: String(c.connection_type),
    state: c.state,
    organization_id: c.organization_id ?? null,
    domains: c.domains.map((d) => d.domain),
    created_at: c.created_at,
    updated_at: c.updated_at,
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
