/**
 * Directory sync health from what WorkOS publishes. The Directory object has no last-sync time
 * (https://workos.com/docs/reference/directory-sync/directory: its `updated_at` is when the
 * directory object changed), so a sync is seen by what it leaves behind: the dsync.* events it
 * causes (https://workos.com/docs/events/directory-sync), which the Events API keeps for 30 days
 * (https://workos.com/docs/reference/events: "events up to 30 days old"). A directory with
 * nothing to change emits nothing, so "no activity" is reported as exactly that, never as a
 * failed sync; the state (linked, unlinked, invalid_credentials) is the provider link's own.
 */
import type { EventName, EventResponse, WorkOS } from '@workos-inc/node';
import { callList } from '../catalogue/call.ts';

export const DSYNC_EVENTS: EventName[] = [
  'dsync.activated',
  'dsync.deleted',
  'dsync.user.created',
  'dsync.user.updated',
  'dsync.user.deleted',
  'dsync.group.created',
  'dsync.group.updated',
  'dsync.group.deleted',
  'dsync.group.user_added',
  'dsync.group.user_removed',
];

/** How far back the Events API answers. */
export const EVENTS_WINDOW_DAYS = 30;
/** Event pages read at most (100 events each), newest first. */
const MAX_PAGES = 10;

/** The signal sync health is derived from, as the tools name it in their output. */
export const SYNC_SIGNAL =
  'dsync_events: the newest dsync.* event WorkOS recorded for the directory (Events API, last 30 days); WorkOS publishes no last-sync time';

export interface DirectoryActivity {
  at: string;
  event: string;
}

export interface ActivityLookup {
  byDirectory: Map<string, DirectoryActivity>;
  /** False when reading stopped at MAX_PAGES before every directory asked about was found. */
  complete: boolean;
}

type Data = Record<string, unknown>;

/** The directory an event of the dsync family is about (its documented payload: `directory_id`, or the directory itself). */
function directoryOf(event: string, data: Data): string | undefined {
  if (typeof data.directory_id === 'string') return data.directory_id;
  if ((event === 'dsync.activated' || event === 'dsync.deleted') && typeof data.id === 'string')
    return data.id;
  return undefined;
}

/**
 * The newest dsync.* event of each directory in `wanted` (of one organization, when given),
 * reading the event stream newest first and stopping once every wanted directory is found.
 */
export async function latestDirectoryActivity(
  workos: WorkOS,
  wanted: ReadonlySet<string>,
  organizationId?: string,
): Promise<ActivityLookup> {
  const byDirectory = new Map<string, DirectoryActivity>();
  if (wanted.size === 0) return { byDirectory, complete: true };
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const list = await callList<EventResponse>(
      { workos },
      'events.list',
      {
        events: DSYNC_EVENTS,
        order: 'desc',
        limit: 100,
        ...(organizationId && { organization_id: organizationId }),
        ...(after && { after }),
      },
      'list directory sync events',
    );
    for (const e of list.data) {
      const id = directoryOf(e.event, e.data as unknown as Data);
      if (id && wanted.has(id) && !byDirectory.has(id))
        byDirectory.set(id, { at: e.created_at, event: e.event });
    }
    if ([...wanted].every((id) => byDirectory.has(id))) return { byDirectory, complete: true };
    after = list.listMetadata.after ?? undefined;
    if (!after) return { byDirectory, complete: true };
  }
  return { byDirectory, complete: false };
}
