/**
 * Reading the Events API by its documented rules (https://workos.com/docs/reference/events;
 * the parameters as WorkOS's generated SDKs describe them):
 * - WorkOS keeps events 30 days: a range reaching further back is answered for the part it keeps,
 *   and the answer says so;
 * - `range_start` is "mutually exclusive with the after parameter": a page after the first is
 *   asked with `after` alone (and `range_end`), and events older than `range_start` are dropped
 *   here — with `order: desc` the stream runs backwards past the start, so the paging stops there;
 * - `organization_id` keeps only events that belong to an organization: user-level events
 *   (user.*, session.*, …) are never returned under it.
 */
import type { EventName, EventResponse, WorkOS } from '@workos-inc/node';
import { callList } from '../catalogue/call.ts';

export const EVENT_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface EventsQuery {
  events: EventName[];
  organizationId?: string;
  rangeStart?: Date;
  rangeEnd?: Date;
  after?: string;
  limit?: number;
  order?: 'asc' | 'desc';
}

export interface EventsPage {
  /** Events as WorkOS documents them (snake_case; the SDK's `EventResponse`). */
  data: EventResponse[];
  /** The cursor of the next page; null once the range is exhausted. */
  after: string | null;
  /** What the answer must say about the range (the retention window, a start not sent). */
  notes: string[];
}

/** Event types that never belong to an organization, so organization_id never returns them. */
const USER_LEVEL = /^(user|session|email_verification|magic_auth|password_reset)\./;

/** Notes on a query that the answer should carry, whatever the events. */
export function queryNotes(
  q: Pick<EventsQuery, 'events' | 'organizationId' | 'rangeStart' | 'rangeEnd'>,
  now: number,
): string[] {
  const notes: string[] = [];
  const oldest = now - EVENT_RETENTION_DAYS * DAY_MS;
  if (q.rangeEnd && q.rangeEnd.getTime() <= oldest)
    notes.push(
      `WorkOS keeps events for ${EVENT_RETENTION_DAYS} days: the whole range ends before ${new Date(oldest).toISOString()}, so nothing in it can be returned.`,
    );
  else if (q.rangeStart && q.rangeStart.getTime() < oldest)
    notes.push(
      `WorkOS keeps events for ${EVENT_RETENTION_DAYS} days: only events since ${new Date(oldest).toISOString()} can be returned, not those since range_start.`,
    );
  const userLevel = q.events.filter((e) => USER_LEVEL.test(e));
  if (q.organizationId && userLevel.length)
    notes.push(
      `${userLevel.join(', ')} ${userLevel.length === 1 ? 'is a user-level event' : 'are user-level events'}: WorkOS never returns ${userLevel.length === 1 ? 'it' : 'them'} under organization_id.`,
    );
  return notes;
}

/** One page of events (the catalogue's events.list); see the rules above. `action` names the call in errors. */
export async function eventsPage(
  workos: WorkOS,
  q: EventsQuery,
  now: number,
  action: string,
): Promise<EventsPage> {
  const notes = queryNotes(q, now);
  const page = await callList<EventResponse>(
    { workos },
    'events.list',
    {
      events: q.events,
      ...(q.organizationId && { organization_id: q.organizationId }),
      // A cursor and range_start are mutually exclusive: the cursor alone says where to go on.
      ...(q.rangeStart && !q.after && { range_start: q.rangeStart.toISOString() }),
      ...(q.rangeEnd && { range_end: q.rangeEnd.toISOString() }),
      ...(q.limit !== undefined && { limit: q.limit }),
      ...(q.after && { after: q.after }),
      ...(q.order && { order: q.order }),
    },
    action,
  );
  if (!q.after || !q.rangeStart) return { data: page.data, after: page.listMetadata.after ?? null, notes };
  const start = q.rangeStart.getTime();
  const data = page.data.filter((e) => Date.parse(e.created_at) >= start);
  // Past range_start (the stream runs backwards): nothing further belongs to the range.
  const passed = data.length < page.data.length;
  return { data, after: passed ? null : (page.listMetadata.after ?? null), notes };
}
