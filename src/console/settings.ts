import type { Elysia } from 'elysia';
import {
  ENVIRONMENT_NOTICES,
  type EnvironmentsCardState,
} from '../../views/components/environments-card.tsx';
import {
  KillSwitchConfirmPage,
  KillSwitchResultPage,
  SettingsLive,
  SettingsPage,
  type SettingsView,
} from '../../views/pages/settings.tsx';
import type { AppContext } from '../app/context.ts';
import { refuseImpersonated, requireTeamSession, shellUser } from '../auth/console-session.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import { page } from '../http/app.ts';
import { type FormFields, readForm } from '../http/forms.ts';
import { renderPage } from '../http/page.ts';
import { fragmentResponse, redirectResponse } from '../http/responses.ts';
import type { SettingsPatch } from '../teams/settings.ts';
import type { TeamSession } from './connections-service.ts';
import {
  DEPENDENT_TOGGLES,
  DURATION_BOUNDS_MIN,
  lastChangeByKey,
  latestKill,
  minutes,
  parseDurations,
  parseToggle,
  recentChanges,
  requireAdmin,
  TOGGLES,
  utc,
} from './settings-service.ts';

const isHtmx = (request: Request) => request.headers.get('hx-request') === 'true';

/** Fixed notices after a plain-form change (never text from the query string). */
const NOTICES: Record<string, string> = {
  saved: 'Saved. Open agent sessions see the change on their next call.',
  unchanged: 'Nothing to change.',
};

/** The signed-in team admin, or the redirect to sign-in; anyone else gets a 403 page. */
function adminSession(ctx: AppContext, request: Request): TeamSession | Response {
  const s = requireTeamSession(ctx, request);
  if (s instanceof Response) return s;
  requireAdmin(s);
  return s;
}

function settingsView(
  ctx: AppContext,
  s: TeamSession,
  environments: EnvironmentsCardState = {},
): SettingsView {
  const settings = ctx.teams.settings(s.teamId);
  const history = recentChanges(ctx, s.teamId);
  const last = lastChangeByKey(history);
  return {
    teamName: s.teamName ?? '',
    version: settings.version,
    toggles: TOGGLES.map((t) => {
      const off = DEPENDENT_TOGGLES.has(t.key) && !settings.enabled;
      return {
        key: t.key,
        label: t.label,
        description: t.description,
        checked: off ? false : settings[t.key],
        disabled: off,
        lastChange: last.get(t.key),
      };
    }),
    authorityTtlMinutes: minutes(settings.authorityTtlMs),
    sessionIdleTtlMinutes: minutes(settings.sessionIdleTtlMs),
    toolCallsPerMinute: String(settings.toolCallsPerMinute),
    bounds: DURATION_BOUNDS_MIN,
    durationsLastChange: [
      last.get('authorityTtlMs') ? `Authority TTL: ${last.get('authorityTtlMs')}` : '',
      last.get('sessionIdleTtlMs') ? `Session idle TTL: ${last.get('sessionIdleTtlMs')}` : '',
      last.get('toolCallsPerMinute') ? `Tool calls per minute: ${last.get('toolCallsPerMinute')}` : '',
    ].filter((l) => l !== ''),
    killed:
      settings.killedAt !== null
        ? `The kill switch was pulled ${utc(settings.killedAt)}. Every old token stays revoked; turn “Enable MCP access” on to let clients authorize again.`
        : undefined,
    history: history.map((c) => ({
      seq: c.seq,
      when: utc(c.at),
      actorEmail: c.actorEmail,
      kill: c.event === 'team.kill_switch',
      reason: c.reason,
      changes: c.changes,
    })),
    environments: { ...environments, statuses: ctx.environments.status(s.teamId) },
  };
}

export function renderSettings(
  ctx: AppContext,
  s: TeamSession,
  extra: {
    status?: number;
    notice?: string;
    error?: string;
    durations?: { authority: string; idle: string; toolCalls: string };
    /** The WorkOS environments card's notice or refusal (src/console/environments.ts). */
    environments?: EnvironmentsCardState;
  } = {},
): Response {
  return renderPage(
    ctx,
    SettingsPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      v: settingsView(ctx, s, extra.environments),
      notice: extra.notice,
      error: extra.error,
      durations: extra.durations,
    }) as string,
    { status: extra.status ?? 200 },
  );
}

/** GET /settings */
export function settingsPage(ctx: AppContext, request: Request): Response {
  const s = adminSession(ctx, request);
  if (s instanceof Response) return s;
  const saved = new URL(request.url).searchParams.get('saved') ?? '';
  return renderSettings(ctx, s, {
    notice: NOTICES[saved],
    environments: { notice: ENVIRONMENT_NOTICES[saved] },
  });
}

/**
 * Runs one settings change from a form. htmx gets the re-rendered settings (or the refusal in
 * it, with the refusal's status); a plain form is redirected back to /settings, or shown the
 * page with the error.
 */
