/**
 * /dashboard (per-tool figures from the rollups, SVG charts, live counts) and GET /metrics for
 * loopback callers when no METRICS_TOKEN is configured.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { recordPeer } from '../../src/http/client-ip.ts';
import { isLoopback, metricsHandler } from '../../src/http/metrics.ts';
import { bucketIndex, currentBuckets, LATENCY_BUCKETS_MS } from '../../src/metrics/recorder.ts';
import { formatLatency, histogramQuantile } from '../../src/metrics/stats.ts';
import { BarChart } from '../../views/components/charts.tsx';
import { CookieClient } from '../support/http.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';
import { parsePrometheus } from './prometheus.ts';

// Each file starts real servers: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const TEAM = 'Gatehouse Demo Team';

let gh: TestGatehouse;
let adminWeb: CookieClient;
let viewerWeb: CookieClient;
let teamId: string;
const agents: AnyClient[] = [];

beforeAll(async () => {
  gh = await startTestGatehouse();
  const tokens = await Promise.all([
    tokensFor(gh.url, 'admin@demo.test', { team: TEAM }),
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
  const [admin, member, viewer] = await Promise.all(tokens.map((t) => connectV1(gh.url, t.access_token)));
  agents.push(admin!, member!, viewer!);
  teamId = gh.ctx.oauth.tokens.bearer(tokens[1].access_token)!.family.teamId;

  for (let i = 0; i < 3; i++) expect((await call(member!, 'whoami')).isError).toBe(false);
  expect((await call(admin!, 'list_workos_organizations', { limit: 2 })).isError).toBe(false);
  expect((await call(member!, 'list_workos_organizations', { limit: 2 })).isError).toBe(false);
  // An error (WorkOS 404) and a denial (the viewer's role has no write).
  expect((await call(member!, 'get_organization_details', { organization_id: 'org_nope' })).isError).toBe(
    true,
  );
  expect((await call(viewer!, 'create_workos_organization', { name: 'Nope Inc' })).isError).toBe(true);

  // Two pending approvals, from two authorizations.
  for (const [i, email] of [
    [0, 'admin@demo.test'],
    [1, 'member@demo.test'],
  ] as const) {
    const fam = gh.ctx.oauth.tokens.bearer(tokens[i].access_token)!.family;
    gh.ctx.grants.agent.requestBroad(
      { userId: fam.userId, teamId, familyId: fam.id, clientId: fam.clientId, email, sessionId: null },
      { level: 'read', providers: ['linear'], reason: 'triage' },
    );
  }

  [adminWeb, viewerWeb] = await Promise.all([
    signIn(gh.url, 'admin@demo.test', TEAM),
    signIn(gh.url, 'viewer@demo.test'),
  ]);
});
afterAll(async () => {
  await Promise.allSettled(agents.map((a) => a.close()));
  await gh?.stop();
});

interface ToolRow {
  calls: number;
  errors: number;
  errorRate: string;
  denials: number;
  p50: string;
  p95: string;
}

function toolTable(html: string): Map<string, ToolRow> {
  const out = new Map<string, ToolRow>();
  for (const m of html.matchAll(/<tr data-tool="([^"]+)">([\s\S]*?)<\/tr>/g)) {
    const col = (c: string) => new RegExp(`data-col="${c}">([^<]*)<`).exec(m[2]!)![1]!;
    out.set(m[1]!, {
      calls: Number(col('calls')),
      errors: Number(col('errors')),
      errorRate: col('error-rate'),
      denials: Number(col('denials')),
      p50: col('p50'),
      p95: col('p95'),
    });
  }
  return out;
}

/** The p95 the page must show for a tool: from the summed rollup histograms of the last hour. */
function expectedP95(tool: string): string {
  const h = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
  const rows = gh.ctx.db.$client
    .query<{ histogram: string }, [string, string, number]>(
      'SELECT histogram FROM metric_rollups WHERE team_id = ? AND tool = ? AND bucket >= ?',
    )
    .all(teamId, tool, Date.now() - 3_600_000 - 60_000);
  for (const r of rows) {
    for (const [i, n] of (JSON.parse(r.histogram) as number[]).entries()) h[i] += n;
  }
  return formatLatency(histogramQuantile(h, 0.95));
}

