import type { Organization } from '@workos-inc/node';
import { workosCall } from '../../workos/errors.ts';
import type { ToolContext } from '../types.ts';

/** The organization, or WorkOS's 404 as a clear tool error. */
export function getOrganization(ctx: ToolContext, organizationId: string): Promise<Organization> {
  return workosCall(`get organization ${organizationId}`, () =>
    ctx.workos.organizations.getOrganization(organizationId),
  );
}

/** Organization names by id, fetched once each (memberships do not always carry them). */
export async function organizationNames(
  ctx: ToolContext,
  ids: Iterable<string>,
): Promise<Map<string, string | null>> {
  const unique = [...new Set(ids)];
  const names = await Promise.all(
    unique.map((id) =>
      ctx.workos.organizations.getOrganization(id).then(
        (o) => o.name,
        () => null,
      ),
    ),
  );
  return new Map(unique.map((id, i) => [id, names[i] ?? null]));
}
