/**
 * GET /metrics with METRICS_TOKEN configured: the bearer token is required (401 otherwise, even
 * from loopback), and the exposition parses and counts exactly what happened.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { LATENCY_BUCKETS_MS } from '../../src/metrics/recorder.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { parsePrometheus } from './prometheus.ts';

// Each file starts real servers: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const TEAM = 'Gatehouse Demo Team';

let gh: TestGatehouse;
const agents: AnyClient[] = [];

beforeAll(async () => {
  gh = await startTestGatehouse({ env: { METRICS_TOKEN } });
});
afterAll(async () => {
  await Promise.allSettled(agents.map((a) => a.close()));
  await gh?.stop();
});

const scrape = (headers: Record<string, string> = {}) => fetch(`${gh.url}/metrics`, { headers });

test('no token, a wrong token or another scheme → 401', async () => {
  const attempts: Record<string, string>[] = [
    {},
    { authorization: 'Bearer wrong-token-0123456789abcdef' },
    { authorization: `Bearer ${METRICS_TOKEN}x` },
    { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` },
    { authorization: `Basic ${btoa(`x:${METRICS_TOKEN}`)}` },
    { authorization: 'Bearer' },
  ];
  for (const headers of attempts) {
    const res = await scrape(headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(await res.text()).not.toContain('gatehouse_');
  }
});

test('the right token → 200 with every series, counts matching the calls made', async () => {
  const tokens = await Promise.all([
    tokensFor(gh.url, 'admin@demo.test', { team: TEAM }),
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
  const [admin, member, viewer] = await Promise.all(tokens.map((t) => connectV1(gh.url, t.access_token)));
  agents.push(admin!, member!, viewer!);

  for (let i = 0; i < 4; i++) await call(member!, 'whoami');
  await call(admin!, 'whoami');
  await call(member!, 'list_workos_organizations', { limit: 1 });
  await call(member!, 'get_organization_details', { organization_id: 'org_missing' });
  await call(viewer!, 'create_workos_organization', { name: 'Denied Co' });
  await call(viewer!, 'invite_user', { email: 'x@acme.test', organization_id: 'org_x' });
  await call(member!, 'list_workos_organizations', { environment: 'production' });

  // Grant decisions: one approved, one denied (counted from the audit trail).
  const famOf = (i: number) => gh.ctx.oauth.tokens.bearer(tokens[i]!.access_token)!.family;
  const approver = {
    userId: famOf(0).userId,
    teamId: famOf(0).teamId,
    email: 'admin@demo.test',
    permissions: ['approvals:approve' as const],
  };
  const ask = (i: number, email: string) => {
    const f = famOf(i);
    return gh.ctx.grants.agent.requestBroad(
      { userId: f.userId, teamId: f.teamId, familyId: f.id, clientId: f.clientId, email, sessionId: null },
      { level: 'read', providers: ['linear'], reason: 'metrics' },
    ).grant;
  };
  gh.ctx.grants.human.approve(ask(1, 'member@demo.test').id, approver, { requireDifferent: false });
  gh.ctx.grants.human.deny(ask(2, 'viewer@demo.test').id, approver, {
    requireDifferent: false,
    reason: 'no',
  });

  const res = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const m = parsePrometheus(await res.text());

  expect([...m.types]).toEqual([
    ['gatehouse_tool_calls_total', 'counter'],
    ['gatehouse_tool_call_duration_seconds', 'histogram'],
    ['gatehouse_denials_total', 'counter'],
    ['gatehouse_approvals_total', 'counter'],
    ['gatehouse_active_sessions', 'gauge'],
    ['gatehouse_http_requests_total', 'counter'],
    ['gatehouse_pipeline_overhead_seconds', 'summary'],
  ]);
  // Calls that reached their tool count towards the pipeline's own cost.
  expect(m.value('gatehouse_pipeline_overhead_seconds_count', {})).toBeGreaterThan(0);
  expect(m.value('gatehouse_pipeline_overhead_seconds_sum', {})).toBeGreaterThan(0);
  const calls = (tool: string, outcome: string) => m.value('gatehouse_tool_calls_total', { tool, outcome });
  expect(calls('whoami', 'ok')).toBe(5);
  expect(calls('list_workos_organizations', 'ok')).toBe(1);
  expect(calls('list_workos_organizations', 'denied')).toBe(1);
  expect(calls('get_organization_details', 'error')).toBe(1);
  expect(calls('create_workos_organization', 'denied')).toBe(1);
  expect(calls('invite_user', 'denied')).toBe(1);
  expect(calls('whoami', 'error')).toBeUndefined();
  const total = m.samples
    .filter((s) => s.name === 'gatehouse_tool_calls_total')
    .reduce((a, s) => a + s.value, 0);
  expect(total).toBe(10);

  expect(m.value('gatehouse_denials_total', { reason: 'missing_permission' })).toBe(2);
  expect(m.value('gatehouse_denials_total', { reason: 'production_not_allowed' })).toBe(1);
  expect(m.value('gatehouse_approvals_total', { decision: 'approved' })).toBe(1);
  expect(m.value('gatehouse_approvals_total', { decision: 'denied' })).toBe(1);
  expect(m.value('gatehouse_active_sessions')).toBe(3);
  expect(m.value('gatehouse_active_sessions')).toBe(gh.mcp.sessions.size);

  // The histogram: cumulative buckets per tool, +Inf = _count = the calls of that tool.
  const h = 'gatehouse_tool_call_duration_seconds';
  for (const tool of ['whoami', 'list_workos_organizations', 'get_organization_details']) {
    const buckets = m.samples.filter((s) => s.name === `${h}_bucket` && s.labels.tool === tool);
    expect(buckets.map((b) => b.labels.le)).toEqual([
      ...LATENCY_BUCKETS_MS.map((ms) => String(ms / 1000)),
      '+Inf',
    ]);
    expect(buckets[0]!.labels.le).toBe('0.0001');
    expect(buckets.at(-2)!.labels.le).toBe('10');
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    const count = m.value(`${h}_count`, { tool })!;
    expect(buckets.at(-1)!.value).toBe(count);
    expect(m.value(`${h}_sum`, { tool })!).toBeGreaterThan(0);
  }
  expect(m.value(`${h}_count`, { tool: 'whoami' })).toBe(5);

  // Counters only grow: a second scrape still counts the decisions once.
  const again = parsePrometheus(await (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text());
  expect(again.value('gatehouse_approvals_total', { decision: 'approved' })).toBe(1);
  expect(again.value('gatehouse_http_requests_total', { method: 'GET', code: '401' })).toBe(6);
});

test('the token is case-sensitive and only accepted as a Bearer credential (scheme case-insensitive)', async () => {
  expect((await scrape({ authorization: `bearer ${METRICS_TOKEN}` })).status).toBe(200);
  expect((await scrape({ authorization: `Bearer ${METRICS_TOKEN.toUpperCase()}` })).status).toBe(401);
});
