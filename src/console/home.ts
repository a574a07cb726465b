import { HomePage } from '../../views/pages/home.tsx';
import type { AppContext } from '../app/context.ts';
import { requireTeamSession, shellUser } from '../auth/console-session.ts';
import { renderPage } from '../http/page.ts';

/** GET / — the console shell: who you are, your team and role. */
export async function homePage(ctx: AppContext, request: Request): Promise<Response> {
  const s = requireTeamSession(ctx, request);
  if (s instanceof Response) return s;
  return renderPage(
    ctx,
    HomePage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      permissions: s.permissions,
      mode: ctx.config.mode,
      mcpUrl: `${ctx.config.publicUrl}/mcp`,
    }) as string,
  );
}