async function change(
  ctx: AppContext,
  request: Request,
  toPatch: (form: FormFields, s: TeamSession) => SettingsPatch,
  formValues?: (form: FormFields) => { authority: string; idle: string; toolCalls: string },
): Promise<Response> {
  const s = adminSession(ctx, request);
  if (s instanceof Response) return s;
  refuseImpersonated(s, 'change team settings');
  const htmx = isHtmx(request);
  let form: FormFields | undefined;
  try {
    form = await readForm(request);
    ctx.csrf.verify(request, form.get('_csrf'), s);
    const patch = toPatch(form, s);
    const changed = Object.keys(patch).length > 0;
    if (changed) ctx.settings.update(s.teamId, patch, { userId: s.userId, email: s.email });
    if (!htmx) return redirectResponse(`/settings?saved=${changed ? 'saved' : 'unchanged'}`);
    return fragmentResponse(
      SettingsLive({
        v: settingsView(ctx, s),
        csrfToken: ctx.csrf.forSession(s),
        notice: changed ? 'Saved.' : undefined,
      }) as string,
    );
  } catch (e) {
    if (!isAppError(e)) throw e;
    // A forged or expired form is refused with nothing shown but the refusal.
    if (e.status === 403 && !htmx) throw e;
    const durations = form && formValues && e.code === 'invalid_input' ? formValues(form) : undefined;
    if (!htmx) return renderSettings(ctx, s, { status: e.status, error: e.message, durations });
    return fragmentResponse(
      SettingsLive({
        v: settingsView(ctx, s),
        csrfToken: ctx.csrf.forSession(s),
        error: e.message,
        durations,
      }) as string,
      { status: e.status },
    );
  }
}

/** POST /settings/toggle — fields `_csrf`, `setting`, `value` (last one wins: `off` then `on`). */
export function toggleSetting(ctx: AppContext, request: Request): Promise<Response> {
  return change(ctx, request, (form) => parseToggle(form));
}

/**
 * POST /settings/durations — fields `_csrf`, `authority_ttl_minutes`, `session_idle_ttl_minutes`,
 * `tool_calls_per_minute` (the per-token rate limit).
 */
export function saveDurations(ctx: AppContext, request: Request): Promise<Response> {
  return change(
    ctx,
    request,
    (form, s) => parseDurations(form, ctx.teams.settings(s.teamId)),
    (form) => ({
      authority: (form.get('authority_ttl_minutes') ?? '').slice(0, 20),
      idle: (form.get('session_idle_ttl_minutes') ?? '').slice(0, 20),
      toolCalls: (form.get('tool_calls_per_minute') ?? '').slice(0, 20),
    }),
  );
}

function renderConfirm(
  ctx: AppContext,
  s: TeamSession,
  extra: { status?: number; error?: string; form?: { teamName: string; reason: string } } = {},
): Response {
  return renderPage(
    ctx,
    KillSwitchConfirmPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      teamName: s.teamName ?? '',
      live: ctx.killSwitch.preview(s.teamId),
      error: extra.error,
      form: extra.form,
    }) as string,
    { status: extra.status ?? 200 },
  );
}

/** GET /settings/kill-switch — the confirm step. */
export function killSwitchConfirm(ctx: AppContext, request: Request): Response {
  const s = adminSession(ctx, request);
  if (s instanceof Response) return s;
  return renderConfirm(ctx, s);
}

/**
 * POST /settings/kill-switch — fields `_csrf`, `team_name` (must be the team's name), `reason`.
 * Pulls the switch, then redirects to the result.
 */
export async function killSwitchPull(ctx: AppContext, request: Request): Promise<Response> {
  const s = adminSession(ctx, request);
  if (s instanceof Response) return s;
  refuseImpersonated(s, 'pull the kill switch');
  const form = await readForm(request);
  ctx.csrf.verify(request, form.get('_csrf'), s);
  const typed = (form.get('team_name') ?? '').trim();
  const reason = (form.get('reason') ?? '').trim();
  const values = { teamName: typed.slice(0, 200), reason: reason.slice(0, 500) };
  if (typed !== (s.teamName ?? '').trim()) {
    return renderConfirm(ctx, s, {
      status: 400,
      error: 'The team name does not match: nothing was changed.',
      form: values,
    });
  }
  if (reason === '' || reason.length > 500) {
    return renderConfirm(ctx, s, {
      status: 400,
      error: 'Give a reason (at most 500 characters): it is kept in the audit trail. Nothing was changed.',
      form: values,
    });
  }
  ctx.killSwitch.pull(s.teamId, { userId: s.userId, email: s.email }, reason);
  return redirectResponse('/settings/kill-switch/result');
}

/** GET /settings/kill-switch/result — what the latest pull revoked, and the team's state. */
export function killSwitchResult(ctx: AppContext, request: Request): Response {
  const s = adminSession(ctx, request);
  if (s instanceof Response) return s;
  const kill = latestKill(ctx, s.teamId);
  if (!kill) throw new AppError('not_found', 'The kill switch has not been pulled for this team.');
  const settings = ctx.teams.settings(s.teamId);
  return renderPage(
    ctx,
    KillSwitchResultPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      teamName: s.teamName ?? '',
      result: { ...kill, when: utc(kill.at) },
      disabled: !settings.enabled,
    }) as string,
  );
}

/** The /settings routes (docs/architecture.md "Console"), team admins only. */
export function settingsRoutes(app: Elysia, ctx: AppContext): void {
  app
    .get('/settings', page(ctx, settingsPage))
    .post('/settings/toggle', page(ctx, toggleSetting))
    .post('/settings/durations', page(ctx, saveDurations))
    .get('/settings/kill-switch', page(ctx, killSwitchConfirm))
    .post('/settings/kill-switch', page(ctx, killSwitchPull))
    .get('/settings/kill-switch/result', page(ctx, killSwitchResult));
}
