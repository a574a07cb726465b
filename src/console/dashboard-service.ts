import type { AppContext } from '../app/context.ts';
import { type SeriesPoint, type ToolStats, teamStats } from '../metrics/stats.ts';
import { isTeamAdmin, type TeamSession } from './connections-service.ts';

export const WINDOWS = {
  hour: { ms: 60 * 60_000, slotMs: 60_000, label: 'Last hour', slotLabel: 'per minute' },
  day: { ms: 24 * 60 * 60_000, slotMs: 30 * 60_000, label: 'Last 24 hours', slotLabel: 'per 30 minutes' },
} as const;
export type WindowKey = keyof typeof WINDOWS;

export function parseWindow(v: string | null): WindowKey {
  return v === 'day' ? 'day' : 'hour';
}

export interface ConnectedClient {
  name: string;
  kind: 'oauth' | 'connection';
  userEmail: string | null;
  lastUsedAt: number;
  requestCount: number;
}

export interface DashboardData {
  window: WindowKey;
  since: number;
  until: number;
  tools: ToolStats[];
  series: SeriesPoint[];
  totals: { calls: number; errors: number; denials: number };
  /** Open MCP sessions of the team (the rows the live sessions are kept in step with). */
  activeSessions: number;
  /** How many live authorizations/connection tokens made a request in the window. */
  connectedClients: number;
  /** The clients themselves; user emails only for team admins. */
  clients: ConnectedClient[];
  pendingApprovals: number;
}

/** Clients listed on the dashboard (the most recently used); the count covers all of them. */
export const CLIENTS_SHOWN = 50;

/** Pending requests not yet expired (the grants_team_status index): no live grant is loaded. */
function pendingGrants(ctx: AppContext, teamId: string, now: number): number {
  return (
    ctx.db.$client
      .query<{ n: number }, [string, number]>(
        `SELECT count(*) AS n FROM grants
         WHERE team_id = ? AND status = 'pending' AND request_expires_at > ?`,
      )
      .get(teamId, now)?.n ?? 0
  );
}

/** Everything the dashboard shows for one team over one window. */
export function dashboardData(ctx: AppContext, s: TeamSession, window: WindowKey): DashboardData {
  const now = ctx.clock.now();
  const w = WINDOWS[window];
  // Buffered counts first, so the page shows every call made so far.
  ctx.metrics.flush();
  ctx.oauth.tokens.flushUsage();
  const stats = teamStats(ctx.db.$client, s.teamId, { since: now - w.ms, until: now + 1, slotMs: w.slotMs });
  const totals = stats.tools.reduce(
    (t, x) => ({ calls: t.calls + x.calls, errors: t.errors + x.errors, denials: t.denials + x.denials }),
    { calls: 0, errors: 0, denials: 0 },
  );
  const sqlite = ctx.db.$client;
  const activeSessions = ctx.mcpSessionRows.openCount(s.teamId);
  const admin = isTeamAdmin(s);
  // The most recently used first, at most CLIENTS_SHOWN of them; the count is of the window's
  // clients only (the (team, last_used_at) index), never of every token the team ever had.
  const recent = [s.teamId, now, stats.since] as const;
  const connectedClients =
    sqlite
      .query<{ n: number }, [string, number, number]>(
        `SELECT count(*) AS n FROM token_families f
         WHERE f.team_id = ? AND f.revoked_at IS NULL AND (f.expires_at IS NULL OR f.expires_at > ?)
           AND f.last_used_at >= ?`,
      )
      .get(...recent)?.n ?? 0;
  const clients = sqlite
    .query<
      {
        kind: 'oauth' | 'connection';
        name: string | null;
        clientName: string | null;
        clientId: string | null;
        email: string;
        lastUsedAt: number;
        requestCount: number;
      },
      [string, number, number]
    >(
      `SELECT f.kind, f.name, c.client_name AS clientName, f.client_id AS clientId, u.email,
              f.last_used_at AS lastUsedAt, f.request_count AS requestCount
       FROM token_families f
       JOIN users u ON u.id = f.user_id
       LEFT JOIN oauth_clients c ON c.id = f.client_id
       WHERE f.team_id = ? AND f.revoked_at IS NULL AND (f.expires_at IS NULL OR f.expires_at > ?)
         AND f.last_used_at >= ?
       ORDER BY f.last_used_at DESC LIMIT ${CLIENTS_SHOWN}`,
    )
    .all(...recent)
    .map((r) => ({
      name: (r.kind === 'oauth' ? r.clientName : r.name) ?? r.clientId ?? 'unnamed',
      kind: r.kind,
      userEmail: admin ? r.email : null,
      lastUsedAt: r.lastUsedAt,
      requestCount: r.requestCount,
    }));
  return {
    window,
    since: stats.since,
    until: now,
    tools: stats.tools,
    series: stats.series,
    totals,
    activeSessions,
    connectedClients,
    clients,
    pendingApprovals: pendingGrants(ctx, s.teamId, now),
  };
}
