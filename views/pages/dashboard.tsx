/** @jsxImportSource @kitajs/html */
import { BarChart, ColumnChart, Legend, type SeriesBar } from '../components/charts.tsx';
import { Layout, type ShellUser } from '../components/layout.tsx';
import { Ident } from '../components/text.tsx';

export interface ToolRowView {
  tool: string;
  calls: number;
  errors: number;
  errorRate: string;
  denials: number;
  p50: string;
  p95: string;
  /** p95 in ms for the chart (overflow shown at the largest bound). */
  p95Ms: number;
}

export interface DashboardView {
  window: 'hour' | 'day';
  windowLabel: string;
  slotLabel: string;
  updated: string;
  tools: ToolRowView[];
  series: SeriesBar[];
  axis: [string, string, string];
  totals: { calls: number; errors: number; denials: number; errorRate: string };
  activeSessions: number;
  connectedClients: number;
  clients: { name: string; kind: string; userEmail: string | null; lastUsed: string; requests: number }[];
  pendingApprovals: number;
  admin: boolean;
}

/** Polling interval of the live part. */
export const DASHBOARD_POLL = 'every 10s';

function Stat({
  label,
  value,
  testId,
  href,
}: {
  label: string;
  value: string;
  testId: string;
  href?: string;
}) {
  return (
    <div class="stat">
      <div class="stat-value" data-testid={testId} safe>
        {value}
      </div>
      <div class="stat-label">
        {href ? (
          <a href={href} safe>
            {label}
          </a>
        ) : (
          <span safe>{label}</span>
        )}
      </div>
    </div>
  );
}

