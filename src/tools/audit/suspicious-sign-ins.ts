/**
 * "Show me recent suspicious sign-in attempts and where they came from" (seeds/000): Radar's
 * detections and failed sign-ins, from the Events API, with the place Radar located each one.
 *
 * - Radar reports a risky attempt as an `authentication.radar_risk_detected` event
 *   (https://workos.com/docs/events/authentication): auth method, action, the control that fired,
 *   the blocklist type, IP address, user agent, user and email — and `radar_detection_id`
 *   (https://workos.com/docs/reference/radar/detections), which @workos-inc/node's event model
 *   drops, so events are read with the SDK's raw request.
 * - The detection (`GET /radar/detections/:id`) adds the verdict, the evidence summary and the
 *   location (city, country). Authentication events carry no location: failed sign-ins are shown
 *   with their IP address and user agent only, and the answer says so.
 * - Paging follows the Events API's rules (events-paging.ts): 30 days kept, `range_start` on the
 *   first page only, newest first.
 */
import { z } from 'zod';
import { isAppError } from '../../errors/app-error.ts';
import { callList, callOperation } from '../catalogue/call.ts';
import { environmentArg, READ_ONLY } from '../common.ts';
import { defineTool, type ToolContext } from '../types.ts';
import { EVENT_RETENTION_DAYS } from './events-paging.ts';

const RADAR = 'authentication.radar_risk_detected';
/** Failed sign-ins (https://workos.com/docs/events/authentication). */
const FAILED = [
  'authentication.password_failed',
  'authentication.sso_failed',
  'authentication.oauth_failed',
  'authentication.magic_auth_failed',
  'authentication.mfa_failed',
  'authentication.passkey_failed',
] as const;
const PAGE = 100;
const MAX_PAGES = 10;
/** Detections looked up per call (one request each). */
const MAX_DETECTIONS = 50;

