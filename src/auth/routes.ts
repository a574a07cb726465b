import { LoginPage } from '../../views/pages/login.tsx';
import { LogoutPage } from '../../views/pages/logout.tsx';
import { TeamPickerPage } from '../../views/pages/team-picker.tsx';
import type { AppContext } from '../app/context.ts';
import { AppError } from '../errors/app-error.ts';
import { cookieName, parseCookies, serializeCookie } from '../http/cookies.ts';
import { readForm } from '../http/forms.ts';
import { renderPage } from '../http/page.ts';
import { redirectResponse } from '../http/responses.ts';
import { safeReturnTo } from '../http/return-to.ts';
import type { BrowserSession } from './browser-sessions.ts';
import { clearSessionCookie, currentSession, setSessionCookie, shellUser } from './console-session.ts';
import { admittedTeams, enterTeam, notATeam } from './enter-team.ts';

/** Binds an AuthKit `state` to the browser that started the sign-in (login CSRF defence). */
const LOGIN_COOKIE = 'gh_login';
const LOGIN_COOKIE_MAX_AGE_S = 600;
const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,255}$/;

const loginCookie = (ctx: AppContext) => cookieName(LOGIN_COOKIE, ctx.config.secureCookies);

/** GET /login — local mode: the "sign in as" picker; live mode: straight to AuthKit. */
export function loginPage(ctx: AppContext, request: Request): Response {
  const url = new URL(request.url);
  const returnTo = safeReturnTo(url.searchParams.get('return_to'));
  const s = currentSession(ctx, request);
  if (s?.teamId) return redirectResponse(returnTo);
  const signedOut = url.searchParams.get('signed_out') === '1';
  if (ctx.config.mode === 'live') {
    // Just signed out: say so, with a way back in, rather than bounce straight into AuthKit again.
    if (signedOut)
      return renderPage(
        ctx,
        LoginPage({ csrfToken: '', returnTo, accounts: [], signedOut, live: true }) as string,
      );
    // AuthKit pre-fills the email when given one (e.g. from a link "sign in as …").
    const hint = url.searchParams.get('login_hint')?.trim();
    return startAuthKit(ctx, returnTo, hint && EMAIL.test(hint) ? hint : undefined);
  }
  const { token, setCookie } = ctx.csrf.forAnonymous(request);
  return renderPage(
    ctx,
    LoginPage({ csrfToken: token, returnTo, accounts: ctx.seededAccounts, signedOut }) as string,
    {
      headers: setCookie ? { 'Set-Cookie': setCookie } : undefined,
    },
  );
}

/** POST /login — starts an AuthKit sign-in with the chosen account as login_hint. */
export async function loginSubmit(ctx: AppContext, request: Request): Promise<Response> {
  const form = await readForm(request);
  ctx.csrf.verify(request, form.get('_csrf'), undefined);
  const loginHint = form.get('login_hint')?.trim();
  if (loginHint !== undefined && loginHint !== '' && !EMAIL.test(loginHint)) {
    throw new AppError('invalid_input', 'login_hint must be an email address.');
  }
  return startAuthKit(ctx, safeReturnTo(form.get('return_to')), loginHint || undefined);
}

function startAuthKit(ctx: AppContext, returnTo: string, loginHint: string | undefined): Response {
  const flow = ctx.loginFlows.start(returnTo);
  const location = ctx.authkit.authorizationUrl({
    state: flow.state,
    codeChallenge: flow.codeChallenge,
    loginHint,
  });
  return redirectResponse(location, {
    'Set-Cookie': serializeCookie(loginCookie(ctx), flow.state, {
      secure: ctx.config.secureCookies,
      maxAgeSeconds: LOGIN_COOKIE_MAX_AGE_S,
    }),
  });
}

