import type { AppContext } from '../app/context.ts';
import type { BrowserSession } from '../auth/browser-sessions.ts';
import { AppError } from '../errors/app-error.ts';
import type { FormFields } from '../http/forms.ts';
import type { TeamSettings } from '../teams/service.ts';
import {
  AUTHORITY_TTL_BOUNDS_MS,
  SESSION_IDLE_BOUNDS_MS,
  type SettingsPatch,
  TOOL_CALLS_PER_MINUTE_BOUNDS,
} from '../teams/settings.ts';
import { isTeamAdmin, type TeamSession } from './connections-service.ts';

const MINUTE_MS = 60_000;

/** The on/off settings, in the order the page shows them (labels as seeds/000 names them). */
export const TOGGLES = [
  {
    key: 'enabled',
    label: 'Enable MCP access',
    description:
      'Allow this team to use WorkOS over MCP. Turning this off disables MCP for the team entirely, which also turns off production and write access.',
  },
  {
    key: 'allowProduction',
    label: 'Allow production access',
    description:
      'Allow agents to reach production environments. When off, MCP only reaches sandbox. Never escalates anyone: only members with production access in their role can use it.',
  },
  {
    key: 'allowWrite',
    label: 'Allow write access',
    description: 'Allow agents to create, update and delete. When off, MCP is read-only.',
  },
  {
    key: 'requireDifferentApprover',
    label: 'Require a different approver',
    description:
      'Authority requests must be approved by someone other than the requester (with the approvals:approve permission).',
  },
  {
    key: 'destructiveNeedsPerson',
    label: 'Deletions need a person',
    description:
      'Deletions and sign-in changes are confirmed only by the human: answering their client’s prompt, or — when the client cannot ask — under “Waiting for your confirmation” on their Approvals page. An agent can no longer confirm them by sending back the confirmation token.',
  },
  {
    key: 'piiRedaction',
    label: 'PII redaction',
    description:
      'Replace email addresses, phone numbers and card numbers in tool results before agents see them.',
  },
] as const;

export type ToggleKey = (typeof TOGGLES)[number]['key'];
const TOGGLE_KEYS = new Set<string>(TOGGLES.map((t) => t.key));

/** Toggles that depend on "Enable MCP access". */
export const DEPENDENT_TOGGLES: ReadonlySet<ToggleKey> = new Set(['allowProduction', 'allowWrite']);

export const DURATION_BOUNDS_MIN = {
  authorityTtl: {
    min: AUTHORITY_TTL_BOUNDS_MS.min / MINUTE_MS,
    max: AUTHORITY_TTL_BOUNDS_MS.max / MINUTE_MS,
  },
  sessionIdleTtl: {
    min: SESSION_IDLE_BOUNDS_MS.min / MINUTE_MS,
    max: SESSION_IDLE_BOUNDS_MS.max / MINUTE_MS,
  },
  toolCallsPerMinute: TOOL_CALLS_PER_MINUTE_BOUNDS,
} as const;

/** Human names of every field a settings audit entry may mention. */
const FIELD_LABELS: Record<string, string> = {
  ...Object.fromEntries(TOGGLES.map((t) => [t.key, t.label])),
  authorityTtlMs: 'Authority TTL',
  sessionIdleTtlMs: 'Session idle TTL',
  toolCallsPerMinute: 'Tool calls per minute (per token)',
  killedAt: 'Kill switch',
};

/** Only team admins see or change settings; everyone else gets a clear 403 page. */
export function requireAdmin(s: BrowserSession): asserts s is TeamSession {
  if (!s.teamId || !isTeamAdmin(s)) {
    throw new AppError('forbidden', 'Only team admins (gatehouse:admin) can view or change team settings.', {
      hint: 'Ask a team admin if MCP access for your team should change.',
    });
  }
}

/** A UTC timestamp, to the minute. */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function minutes(ms: number): string {
  const m = ms / MINUTE_MS;
  return Number.isInteger(m) ? String(m) : String(Math.round(m * 100) / 100);
}

function show(key: string, v: unknown): string {
  if (v === null || v === undefined) return key === 'killedAt' ? 'not pulled' : '—';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number' && key.endsWith('TtlMs')) return `${minutes(v)} min`;
  if (typeof v === 'number' && key === 'killedAt') return `pulled ${utc(v)}`;
  return String(v);
}

