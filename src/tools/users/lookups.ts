import type { OrganizationResponse } from '@workos-inc/node';
import { getOrganization as get } from '../organizations/related.ts';
import type { ToolContext } from '../types.ts';

/** The organization (the catalogue's organizations.get), or WorkOS's 404 as a clear tool error. */
export function getOrganization(ctx: ToolContext, organizationId: string): Promise<OrganizationResponse> {
  return get(ctx.workos, organizationId);
}

/** Organization names by id, fetched once each (memberships do not always carry them). */
export async function organizationNames(
  ctx: ToolContext,
  ids: Iterable<string>,
): Promise<Map<string, string | null>> {
  const unique = [...new Set(ids)];
  const names = await Promise.all(
    unique.map((id) =>
      get(ctx.workos, id).then(
        (o) => o.name,
        () => null,
      ),
    ),
  );
  return new Map(unique.map((id, i) => [id, names[i] ?? null]));
}
