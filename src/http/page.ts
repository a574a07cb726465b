import { withDemoPublicNotice } from '../../views/components/layout.tsx';
import type { AppContext } from '../app/context.ts';
import { type HtmlOptions, htmlResponse } from './responses.ts';

/**
 * Renders a console page. Forms may submit to this server and be redirected to AuthKit
 * (sign-in, sign-out), so AuthKit's origin joins `form-action` in the page's CSP. A deliberately
 * public demo (GATEHOUSE_DEMO_PUBLIC=1) says so at the top of every page.
 */
export function renderPage(ctx: AppContext, body: string, options: HtmlOptions = {}): Response {
  return htmlResponse(ctx.config.demoPublic ? withDemoPublicNotice(body) : body, {
    ...options,
    formActionOrigins: [...ctx.formActionOrigins, ...(options.formActionOrigins ?? [])],
  });
}