/** One settings change (or kill switch) from the audit trail, ready to show. */
export interface SettingChange {
  seq: number;
  at: number;
  event: 'settings.changed' | 'team.kill_switch';
  actorEmail: string;
  reason: string | null;
  changes: { key: string; label: string; from: string; to: string }[];
}

function parseJson(s: string | null): Record<string, unknown> {
  if (!s) return {};
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The team's latest settings changes and kill-switch pulls, newest first. */
export function recentChanges(ctx: AppContext, teamId: string, limit = 15): SettingChange[] {
  ctx.audit.settlePages();
  const rows = ctx.db.$client
    .query<
      {
        seq: number;
        at: number;
        event: string;
        actorEmail: string | null;
        reason: string | null;
        details: string | null;
      },
      [string, number]
    >(
      // The page index finds them (its event index leaves out tool calls); the entries are read by seq.
      `SELECT e.seq, e.at, e.event, e.actor_email AS actorEmail, e.reason, e.details
       FROM audit_pages p JOIN audit_entries e ON e.seq = p.seq
       WHERE p.team_id = ? AND p.event IN ('settings.changed', 'team.kill_switch') AND p.event <> 'tool.call'
         AND p.outcome = 'ok'
       ORDER BY p.seq DESC LIMIT ?`,
    )
    .all(teamId, limit);
  const obj = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  return rows.map((r) => {
    const d = parseJson(r.details);
    const event = r.event === 'team.kill_switch' ? 'team.kill_switch' : 'settings.changed';
    const before = obj(d.old);
    const after = obj(d.new);
    const changes =
      event === 'team.kill_switch'
        ? [
            {
              key: 'killedAt',
              label: 'Kill switch',
              from: '',
              to: `pulled: ${Number(d.familiesRevoked ?? 0)} authorizations, ${Number(d.grantsRevoked ?? 0)} grants, ${Number(d.consentsRevoked ?? 0)} consents revoked`,
            },
          ]
        : Object.keys(after).map((key) => ({
            key,
            label: FIELD_LABELS[key] ?? key,
            from: show(key, before[key]),
            to: show(key, after[key]),
          }));
    return { seq: r.seq, at: r.at, event, actorEmail: r.actorEmail ?? 'unknown', reason: r.reason, changes };
  });
}

/** "Last changed by ada@… on 2026-… (on → off)" for each setting found in `changes`. */
export function lastChangeByKey(changes: SettingChange[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of changes) {
    for (const ch of c.changes) {
      if (out.has(ch.key)) continue;
      out.set(
        ch.key,
        c.event === 'team.kill_switch'
          ? `Turned off by the kill switch (${c.actorEmail}, ${utc(c.at)})`
          : `Last changed by ${c.actorEmail}, ${utc(c.at)} (${ch.from} → ${ch.to})`,
      );
    }
  }
  // The kill switch turns the three access toggles off without naming them in its entry.
  const kill = changes.find((c) => c.event === 'team.kill_switch');
  if (kill) {
    for (const key of ['enabled', 'allowProduction', 'allowWrite']) {
      const newer = changes.find((c) => c.seq > kill.seq && c.changes.some((ch) => ch.key === key));
      if (!newer) out.set(key, `Turned off by the kill switch (${kill.actorEmail}, ${utc(kill.at)})`);
    }
  }
  return out;
}

/** A toggle form: `setting` names the toggle; the last `value` sent is `on` or `off`. */
export function parseToggle(form: FormFields): SettingsPatch {
  const key = form.get('setting') ?? '';
  if (!TOGGLE_KEYS.has(key)) throw new AppError('invalid_input', 'Unknown setting.');
  const value = form.all('value').at(-1);
  if (value !== 'on' && value !== 'off') throw new AppError('invalid_input', 'The switch sent no state.');
  return { [key]: value === 'on' } as SettingsPatch;
}

function minutesField(
  form: FormFields,
  name: string,
  label: string,
  bounds: { min: number; max: number },
): number | undefined {
  const raw = form.get(name)?.trim();
  if (raw === undefined || raw === '') return undefined;
  const n = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < bounds.min || n > bounds.max) {
    throw new AppError(
      'invalid_input',
      `${label} must be between ${bounds.min} and ${bounds.max} minutes, got “${raw.slice(0, 20)}”.`,
      { fields: [{ field: name, message: 'out of range' }] },
    );
  }
  return Math.round(n * MINUTE_MS);
}

