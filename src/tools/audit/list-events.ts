import type { EventName } from '@workos-inc/node';
import { z } from 'zod';
import {
  environmentArg,
  listMetadata,
  pageInfo,
  pageSentence,
  paginationArgs,
  READ_ONLY,
} from '../common.ts';
import { defineTool } from '../types.ts';
import { isoInstant, parseRange } from './dates.ts';
import { EVENT_RETENTION_DAYS, eventsPage } from './events-paging.ts';
import { snakeKeys } from './snake.ts';

const EVENT_NAME = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

type Data = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Data => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Data) : {});

/** Where an event's organization is kept, depending on its kind. */
function organizationOf(event: string, data: Data): string | null {
  return (
    str(data.organization_id) ??
    str(obj(data.sso).organization_id) ??
    (event.startsWith('organization.') ? str(data.id) : undefined) ??
    null
  );
}

/** One line an agent can read without opening `data`. */
function describe(event: string, data: Data): string {
  if (event.startsWith('authentication.')) {
    const error = obj(data.error);
    const who = str(data.email) ?? str(data.user_id) ?? 'unknown user';
    const how = str(data.type) ?? event.split('.')[1]?.replace(/_(failed|succeeded)$/, '') ?? 'sign-in';
    const result = str(data.status) ?? (event.endsWith('_failed') ? 'failed' : 'event');
    const from = str(data.ip_address) ? ` from ${data.ip_address}` : '';
    const why = str(error.code) ? `: ${error.code}${str(error.message) ? ` — ${error.message}` : ''}` : '';
    return `${how} sign-in ${result} for ${who}${from}${why}`;
  }
  const name = str(data.name) ?? str(data.email) ?? str(data.domain) ?? str(data.slug);
  const state = str(data.state) ? ` (${data.state})` : '';
  const id = str(data.id);
  return `${event}${name ? `: ${name}` : id ? `: ${id}` : ''}${state}`;
}

export const listEvents = defineTool({
  name: 'list_events',
  title: 'List events',
  description: `Read the environment’s event stream (WorkOS Events API), e.g. failed sign-ins. events (required) names the event types, e.g. ["authentication.sso_failed"], ["authentication.password_failed", "authentication.oauth_failed"], ["connection.deactivated"], ["dsync.user.created"]. Narrow with organization_id (only events that belong to an organization: user-level events such as user.* or session.* are never returned under it) and range_start/range_end (ISO 8601; start inclusive, end exclusive). WorkOS keeps events for ${EVENT_RETENTION_DAYS} days. Each event shows id, event, created_at, its organization, a one-line summary (who, from where, why it failed) and its data. Page with limit and after: keep the same filters; the range still applies (WorkOS takes a cursor instead of range_start, so Gatehouse applies the start itself).`,
  input: z.strictObject({
    events: z
      .array(z.string().max(100).regex(EVENT_NAME, 'must be an event type such as authentication.sso_failed'))
      .min(1)
      .max(50)
      .describe('Event types to return, e.g. ["authentication.sso_failed"].'),
    organization_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Only events of this organization (org_…).'),
    range_start: isoInstant.optional().describe('Only events at or after this time (ISO 8601).'),
    range_end: isoInstant.optional().describe('Only events before this time (ISO 8601).'),
    limit: paginationArgs.limit,
    after: paginationArgs.after,
    order: paginationArgs.order,
    environment: environmentArg,
  }),
  output: z.object({
    events: z.array(
      z.object({
        id: z.string(),
        event: z.string(),
        created_at: z.string(),
        organization_id: z.string().nullable(),
        summary: z.string(),
        data: z.record(z.string(), z.unknown()),
      }),
    ),
    list_metadata: listMetadata,
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const range = parseRange(args.range_start, args.range_end);
    const result = await eventsPage(
      ctx.workos,
      {
        events: [...new Set(args.events)] as EventName[],
        ...(args.organization_id && { organizationId: args.organization_id }),
        ...(range.start && { rangeStart: range.start }),
        ...(range.end && { rangeEnd: range.end }),
        ...(args.limit !== undefined && { limit: args.limit }),
        ...(args.after && { after: args.after }),
        ...(args.order && { order: args.order }),
      },
      ctx.clock.now(),
      'list events',
    );
    const page = { data: result.data, listMetadata: { before: null, after: result.after } };
    const events = page.data.map((e) => {
      const data = snakeKeys(e.data ?? {}) as Data;
      return {
        id: e.id,
        event: e.event,
        created_at: e.created_at,
        organization_id: organizationOf(e.event, data),
        summary: describe(e.event, data),
        data,
      };
    });
    return {
      structured: { events, list_metadata: pageInfo(page, 'list_events') },
      summary: `${pageSentence(events.length, 'event', page)}${events.length === 0 ? ` No ${args.events.join(', ')} events${args.organization_id ? ` for ${args.organization_id}` : ''} in this range.` : ''}${
        result.notes.length ? ` ${result.notes.join(' ')}` : ''
      }`,
    };
  },
});
