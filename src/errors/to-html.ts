import { ErrorPage } from '../../views/pages/error.tsx';
import type { AppContext } from '../app/context.ts';
import { renderPage } from '../http/page.ts';
import { isAppError } from './app-error.ts';
import { databaseUnavailableError } from './database.ts';

const TITLES: Record<number, string> = {
  400: 'That request was not valid',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  410: 'This link has expired',
  413: 'Too large',
  429: 'Slow down',
  502: 'WorkOS did not answer as expected',
  503: 'Temporarily unavailable',
};

/**
 * Maps any error to an HTML error page; unknown errors are logged and become a 500 page, a
 * database that cannot answer a 503 (src/errors/database.ts).
 */
export function toHtml(
  ctx: AppContext,
  error: unknown,
  extra?: { user?: Parameters<typeof ErrorPage>[0]['user']; csrfToken?: string },
): Response {
  if (isAppError(error)) {
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
    return renderPage(
      ctx,

      ErrorPage({
        status: error.status,
        title: TITLES[error.status] ?? 'Something went wrong',
        message: error.message,
        hint: error.hint,
        user: extra?.user,
        csrfToken: extra?.csrfToken,
      }) as string,
      { status: error.status, headers },
    );
  }
  ctx.log.error('unhandled error', {
    error:
      error instanceof Error
        ? { name: error.name, message: error.message, stack: error.stack }
        : String(error),
  });
  const unavailable = databaseUnavailableError(error);
  if (unavailable) return toHtml(ctx, unavailable, extra);
  return renderPage(
    ctx,

    ErrorPage({
      status: 500,
      title: 'Something went wrong',
      message: 'Gatehouse hit an unexpected error. It has been logged.',
      hint: 'Try again; if it keeps happening, check the server log.',
    }) as string,
    { status: 500 },
  );
}
