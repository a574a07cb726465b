import type { ShellUser } from '../../views/components/layout.tsx';
import type { AppContext } from '../app/context.ts';
import { BROWSER_SESSION_TTL_MS } from '../config/constants.ts';
import { AppError } from '../errors/app-error.ts';
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

/** The browser session a request carries, if any. */
export function currentSession(ctx: AppContext, request: Request): BrowserSession | undefined {
  const value = parseCookies(request.headers.get('cookie')).get(sessionCookieName(ctx));
  return ctx.browserSessions.resolve(value);
}

export function shellUser(s: BrowserSession): ShellUser & { name: string } {
  return { email: s.email, name: s.name, teamName: s.teamName, role: s.role };
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