const stat = (html: string, id: string) => new RegExp(`data-testid="${id}">([^<]*)<`).exec(html)?.[1];

describe('/dashboard', () => {
  test('per tool: calls, errors, error rate, denials and p95, in the table and the SVG charts', async () => {
    const res = await adminWeb.fetch(`${gh.url}/dashboard`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const t = toolTable(html);
    expect(t.get('whoami')).toMatchObject({ calls: 3, errors: 0, errorRate: '0%', denials: 0 });
    expect(t.get('list_workos_organizations')).toMatchObject({ calls: 2, errors: 0, denials: 0 });
    expect(t.get('get_organization_details')).toMatchObject({ calls: 1, errors: 1, errorRate: '100%' });
    expect(t.get('create_workos_organization')).toMatchObject({ calls: 1, errors: 0, denials: 1 });
    for (const [tool, row] of t) {
      expect(row.p95).toBe(expectedP95(tool));
      expect(row.p95).toMatch(/^(> )?\d+(\.\d+)? m?s$/);
    }
    // Charts are inline SVG: one bar per tool, with its count; the time series totals the calls.
    expect(html).toContain('<svg class="chart bars"');
    const bar = (label: string, value: number) =>
      new RegExp(`<g class="bar-row" data-value="${value}"><text [^>]*class="label">${label}</text>`);
    expect(html).toMatch(bar('whoami', 3));
    expect(html).toMatch(bar('get_organization_details', 1));
    const p95Chart = html.slice(html.indexOf('data-testid="p95-chart"'));
    expect(p95Chart).toContain(`>${t.get('whoami')!.p95}</text>`);
    // Error rate is charted too: get_organization_details failed its one call.
    const errorChart = html.slice(html.indexOf('data-testid="error-rate-chart"'));
    expect(errorChart).toMatch(bar('get_organization_details', 100));
    expect(errorChart).toMatch(bar('whoami', 0));
    const series = html.slice(
      html.indexOf('data-testid="series-chart"'),
      html.indexOf('data-testid="calls-chart"'),
    );
    const perSlot = [...series.matchAll(/<g class="column" data-calls="(\d+)">/g)].map((m) => Number(m[1]));
    expect(perSlot.reduce((a, b) => a + b, 0)).toBe(7);
    expect(stat(html, 'total-calls')).toBe('7');
    expect(stat(html, 'total-denials')).toBe('1');
  });

  test('live counts: active sessions, connected clients, pending approvals', async () => {
    const html = await (await adminWeb.fetch(`${gh.url}/dashboard`)).text();
    expect(gh.mcp.sessions.size).toBe(3);
    expect(stat(html, 'active-sessions')).toBe('3');
    expect(stat(html, 'connected-clients')).toBe('3');
    expect(stat(html, 'pending-approvals')).toBe(String(gh.ctx.grants.store.forTeam(teamId).pending.length));
    expect(stat(html, 'pending-approvals')).toBe('2');
    // One session ends (the client sends DELETE): the next refresh shows it.
    const leaving = agents.pop() as ClientV1;
    await (leaving.transport as TransportV1).terminateSession();
    await leaving.close();
    const live = await adminWeb.fetch(`${gh.url}/dashboard/live?window=hour`, {
      headers: { 'hx-request': 'true' },
    });
    const fragment = await live.text();
    expect(fragment).not.toContain('<html');
    expect(stat(fragment, 'active-sessions')).toBe('2');
    expect(gh.mcp.sessions.size).toBe(2);
  });

  test('refreshes itself with htmx every 10 s, keeping the window', async () => {
    const html = await (await adminWeb.fetch(`${gh.url}/dashboard?window=day`)).text();
    expect(html).toContain('hx-get="/dashboard/live?window=day" hx-trigger="every 10s"');
  });

  test('the hour/day toggle: older rollups count only in the day window', async () => {
    const bucket = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
    const h = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    h[bucketIndex(100)] = 4; // (80 ms, 100 ms]
    gh.ctx.db.$client.run(
      'INSERT INTO metric_rollups (bucket, team_id, tool, calls, errors, denials, latency_sum_ms, histogram) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [bucket, teamId, 'list_directories', 4, 1, 0, 300, JSON.stringify(h)],
    );
    const hour = toolTable(await (await adminWeb.fetch(`${gh.url}/dashboard?window=hour`)).text());
    expect(hour.has('list_directories')).toBe(false);
    const day = toolTable(await (await adminWeb.fetch(`${gh.url}/dashboard?window=day`)).text());
    // Interpolated inside (80, 100]: p50 = 80 + 20·2/4, p95 = 80 + 20·3.8/4.
    expect(day.get('list_directories')).toEqual({
      calls: 4,
      errors: 1,
      errorRate: '25%',
      denials: 0,
      p50: '90 ms',
      p95: '99 ms',
    });
    expect(day.get('whoami')!.calls).toBe(3);
  });

  test('any team member may look (aggregates); only admins see who each client belongs to', async () => {
    const res = await viewerWeb.fetch(`${gh.url}/dashboard`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(toolTable(html).get('whoami')!.calls).toBe(3);
    const clients = html.slice(html.indexOf('data-testid="clients-table"'));
    expect(clients).not.toContain('@demo.test');
    const adminHtml = await (await adminWeb.fetch(`${gh.url}/dashboard`)).text();
    expect(adminHtml.slice(adminHtml.indexOf('data-testid="clients-table"'))).toContain('member@demo.test');
    const anon = await new CookieClient().fetch(`${gh.url}/dashboard`);
    expect(anon.status).toBe(303);
  });
});

describe('percentiles and charts', () => {
  test('histogramQuantile interpolates inside the bucket; the unbounded bucket reports "> 10 s"', () => {
    const h = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    expect(histogramQuantile(h, 0.95)).toBeNull();
    expect(formatLatency(null)).toBe('—');
    h[bucketIndex(25)] = 10; // (20, 25]
    expect(histogramQuantile(h, 0.5)).toEqual({ ms: 22.5, overflow: false });
    h[0] = 10; // [0, 0.1]
    expect(histogramQuantile(h, 0.25)).toEqual({ ms: 0.05, overflow: false });
    expect(histogramQuantile(h, 1)).toEqual({ ms: 25, overflow: false });
    const slow = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    slow[LATENCY_BUCKETS_MS.length] = 3;
    expect(histogramQuantile(slow, 0.95)).toEqual({ ms: 10_000, overflow: true });
    expect(formatLatency(histogramQuantile(slow, 0.95))).toBe('> 10 s');
  });

  test('buckets resolve sub-millisecond to seconds: 0.3 ms, 2 ms and 3 s calls read as what they took', () => {
    for (const ms of [0.3, 2, 3_000]) {
      const h = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
      for (let i = 0; i < 100; i++) h[bucketIndex(ms)]++;
      const p50 = histogramQuantile(h, 0.5)!;
      expect(p50.overflow).toBe(false);
      expect(p50.ms).toBeLessThanOrEqual(ms);
      expect(p50.ms).toBeGreaterThanOrEqual(ms * 0.75);
    }
    expect(formatLatency(histogramQuantile([...new Array(LATENCY_BUCKETS_MS.length).fill(0), 1], 0.5))).toBe(
      '> 10 s',
    );
  });

  test('rollups stored with the old 5 ms … 10 s buckets are read in the new ones, each count at its bound', () => {
    const legacy = [1, 2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 4]; // ≤5 ms, ≤10 ms, ≤100 ms, > 10 s
    const h = currentBuckets(legacy);
    expect(h).toHaveLength(LATENCY_BUCKETS_MS.length + 1);
    expect(h[bucketIndex(5)]).toBe(1);
    expect(h[bucketIndex(10)]).toBe(2);
    expect(h[bucketIndex(100)]).toBe(3);
    expect(h[LATENCY_BUCKETS_MS.length]).toBe(4);
    expect(h.reduce((a, b) => a + b, 0)).toBe(10);
  });

  test('chart labels are escaped text', () => {
    const label = '"><script>alert(1)</script>';
    const svg = BarChart({ title: 'T <b>', rows: [{ label, value: 2 }] }) as string;
    expect(svg).toContain('class="label">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</text>');
    expect(svg).toContain('<title>T &lt;b&gt;</title>');
    expect(svg).not.toContain('"><script>');
    for (const tag of svg.match(/<[^>]+>/g) ?? []) expect(tag).not.toMatch(/^<script/);
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  test('loopback: 200, Prometheus text whose counts match the calls made', async () => {
    const res = await fetch(`${gh.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = parsePrometheus(await res.text());
    expect(m.types.get('gatehouse_tool_calls_total')).toBe('counter');
    expect(m.types.get('gatehouse_tool_call_duration_seconds')).toBe('histogram');
    expect(m.value('gatehouse_tool_calls_total', { tool: 'whoami', outcome: 'ok' })).toBe(3);
    expect(m.value('gatehouse_tool_calls_total', { tool: 'list_workos_organizations', outcome: 'ok' })).toBe(
      2,
    );
    expect(
      m.value('gatehouse_tool_calls_total', { tool: 'get_organization_details', outcome: 'error' }),
    ).toBe(1);
    expect(
      m.value('gatehouse_tool_calls_total', { tool: 'create_workos_organization', outcome: 'denied' }),
    ).toBe(1);
    expect(m.value('gatehouse_denials_total', { reason: 'missing_permission' })).toBe(1);
    expect(m.value('gatehouse_tool_call_duration_seconds_count', { tool: 'whoami' })).toBe(3);
    expect(m.value('gatehouse_tool_call_duration_seconds_bucket', { tool: 'whoami', le: '+Inf' })).toBe(3);
    expect(m.value('gatehouse_approvals_total', { decision: 'approved' })).toBe(0);
    expect(m.value('gatehouse_active_sessions')).toBe(gh.mcp.sessions.size);
    expect(m.value('gatehouse_http_requests_total', { method: 'GET', code: '200' })).toBeGreaterThan(0);
  });

  test('other peers: 403 (the TCP peer decides, not X-Forwarded-For; proxied loopback is refused); only GET/HEAD', async () => {
    const handler = metricsHandler(gh.ctx, () => 0);
    const ask = async (peer: string, init: RequestInit = {}) => {
      const req = new Request(`${gh.url}/metrics`, init);
      recordPeer(req, peer);
      return handler(req, gh.server);
    };
    expect((await ask('10.0.0.7')).status).toBe(403);
    expect((await ask('::ffff:192.168.1.5')).status).toBe(403);
    expect((await ask('10.0.0.7', { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(403);
    expect((await ask('127.0.0.1')).status).toBe(200);
    // Through a reverse proxy on this host: the TCP peer is loopback, the caller may not be.
    for (const h of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'via'])
      expect((await ask('127.0.0.1', { headers: { [h]: '203.0.113.9' } })).status).toBe(403);
    expect((await ask('::1')).status).toBe(200);
    expect((await ask('::ffff:127.0.0.1')).status).toBe(200);
    expect((await ask('127.0.0.1', { method: 'POST' })).status).toBe(405);
    expect(isLoopback('unknown')).toBe(false);
  });
});
