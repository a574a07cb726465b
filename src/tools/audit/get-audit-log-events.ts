import type { AuditLogExportResponse } from '@workos-inc/node';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { callOperation } from '../catalogue/call.ts';
import { environmentArg, READ_ONLY } from '../common.ts';
import { defineTool } from '../types.ts';
import { getOrganization } from '../users/lookups.ts';
import { isoInstant, parseRange } from './dates.ts';
import { downloadExport, readExportFile } from './export-file.ts';

/** How long an export may take before the agent is told to come back: 10 polls, 300 ms apart. */
export const EXPORT_MAX_POLLS = 10;
export const EXPORT_POLL_INTERVAL_MS = 300;
const MAX_RANGE_DAYS = 365;
/**
 * "Events from the past three months can be included in the export"
 * (https://workos.com/docs/audit-logs/exporting-events).
 */
export const EXPORT_WINDOW_MONTHS = 3;

/** The oldest instant an export can reach: three calendar months before `now`. */
export function exportWindowStart(now: number): Date {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - EXPORT_WINDOW_MONTHS);
  return d;
}

/** What to do when WorkOS could not produce an export (state `error`, or `expired`). */
const EXPORT_FAILED_HINT =
  'Call get_audit_log_events again without export_id to start a new export; if it fails again, narrow the range or the filters (actions, actor_names, targets). The same export can be made in the WorkOS dashboard (the organization\u2019s Audit Logs, "Export CSV").';
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () =>
      new AppError('unavailable', 'The call was cancelled while waiting for the audit log export.');
    if (signal.aborted) return reject(cancelled());
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const stringList = (what: string) =>
  z.array(z.string().min(1).max(200)).min(1).max(50).optional().describe(what);

const auditEventShape = z.object({
  id: z.string().nullable(),
  action: z.string().nullable(),
  occurred_at: z.string().nullable(),
  actor: z.object({ id: z.string().nullable(), name: z.string().nullable(), type: z.string().nullable() }),
  targets: z.array(z.object({ id: z.string(), name: z.string().nullable(), type: z.string() })),
  location: z.string().nullable(),
  user_agent: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  extra: z
    .record(z.string(), z.string())
    .describe('Columns of the export file Gatehouse does not know, by header.'),
});

