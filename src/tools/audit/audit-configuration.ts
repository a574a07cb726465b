import type { ConnectionResponse, DirectoryResponse, OrganizationResponse } from '@workos-inc/node';
import { z } from 'zod';
import { callList } from '../catalogue/call.ts';
import { environmentArg, READ_ONLY } from '../common.ts';
import { EVENTS_WINDOW_DAYS, latestDirectoryActivity, SYNC_SIGNAL } from '../directories/activity.ts';
import { directoryState } from '../directories/shape.ts';
import { defineTool } from '../types.ts';
import { collectPages, MAX_PAGE_SIZE } from '../users/collect.ts';

/** Pages read per collection (5 000 objects each); the answer says when that was not all. */
export const AUDIT_MAX_PAGES = 50;
const HOUR_MS = 60 * 60 * 1000;
const DEFAULT_STALE_HOURS = 24;

const ssoFinding = z.object({
  organization_id: z.string().nullable(),
  organization_name: z.string().nullable(),
  connection_id: z.string(),
  connection_name: z.string(),
  connection_type: z.string(),
  state: z.string(),
});
const directoryFinding = z.object({
  organization_id: z.string().nullable(),
  organization_name: z.string().nullable(),
  directory_id: z.string(),
  directory_name: z.string(),
  type: z.string(),
  state: z.string(),
  problem: z.enum(['unlinked', 'no_recent_activity', 'invalid_credentials']),
  last_activity_at: z
    .string()
    .nullable()
    .describe(
      'Its newest dsync.* event (WorkOS publishes no last-sync time; the Events API keeps 30 days). Null: none in that window.',
    ),
  hours_since_activity: z
    .number()
    .nullable()
    .describe('Null when there was no activity in the last 30 days.'),
});
const domainFinding = z.object({
  organization_id: z.string(),
  organization_name: z.string(),
  domain: z.string(),
  state: z.string(),
});
const section = <T extends z.ZodType>(finding: T) =>
  z.object({ count: z.number().int(), summary: z.string(), findings: z.array(finding) });
const directorySection = section(directoryFinding).extend({
  sync_signal: z.string().describe('Where last_activity_at and no_recent_activity come from.'),
});

