import { z } from 'zod';
import { environmentArg, READ_ONLY } from '../common.ts';
import { latestDirectoryActivity, SYNC_SIGNAL } from '../directories/activity.ts';
import { activityText, toDirectory } from '../directories/shape.ts';
import { toConnection } from '../sso/shape.ts';
import { defineTool } from '../types.ts';
import { idArg } from './args.ts';
import { countText, plural } from './paging.ts';
import { organizationPicture } from './related.ts';
import { organizationShape, toOrganization } from './shape.ts';

const countsByState = (states: string[]) => {
  const out: Record<string, number> = {};
  for (const s of states) out[s] = (out[s] ?? 0) + 1;
  return out;
};

const stateList = (by: Record<string, number>) =>
  Object.entries(by)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');

export const getOrganizationDetails = defineTool({
  name: 'get_organization_details',
  title: 'Organization details',
  description:
    'Everything about one organization in a single call: name, external id, metadata, domains with their verification state, its SSO connections (type, state, domains) and directories (state, last provisioning activity — WorkOS publishes no last-sync time —, user and group counts), how many members it has, and a list of things that need attention (pending domains, draft or inactive connections, stale directories). Takes an organization id like "org_01H…" (find it with list_workos_organizations). Next: diagnose_sso_sign_in for sign-in problems, get_sso_connection_details or get_directory_details for one item.',
  input: z.strictObject({
    organization_id: idArg('org_', 'organization'),
    environment: environmentArg,
  }),
  output: z.object({
    organization: organizationShape,
    sso: z.object({
      total: z.number(),
      by_state: z.record(z.string(), z.number()),
      connections: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          type: z.string(),
          state: z.string(),
          domains: z.array(z.string()),
        }),
      ),
    }),
    directories: z.object({
      total: z.number(),
      stale: z
        .number()
        .describe('Linked directories without provisioning activity (dsync.* events) in the last 24 hours.'),
      sync_signal: z.string().describe('Where last_activity_at and stale come from.'),
      directories: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          type: z.string(),
          state: z.string(),
          last_activity_at: z.string().nullable(),
          stale: z.boolean(),
          users: z.number().nullable(),
          groups: z.number().nullable(),
        }),
      ),
    }),
    memberships: z.object({
      count: z.number(),
      complete: z.boolean().describe('False when the count stopped at its bound (then it is a minimum).'),
    }),
    attention: z.array(z.string()).describe('Problems worth a look, one sentence each.'),
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const now = ctx.clock.now();
    const pic = await organizationPicture(ctx.workos, args.organization_id, { countDirectoryUsers: true });
    const organization = toOrganization(pic.organization);
    const connections = pic.connections.items.map(toConnection);
    const activity = await latestDirectoryActivity(
      ctx.workos,
      new Set(pic.directories.items.map((d) => d.id)),
      pic.organization.id,
    );
    const directories = pic.directories.items.map((d) => {
      const counts = pic.directoryCounts.get(d.id);
      return {
        ...toDirectory(d, now, activity.byDirectory.get(d.id)),
        users: counts?.users ?? null,
        groups: counts?.groups ?? null,
      };
    });

    const attention: string[] = [];
    for (const d of organization.domains) {
      if (d.state !== 'verified') attention.push(`Domain ${d.domain} is ${d.state}, not verified.`);
    }
    if (connections.length === 0) attention.push('No SSO connection is set up.');
    else if (!connections.some((c) => c.state === 'active')) attention.push('No SSO connection is active.');
    for (const c of connections) {
      if (c.state !== 'active') attention.push(`SSO connection "${c.name}" (${c.id}) is ${c.state}.`);
    }
    for (const d of directories) {
      if (d.state !== 'active') attention.push(`Directory "${d.name}" (${d.id}) is ${d.state}.`);
      if (d.stale) attention.push(`Directory "${d.name}" is linked but has had ${activityText(d, now)}.`);
    }

    const ssoByState = countsByState(connections.map((c) => c.state));
    const verified = organization.domains.filter((d) => d.state === 'verified').length;
    const users = directories.reduce((n, d) => n + (d.users ?? 0), 0);
    const parts = [
      `${plural(organization.domains.length, 'domain')} (${verified} verified)`,
      connections.length
        ? `${plural(connections.length, 'SSO connection')} (${stateList(ssoByState)})`
        : 'no SSO connection',
      directories.length
        ? `${plural(directories.length, 'directory', 'directories')} (${plural(users, 'user')})`
        : 'no directory',
      `${countText(pic.memberships.count, pic.memberships.complete)} member${pic.memberships.count === 1 ? '' : 's'}`,
    ];
    return {
      structured: {
        organization,
        sso: {
          total: connections.length,
          by_state: ssoByState,
          connections: connections.map(({ id, name, type, state, domains }) => ({
            id,
            name,
            type,
            state,
            domains,
          })),
        },
        directories: {
          total: directories.length,
          stale: directories.filter((d) => d.stale).length,
          sync_signal: SYNC_SIGNAL,
          directories: directories.map(
            ({ id, name, type, state, last_activity_at, stale, users, groups }) => ({
              id,
              name,
              type,
              state,
              last_activity_at,
              stale,
              users,
              groups,
            }),
          ),
        },
        memberships: pic.memberships,
        attention,
      },
      summary: `${organization.name} (${organization.id}): ${parts.join(', ')}.${
        attention.length
          ? ` ${plural(attention.length, 'thing')} need${attention.length === 1 ? 's' : ''} attention (see attention).`
          : ''
      }`,
    };
  },
});