/** GET /callback — AuthKit returns here with `code` and `state` (RFC 6749 §4.1.2). */
export async function callback(ctx: AppContext, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const error = url.searchParams.get('error');
  if (error) {
    throw new AppError(
      'unauthenticated',
      `Sign-in did not complete: AuthKit answered "${error.slice(0, 100)}".`,
      {
        hint: 'Start the sign-in again from the sign-in page.',
      },
    );
  }
  const code = url.searchParams.get('code');
  const state = url.searchParams.get('state');
  if (!code || !state || code.length > 512 || state.length > 512) {
    throw new AppError('invalid_input', 'The sign-in response is missing its code or state.', {
      hint: 'Start the sign-in again.',
    });
  }
  const cookieState = parseCookies(request.headers.get('cookie')).get(loginCookie(ctx));
  const consumed = ctx.loginFlows.consume(state);
  if (!consumed.ok) {
    switch (consumed.reason) {
      case 'replayed':
        throw new AppError('invalid_input', 'This sign-in response was already used.', {
          hint: 'Start the sign-in again.',
        });
      case 'expired':
        throw new AppError('gone', 'This sign-in took too long and expired.', {
          hint: 'Start the sign-in again.',
        });
      case 'unknown_state':
        throw new AppError(
          'invalid_input',
          'The sign-in response does not match any sign-in started here (invalid state).',
          {
            hint: 'Start the sign-in again.',
          },
        );
    }
  }
  if (cookieState !== state) {
    throw new AppError(
      'invalid_input',
      'This sign-in was started in another browser (state does not match).',
      {
        hint: 'Start the sign-in again in this browser.',
      },
    );
  }
  const {
    user: authUser,
    refreshToken,
    impersonator,
  } = await ctx.authkit.exchangeCode(code, consumed.codeVerifier);
  const user = ctx.users.upsertFromWorkOS(authUser, ctx.config.mode === 'local' ? authUser.externalId : null);
  // Only admitted organizations are teams: anyone else gets no session at all.
  const teams = await admittedTeams(ctx, authUser.id);
  const clearLogin = serializeCookie(loginCookie(ctx), '', {
    secure: ctx.config.secureCookies,
    maxAgeSeconds: 0,
  });
  if (teams.length === 0) {
    ctx.audit.append({
      event: 'signin.refused',
      outcome: 'denied',
      userId: user.id,
      actorEmail: authUser.email,
      reason: 'not_a_team_member',
      details: { impersonated: impersonator !== null },
    });
    ctx.log.info('sign-in refused: no admitted team', { userId: user.id });
    throw notATeam(authUser.email);
  }
  const { cookieValue, idHash } = ctx.browserSessions.create({
    userId: user.id,
    email: user.email,
    authkitSessionId: null,
    refreshToken,
    impersonator,
  });
  const headers = new Headers();
  headers.append('Set-Cookie', setSessionCookie(ctx, cookieValue));
  headers.append('Set-Cookie', clearLogin);

  if (teams.length === 1) {
    await enterTeam(ctx, { idHash, workosUserId: authUser.id, userId: user.id }, teams[0]!.organizationId);
    return redirectResponse(consumed.returnTo, headers);
  }
  return redirectResponse(`/teams?return_to=${encodeURIComponent(consumed.returnTo)}`, headers);
}

function requireSignedIn(ctx: AppContext, request: Request): BrowserSession | Response {
  const s = currentSession(ctx, request);
  if (s) return s;
  const url = new URL(request.url);
  return redirectResponse(
    `/login?return_to=${encodeURIComponent(safeReturnTo(url.searchParams.get('return_to')))}`,
  );
}

/** GET /teams — the team picker. */
export async function teamPicker(ctx: AppContext, request: Request): Promise<Response> {
  const s = requireSignedIn(ctx, request);
  if (s instanceof Response) return s;
  const returnTo = safeReturnTo(new URL(request.url).searchParams.get('return_to'));
  const teams = await admittedTeams(ctx, s.workosUserId);
  return renderPage(
    ctx,
    TeamPickerPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      teams: teams.map((t) => ({ organizationId: t.organizationId, name: t.name, role: t.role })),
      returnTo,
    }) as string,
  );
}

/** POST /teams/select */
export async function teamSelect(ctx: AppContext, request: Request): Promise<Response> {
  const s = requireSignedIn(ctx, request);
  if (s instanceof Response) return s;
  const form = await readForm(request);
  ctx.csrf.verify(request, form.get('_csrf'), s);
  const organizationId = form.require('organization_id', 'A team');
  await enterTeam(ctx, s, organizationId);
  return redirectResponse(safeReturnTo(form.get('return_to')));
}

/** GET /logout — a confirmation form (GET never changes state). */
export function logoutPage(ctx: AppContext, request: Request): Response {
  const s = currentSession(ctx, request);
  if (!s) return redirectResponse('/login');
  return renderPage(ctx, LogoutPage({ user: shellUser(s), csrfToken: ctx.csrf.forSession(s) }) as string);
}

/** POST /logout — ends the Gatehouse session row and the AuthKit session. */
export async function logoutSubmit(ctx: AppContext, request: Request): Promise<Response> {
  const s = currentSession(ctx, request);
  if (!s) return redirectResponse('/login', { 'Set-Cookie': clearSessionCookie(ctx) });
  const form = await readForm(request);
  ctx.csrf.verify(request, form.get('_csrf'), s);
  ctx.browserSessions.end(s.idHash);
  const headers = { 'Set-Cookie': clearSessionCookie(ctx) };
  const signedOut = `${ctx.config.publicUrl}/login?signed_out=1`;
  if (!s.authkitSessionId) return redirectResponse('/login?signed_out=1', headers);
  if (ctx.config.mode === 'live')
    return redirectResponse(ctx.authkit.logoutUrl(s.authkitSessionId, signedOut), headers);
  // The embedded AuthKit keeps no browser cookie of its own: revoking the session is the whole logout.
  await ctx.workos.identity.client.userManagement
    .revokeSession({ sessionId: s.authkitSessionId })
    .catch((e: unknown) => {
      ctx.log.warn('could not revoke AuthKit session', { error: e instanceof Error ? e.message : String(e) });
    });
  return redirectResponse('/login?signed_out=1', headers);
}