const plural = (n: number, word: string) =>
  `${n} ${n === 1 ? word : word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`}`;

export const auditConfiguration = defineTool({
  name: 'audit_configuration',
  title: 'Audit the WorkOS configuration',
  description:
    'Check every organization of the environment for setup problems, in one call: SSO connections still in draft or inactive; directories that are unlinked, have invalid credentials, or are linked but show no provisioning activity (dsync.* events; WorkOS publishes no last-sync time, and a quiet directory has none) within stale_after_hours (default 24, at most 720: the Events API keeps 30 days); and organization domains not yet verified (pending or failed). Returns counts, findings with organization names and a one-line summary per category. Reads all pages (up to 5 000 objects per kind; truncated says when there were more).',
  input: z.strictObject({
    stale_after_hours: z
      .number()
      .int()
      .min(1)
      .max(24 * EVENTS_WINDOW_DAYS)
      .optional()
      .describe(
        'A linked directory without provisioning activity for this many hours is flagged (default 24, at most 720: WorkOS keeps events 30 days).',
      ),
    environment: environmentArg,
  }),
  output: z.object({
    checked_at: z.string(),
    organizations_checked: z.number().int(),
    truncated: z.boolean(),
    sso_connections: section(ssoFinding),
    directories: directorySection,
    domains: section(domainFinding),
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const staleHours = args.stale_after_hours ?? DEFAULT_STALE_HOURS;
    const now = ctx.clock.now();
    const page = { limit: MAX_PAGE_SIZE };
    const [orgs, connections, directories] = await Promise.all([
      collectPages(
        (after) =>
          callList<OrganizationResponse>(
            ctx,
            'organizations.list',
            { ...page, ...(after && { after }) },
            'list organizations',
          ),
        AUDIT_MAX_PAGES,
        ctx.signal,
      ),
      collectPages(
        (after) =>
          callList<ConnectionResponse>(
            ctx,
            'sso_connections.list',
            { ...page, ...(after && { after }) },
            'list SSO connections',
          ),
        AUDIT_MAX_PAGES,
        ctx.signal,
      ),
      collectPages(
        async (after) => {
          const list = await callList<DirectoryResponse>(
            ctx,
            'directories.list',
            { ...page, ...(after && { after }) },
            'list directories',
          );
          // In the words the tools use (directoryState: linked is active, unlinked inactive).
          return { ...list, data: list.data.map((d) => ({ ...d, state: directoryState(d.state) })) };
        },
        AUDIT_MAX_PAGES,
        ctx.signal,
      ),
    ]);
    const names = new Map(orgs.items.map((o) => [o.id, o.name]));
    const orgName = (id: string | undefined) => (id ? (names.get(id) ?? null) : null);

    const sso = connections.items
      .filter((c) => c.state === 'draft' || c.state === 'inactive')
      .map((c) => ({
        organization_id: c.organization_id ?? null,
        organization_name: orgName(c.organization_id),
        connection_id: c.id,
        connection_name: c.name,
        connection_type: String(c.connection_type),
        state: c.state,
      }));

    const activity = await latestDirectoryActivity(
      ctx.workos,
      new Set(directories.items.filter((d) => d.state === 'active').map((d) => d.id)),
    );
    const dirs = directories.items.flatMap((d) => {
      const last = activity.byDirectory.get(d.id);
      const lastMs = last ? Date.parse(last.at) : Number.NaN;
      const hours = Number.isNaN(lastMs) ? null : (now - lastMs) / HOUR_MS;
      const problem =
        d.state === 'inactive'
          ? ('unlinked' as const)
          : d.state === 'invalid_credentials'
            ? ('invalid_credentials' as const)
            : d.state === 'active' && (hours === null || hours > staleHours)
              ? ('no_recent_activity' as const)
              : null;
      if (!problem) return [];
      return [
        {
          organization_id: d.organization_id ?? null,
          organization_name: orgName(d.organization_id),
          directory_id: d.id,
          directory_name: d.name,
          type: String(d.type),
          state: d.state === 'inactive' ? 'unlinked' : d.state === 'active' ? 'linked' : d.state,
          problem,
          last_activity_at: last?.at ?? null,
          hours_since_activity: hours === null ? null : Math.round(hours * 10) / 10,
        },
      ];
    });

    const domains = orgs.items.flatMap((o) =>
      (o.domains ?? [])
        .filter((d) => String(d.state) !== 'verified')
        .map((d) => ({
          organization_id: o.id,
          organization_name: o.name,
          domain: d.domain,
          state: String(d.state),
        })),
    );

    const label = (n: string | null, id: string | null) => n ?? id ?? 'no organization';
    const ssoSummary = sso.length
      ? `${plural(sso.length, 'SSO connection')} not active: ${sso.map((f) => `${f.connection_name} (${label(f.organization_name, f.organization_id)}, ${f.state})`).join('; ')}.`
      : 'Every SSO connection is active.';
    const dirSummary = dirs.length
      ? `${plural(dirs.length, 'directory')} need attention: ${dirs
          .map(
            (f) =>
              `${f.directory_name} (${label(f.organization_name, f.organization_id)}): ${
                f.problem !== 'no_recent_activity'
                  ? f.problem.replace('_', ' ')
                  : f.hours_since_activity === null
                    ? `no provisioning activity in ${EVENTS_WINDOW_DAYS} days`
                    : `no provisioning activity for ${Math.floor(f.hours_since_activity)} h`
              }`,
          )
          .join('; ')}.`
      : `Every directory is linked and had provisioning activity within ${staleHours} h.`;
    const domainSummary = domains.length
      ? `${plural(domains.length, 'domain')} not verified: ${domains.map((f) => `${f.domain} (${f.organization_name}, ${f.state})`).join('; ')}.`
      : 'Every organization domain is verified.';
    const truncated = !(orgs.complete && connections.complete && directories.complete && activity.complete);

    return {
      structured: {
        checked_at: new Date(now).toISOString(),
        organizations_checked: orgs.items.length,
        truncated,
        sso_connections: { count: sso.length, summary: ssoSummary, findings: sso },
        directories: { count: dirs.length, summary: dirSummary, findings: dirs, sync_signal: SYNC_SIGNAL },
        domains: { count: domains.length, summary: domainSummary, findings: domains },
      },
      summary: `Checked ${plural(orgs.items.length, 'organization')}, ${plural(connections.items.length, 'SSO connection')} and ${plural(directories.items.length, 'directory')}. ${ssoSummary} ${dirSummary} ${domainSummary}${truncated ? ' The environment is larger than one audit reads: some objects were not checked.' : ''}`,
    };
  },
});
