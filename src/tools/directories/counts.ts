import type { DirectoryGroupResponse, DirectoryUserResponse, WorkOS } from '@workos-inc/node';
import { asPage, callOperation, type WireList } from '../catalogue/call.ts';
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
      (after) => listPage<DirectoryUserResponse>(workos, 'directory_users.list', directoryId, after, 'users'),
      MAX_COUNTED,
    ),
    collectPages(
      (after) =>
        listPage<DirectoryGroupResponse>(workos, 'directory_groups.list', directoryId, after, 'groups'),
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

/** One page of a directory's users or groups, through the catalogue's declaration. */
async function listPage<T>(
  workos: WorkOS,
  name: string,
  directoryId: string,
  after: string | undefined,
  what: string,
) {
  return asPage(
    await callOperation<WireList<T>>(
      { workos },
      name,
      { directory: directoryId, limit: MAX_PAGE_SIZE, ...(after && { after }) },
      `list the ${what} of directory ${directoryId}`,
    ),
  );
}
