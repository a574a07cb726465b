import type { Elysia } from 'elysia';
import { DashboardLive, DashboardPage, type DashboardView } from '../../views/pages/dashboard.tsx';
import type { AppContext } from '../app/context.ts';
import { requireTeamSession, shellUser } from '../auth/console-session.ts';
import { page } from '../http/app.ts';
import { renderPage } from '../http/page.ts';
import { fragmentResponse, redirectResponse } from '../http/responses.ts';
import { formatLatency } from '../metrics/stats.ts';
import { isTeamAdmin, type TeamSession } from './connections-service.ts';
import { dashboardData, parseWindow, WINDOWS, type WindowKey } from './dashboard-service.ts';

const percent = (r: number) => `${Math.round(r * 1000) / 10}%`;
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const dayHhmm = (ms: number) => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');

function dashboardView(ctx: AppContext, s: TeamSession, window: WindowKey): DashboardView {
  const d = dashboardData(ctx, s, window);
  const w = WINDOWS[window];
  const fmt = window === 'hour' ? hhmm : dayHhmm;
  const mid = d.series[Math.floor(d.series.length / 2)];
  return {
    window,
    windowLabel: w.label,
    slotLabel: w.slotLabel,
    updated: new Date(d.until).toISOString().slice(0, 19).replace('T', ' '),
    tools: d.tools.map((t) => ({
      tool: t.tool,
      calls: t.calls,
      errors: t.errors,
      errorRate: percent(t.errorRate),
      denials: t.denials,
      p50: formatLatency(t.p50),
      p95: formatLatency(t.p95),
      p95Ms: Math.round((t.p95?.ms ?? 0) * 100) / 100,
    })),
    series: d.series.map((p) => ({
      label: `${fmt(p.start)} UTC`,
      ok: Math.max(0, p.calls - p.errors - p.denials),
      errors: p.errors,
      denials: p.denials,
    })),
    axis: [fmt(d.since), mid ? fmt(mid.start) : '', fmt(d.until)],
    totals: {
      ...d.totals,
      // No call, no rate: a dash, not a reassuring "0%".
      errorRate: d.totals.calls === 0 ? '—' : percent(d.totals.errors / d.totals.calls),
    },
    activeSessions: d.activeSessions,
    connectedClients: d.connectedClients,
    clients: d.clients.map((c) => ({
      name: c.name,
      kind: c.kind,
      userEmail: c.userEmail,
      lastUsed: `${dayHhmm(c.lastUsedAt)} UTC`,
      requests: c.requestCount,
    })),
    pendingApprovals: d.pendingApprovals,
    admin: isTeamAdmin(s),
  };
}

/** GET /dashboard?window=hour|day — everyone on the team (team-wide aggregates). */
export function dashboardPage(ctx: AppContext, request: Request): Response {
  const s = requireTeamSession(ctx, request);
  if (s instanceof Response) return s;
  const window = parseWindow(new URL(request.url).searchParams.get('window'));
  return renderPage(
    ctx,
    DashboardPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      v: dashboardView(ctx, s as TeamSession, window),
    }) as string,
  );
}

/** GET /dashboard/live?window=… — the refreshing fragment. */
export function dashboardLive(ctx: AppContext, request: Request): Response {
  const s = requireTeamSession(ctx, request);
  if (s instanceof Response) {
    // Signed out while the page was open: navigate the whole page rather than swap sign-in in.
    return request.headers.get('hx-request') === 'true'
      ? fragmentResponse('', { headers: { 'HX-Redirect': '/login?return_to=%2Fdashboard' } })
      : redirectResponse('/login?return_to=%2Fdashboard');
  }
  const window = parseWindow(new URL(request.url).searchParams.get('window'));
  return fragmentResponse(DashboardLive({ v: dashboardView(ctx, s as TeamSession, window) }) as string);
}

/** The /dashboard routes (docs/architecture.md "Console"). */
export function dashboardRoutes(app: Elysia, ctx: AppContext): void {
  app.get('/dashboard', page(ctx, dashboardPage)).get('/dashboard/live', page(ctx, dashboardLive));
}
