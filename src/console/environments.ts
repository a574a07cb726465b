import type { Elysia } from 'elysia';
import { ENVIRONMENTS, type Environment } from '../../db/schema/enums.ts';
import {
  ENVIRONMENT_NOTICES,
  EnvironmentsCard,
  type EnvironmentsCardState,
  MAX_API_KEY_CHARS,
} from '../../views/components/environments-card.tsx';
import type { AppContext } from '../app/context.ts';
import { refuseImpersonated, requireTeamSession } from '../auth/console-session.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import { page } from '../http/app.ts';
import { type FormFields, readForm } from '../http/forms.ts';
import { fragmentResponse, redirectResponse } from '../http/responses.ts';
import type { TeamSession } from './connections-service.ts';
import { renderSettings } from './settings.ts';
import { requireAdmin } from './settings-service.ts';

const isHtmx = (request: Request) => request.headers.get('hx-request') === 'true';

/** What a change reports back: the key of its fixed notice (ENVIRONMENT_NOTICES). */
type Done = 'environment_linked' | 'environment_unlinked';

/** The signed-in team admin, or the redirect to sign-in; anyone else gets a 403 page. */
function adminSession(ctx: AppContext, request: Request): TeamSession | Response {
  const s = requireTeamSession(ctx, request);
  if (s instanceof Response) return s;
  requireAdmin(s);
  return s;
}

/** The `environment` field: sandbox or production, nothing else. */
function parseEnvironment(form: FormFields): Environment {
  const value = form.get('environment') ?? '';
  if (!(ENVIRONMENTS as readonly string[]).includes(value)) {
    throw new AppError(
      'invalid_input',
      'Unknown environment: choose sandbox or production. Nothing was changed.',
      {
        fields: [{ field: 'environment', message: 'unknown' }],
      },
    );
  }
  return value as Environment;
}

/** The `api_key` field, bounded; its value is never echoed in any answer. */
function parseKey(form: FormFields, environment: Environment): string {
  const raw = form.get('api_key') ?? '';
  const field = `${environment}_key`;
  if (raw.length > MAX_API_KEY_CHARS) {
    throw new AppError(
      'invalid_input',
      `That is too long for a WorkOS API key (at most ${MAX_API_KEY_CHARS} characters): nothing was saved.`,
      { fields: [{ field, message: 'too long' }] },
    );
  }
  const key = raw.trim();
  if (key === '') {
    throw new AppError(
      'invalid_input',
      `Paste the API key of the ${environment} environment (from the WorkOS dashboard, API Keys): nothing was saved.`,
      { fields: [{ field, message: 'required' }] },
    );
  }
  return key;
}

/** Which row a refusal belongs to: the field it names, else the environment the form named. */
function errorRow(e: AppError, environment: Environment | undefined): Environment | undefined {
  for (const f of e.fields ?? []) {
    const env = ENVIRONMENTS.find((n) => f.field === `${n}_key`);
    if (env) return env;
  }
  return environment;
}

/** A refusal's message with the submitted key (should any upstream text carry it) blanked out. */
function scrub(message: string, key: string | undefined): string {
  return key && key.length >= 4 ? message.split(key).join('[the key]') : message;
}

function card(ctx: AppContext, s: TeamSession, state: EnvironmentsCardState): string {
  return EnvironmentsCard({
    v: { ...state, statuses: ctx.environments.status(s.teamId) },
    csrfToken: ctx.csrf.forSession(s),
  }) as string;
}

/**
 * Runs one change from a card form. A plain form is redirected back to /settings with a fixed
 * notice, or shown the settings page with the refusal next to the field (nothing saved); htmx
 * gets the re-rendered card, with the refusal's status on failure. A forged or expired plain form
 * gets the 403 page and nothing else; a non-admin gets the 403 page before the form is read.
 */
async function change(
  ctx: AppContext,
  request: Request,
  run: (form: FormFields, environment: Environment, s: TeamSession) => Promise<Done> | Done,
): Promise<Response> {
  const s = adminSession(ctx, request);
  if (s instanceof Response) return s;
  refuseImpersonated(s, "change the team's WorkOS environments");
  const htmx = isHtmx(request);
  let environment: Environment | undefined;
  let key: string | undefined;
  try {
    const form = await readForm(request);
    ctx.csrf.verify(request, form.get('_csrf'), s);
    key = form.params.get('api_key') ?? undefined;
    environment = parseEnvironment(form);
    const done = await run(form, environment, s);
    if (!htmx) return redirectResponse(`/settings?saved=${done}#environments`);
    return fragmentResponse(card(ctx, s, { notice: ENVIRONMENT_NOTICES[done] }));
  } catch (e) {
    if (!isAppError(e)) throw e;
    if (e.status === 403 && !htmx) throw e;
    const error = { environment: errorRow(e, environment), message: scrub(e.message, key?.trim()) };
    if (!htmx) return renderSettings(ctx, s, { status: e.status, environments: { error } });
    return fragmentResponse(card(ctx, s, { error }), { status: e.status });
  }
}

/**
 * POST /settings/environments/link — fields `_csrf`, `environment` (sandbox|production), `api_key`.
 * The key is checked with one WorkOS call before anything is saved (TeamEnvironments.link).
 */
export function linkEnvironment(ctx: AppContext, request: Request): Promise<Response> {
  return change(ctx, request, async (form, environment, s): Promise<Done> => {
    const key = parseKey(form, environment);
    await ctx.environments.link(s.teamId, environment, key, { userId: s.userId, email: s.email });
    return 'environment_linked';
  });
}

/** POST /settings/environments/unlink — fields `_csrf`, `environment`. */
export function unlinkEnvironment(ctx: AppContext, request: Request): Promise<Response> {
  return change(ctx, request, (_form, environment, s): Done => {
    ctx.environments.unlink(s.teamId, environment, { userId: s.userId, email: s.email });
    return 'environment_unlinked';
  });
}

/** Settings → WorkOS environments: a team admin links, replaces and removes the team's keys. */
export function environmentsRoutes(app: Elysia, ctx: AppContext): void {
  app
    .post('/settings/environments/link', page(ctx, linkEnvironment))
    .post('/settings/environments/unlink', page(ctx, unlinkEnvironment));
}
