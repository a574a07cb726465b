import type { Elysia } from 'elysia';
import { CardError, GrantCard, PipesNote } from '../../views/components/approvals-card.tsx';
import { ActiveRow, ApprovalDetailPage, ApprovalsLive, ApprovalsPage } from '../../views/pages/approvals.tsx';
import type { AppContext } from '../app/context.ts';
import { refuseImpersonated, requireTeamSession, shellUser } from '../auth/console-session.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import { page } from '../http/app.ts';
import { type FormFields, readForm } from '../http/forms.ts';
import { renderPage } from '../http/page.ts';
import { fragmentResponse, redirectResponse } from '../http/responses.ts';
import { confirmationRoutes } from './confirmations-console.ts';
import { withPipesNotes } from './console-notes.ts';
import {
  approveFromConsole,
  denyFromConsole,
  type GrantView,
  grantForLink,
  grantView,
  revokeFromConsole,
  type TeamSession,
  teamApprovals,
} from './console-service.ts';
import { isGrantId } from './store.ts';

/** Fixed notices after a plain-form decision (never text from the query string). */
const NOTICES: Record<string, string> = {
  approved: 'Approved. The agent can go ahead.',
  denied: 'Denied. The agent has been told.',
  revoked: 'Revoked. The agent has lost this grant.',
  confirmed: 'Confirmed. Your agent’s next call with the same request goes ahead, once.',
  declined: 'Declined. Your agent will be told on its next call.',
};

const isHtmx = (request: Request) => request.headers.get('hx-request') === 'true';

function teamSession(ctx: AppContext, request: Request): TeamSession | Response {
  const s = requireTeamSession(ctx, request);
  if (s instanceof Response) return s;
  return s as TeamSession;
}

/** GET /approvals — pending requests, active grants and recent decisions of the team. */
export async function approvalsPage(ctx: AppContext, request: Request): Promise<Response> {
  const s = teamSession(ctx, request);
  if (s instanceof Response) return s;
  const done = new URL(request.url).searchParams.get('done') ?? '';
  const data = teamApprovals(ctx, s);
  await withPipesNotes(ctx, s, data.pending);
  return renderPage(
    ctx,
    ApprovalsPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      data,
      notice: NOTICES[done],
    }) as string,
  );
}

/**
 * The session behind a poll or a decision. Signed out (the session ended while the page was
 * open), the human goes to sign-in and back to the list: htmx is told to navigate the whole page
 * rather than swap the sign-in page into a card.
 */
function backgroundSession(ctx: AppContext, request: Request): TeamSession | Response {
  const s = requireTeamSession(ctx, request);
  if (!(s instanceof Response)) return s as TeamSession;
  const signIn = '/login?return_to=%2Fapprovals';
  return isHtmx(request)
    ? fragmentResponse('', { headers: { 'HX-Redirect': signIn } })
    : redirectResponse(signIn);
}

/** GET /approvals/pending — the live part of /approvals, polled by htmx. */
export function approvalsLive(ctx: AppContext, request: Request): Response {
  const s = backgroundSession(ctx, request);
  if (s instanceof Response) return s;
  return fragmentResponse(
    ApprovalsLive({ data: teamApprovals(ctx, s), csrfToken: ctx.csrf.forSession(s) }) as string,
  );
}

/**
 * GET /approvals/:id?t=… — the page an agent's approval link opens. Sign-in first (and back,
 * keeping `t`); a pending request needs the link's secret; other teams' requests do not exist.
 */
export async function approvalDetail(
  ctx: AppContext,
  request: Request,
  params: Record<string, string>,
): Promise<Response> {
  const s = teamSession(ctx, request);
  if (s instanceof Response) return s;
  const t = new URL(request.url).searchParams.get('t');
  const v = grantForLink(ctx, s, params.id ?? '', t);
  await withPipesNotes(ctx, s, [v]);
  return renderPage(
    ctx,
    ApprovalDetailPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      v,
      linkToken: v.status === 'pending' ? (t ?? undefined) : undefined,
    }) as string,
  );
}

/**
 * GET /approvals/:id/pipes — the Pipes note of a pending card that the poll brought in (the full
 * pages look it up before rendering). A grant of another team is a 404, like its card.
 */
export async function pipesNoteFragment(
  ctx: AppContext,
  request: Request,
  params: Record<string, string>,
): Promise<Response> {
  const s = backgroundSession(ctx, request);
  if (s instanceof Response) return s;
  const v = grantView(ctx, s, params.id ?? '');
  if (!v) throw new AppError('not_found', 'There is no such approval request in your team.');
  await withPipesNotes(ctx, s, [v]);
  if (v.pipesNotes === undefined) v.pipesNotes = [];
  return fragmentResponse(PipesNote({ v }) as string);
}

/** Reads a decision form and checks its CSRF token (before anything else is looked at). */
async function decisionForm(ctx: AppContext, request: Request, s: TeamSession): Promise<FormFields> {
  const form = await readForm(request);
  ctx.csrf.verify(request, form.get('_csrf'), s);
  return form;
}