/** `tool_calls_per_minute`: a whole number within its bounds (absent or empty: unchanged). */
function toolCallsField(form: FormFields): number | undefined {
  const raw = form.get('tool_calls_per_minute')?.trim();
  if (raw === undefined || raw === '') return undefined;
  const { min, max } = TOOL_CALLS_PER_MINUTE_BOUNDS;
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AppError(
      'invalid_input',
      `Tool calls per minute must be a whole number between ${min} and ${max}, got “${raw.slice(0, 20)}”.`,
      { fields: [{ field: 'tool_calls_per_minute', message: 'out of range' }] },
    );
  }
  return n;
}

/**
 * Whether the admin left field `name` as the form showed it (its `<name>_was` hidden copy). Such a
 * field is not saved: the page may be stale, and its old value must not undo a newer change
 * made meanwhile by another admin or on another replica. Forms without the copy save every field.
 */
function untouched(form: FormFields, name: string): boolean {
  const was = form.get(`${name}_was`)?.trim();
  const raw = form.get(name)?.trim();
  if (was === undefined || raw === undefined || was === '') return false;
  return raw === was || (raw !== '' && Number(raw) === Number(was));
}

/**
 * The durations form (minutes) and the per-token tool-call rate as a settings patch (ms, calls
 * per minute). Unchanged values are left out, and so are fields the admin did not touch.
 */
export function parseDurations(form: FormFields, current: TeamSettings): SettingsPatch {
  const patch = parseDurationFields(form, current);
  if (untouched(form, 'authority_ttl_minutes')) delete patch.authorityTtlMs;
  if (untouched(form, 'session_idle_ttl_minutes')) delete patch.sessionIdleTtlMs;
  if (untouched(form, 'tool_calls_per_minute')) delete patch.toolCallsPerMinute;
  return patch;
}

function parseDurationFields(form: FormFields, current: TeamSettings): SettingsPatch {
  const authority = minutesField(
    form,
    'authority_ttl_minutes',
    'Authority TTL',
    DURATION_BOUNDS_MIN.authorityTtl,
  );
  const idle = minutesField(
    form,
    'session_idle_ttl_minutes',
    'Session idle TTL',
    DURATION_BOUNDS_MIN.sessionIdleTtl,
  );
  const toolCalls = toolCallsField(form);
  const patch: SettingsPatch = {};
  if (authority !== undefined && authority !== current.authorityTtlMs) patch.authorityTtlMs = authority;
  if (idle !== undefined && idle !== current.sessionIdleTtlMs) patch.sessionIdleTtlMs = idle;
  if (toolCalls !== undefined && toolCalls !== current.toolCallsPerMinute)
    patch.toolCallsPerMinute = toolCalls;
  return patch;
}

/** The latest kill-switch pull of a team, for the result page. */
export function latestKill(
  ctx: AppContext,
  teamId: string,
):
  | {
      at: number;
      actorEmail: string;
      reason: string;
      familiesRevoked: number;
      grantsRevoked: number;
      consentsRevoked: number;
    }
  | undefined {
  ctx.audit.settlePages();
  const row = ctx.db.$client
    .query<
      { at: number; actorEmail: string | null; reason: string | null; details: string | null },
      [string]
    >(
      `SELECT e.at, e.actor_email AS actorEmail, e.reason, e.details
       FROM audit_pages p JOIN audit_entries e ON e.seq = p.seq
       WHERE p.team_id = ? AND p.event = 'team.kill_switch' AND p.event <> 'tool.call'
       ORDER BY p.seq DESC LIMIT 1`,
    )
    .get(teamId);
  if (!row) return undefined;
  const d = parseJson(row.details);
  return {
    at: row.at,
    actorEmail: row.actorEmail ?? 'unknown',
    reason: row.reason ?? '',
    familiesRevoked: Number(d.familiesRevoked ?? 0),
    grantsRevoked: Number(d.grantsRevoked ?? 0),
    consentsRevoked: Number(d.consentsRevoked ?? 0),
  };
}
