import type { AppContext } from '../app/context.ts';
import { type HtmlOptions, htmlResponse } from './responses.ts';

/**
 * Renders a console page. Forms may submit to this server and be redirected to AuthKit
 * (sign-in, sign-out), so AuthKit's origin joins `form-action` in the page's CSP.
 */
export function renderPage(ctx: AppContext, body: string, options: HtmlOptions = {}): Response {
  return htmlResponse(body, {
    ...options,
    formActionOrigins: [...ctx.formActionOrigins, ...(options.formActionOrigins ?? [])],
  });
}
