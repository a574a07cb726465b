import type { WorkOS } from '@workos-inc/node';
import { workosCall } from '../../workos/errors.ts';
import { collectPages, MAX_PAGE_SIZE } from '../organizations/paging.ts';

/** Counting stops here (10 pages): beyond it a count is reported as "at least". */
export const MAX_COUNTED = 1000;

export interface DirectoryCounts {
  users: number;
  active_users: number;
  groups: number;
  /** False when a count hit MAX_COUNTED. */
  complete: boolean;
}

/** How many users (and how many of them active) and groups a directory holds. */
export async function countDirectory(workos: WorkOS, directoryId: string): Promise<DirectoryCounts> {
  const [users, groups] = await Promise.all([
    collectPages(
      (after) =>
        workosCall(`list the users of directory ${directoryId}`, () =>
          workos.directorySync.listUsers({ directory: directoryId, limit: MAX_PAGE_SIZE, after }),
        ),
      MAX_COUNTED,
    ),
    collectPages(
      (after) =>
        workosCall(`list the groups of directory ${directoryId}`, () =>
          workos.directorySync.listGroups({ directory: directoryId, limit: MAX_PAGE_SIZE, after }),
        ),
      MAX_COUNTED,
    ),
  ]);
  return {
    users: users.items.length,
    active_users: users.items.filter((u) => u.state === 'active').length,
    groups: groups.items.length,
    complete: users.complete && groups.complete,
  };
}