/** Where a plain form goes after a decision: back to the link's page, or to the list. */
function afterDecision(v: GrantView, t: string | undefined, done: string): Response {
  if (t) return redirectResponse(`/approvals/${encodeURIComponent(v.id)}?t=${encodeURIComponent(t)}`);
  return redirectResponse(`/approvals?done=${done}`);
}

/**
 * htmx error answers: a conflict (already decided) swaps in the card as it now is, with the
 * message; any other refusal shows the message in the card and leaves the form as it was.
 */
function htmxCardError(ctx: AppContext, s: TeamSession, id: string, e: AppError, t?: string): Response {
  const csrfToken = ctx.csrf.forSession(s);
  const current = e.code === 'conflict' ? grantView(ctx, s, id) : undefined;
  if (current) {
    return fragmentResponse(GrantCard({ v: current, csrfToken, linkToken: t, error: e.message }) as string, {
      status: e.status,
    });
  }
  return fragmentResponse(CardError({ message: e.message }) as string, {
    status: e.status,
    headers: { 'HX-Retarget': `#error-${id}`, 'HX-Reswap': 'innerHTML' },
  });
}

/**
 * Runs a decision. A plain form is redirected back (to the link's page, or the list); htmx gets
 * the card in its new state, or the refusal inside the card.
 */
async function decide(
  ctx: AppContext,
  request: Request,
  params: Record<string, string>,
  run: (s: TeamSession, id: string, form: FormFields) => { v: GrantView; t?: string; done: string },
): Promise<Response> {
  const s = backgroundSession(ctx, request);
  if (s instanceof Response) return s;
  const id = params.id ?? '';
  if (!isHtmx(request)) {
    const form = await decisionForm(ctx, request, s);
    const { v, t, done } = run(s, id, form);
    return afterDecision(v, t, done);
  }
  let t: string | undefined;
  try {
    const form = await decisionForm(ctx, request, s);
    t = form.params.get('t') || undefined;
    const result = run(s, id, form);
    return fragmentResponse(GrantCard({ v: result.v, csrfToken: ctx.csrf.forSession(s) }) as string);
  } catch (e) {
    // Only a well-formed grant id gets a card answer; anything else gets the plain error page.
    if (!isAppError(e) || !isGrantId(id)) throw e;
    return htmxCardError(ctx, s, id, e, t);
  }
}

/** POST /approvals/:id/approve — fields `_csrf`, `providers` (repeated), `level`, `notes`, `t`. */
export function approve(ctx: AppContext, request: Request, params: Record<string, string>) {
  return decide(ctx, request, params, (s, id, form) => {
    refuseImpersonated(s, 'approve a request');
    const t = form.get('t') || undefined;
    const v = approveFromConsole(ctx, s, id, {
      providers: form.all('providers'),
      level: form.get('level'),
      notes: form.get('notes'),
      t,
    });
    return { v, t, done: 'approved' };
  });
}

/** POST /approvals/:id/deny — fields `_csrf`, `reason`, `t`. */
export function deny(ctx: AppContext, request: Request, params: Record<string, string>) {
  return decide(ctx, request, params, (s, id, form) => {
    refuseImpersonated(s, 'deny a request');
    const t = form.get('t') || undefined;
    const v = denyFromConsole(ctx, s, id, { reason: form.get('reason'), t });
    return { v, t, done: 'denied' };
  });
}

/** POST /approvals/:id/revoke — field `_csrf`. htmx answers the active-grants row. */
export async function revoke(ctx: AppContext, request: Request, params: Record<string, string>) {
  const s = backgroundSession(ctx, request);
  if (s instanceof Response) return s;
  const id = params.id ?? '';
  if (!isHtmx(request)) {
    await decisionForm(ctx, request, s);
    revokeFromConsole(ctx, s, id);
    return redirectResponse('/approvals?done=revoked');
  }
  const csrfToken = ctx.csrf.forSession(s);
  try {
    await decisionForm(ctx, request, s);
    const v = revokeFromConsole(ctx, s, id);
    return fragmentResponse(ActiveRow({ v, csrfToken }) as string);
  } catch (e) {
    const current = isAppError(e) ? grantView(ctx, s, id) : undefined;
    if (!isAppError(e) || !current) throw e;
    // Leave the row in place, now showing its real state and why nothing happened.
    return fragmentResponse(ActiveRow({ v: current, csrfToken, error: e.message }) as string, {
      status: e.status,
    });
  }
}

/** The /approvals routes (docs/architecture.md "Human in the loop (Pipes)", §5). */
export function approvalsRoutes(app: Elysia, ctx: AppContext): void {
  app
    .get('/approvals', page(ctx, approvalsPage))
    .get('/approvals/pending', page(ctx, approvalsLive))
    .get('/approvals/:id', page(ctx, approvalDetail))
    .get('/approvals/:id/pipes', page(ctx, pipesNoteFragment))
    .post('/approvals/:id/approve', page(ctx, approve))
    .post('/approvals/:id/deny', page(ctx, deny))
    .post('/approvals/:id/revoke', page(ctx, revoke));
  confirmationRoutes(app, ctx);
}
