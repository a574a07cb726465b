import { randomToken, safeEqual } from '../crypto/random.ts';
import type { Sealer } from '../crypto/seal.ts';
import { AppError } from '../errors/app-error.ts';
import { cookieName, parseCookies, serializeCookie } from './cookies.ts';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const PRE_COOKIE = 'gh_csrf';

/** What a signed-in form's token is bound to: the browser session, and the team it is in. */
export interface CsrfSession {
  idHash: string;
  teamId?: string | null;
}

/**
 * Synchronizer-token CSRF protection. A signed-in form's token is a MAC of the browser
 * session id and the team the session is in; before sign-in it is a MAC of a random `gh_csrf`
 * cookie (login CSRF). Tokens travel in the `_csrf` form field or the `X-CSRF-Token` header (htmx).
 * Bound to the team, a page shown in one team cannot act in another the session switched to
 * since (a settings toggle, an environment link): its forms are refused, and the page reloaded.
 */
export class Csrf {
  constructor(
    private readonly sealer: Sealer,
    private readonly secure: boolean,
  ) {}

  forSession(session: CsrfSession): string {
    return this.sealer.mac('csrf:session', `${session.idHash}|${session.teamId ?? ''}`);
  }

  /** Token for an anonymous form; returns the cookie to set when the browser has none yet. */
  forAnonymous(request: Request): { token: string; setCookie?: string } {
    const name = cookieName(PRE_COOKIE, this.secure);
    let value = parseCookies(request.headers.get('cookie')).get(name);
    let setCookie: string | undefined;
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
      value = randomToken();
      setCookie = serializeCookie(name, value, { secure: this.secure, maxAgeSeconds: 3600 });
    }
    return { token: this.sealer.mac('csrf:anon', value), setCookie };
  }

  /** Throws 403 unless the request carries the token bound to this session (or anonymous cookie). */
  verify(request: Request, submitted: string | undefined, session: CsrfSession | undefined): void {
    const token = submitted ?? request.headers.get(CSRF_HEADER) ?? undefined;
    if (!token)
      throw new AppError(
        'forbidden',
        'This form has expired or was not sent by Gatehouse (missing CSRF token).',
        { hint: 'Reload the page and try again.' },
      );
    let expected: string | undefined;
    if (session) expected = this.forSession(session);
    else {
      const cookie = parseCookies(request.headers.get('cookie')).get(cookieName(PRE_COOKIE, this.secure));
      if (cookie) expected = this.sealer.mac('csrf:anon', cookie);
    }
    if (!expected || !safeEqual(token, expected)) {
      throw new AppError(
        'forbidden',
        'This form has expired or was not sent by Gatehouse (invalid CSRF token).',
        {
          hint: 'Reload the page and try again (a page shown before you switched teams acts in no team).',
        },
      );
    }
  }
}
