/**
 * What hangs off an organization (SSO connections, directories, memberships), fetched in
 * parallel for the details tool and for the description of a delete.
 */
import type { Connection, Directory, Organization, WorkOS } from '@workos-inc/node';
import { isAppError } from '../../errors/app-error.ts';
import { workosCall } from '../../workos/errors.ts';
import { countDirectory, type DirectoryCounts, MAX_COUNTED } from '../directories/counts.ts';
import { type Collected, collectPages, MAX_PAGE_SIZE } from './paging.ts';

/** Directories whose users are counted per organization; beyond it counts are left out. */
const MAX_DIRECTORIES_COUNTED = 10;

export interface OrganizationPicture {
  organization: Organization;
  connections: Collected<Connection>;
  directories: Collected<Directory>;
  /** Counts per directory id (absent when not requested). */
  directoryCounts: Map<string, DirectoryCounts>;
  memberships: { count: number; complete: boolean };
}

export function getOrganization(workos: WorkOS, organizationId: string): Promise<Organization> {
  return workosCall(`get organization ${organizationId}`, () =>
    workos.organizations.getOrganization(organizationId),
  );
}

/** The organization an object belongs to, or null when it no longer exists (not worth failing over). */
export async function findOrganization(
  workos: WorkOS,
  organizationId: string | null | undefined,
): Promise<Organization | null> {
  if (!organizationId) return null;
  try {
    return await getOrganization(workos, organizationId);
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') return null;
    throw e;
  }
}

export function connectionsOf(workos: WorkOS, organizationId: string): Promise<Collected<Connection>> {
  return collectPages(
    (after) =>
      workosCall(`list the SSO connections of organization ${organizationId}`, () =>
        workos.sso.listConnections({ organizationId, limit: MAX_PAGE_SIZE, after }),
      ),
    MAX_COUNTED,
  );
}

export function directoriesOf(workos: WorkOS, organizationId: string): Promise<Collected<Directory>> {
  return collectPages(
    (after) =>
      workosCall(`list the directories of organization ${organizationId}`, () =>
        workos.directorySync.listDirectories({ organizationId, limit: MAX_PAGE_SIZE, after }),
      ),
    MAX_COUNTED,
  );
}

export async function countMemberships(
  workos: WorkOS,
  organizationId: string,
): Promise<{ count: number; complete: boolean }> {
  const all = await collectPages(
    (after) =>
      workosCall(`list the memberships of organization ${organizationId}`, () =>
        workos.userManagement.listOrganizationMemberships({ organizationId, limit: MAX_PAGE_SIZE, after }),
      ),
    MAX_COUNTED,
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
