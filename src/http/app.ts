import { Elysia } from 'elysia';
import type { AppContext } from '../app/context.ts';
import { currentSession, shellUser } from '../auth/console-session.ts';
import * as auth from '../auth/routes.ts';
import { homePage } from '../console/home.ts';
import { AppError } from '../errors/app-error.ts';
import { databaseUnavailableError } from '../errors/database.ts';
import { toHtml } from '../errors/to-html.ts';
import { healthz, readyzHandler } from './health.ts';

export type RouteHandler = (
  ctx: AppContext,
  request: Request,
  params: Record<string, string>,
) => Response | Promise<Response>;

/**
 * Wraps a console/auth handler: any thrown error becomes a clear HTML page (AppError) or a
 * logged 500 — never a stack trace.
 */
export function page(ctx: AppContext, handler: RouteHandler) {
  return async ({ request, params }: { request: Request; params: Record<string, string> }) => {
    try {
      return await handler(ctx, request, params ?? {});
    } catch (e) {
      const s = safeSession(ctx, request);
      return toHtml(ctx, e, s ? { user: shellUser(s), csrfToken: ctx.csrf.forSession(s) } : undefined);
    }
  };
}

function safeSession(ctx: AppContext, request: Request) {
  try {
    return currentSession(ctx, request);
  } catch {
    return undefined;
  }
}

/** Extra route groups later domains plug in (OAuth, console pages…). */
export type RouteModule = (app: Elysia, ctx: AppContext) => void;

/**
 * The Elysia application for everything except /mcp (which is dispatched before Elysia so the
 * transport gets the untouched request body). Bodies are never parsed by Elysia: handlers read
 * them with explicit size and type checks.
 */
export function buildApp(ctx: AppContext, modules: RouteModule[] = []): Elysia {
  const readyz = readyzHandler(ctx);
  // The error hook comes first: Elysia applies hooks to the routes registered after them.
  const app = new Elysia({ strictPath: true })
    .onError(({ code, error, request }) => {
      if (code === 'NOT_FOUND') {
        return toHtml(ctx, new AppError('not_found', `Nothing lives at ${new URL(request.url).pathname}.`));
      }
      // What the client sent could not be parsed or validated: its fault, a 400.
      if (code === 'PARSE' || code === 'VALIDATION' || code === 'INVALID_COOKIE_SIGNATURE') {
        return toHtml(ctx, new AppError('invalid_input', 'The request could not be understood.'));
      }
      // Anything else is ours (src/README.md): logged, and a 500 that says nothing about internals
      // (a 503 when the database cannot answer).
      ctx.log.error('unhandled error in a route', {
        code: String(code),
        path: new URL(request.url).pathname,
        error: error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
      });
      return toHtml(
        ctx,
        databaseUnavailableError(error) ??
          new AppError('internal', 'Gatehouse hit an unexpected error. It has been logged.'),
      );
    })
    .onParse(() => ({}))
    .get('/healthz', () => healthz())
    .get('/readyz', ({ request }) => readyz(request))
    .get('/', page(ctx, homePage))
    .get('/login', page(ctx, auth.loginPage))
    .post('/login', page(ctx, auth.loginSubmit))
    .get('/callback', page(ctx, auth.callback))
    .get('/teams', page(ctx, auth.teamPicker))
    .post('/teams/select', page(ctx, auth.teamSelect))
    .get('/logout', page(ctx, auth.logoutPage))
    .post('/logout', page(ctx, auth.logoutSubmit));
  for (const m of modules) m(app as unknown as Elysia, ctx);
  return app as unknown as Elysia;
}
