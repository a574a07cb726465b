import type { EventResponse, WorkOS } from '@workos-inc/node';
import { z } from 'zod';
import { eventsPage } from '../audit/events-paging.ts';
import { callList } from '../catalogue/call.ts';
import { environmentArg, READ_ONLY } from '../common.ts';
import { idArg } from '../organizations/args.ts';
import { collectPages, MAX_PAGE_SIZE } from '../organizations/paging.ts';
import { connectionsOf, getOrganization } from '../organizations/related.ts';
import { defineTool } from '../types.ts';
import { diagnose, type SignInEvent, VERDICTS } from './diagnosis.ts';
import { connectionShape, toConnection } from './shape.ts';

/** Events read per diagnosis, newest first; beyond it the window is cut short. */
export const MAX_EVENTS = 500;
export const DEFAULT_HOURS = 72;
const HOUR_MS = 60 * 60 * 1000;
const SSO_EVENTS = ['authentication.sso_failed', 'authentication.sso_succeeded'] as const;

/** An SSO sign-in event as WorkOS documents it (https://workos.com/docs/events/authentication; the SDK's `AuthenticationEventResponse`). */
function toSignIn(e: EventResponse): SignInEvent | null {
  if (e.event !== 'authentication.sso_failed' && e.event !== 'authentication.sso_succeeded') return null;
  return {
    at: e.created_at,
    status: e.event === 'authentication.sso_failed' ? 'failed' : 'succeeded',
    email: e.data.email ?? null,
    connection_id: e.data.sso?.connection_id ?? null,
    error: e.data.error ? { code: e.data.error.code, message: e.data.error.message } : null,
  };
}

/** The window's SSO sign-ins, newest first, paged as WorkOS documents (events-paging.ts). */
async function signInEvents(workos: WorkOS, organizationId: string, rangeStart: string, now: number) {
  return collectPages(async (after) => {
    const page = await eventsPage(
      workos,
      {
        events: [...SSO_EVENTS],
        organizationId,
        rangeStart: new Date(rangeStart),
        limit: MAX_PAGE_SIZE,
        order: 'desc',
        ...(after && { after }),
      },
      now,
      `list the SSO sign-in events of organization ${organizationId}`,
    );
    return { data: page.data, listMetadata: { after: page.after } };
  }, MAX_EVENTS);
}

/** The latest successful SSO sign-in before the window: "it last worked 4 days ago". */
async function lastSuccessBefore(
  workos: WorkOS,
  organizationId: string,
  rangeEnd: string,
  email: string | null,
): Promise<string | null> {
  const page = await callList<EventResponse>(
    { workos },
    'events.list',
    {
      events: ['authentication.sso_succeeded'],
      organization_id: organizationId,
      range_end: rangeEnd,
      limit: MAX_PAGE_SIZE,
      order: 'desc',
    },
    `list the SSO sign-in events of organization ${organizationId}`,
  );
  const match = page.data
    .map(toSignIn)
    .find((e) => e !== null && (!email || e.email?.toLowerCase() === email));
  return match?.at ?? null;
}

