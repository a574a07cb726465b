import type { Elysia } from 'elysia';
import type { ShellUser } from '../../views/components/layout.tsx';
import type { AppContext } from '../app/context.ts';
import { BROWSER_SESSION_TTL_MS } from '../config/constants.ts';
import { AppError } from '../errors/app-error.ts';
import { toHtml } from '../errors/to-html.ts';
import { cookieName, parseCookies, serializeCookie } from '../http/cookies.ts';
import { redirectResponse } from '../http/responses.ts';
import type { BrowserSession } from './browser-sessions.ts';

export const SESSION_COOKIE = 'gh_session';

export function sessionCookieName(ctx: AppContext): string {
  return cookieName(SESSION_COOKIE, ctx.config.secureCookies);
}

export function setSessionCookie(ctx: AppContext, value: string): string {
  return serializeCookie(sessionCookieName(ctx), value, {
    secure: ctx.config.secureCookies,
    maxAgeSeconds: BROWSER_SESSION_TTL_MS / 1000,
  });
}

export function clearSessionCookie(ctx: AppContext): string {
  return serializeCookie(sessionCookieName(ctx), '', { secure: ctx.config.secureCookies, maxAgeSeconds: 0 });
}

function sessionCookieValue(ctx: AppContext, request: Request): string | undefined {
  return parseCookies(request.headers.get('cookie')).get(sessionCookieName(ctx));
}

/** What the console's request gate decided for each request it saw (see consoleAuthority). */
const gated = new WeakMap<Request, BrowserSession | undefined>();

/**
 * The browser session a request carries, if any, with the authority its human holds now: as
 * the request gate resolved it (the same role source, bound and invalidation as MCP tokens),
 * or — on the few paths the gate leaves alone — from what was read within that bound only.
 */
export function currentSession(ctx: AppContext, request: Request): BrowserSession | undefined {
  if (gated.has(request)) return gated.get(request);
  return ctx.browserSessions.peek(sessionCookieValue(ctx, request));
}

/**
 * Paths where the gate does not re-read the human's role: they hold no console authority
 * (health, the OAuth endpoints a client calls) or only start or end a sign-in.
 */
const UNGATED_PATHS: ReadonlySet<string> = new Set([
  '/healthz',
  '/readyz',
  '/login',
  '/callback',
  '/logout',
  '/token',
  '/revoke',
  '/register',
]);

/**
 * The console loses authority as fast as MCP does (docs/architecture.md "Roles"): before any
 * console or consent page runs, the session's role in its team is re-read through the
 * MembershipResolver MCP tokens use. A demotion shows at the next request after the cache bound
 * (a viewer's console); a human WorkOS no longer lists in the team sees their session end with a
 * clear page; when WorkOS cannot answer and nothing read within the bound is left, the page is a
 * 503 — never the admin console of a role that may be gone.
 */
export function consoleAuthority(app: Elysia, ctx: AppContext): void {
  app.onRequest(async ({ request }) => {
    const value = sessionCookieValue(ctx, request);
    if (!value) return;
    const { pathname } = new URL(request.url);
    if (UNGATED_PATHS.has(pathname) || pathname.startsWith('/.well-known/')) return;
    const check = await ctx.browserSessions.resolve(value);
    switch (check.kind) {
      case 'none':
        gated.set(request, undefined);
        return;
      case 'ok':
        gated.set(request, check.session);
        return;
      case 'removed': {
        ctx.log.info('browser session ended: no longer a member of its team', { team: check.teamName });
        const res = toHtml(
          ctx,
          new AppError(
            'forbidden',
            `You are no longer a member of ${check.teamName}, so your Gatehouse session has ended.`,
            {
              hint: `WorkOS no longer lists ${check.email} in ${check.teamName}. If that is a mistake, ask a team admin to add you back, then sign in again.`,
            },
          ),
        );
        res.headers.append('Set-Cookie', clearSessionCookie(ctx));
        return res;
      }
      case 'unavailable':
        return toHtml(
          ctx,
          new AppError(
            'unavailable',
            'Gatehouse cannot confirm your role in your team right now: WorkOS is not answering.',
            {
              hint: 'Nothing was changed. Try again in a moment; until WorkOS answers, the console stays closed rather than act on a role you may no longer have.',
              retryAfterSeconds: 5,
            },
          ),
        );
    }
  });
}

export function shellUser(s: BrowserSession): ShellUser & { name: string } {
  return {
    email: s.email,
    name: s.name,
    teamName: s.teamName,
    role: s.role,
    admin: s.permissions.includes('gatehouse:admin'),
  };
}

/**
 * A signed-in session bound to a team, or the redirect that gets the human there
 * (sign-in first, then the team picker), coming back to the page they asked for.
 */
export function requireTeamSession(ctx: AppContext, request: Request): BrowserSession | Response {
  const s = currentSession(ctx, request);
  const url = new URL(request.url);
  const back = encodeURIComponent(`${url.pathname}${url.search}`);
  if (!s) return redirectResponse(`/login?return_to=${back}`);
  if (!s.teamId) return redirectResponse(`/teams?return_to=${back}`);
  return s;
}

/**
 * An impersonated console session reads only (docs/architecture.md "Trust model"): whoever
 * impersonates a team admin in the WorkOS dashboard must not change the team's settings, keys or
 * kill switch, nor approve authority, as that admin.
 */
export function refuseImpersonated(s: BrowserSession, what: string): void {
  if (s.impersonator) {
    throw new AppError(
      'forbidden',
      `This sign-in is an impersonation by ${s.impersonator}, so it cannot ${what}: impersonated sessions can only read.`,
      { hint: 'Sign in as yourself (not through WorkOS impersonation) to make changes.' },
    );
  }
}