/** The part of /dashboard that refreshes itself (GET /dashboard/live). */
export function DashboardLive({ v }: { v: DashboardView }) {
  return (
    <>
      <section class="card">
        <div class="stats">
          <Stat label="Active MCP sessions" value={String(v.activeSessions)} testId="active-sessions" />
          <Stat
            label="Connected clients"
            value={String(v.connectedClients)}
            testId="connected-clients"
            href="/connections"
          />
          <Stat
            label="Pending approvals"
            value={String(v.pendingApprovals)}
            testId="pending-approvals"
            href="/approvals"
          />
          <Stat
            label={`Tool calls (${v.windowLabel.toLowerCase()})`}
            value={String(v.totals.calls)}
            testId="total-calls"
          />
          <Stat
            label={v.totals.calls === 0 ? 'Error rate (no calls yet)' : 'Error rate'}
            value={v.totals.errorRate}
            testId="total-error-rate"
          />
          <Stat label="Denials" value={String(v.totals.denials)} testId="total-denials" />
        </div>
        <p class="muted small" safe>
          {`Updated ${v.updated} UTC; refreshes every 10 seconds.`}
        </p>
      </section>
      <section class="card">
        <h2 safe>{`Calls ${v.slotLabel}`}</h2>
        <ColumnChart
          title={`Tool calls ${v.slotLabel}, ${v.windowLabel.toLowerCase()}`}
          points={v.series}
          axis={v.axis}
          testId="series-chart"
        />
        <Legend
          items={[
            { tone: 'accent', label: 'succeeded' },
            { tone: 'danger', label: 'failed' },
            { tone: 'warn', label: 'denied' },
          ]}
        />
      </section>
      <section class="card">
        <h2>Calls per tool</h2>
        <BarChart
          title="Tool calls per tool"
          rows={v.tools.map((t) => ({ label: t.tool, value: t.calls }))}
          testId="calls-chart"
        />
        <h2 class="after-chart">p95 latency per tool</h2>
        <BarChart
          title="p95 latency per tool"
          rows={v.tools.map((t) => ({
            label: t.tool,
            value: t.p95Ms,
            display: t.p95,
            tone: 'warn' as const,
          }))}
          testId="p95-chart"
        />
        <h2 class="after-chart">Error rate per tool</h2>
        <BarChart
          title="Error rate per tool"
          rows={v.tools.map((t) => ({
            label: t.tool,
            value: t.calls === 0 ? 0 : (t.errors / t.calls) * 100,
            display: t.errorRate,
            tone: 'danger' as const,
          }))}
          testId="error-rate-chart"
        />
      </section>
      <section class="card">
        <h2>Per tool</h2>
        {v.tools.length === 0 ? (
          <p class="muted">No tool call in this window.</p>
        ) : (
          <table class="cards" data-testid="tool-table">
            <thead>
              <tr>
                <th>Tool</th>
                <th class="num">Calls</th>
                <th class="num">Errors</th>
                <th class="num">Error rate</th>
                <th class="num">Denials</th>
                <th class="num">p50</th>
                <th class="num">p95</th>
              </tr>
            </thead>
            <tbody>
              {v.tools.map((t) => (
                <tr data-tool={t.tool}>
                  <td data-label="Tool">
                    <Ident text={t.tool} code />
                  </td>
                  <td class="num" data-label="Calls" data-col="calls" safe>
                    {String(t.calls)}
                  </td>
                  <td class="num" data-label="Errors" data-col="errors" safe>
                    {String(t.errors)}
                  </td>
                  <td class="num" data-label="Error rate" data-col="error-rate" safe>
                    {t.errorRate}
                  </td>
                  <td class="num" data-label="Denials" data-col="denials" safe>
                    {String(t.denials)}
                  </td>
                  <td class="num" data-label="p50" data-col="p50" safe>
                    {t.p50}
                  </td>
                  <td class="num" data-label="p95" data-col="p95" safe>
                    {t.p95}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="muted small">
          Latency percentiles come from per-minute histograms (ten buckets a decade, 0.1 ms … 10 s),
          interpolated linearly inside the bucket that holds the percentile, as Prometheus’ histogram_quantile
          does; “&gt; 10 s” means the slowest bucket. Error rate counts failed calls; denials by policy are
          counted apart.
        </p>
      </section>
      <section class="card">
        <h2>Connected clients</h2>
        {v.clients.length === 0 ? (
          <p class="muted">No client made a request in this window.</p>
        ) : (
          <table class="cards" data-testid="clients-table">
            <thead>
              <tr>
                <th>Client</th>
                {v.admin ? <th>User</th> : ''}
                <th>Kind</th>
                <th>Last request</th>
                <th class="num">Requests</th>
              </tr>
            </thead>
            <tbody>
              {v.clients.map((c) => (
                <tr>
                  <td data-label="Client" safe>
                    {c.name}
                  </td>
                  {v.admin ? (
                    <td data-label="User" safe>
                      {c.userEmail ?? ''}
                    </td>
                  ) : (
                    ''
                  )}
                  <td data-label="Kind">{c.kind === 'oauth' ? 'OAuth client' : 'connection token'}</td>
                  <td data-label="Last request" safe>
                    {c.lastUsed}
                  </td>
                  <td class="num" data-label="Requests" safe>
                    {String(c.requests)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

export interface DashboardPageProps {
  user: ShellUser;
  csrfToken: string;
  v: DashboardView;
}

/** /dashboard: per-tool volume, error rate and latency, live counts. */
export function DashboardPage({ user, csrfToken, v }: DashboardPageProps) {
  return (
    <Layout title="Dashboard" user={user} csrfToken={csrfToken} active="dashboard">
      <section class="card row">
        <h1 class="grow">Dashboard</h1>
        <nav class="segmented" aria-label="Window">
          <a
            href="/dashboard?window=hour"
            class={v.window === 'hour' ? 'active' : undefined}
            aria-current={v.window === 'hour' ? 'page' : undefined}
          >
            Last hour
          </a>
          <a
            href="/dashboard?window=day"
            class={v.window === 'day' ? 'active' : undefined}
            aria-current={v.window === 'day' ? 'page' : undefined}
          >
            Last 24 hours
          </a>
        </nav>
      </section>
      <div
        id="dashboard-live"
        class="stack"
        hx-get={`/dashboard/live?window=${v.window}`}
        hx-trigger={DASHBOARD_POLL}
        hx-swap="innerHTML"
      >
        <DashboardLive v={v} />
      </div>
    </Layout>
  );
}