export const getAuditLogEvents = defineTool({
  name: 'get_audit_log_events',
  title: 'Get audit log events',
  description: `Read an organization's Audit Logs (what its users did in the customer's application) through the Audit Logs export API: organization_id and range_start/range_end (ISO 8601) are required; WorkOS exports only the past three months, so an earlier start is moved up to that and the answer says so; narrow with actions (e.g. ["user.signed_in"]), actor_names and targets (target types). Returns up to limit events (default ${DEFAULT_LIMIT}, max ${MAX_LIMIT}), newest first, each with id, action, occurred_at, actor, targets, location and metadata, plus the total in the export. Exports take a moment: if it is not ready in time the answer has state "pending" and an export_id — call again with the same arguments plus export_id. WorkOS does not publish the file's column layout: columns are read by name, unknown ones kept in each event's extra, missing ones null (the answer's columns says which).`,
  input: z.strictObject({
    organization_id: z.string().min(1).max(200).describe('The organization (org_…) whose audit log to read.'),
    range_start: isoInstant.describe('Start of the range (ISO 8601), inclusive.'),
    range_end: isoInstant.describe('End of the range (ISO 8601).'),
    actions: stringList('Only these actions, e.g. ["user.signed_in", "document.deleted"].'),
    actor_names: stringList('Only events by actors with these names.'),
    targets: stringList('Only events with a target of these types, e.g. ["document"].'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_LIMIT)
      .optional()
      .describe(`Most events to return, newest first (default ${DEFAULT_LIMIT}, max ${MAX_LIMIT}).`),
    export_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(
        'Resume an export a previous call left pending (audit_log_export_…), instead of starting a new one.',
      ),
    environment: environmentArg,
  }),
  output: z.object({
    organization_id: z.string(),
    organization_name: z.string(),
    range_start: z.string(),
    range_end: z.string(),
    state: z.enum(['ready', 'pending']),
    export_id: z.string(),
    total_events: z.number().int().describe('Events in the export (before limit).'),
    truncated: z.boolean().describe('True when the export holds more events than returned.'),
    exported_from: z
      .string()
      .describe(
        'Where the export really starts: range_start, or three months ago when range_start is older.',
      ),
    columns: z
      .object({ read: z.array(z.string()), missing: z.array(z.string()), extra: z.array(z.string()) })
      .describe(
        'The export file\u2019s columns: read, expected but absent (their fields are null), and unknown (kept in extra).',
      ),
    events: z.array(auditEventShape),
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const { start, end } = parseRange(args.range_start, args.range_end, MAX_RANGE_DAYS);
    const windowStart = exportWindowStart(ctx.clock.now());
    if ((end as Date).getTime() <= windowStart.getTime()) {
      throw new AppError(
        'invalid_input',
        `WorkOS exports only the past ${EXPORT_WINDOW_MONTHS} months of audit log events: the range ends before ${windowStart.toISOString()}.`,
        {
          fields: [{ field: 'range_end', message: `must be after ${windowStart.toISOString()}` }],
          hint: 'Ask for a range within the last three months; older events are not available through exports.',
        },
      );
    }
    const from = (start as Date).getTime() < windowStart.getTime() ? windowStart : (start as Date);
    const clipped = from !== start;
    const org = await getOrganization(ctx, args.organization_id);
    // The catalogue's audit_logs.create_export / get_export (https://workos.com/docs/reference/audit-logs/export).
    const getExport = (id: string) =>
      callOperation<AuditLogExportResponse>(
        ctx,
        'audit_logs.get_export',
        { id },
        `get audit log export ${id}`,
      );
    let current = args.export_id
      ? await getExport(args.export_id)
      : await callOperation<AuditLogExportResponse>(
          ctx,
          'audit_logs.create_export',
          {
            organization_id: org.id,
            range_start: from.toISOString(),
            range_end: (end as Date).toISOString(),
            ...(args.actions && { actions: args.actions }),
            ...(args.actor_names && { actor_names: args.actor_names }),
            ...(args.targets && { targets: args.targets }),
          },
          `create an audit log export for ${org.name}`,
        );
    for (let polls = 0; current.state === 'pending' && polls < EXPORT_MAX_POLLS; polls++) {
      if (polls > 0) await pause(EXPORT_POLL_INTERVAL_MS, ctx.signal);
      const id = current.id;
      current = await getExport(id);
    }
    const base = {
      organization_id: org.id,
      organization_name: org.name,
      range_start: args.range_start,
      range_end: args.range_end,
      export_id: current.id,
      exported_from: from.toISOString(),
    };
    const clipNote = clipped
      ? ` WorkOS exports only the past ${EXPORT_WINDOW_MONTHS} months: events before ${from.toISOString()} are not included.`
      : '';
    // WorkOS's states are pending, ready and error (https://workos.com/docs/reference/audit-logs/export);
    // its generated SDKs add expired.
    const state = String(current.state);
    if (state === 'error' || state === 'expired') {
      throw new AppError(
        'upstream_failed',
        `WorkOS could not produce the audit log export ${current.id} for ${org.name} (state ${state}).`,
        { hint: EXPORT_FAILED_HINT },
      );
    }
    if (current.state === 'pending' || !current.url) {
      return {
        structured: {
          ...base,
          state: 'pending' as const,
          total_events: 0,
          truncated: false,
          columns: { read: [], missing: [], extra: [] },
          events: [],
        },
        summary: `The audit log export for ${org.name} (${current.id}) is still being prepared. Call get_audit_log_events again in a few seconds with the same arguments plus export_id: "${current.id}".${clipNote}`,
      };
    }
    const file = await downloadExport(current.url, ctx.workos.baseURL, ctx.signal).catch(
      async (e: unknown) => {
        // The URL expires after 10 minutes; fetching the export again makes a new one
        // (https://workos.com/docs/reference/audit-logs/export).
        if (!(e instanceof AppError) || e.code !== 'upstream_failed') throw e;
        const id = current.id;
        const again = await getExport(id);
        if (again.state !== 'ready' || !again.url) throw e;
        return downloadExport(again.url, ctx.workos.baseURL, ctx.signal);
      },
    );
    const { events: all, columns } = readExportFile(file);
    all.sort((a, b) => (b.occurred_at ?? '').localeCompare(a.occurred_at ?? ''));
    const limit = args.limit ?? DEFAULT_LIMIT;
    const events = all.slice(0, limit);
    const filters = [
      args.actions && `actions ${args.actions.join(', ')}`,
      args.actor_names && `actors ${args.actor_names.join(', ')}`,
      args.targets && `targets ${args.targets.join(', ')}`,
    ].filter(Boolean);
    const filtered = filters.length ? ` matching ${filters.join('; ')}` : '';
    const summary =
      all.length === 0
        ? `No audit log events for ${org.name} between ${args.range_start} and ${args.range_end}${filtered}.`
        : `${all.length} audit log event${all.length === 1 ? '' : 's'} for ${org.name} between ${args.range_start} and ${args.range_end}${filtered}${all.length > events.length ? `; the newest ${events.length} are shown (raise limit, up to ${MAX_LIMIT}, or narrow the range for the rest)` : ''}.`;
    const columnNote = [
      columns.missing.length
        ? ` The export file has no ${columns.missing.join(', ')} column: those fields are null.`
        : '',
      columns.extra.length
        ? ` Columns Gatehouse does not know are kept in each event's extra: ${columns.extra.join(', ')}.`
        : '',
    ].join('');
    return {
      structured: {
        ...base,
        state: 'ready' as const,
        total_events: all.length,
        truncated: all.length > events.length,
        columns,
        events,
      },
      summary: `${summary}${clipNote}${columnNote}`,
    };
  },
});
