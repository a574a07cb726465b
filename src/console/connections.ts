import type { Elysia } from 'elysia';
import {
  ConnectionsPage,
  FlashMessage,
  RevokedRow,
  TokenCreatedPage,
} from '../../views/pages/connections.tsx';
import type { AppContext } from '../app/context.ts';
import { requireTeamSession, shellUser } from '../auth/console-session.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import { page } from '../http/app.ts';
import { readForm } from '../http/forms.ts';
import { renderPage } from '../http/page.ts';
import { fragmentResponse, redirectResponse } from '../http/responses.ts';
import {
  type ConnectionsCursor,
  connectionTokenForm,
  createConnectionToken,
  isTeamAdmin,
  listConnections,
  revokeConnection,
  type TeamSession,
} from './connections-service.ts';

/** Token family ids as minted by TokensService (`fam_` + base64url); anything else is a 404. */
const FAMILY_ID = /^fam_[A-Za-z0-9_-]{1,64}$/;

function teamSession(ctx: AppContext, request: Request): TeamSession | Response {
  const s = requireTeamSession(ctx, request);
  if (s instanceof Response) return s;
  return s as TeamSession;
}

/** `?oauth_before=` / `?tokens_before=`: where each table's page starts (a family id). */
function cursorOf(url: URL): ConnectionsCursor {
  const id = (name: string) => {
    const v = url.searchParams.get(name);
    return v && FAMILY_ID.test(v) ? v : undefined;
  };
  const oauth = id('oauth_before');
  const connection = id('tokens_before');
  return { ...(oauth ? { oauth } : {}), ...(connection ? { connection } : {}) };
}

function renderList(
  ctx: AppContext,
  s: TeamSession,
  extra: { status?: number; error?: string; form?: { name: string; expiry: string; access: string } } = {},
  notice?: string,
  cursor: ConnectionsCursor = {},
): Response {
  const page = listConnections(ctx, s, cursor);
  return renderPage(
    ctx,
    ConnectionsPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      admin: isTeamAdmin(s),
      entries: page.entries,
      older: page.older,
      paged: cursor.oauth !== undefined || cursor.connection !== undefined,
      error: extra.error,
      form: extra.form,
      notice,
    }) as string,
    { status: extra.status ?? 200 },
  );
}

/** GET /connections — the human's (or, for admins, the team's) clients and connection tokens. */
export function connectionsPage(ctx: AppContext, request: Request): Response {
  const s = teamSession(ctx, request);
  if (s instanceof Response) return s;
  const url = new URL(request.url);
  const revoked = url.searchParams.get('revoked') === '1';
  return renderList(
    ctx,
    s,
    {},
    revoked ? 'Revoked. Agents using it have lost access.' : undefined,
    cursorOf(url),
  );
}

/** POST /connections — creates a connection token and shows it once. */
export async function createToken(ctx: AppContext, request: Request): Promise<Response> {
  const s = teamSession(ctx, request);
  if (s instanceof Response) return s;
  const form = await readForm(request);
  ctx.csrf.verify(request, form.get('_csrf'), s);
  const raw = {
    name: form.get('name') ?? '',
    expiry: form.get('expiry') ?? 'never',
    access: form.get('access') ?? 'mcp',
  };
  const parsed = connectionTokenForm.safeParse(raw);
  if (!parsed.success) {
    return renderList(ctx, s, {
      status: 400,
      error: parsed.error.issues[0]?.message ?? 'The form is not valid.',
      form: { ...raw, name: raw.name.slice(0, 200) },
    });
  }
  let created: ReturnType<typeof createConnectionToken>;
  try {
    created = createConnectionToken(ctx, s, parsed.data);
  } catch (e) {
    // Over the per-person quota: the list, with what to revoke, and the form as it was.
    if (!isAppError(e) || e.code !== 'conflict') throw e;
    return renderList(ctx, s, {
      status: e.status,
      error: e.message,
      form: { ...raw, name: raw.name.slice(0, 200) },
    });
  }
  return renderPage(
    ctx,
    TokenCreatedPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      name: created.name,
      token: created.token,
      expiresAt: created.expiresAt,
      scopes: created.scopes,
      mcpUrl: ctx.oauth.resource,
    }) as string,
  );
}

/**
 * POST /connections/:id/revoke — plain form: revoke and redirect back to the list; htmx: answer
 * the row that replaces the revoked one (or, on failure, a message above the lists).
 */
export async function revokeFamily(
  ctx: AppContext,
  request: Request,
  params: Record<string, string>,
): Promise<Response> {
  const s = teamSession(ctx, request);
  if (s instanceof Response) return s;
  const form = await readForm(request);
  ctx.csrf.verify(request, form.get('_csrf'), s);
  const id = params.id ?? '';
  const htmx = request.headers.get('hx-request') === 'true';
  try {
    if (!FAMILY_ID.test(id)) throw new AppError('not_found', 'There is no such connection in your team.');
    const entry = revokeConnection(ctx, s, id);
    if (!htmx) return redirectResponse('/connections?revoked=1');
    return fragmentResponse(RevokedRow({ entry, admin: isTeamAdmin(s) }) as string);
  } catch (e) {
    if (!htmx || !isAppError(e)) throw e;
    // htmx swaps error answers too: leave the row alone and say what went wrong above the lists.
    return fragmentResponse(FlashMessage({ message: e.message, error: true }) as string, {
      status: e.status,
      headers: { 'HX-Retarget': '#flash', 'HX-Reswap': 'innerHTML' },
    });
  }
}

/** The /connections routes (docs/architecture.md "Console"). */
export function connectionsRoutes(app: Elysia, ctx: AppContext): void {
  app
    .get('/connections', page(ctx, connectionsPage))
    .post('/connections', page(ctx, createToken))
    .post('/connections/:id/revoke', page(ctx, revokeFamily));
}
