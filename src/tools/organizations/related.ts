/**
 * What hangs off an organization (SSO connections, directories, memberships), fetched in
 * parallel for the details tool and for the description of a delete.
 */
import type {
  ConnectionResponse,
  DirectoryResponse,
  OrganizationMembershipResponse,
  OrganizationResponse,
  WorkOS,
} from '@workos-inc/node';
import { isAppError } from '../../errors/app-error.ts';
import { asPage, callOperation, type WireList } from '../catalogue/call.ts';
import { countDirectory, type DirectoryCounts, MAX_COUNTED } from '../directories/counts.ts';
import { type Collected, collectPages, MAX_PAGE_SIZE } from './paging.ts';

/** Directories whose users are counted per organization; beyond it counts are left out. */
const MAX_DIRECTORIES_COUNTED = 10;

export interface OrganizationPicture {
  organization: OrganizationResponse;
  connections: Collected<ConnectionResponse>;
  directories: Collected<DirectoryResponse>;
  /** Counts per directory id (absent when not requested). */
  directoryCounts: Map<string, DirectoryCounts>;
  memberships: { count: number; complete: boolean };
}

/** The organization as WorkOS documents it (the catalogue's organizations.get), 404 → not found. */
export function getOrganization(workos: WorkOS, organizationId: string): Promise<OrganizationResponse> {
  return callOperation<OrganizationResponse>(
    { workos },
    'organizations.get',
    { id: organizationId },
    `get organization ${organizationId}`,
  );
}

/** The organization an object belongs to, or null when it no longer exists (not worth failing over). */
export async function findOrganization(
  workos: WorkOS,
  organizationId: string | null | undefined,
): Promise<OrganizationResponse | null> {
  if (!organizationId) return null;
  try {
    return await getOrganization(workos, organizationId);
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') return null;
    throw e;
  }
}

/** Every page of a catalogued list operation, up to MAX_COUNTED items. */
export function collectOperation<T>(
  workos: WorkOS,
  name: string,
  params: Record<string, unknown>,
  action: string,
  max = MAX_COUNTED,
): Promise<Collected<T>> {
  return collectPages(
    async (after) =>
      asPage(
        await callOperation<WireList<T>>(
          { workos },
          name,
          { ...params, limit: MAX_PAGE_SIZE, ...(after && { after }) },
          action,
        ),
      ),
    max,
  );
}

export function connectionsOf(
  workos: WorkOS,
  organizationId: string,
): Promise<Collected<ConnectionResponse>> {
  return collectOperation(
    workos,
    'sso_connections.list',
    { organization_id: organizationId },
    `list the SSO connections of organization ${organizationId}`,
  );
}

export function directoriesOf(workos: WorkOS, organizationId: string): Promise<Collected<DirectoryResponse>> {
  return collectOperation(
    workos,
    'directories.list',
    { organization_id: organizationId },
    `list the directories of organization ${organizationId}`,
  );
}

export async function countMemberships(
  workos: WorkOS,
  organizationId: string,
): Promise<{ count: number; complete: boolean }> {
  const all = await collectOperation<OrganizationMembershipResponse>(
    workos,
    'organization_memberships.list',
    // Every status: deleting the organization removes inactive and pending memberships too.
    { organization_id: organizationId, statuses: ['active', 'inactive', 'pending'] },
    `list the memberships of organization ${organizationId}`,
  );
  return { count: all.items.length, complete: all.complete };
}

/** The organization (404 → not found) and everything attached to it. */
export async function organizationPicture(
  workos: WorkOS,
  organizationId: string,
  options: { countDirectoryUsers: boolean },
): Promise<OrganizationPicture> {
  const organization = await getOrganization(workos, organizationId);
  const [connections, directories, memberships] = await Promise.all([
    connectionsOf(workos, organizationId),
    directoriesOf(workos, organizationId),
    countMemberships(workos, organizationId),
  ]);
  const directoryCounts = new Map<string, DirectoryCounts>();
  if (options.countDirectoryUsers) {
    const counted = await Promise.all(
      directories.items
        .slice(0, MAX_DIRECTORIES_COUNTED)
        .map(async (d) => [d.id, await countDirectory(workos, d.id)] as const),
    );
    for (const [id, counts] of counted) directoryCounts.set(id, counts);
  }
  return { organization, connections, directories, directoryCounts, memberships };
}