type Data = Record<string, unknown>;
interface RawEvent {
  id: string;
  event: string;
  created_at: string;
  data: Data;
}
interface Detection {
  verdict?: string;
  challenge_type?: string | null;
  evidence?: { summary?: string };
  location?: { city?: string | null; country?: string | null } | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

const locationShape = z.object({ city: z.string().nullable(), country: z.string().nullable() }).nullable();
const attemptShape = z.object({
  at: z.string(),
  kind: z.enum(['radar_detection', 'failed_sign_in']),
  event: z.string(),
  email: z.string().nullable(),
  user_id: z.string().nullable(),
  method: z.string().nullable().describe('How they tried to sign in (password, sso, …).'),
  control: z
    .string()
    .nullable()
    .describe('The Radar control that fired (impossible_travel, brute_force_attack, …).'),
  verdict: z.string().nullable().describe('Radar’s verdict: block or challenge.'),
  reason: z.string().nullable().describe('Radar’s evidence summary, or the sign-in error.'),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  location: locationShape.describe('Where Radar located the attempt; null when WorkOS gives no location.'),
  radar_detection_id: z.string().nullable(),
});
type Attempt = z.infer<typeof attemptShape>;

/** The window's events, newest first: `range_start` on the first page, `after` alone after it. */
async function readEvents(ctx: ToolContext, types: string[], since: Date) {
  const out: RawEvent[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data = await callList<RawEvent>(
      ctx,
      'events.list',
      {
        events: types,
        limit: PAGE,
        order: 'desc',
        ...(after ? { after } : { range_start: since.toISOString() }),
      },
      'list the sign-in events',
    );
    const kept = data.data.filter((e) => Date.parse(e.created_at) >= since.getTime());
    out.push(...kept);
    after = data.list_metadata?.after ?? undefined;
    if (!after || kept.length < data.data.length) return { events: out, complete: true };
  }
  return { events: out, complete: false };
}

/** The detection an event names; null when WorkOS has none to give (the answer then has no location). */
async function detectionOf(ctx: ToolContext, id: string): Promise<Detection | null> {
  try {
    return await callOperation<Detection>(ctx, 'radar.get_detection', { id }, `get Radar detection ${id}`);
  } catch (e) {
    if (isAppError(e) && (e.code === 'not_found' || e.code === 'invalid_input')) return null;
    throw e;
  }
}

function toAttempt(e: RawEvent, detection: Detection | null): Attempt {
  const d = e.data;
  const radar = e.event === RADAR;
  const error = (d.error ?? {}) as Data;
  const loc = detection?.location;
  return {
    at: e.created_at,
    kind: radar ? 'radar_detection' : 'failed_sign_in',
    event: e.event,
    email: str(d.email),
    user_id: str(d.user_id),
    method: str(d.auth_method) ?? str(d.type) ?? e.event.split('.')[1]?.replace(/_failed$/, '') ?? null,
    control: radar ? str(d.control) : null,
    verdict: str(detection?.verdict),
    reason: str(detection?.evidence?.summary) ?? str(error.message) ?? str(error.code),
    ip_address: str(d.ip_address),
    user_agent: str(d.user_agent),
    location: loc ? { city: str(loc.city), country: str(loc.country) } : null,
    radar_detection_id: radar ? str(d.radar_detection_id) : null,
  };
}

const place = (l: Attempt['location']) => (l ? [l.city, l.country].filter(Boolean).join(', ') : null);

export const listSuspiciousSignIns = defineTool({
  name: 'list_suspicious_sign_ins',
  title: 'Suspicious sign-in attempts',
  description: `Recent suspicious sign-in attempts and where they came from: Radar detections (WorkOS's authentication.radar_risk_detected events — the control that fired such as impossible_travel, brute_force_attack, bot_detection, unrecognized_device or a block list, Radar's verdict and evidence, and the location Radar gives: city and country) and, unless include_failed_sign_ins is false, failed sign-ins (authentication.password_failed, sso_failed, oauth_failed, magic_auth_failed, mfa_failed, passkey_failed: WorkOS gives their IP address and user agent but no location). Newest first, with a per-source summary (IP address, location, how many attempts, which accounts). since_hours (default 168 = 7 days) reaches back at most ${EVENT_RETENTION_DAYS} days, as long as WorkOS keeps events. Read-only: to block an address use WorkOS Radar's block lists in the dashboard.`,
  input: z.strictObject({
    since_hours: z
      .number()
      .int()
      .min(1)
      .max(EVENT_RETENTION_DAYS * 24)
      .optional()
      .describe('How far back to look, in hours (default 168; at most 720, WorkOS keeps events 30 days).'),
    include_failed_sign_ins: z
      .boolean()
      .optional()
      .describe('Also list failed sign-ins (default true); false: Radar detections only.'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(200)
      .optional()
      .describe('Attempts listed (default 50); sources count them all.'),
    environment: environmentArg,
  }),
  output: z.object({
    since: z.string(),
    counts: z.object({ radar_detections: z.number().int(), failed_sign_ins: z.number().int() }),
    attempts: z.array(attemptShape),
    sources: z.array(
      z.object({
        ip_address: z.string().nullable(),
        location: locationShape,
        attempts: z.number().int(),
        radar_detections: z.number().int(),
        emails: z.array(z.string()),
        user_agents: z.array(z.string()),
        last_seen: z.string(),
      }),
    ),
    complete: z.boolean().describe('False when more events exist than one call reads (narrow since_hours).'),
    notes: z.array(z.string()),
  }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const hours = args.since_hours ?? 168;
    const since = new Date(ctx.clock.now() - hours * 3_600_000);
    const types = args.include_failed_sign_ins === false ? [RADAR] : [RADAR, ...FAILED];
    const { events, complete } = await readEvents(ctx, types, since);
    const notes: string[] = [];

    const ids = [
      ...new Set(events.flatMap((e) => (e.event === RADAR ? [str(e.data.radar_detection_id)] : []))),
    ]
      .filter((id): id is string => id !== null)
      .slice(0, MAX_DETECTIONS);
    const found = new Map<string, Detection | null>();
    for (const id of ids) found.set(id, await detectionOf(ctx, id));
    const attempts = events.map((e) => toAttempt(e, found.get(str(e.data.radar_detection_id) ?? '') ?? null));
    if ([...found.values()].some((d) => d === null))
      notes.push('WorkOS returned no detection for some Radar events: those have no verdict or location.');
    if (attempts.some((a) => a.kind === 'failed_sign_in'))
      notes.push(
        'Failed sign-ins carry an IP address and user agent but no location: WorkOS locates only Radar detections.',
      );
    if (!complete)
      notes.push(`More than ${PAGE * MAX_PAGES} events in the window: only the newest were read.`);

    const bySource = new Map<string, Attempt[]>();
    for (const a of attempts) {
      const key = a.ip_address ?? '(no IP address)';
      bySource.set(key, [...(bySource.get(key) ?? []), a]);
    }
    const sources = [...bySource.values()]
      .map((list) => ({
        ip_address: list[0]!.ip_address,
        location: list.find((a) => a.location)?.location ?? null,
        attempts: list.length,
        radar_detections: list.filter((a) => a.kind === 'radar_detection').length,
        emails: [...new Set(list.flatMap((a) => (a.email ? [a.email] : [])))].slice(0, 10),
        user_agents: [...new Set(list.flatMap((a) => (a.user_agent ? [a.user_agent] : [])))].slice(0, 5),
        last_seen: list[0]!.at,
      }))
      .sort((a, b) => b.radar_detections - a.radar_detections || b.attempts - a.attempts);
    const counts = {
      radar_detections: attempts.filter((a) => a.kind === 'radar_detection').length,
      failed_sign_ins: attempts.filter((a) => a.kind === 'failed_sign_in').length,
    };
    const top = sources
      .slice(0, 5)
      .map(
        (s) =>
          `${s.ip_address ?? 'unknown address'}${place(s.location) ? ` (${place(s.location)})` : ''}: ${s.attempts}`,
      )
      .join('; ');
    const summary =
      attempts.length === 0
        ? `No Radar detections${args.include_failed_sign_ins === false ? '' : ' or failed sign-ins'} in the last ${hours} hours.`
        : `${counts.radar_detections} Radar detection${counts.radar_detections === 1 ? '' : 's'} and ${counts.failed_sign_ins} failed sign-in${counts.failed_sign_ins === 1 ? '' : 's'} in the last ${hours} hours. Where they came from: ${top}.`;
    return {
      structured: {
        since: since.toISOString(),
        counts,
        attempts: attempts.slice(0, args.limit ?? 50),
        sources,
        complete,
        notes,
      },
      summary,
    };
  },
});
