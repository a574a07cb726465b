import type { AuditLogExport } from '@workos-inc/node';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { workosCall } from '../../workos/errors.ts';
import { environmentArg, READ_ONLY } from '../common.ts';
import { defineTool } from '../types.ts';
import { getOrganization } from '../users/lookups.ts';
import { isoInstant, parseRange } from './dates.ts';
import { downloadExport, readExportCsv } from './export-file.ts';

/** How long an export may take before the agent is told to come back: 10 polls, 300 ms apart. */
export const EXPORT_MAX_POLLS = 10;
export const EXPORT_POLL_INTERVAL_MS = 300;
const MAX_RANGE_DAYS = 365;
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
  id: z.string(),
  action: z.string(),
  occurred_at: z.string(),
  actor: z.object({ id: z.string(), name: z.string().nullable(), type: z.string() }),
  targets: z.array(z.object({ id: z.string(), name: z.string().nullable(), type: z.string() })),
  location: z.string().nullable(),
  user_agent: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
});

export const getAuditLogEvents = defineTool({
  name: 'get_audit_log_events',
  title: 'Get audit log events',
  description: `Read an organization's Audit Logs (what its users did in the customer's application) through the Audit Logs export API: organization_id and range_start/range_end (ISO 8601, at most ${MAX_RANGE_DAYS} days apart) are required; narrow with actions (e.g. ["user.signed_in"]), actor_names and targets (target types). Returns up to limit events (default ${DEFAULT_LIMIT}, max ${MAX_LIMIT}), newest first, each with id, action, occurred_at, actor, targets, location and metadata, plus the total in the export. Exports take a moment: if it is not ready in time the answer has state "pending" and an export_id — call again with the same arguments plus export_id.`,
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
    events: z.array(auditEventShape),
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const { start, end } = parseRange(args.range_start, args.range_end, MAX_RANGE_DAYS);
    const org = await getOrganization(ctx, args.organization_id);
    let current: AuditLogExport = args.export_id
      ? await workosCall(`get audit log export ${args.export_id}`, () =>
          ctx.workos.auditLogs.getExport(args.export_id as string),
        )
      : await workosCall(`create an audit log export for ${org.name}`, () =>
          ctx.workos.auditLogs.createExport({
            organizationId: org.id,
            rangeStart: start as Date,
            rangeEnd: end as Date,
            ...(args.actions && { actions: args.actions }),
            ...(args.actor_names && { actorNames: args.actor_names }),
            ...(args.targets && { targets: args.targets }),
          }),
        );
    for (let polls = 0; current.state === 'pending' && polls < EXPORT_MAX_POLLS; polls++) {
      if (polls > 0) await pause(EXPORT_POLL_INTERVAL_MS, ctx.signal);
      const id = current.id;
      current = await workosCall(`get audit log export ${id}`, () => ctx.workos.auditLogs.getExport(id));
    }
    const base = {
      organization_id: org.id,
      organization_name: org.name,
      range_start: args.range_start,
      range_end: args.range_end,
      export_id: current.id,
    };
    if (current.state === 'error') {
      throw new AppError(
        'upstream_failed',
        `WorkOS could not produce the audit log export ${current.id} for ${org.name}.`,
        {
          hint: 'Try again without export_id to start a new export, or with a shorter range.',
        },
      );
    }
    if (current.state === 'pending' || !current.url) {
      return {
        structured: { ...base, state: 'pending' as const, total_events: 0, truncated: false, events: [] },
        summary: `The audit log export for ${org.name} (${current.id}) is still being prepared. Call get_audit_log_events again in a few seconds with the same arguments plus export_id: "${current.id}".`,
      };
    }
    const all = readExportCsv(await downloadExport(current.url, ctx.workos.baseURL, ctx.signal));
    all.sort((a, b) => b.occurred_at.localeCompare(a.occurred_at));
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
    return {
      structured: {
        ...base,
        state: 'ready' as const,
        total_events: all.length,
        truncated: all.length > events.length,
        events,
      },
      summary,
    };
  },
});