export const diagnoseSsoSignIn = defineTool({
  name: 'diagnose_sso_sign_in',
  title: 'Diagnose SSO sign-in',
  description:
    'Answer "why can\u2019t people at this organization sign in with SSO?" in one call. Give the organization id ("org_01H…", from list_workos_organizations) and optionally the `email` of the person having trouble and how many `hours` back to look (default 72, up to 720). Gatehouse checks the organization\u2019s domains and their verification, every SSO connection and its state, and the recent failed and successful SSO sign-ins (grouped by error code, with counts and when last seen), then returns a verdict — no_connection, connection_not_active, domain_not_verified, idp_failures, no_recent_sign_ins or healthy — with concrete next steps (usually an Admin Portal link to send to the customer\u2019s IT admin via generate_admin_portal_link).',
  input: z.strictObject({
    organization_id: idArg('org_', 'organization'),
    email: z
      .email()
      .max(320)
      .optional()
      .describe(
        'The address of the person who cannot sign in, to check their domain and their own attempts.',
      ),
    hours: z
      .number()
      .int()
      .min(1)
      .max(720)
      .optional()
      .describe(
        `How far back to read sign-in events, in hours (default ${DEFAULT_HOURS}, at most 720 = 30 days).`,
      ),
    environment: environmentArg,
  }),
  output: z.object({
    verdict: z.enum(VERDICTS),
    explanation: z.string(),
    next_steps: z.array(z.string()),
    organization: z.object({
      id: z.string(),
      name: z.string(),
      domains: z.array(z.object({ domain: z.string(), state: z.string() })),
    }),
    email: z
      .object({ address: z.string(), domain: z.string(), domain_state: z.string() })
      .nullable()
      .describe('domain_state: verified, pending, failed or not_an_organization_domain.'),
    connections: z.array(connectionShape),
    window: z.object({
      hours: z.number(),
      since: z.string(),
      events_read: z.number(),
      truncated: z
        .boolean()
        .describe(`True when more than ${MAX_EVENTS} events matched: only the newest were read.`),
    }),
    sign_ins: z.object({
      failed: z.number(),
      succeeded: z.number(),
      last_failure_at: z.string().nullable(),
      last_success_at: z
        .string()
        .nullable()
        .describe('Latest successful SSO sign-in, even before the window.'),
    }),
    failures_by_error: z.array(
      z.object({
        code: z.string(),
        documented: z
          .boolean()
          .describe(
            'Whether the code is one WorkOS documents; an undocumented one is reported as such, not guessed at.',
          ),
        count: z.number(),
        last_seen_at: z.string(),
        message: z.string(),
        connections: z.array(z.string()),
        emails: z.array(z.string()).describe('Up to 5 of the addresses that failed this way.'),
      }),
    ),
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const now = ctx.clock.now();
    const hours = args.hours ?? DEFAULT_HOURS;
    const since = new Date(now - hours * HOUR_MS).toISOString();
    const email = args.email?.toLowerCase() ?? null;
    const org = await getOrganization(ctx.workos, args.organization_id);
    const [connections, events] = await Promise.all([
      connectionsOf(ctx.workos, org.id),
      signInEvents(ctx.workos, org.id, since, now),
    ]);
    const signIns = events.items
      .map(toSignIn)
      .filter((e): e is SignInEvent => e !== null)
      .filter((e) => !email || e.email?.toLowerCase() === email)
      .sort((a, b) => b.at.localeCompare(a.at));
    const succeeded = signIns.filter((e) => e.status === 'succeeded');
    const earlierSuccess = succeeded.length
      ? null
      : await lastSuccessBefore(ctx.workos, org.id, since, email);
    const organization = {
      id: org.id,
      name: org.name,
      domains: org.domains.map((d) => ({ domain: d.domain, state: String(d.state) })),
    };
    const conns = connections.items.map(toConnection);
    const result = diagnose({
      organization,
      connections: conns,
      events: signIns,
      email,
      hours,
      lastSuccessBefore: earlierSuccess,
      now,
    });
    const failed = signIns.filter((e) => e.status === 'failed');
    return {
      structured: {
        verdict: result.verdict,
        explanation: result.explanation,
        next_steps: result.next_steps,
        organization,
        email:
          email && result.email_domain
            ? { address: email, domain: result.email_domain.domain, domain_state: result.email_domain.state }
            : null,
        connections: conns,
        window: { hours, since, events_read: events.items.length, truncated: !events.complete },
        sign_ins: {
          failed: failed.length,
          succeeded: succeeded.length,
          last_failure_at: failed[0]?.at ?? null,
          last_success_at: succeeded[0]?.at ?? earlierSuccess,
        },
        failures_by_error: result.failures_by_error,
      },
      summary: `Verdict for ${org.name}: ${result.verdict}. ${result.explanation}`,
    };
  },
});
