/**
 * Linear as local mode's demo provider, end to end with a real MCP client: request, approve,
 * call — the live path (grant check, Pipes token injection, outbound guard, secret stripping,
 * audit) with only the host map sending api.linear.app to the loopback fake.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { PIPES_TOKEN_CANARIES } from '../../src/emulator/seed/canaries.ts';
import { ok } from '../approvals/support.ts';
import {
  callGrant,
  type DemoRun,
  providerCall,
  refusedCall,
  sessionGrant,
  startDemo,
  withoutInjectedToken,
} from './support.ts';

setDefaultTimeout(60_000);

const URL_ = 'https://api.linear.app/graphql';
const LIST = {
  query: '{ issues(first: 5) { nodes { id identifier title } pageInfo { hasNextPage endCursor } } }',
};
let run: DemoRun;
let teamId: string;

beforeAll(async () => {
  run = await startDemo();
});
afterAll(() => run?.stop());

const titles = async () => {
  const r = await providerCall(run, {
    method: 'POST',
    url: URL_,
    body: { query: '{ issues(first: 100) { nodes { identifier title } } }' },
  });
  return (r.body.data.issues.nodes as { identifier: string; title: string }[]).map((n) => n.title);
};

test('linear — a read under a broad read grant returns the seeded demo issues, paginated', async () => {
  const grant = await sessionGrant(run, 'linear', 'read');
  const first = await providerCall(run, { method: 'POST', url: URL_, body: LIST });
  expect(first.status).toBe(200);
  expect(first.outcome.structured!.authority).toEqual({ kind: 'session', grant_id: grant });
  const page = first.body.data.issues;
  expect(page.nodes).toHaveLength(5);
  expect(page.nodes.every((n: { title: string }) => n.title.startsWith('Demo:'))).toBe(true);
  expect(page.pageInfo.hasNextPage).toBe(true);
  const next = await providerCall(run, {
    method: 'POST',
    url: URL_,
    body: {
      query: 'query($after: String) { issues(first: 5, after: $after) { nodes { id } } }',
      variables: { after: page.pageInfo.endCursor },
    },
  });
  const seen = new Set(page.nodes.map((n: { id: string }) => n.id));
  expect(next.body.data.issues.nodes.some((n: { id: string }) => seen.has(n.id))).toBe(false);
  const viewer = await providerCall(run, {
    method: 'POST',
    url: URL_,
    body: { query: '{ viewer { name email } teams { nodes { id key name } } }' },
  });
  expect(viewer.body.data.viewer).toEqual({ name: 'Ada Admin', email: 'admin@demo.test' });
  teamId = viewer.body.data.teams.nodes.find((t: { key: string }) => t.key === 'DEMO').id;
  // The injected token is never in anything the agent receives.
  for (const token of PIPES_TOKEN_CANARIES)
    expect(JSON.stringify([first, next, viewer])).not.toContain(token);
});

test('linear — a write under a read grant is refused by Gatehouse and nothing changes', async () => {
  const before = await titles();
  const text = await refusedCall(run, {
    method: 'POST',
    url: URL_,
    body: {
      query: `mutation { issueCreate(input: { teamId: "${teamId}", title: "Not allowed" }) { success } }`,
    },
  });
  expect(text).toContain('This Linear request changes data, but your approval is read-only');
  expect(await titles()).toEqual(before);
});

test('linear — an exact-call write runs once, changes the fake (read back), and a second use is refused', async () => {
  const body = {
    query: `mutation { issueCreate(input: { teamId: "${teamId}", title: "Demo: created by the agent" }) { success issue { identifier title } } }`,
  };
  const id = await callGrant(run, { method: 'POST', url: URL_, body });
  const created = await providerCall(run, { method: 'POST', url: URL_, body, request_id: id });
  expect(created.outcome.structured!.authority).toEqual({ kind: 'call', grant_id: id });
  expect(created.body.data.issueCreate).toMatchObject({
    success: true,
    issue: { title: 'Demo: created by the agent' },
  });
  // Read back: the next listing (newest first) starts with it.
  expect((await titles())[0]).toBe('Demo: created by the agent');
  const again = await refusedCall(run, { method: 'POST', url: URL_, body, request_id: id });
  expect(again).toContain('already used');
  expect((await titles()).filter((t) => t === 'Demo: created by the agent')).toHaveLength(1);
  const check = await ok(run.agent, 'check_access_request', { request_id: id });
  expect(check.structured!.status).toBe('consumed');
  // Audited like any live call: the success, and the refused second use.
  const outcomes = run.gh.ctx.db.$client
    .query<{ outcome: string; args: string }, []>(
      "SELECT outcome, args FROM audit_entries WHERE tool = 'call_integration_api' ORDER BY seq",
    )
    .all()
    .filter((e) => e.args.includes(id))
    .map((e) => e.outcome);
  expect(outcomes).toEqual(['allowed', 'denied']);
});

test('linear — the fake itself refuses a call without the token Pipes issued', async () => {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(LIST),
  };
  const none = await withoutInjectedToken(run, URL_, init);
  expect(none.status).toBe(401);
  expect(none.body.errors[0].extensions.code).toBe('AUTHENTICATION_ERROR');
  const guessed = await withoutInjectedToken(run, URL_, {
    ...init,
    headers: { ...init.headers, authorization: 'Bearer lin_oauth_guessed0000000000000' },
  });
  expect(guessed.status).toBe(401);
});
