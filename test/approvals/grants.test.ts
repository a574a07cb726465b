import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { APPROVAL_REQUEST_TTL_MS, AUTHORITY_TTL_MS } from '../../src/config/constants.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { type AnyClient, call } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import {
  agentFor,
  Console,
  callRequest,
  type FakeLinear,
  grantRow,
  LINEAR_URL,
  ok,
  requestAccess,
  sessionRequest,
  startFakeLinear,
  VIEWER_QUERY,
} from './support.ts';

// Each file starts real servers: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let fake: FakeLinear;
let clock: ManualClock;
let memberConsole: Console;
let viewer: AnyClient;

beforeAll(async () => {
  fake = startFakeLinear();
  clock = new ManualClock();
  gh = await startTestGatehouse({ clock, testHooks: { outboundHostMap: { 'api.linear.app': fake.origin } } });
  [memberConsole, viewer] = await Promise.all([
    Console.signIn(gh.url, 'member@demo.test'),
    agentFor(gh, 'viewer@demo.test'),
  ]);
});
afterAll(async () => {
  await gh?.stop();
  fake?.stop();
});

/** A new connection for the member, so no grant from another test covers it. */
const freshMember = () => agentFor(gh, 'member@demo.test');

/** The viewer query against Linear through call_integration_api, with extra arguments. */
const callLinear = (agent: AnyClient, extra: Record<string, unknown> = {}) =>
  call(agent, 'call_integration_api', { method: 'POST', url: LINEAR_URL, body: VIEWER_QUERY, ...extra });

/** Requests made to the fake since `from`. */
const seenSince = (from: number) => fake.requests.slice(from);

const MUTATION = { query: 'mutation { issueCreate(input: { title: "x", teamId: "t" }) { success } }' };

test('exact-call grant — the approved method, URL and body go through once; a second call is refused as used', async () => {
  const agent = await freshMember();
  const req = await requestAccess(agent, callRequest(VIEWER_QUERY));
  expect((await memberConsole.approve(req.id, { notes: 'Just this once' })).status).toBe(303);
  await expect(ok(agent, 'check_access_request', { request_id: req.id })).resolves.toMatchObject({
    structured: {
      status: 'approved',
      kind: 'call',
      method: 'POST',
      url: LINEAR_URL,
      approver_notes: 'Just this once',
    },
  });
  // The exact-call approval is not session authority.
  const without = await callLinear(agent);
  expect(without.isError).toBe(true);
  expect(without.text).toContain('No active approval covers Linear');

  const from = fake.requests.length;
  const args = { method: 'POST', url: LINEAR_URL, body: VIEWER_QUERY, request_id: req.id };
  const first = await ok(agent, 'call_integration_api', args);
  expect(first.structured).toMatchObject({ status: 200, authority: { kind: 'call', grant_id: req.id } });
  const second = await call(agent, 'call_integration_api', args);
  expect(second.isError).toBe(true);
  expect(second.text).toContain('already used');
  expect(seenSince(from)).toHaveLength(1);
  expect(JSON.parse(seenSince(from)[0]!.body)).toEqual(VIEWER_QUERY);
  expect(grantRow(gh, req.id)?.status).toBe('consumed');
  await expect(ok(agent, 'check_access_request', { request_id: req.id })).resolves.toMatchObject({
    structured: { status: 'consumed' },
  });
  // The approval link now shows what happened, with nothing left to decide.
  const page = await memberConsole.get(`/approvals/${req.id}?t=${req.token}`);
  expect(page.html).toContain('data-status="consumed"');
  expect(page.html).toContain('Used: the approved call was made.');
  expect(page.html).not.toContain('>Approve</button>');
});

test('exact-call grant — a different body, URL or method is refused without using the grant; the exact body still works', async () => {
  const agent = await freshMember();
  const body = { query: 'query { viewer { id } }', variables: { first: 10, team: 'ENG' } };
  const req = await requestAccess(agent, callRequest(body));
  expect((await memberConsole.approve(req.id)).status).toBe(303);
  const from = fake.requests.length;
  const attempts: [Record<string, unknown>, string][] = [
    [
      { method: 'POST', url: LINEAR_URL, body: { ...body, variables: { first: 11, team: 'ENG' } } },
      'The body differs',
    ],
    [{ method: 'POST', url: LINEAR_URL }, 'The body differs'],
    [{ method: 'POST', url: `${LINEAR_URL}?x=1`, body }, 'The URL differs'],
    [{ method: 'PUT', url: LINEAR_URL, body }, 'The method differs'],
  ];
  for (const [args, message] of attempts) {
    const r = await call(agent, 'call_integration_api', { ...args, request_id: req.id });
    expect(r.isError).toBe(true);
    expect(r.text).toContain(message);
    expect(grantRow(gh, req.id)?.status).toBe('approved');
  }
  expect(seenSince(from)).toHaveLength(0);
  // The same JSON with its keys in another order is the same body (compared in canonical form).
  const reordered = JSON.stringify({ variables: { team: 'ENG', first: 10 }, query: body.query });
  await ok(agent, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: reordered,
    request_id: req.id,
  });
  expect(seenSince(from)).toHaveLength(1);
  expect(grantRow(gh, req.id)?.status).toBe('consumed');
});

test('exact-call grant without a body — a call sending a body is refused; the bodiless call goes through', async () => {
  const agent = await freshMember();
  const req = await requestAccess(agent, {
    kind: 'call',
    method: 'POST',
    url: LINEAR_URL,
    reason: 'Ping Linear',
  });
  expect((await memberConsole.approve(req.id)).status).toBe(303);
  const from = fake.requests.length;
  const withBody = await callLinear(agent, { request_id: req.id });
  expect(withBody.isError).toBe(true);
  expect(withBody.text).toContain('had no body');
  expect(grantRow(gh, req.id)?.status).toBe('approved');
  await ok(agent, 'call_integration_api', { method: 'POST', url: LINEAR_URL, request_id: req.id });
  expect(seenSince(from).map((r) => r.body)).toEqual(['']);
});

test('read grant — a GraphQL mutation is refused as a write and the grant stays usable for queries', async () => {
  const agent = await freshMember();
  const req = await requestAccess(agent, sessionRequest(['linear'], 'read'));
  expect((await memberConsole.approve(req.id, { providers: ['linear'], level: 'read' })).status).toBe(303);
  const from = fake.requests.length;
  const write = await call(agent, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: MUTATION,
  });
  expect(write.isError).toBe(true);
  expect(write.text).toContain('changes data, but your approval is read-only');
  // A mutation riding along next to a query is a write too.
  const smuggled = await call(agent, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: {
      query: `query A { viewer { id } } ${MUTATION.query.replace('mutation', 'mutation B')}`,
      operationName: 'A',
    },
  });
  expect(smuggled.isError).toBe(true);
  expect(seenSince(from)).toHaveLength(0);
  expect(grantRow(gh, req.id)?.status).toBe('approved');
  await ok(agent, 'call_integration_api', { method: 'POST', url: LINEAR_URL, body: VIEWER_QUERY });
  expect(seenSince(from)).toHaveLength(1);
});

test('concurrency — 50 simultaneous calls with one exact-call grant: exactly one reaches Linear', async () => {
  const agent = await freshMember();
  const req = await requestAccess(agent, callRequest(VIEWER_QUERY, 'One lookup'));
  expect((await memberConsole.approve(req.id)).status).toBe(303);
  const from = fake.requests.length;
  const args = { method: 'POST', url: LINEAR_URL, body: VIEWER_QUERY, request_id: req.id };
  const results = await Promise.all(
    Array.from({ length: 50 }, () => call(agent, 'call_integration_api', args)),
  );
  const wins = results.filter((r) => !r.isError);
  expect(wins).toHaveLength(1);
  for (const r of results.filter((x) => x.isError)) expect(r.text).toContain('already used');
  expect(seenSince(from)).toHaveLength(1);
  expect(grantRow(gh, req.id)?.status).toBe('consumed');
});

test('deny — check_access_request reports denied with the reason, and no call goes through', async () => {
  const agent = await freshMember();
  const session = await requestAccess(agent, sessionRequest(['linear'], 'write', 'Close stale issues'));
  const denied = await memberConsole.deny(session.id, 'Not during the release freeze');
  expect(denied.status).toBe(303);
  const check = await ok(agent, 'check_access_request', { request_id: session.id });
  expect(check.structured).toMatchObject({ status: 'denied', deny_reason: 'Not during the release freeze' });
  expect(check.text).toContain('Denied: Not during the release freeze');

  const exact = await requestAccess(agent, callRequest(VIEWER_QUERY));
  expect((await memberConsole.deny(exact.id)).status).toBe(303);
  await expect(ok(agent, 'check_access_request', { request_id: exact.id })).resolves.toMatchObject({
    structured: { status: 'denied', deny_reason: 'Denied without a reason.' },
  });
  const from = fake.requests.length;
  const broad = await callLinear(agent);
  expect(broad.isError).toBe(true);
  expect(broad.text).toContain('No active approval covers Linear');
  const used = await callLinear(agent, { request_id: exact.id });
  expect(used.isError).toBe(true);
  expect(used.text).toContain('That request is denied');
  expect(seenSince(from)).toHaveLength(0);
});

test('supersede — a second session request kills the first link: it shows superseded and can no longer be approved', async () => {
  const agent = await freshMember();
  const first = await requestAccess(agent, sessionRequest(['linear'], 'read', 'First try'));
  const second = await requestAccess(agent, sessionRequest(['linear', 'notion'], 'read', 'Second try'));
  expect(grantRow(gh, first.id)?.status).toBe('superseded');
  expect(grantRow(gh, first.id)?.supersededBy).toBe(second.id);

  const page = await memberConsole.get(`/approvals/${first.id}?t=${first.token}`);
  expect(page.status).toBe(200);
  expect(page.html).toContain('data-status="superseded"');
  expect(page.html).toContain('Superseded');
  expect(page.html).not.toContain('>Approve</button>');
  const approve = await memberConsole.approve(first.id, {
    providers: ['linear'],
    level: 'read',
    t: first.token,
  });
  expect(approve.status).toBe(409);
  expect(approve.html).toContain('already superseded');
  await expect(ok(agent, 'check_access_request', { request_id: first.id })).resolves.toMatchObject({
    structured: { status: 'superseded' },
  });
  // The newer request is the live one.
  expect((await memberConsole.approve(second.id, { providers: ['notion'], level: 'read' })).status).toBe(303);
  await expect(ok(agent, 'check_access_request', { request_id: second.id })).resolves.toMatchObject({
    structured: { status: 'approved', providers: ['notion'] },
  });
});

test('approvals — a newer grant takes over only the providers it names; older grants keep the rest', async () => {
  const agent = await freshMember();
  const both = await requestAccess(agent, sessionRequest(['linear', 'notion'], 'read', 'Both'));
  // The approver sees how long the authority will last (the team's TTL, 5 minutes by default).
  const asked = await memberConsole.get(`/approvals/${both.id}?t=${both.token}`);
  expect(asked.html).toContain('read access to Linear, Notion, for 5 minutes after approval');
  expect(
    (await memberConsole.approve(both.id, { providers: ['linear', 'notion'], level: 'read' })).status,
  ).toBe(303);
  // Another provider alone: the first grant is untouched, Linear still works.
  const slack = await requestAccess(agent, sessionRequest(['slack'], 'read', 'Slack too'));
  expect((await memberConsole.approve(slack.id, { providers: ['slack'], level: 'read' })).status).toBe(303);
  expect(grantRow(gh, both.id)).toMatchObject({ status: 'approved', providers: ['linear', 'notion'] });
  // Reported with the kind the agent asked for.
  await expect(ok(agent, 'check_access_request', { request_id: both.id })).resolves.toMatchObject({
    structured: { kind: 'session', status: 'approved' },
  });
  await ok(agent, 'call_integration_api', { method: 'POST', url: LINEAR_URL, body: VIEWER_QUERY });

  // Linear again, as write: it moves to the new grant; the first keeps Notion.
  const write = await requestAccess(agent, sessionRequest(['linear'], 'write', 'File the issue'));
  expect((await memberConsole.approve(write.id, { providers: ['linear'], level: 'write' })).status).toBe(303);
  expect(grantRow(gh, both.id)).toMatchObject({ status: 'approved', providers: ['notion'] });
  expect(grantRow(gh, slack.id)?.status).toBe('approved');
  const narrowed = gh.ctx.db.$client
    .query<{ details: string }, [string]>(
      "SELECT details FROM audit_entries WHERE event = 'grant.narrowed' AND details LIKE ?",
    )
    .get(`%${both.id}%`)!;
  expect(JSON.parse(narrowed.details)).toMatchObject({
    providers_taken: ['linear'],
    providers_kept: ['notion'],
  });

  // Revoking the newest grant ends Linear: nothing older still covers it.
  expect((await memberConsole.revoke(write.id)).status).toBe(303);
  const refused = await callLinear(agent);
  expect(refused.isError).toBe(true);
});

test('no approval — the refusal is a denial (approval_required) in the audit trail and the metrics, not a failure', async () => {
  const agent = await freshMember();
  const r = await callLinear(agent);
  expect(r.isError).toBe(true);
  expect(r.text).toContain('No active approval covers Linear');
  const row = gh.ctx.db.$client
    .query<{ outcome: string; reason: string }, []>(
      "SELECT outcome, reason FROM audit_entries WHERE tool = 'call_integration_api' ORDER BY seq DESC LIMIT 1",
    )
    .get()!;
  expect(row).toEqual({ outcome: 'denied', reason: 'approval_required' });
  const metrics = await (await fetch(`${gh.url}/metrics`)).text();
  expect(metrics).toMatch(/gatehouse_denials_total\{[^}]*reason="approval_required"[^}]*\} [1-9]/);
});

test('another principal — the viewer and the member’s other client can neither check nor use the grant', async () => {
  const [owner, otherClient] = await Promise.all([freshMember(), freshMember()]);
  const exact = await requestAccess(owner, callRequest(VIEWER_QUERY, 'Owner only'));
  const session = await requestAccess(owner, sessionRequest(['linear'], 'read', 'Owner session'));
  expect((await memberConsole.approve(exact.id)).status).toBe(303);
  expect((await memberConsole.approve(session.id, { providers: ['linear'], level: 'read' })).status).toBe(
    303,
  );
  const from = fake.requests.length;
  for (const other of [viewer, otherClient]) {
    for (const id of [exact.id, session.id]) {
      const check = await call(other, 'check_access_request', { request_id: id });
      expect(check.isError).toBe(true);
      expect(check.text).toContain(`No access request ${id} of yours`);
    }
    const use = await callLinear(other, { request_id: exact.id });
    expect(use.isError).toBe(true);
    expect(use.text).toContain('No approved exact-call request with that request_id on this connection');
    // Session authority belongs to the connection that asked for it.
    const broad = await callLinear(other);
    expect(broad.isError).toBe(true);
  }
  expect(seenSince(from)).toHaveLength(0);
  expect(grantRow(gh, exact.id)?.status).toBe('approved');
  await ok(owner, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: VIEWER_QUERY,
    request_id: exact.id,
  });
  expect(seenSince(from)).toHaveLength(1);
});

test('Pipes — not_installed and needs_reauthorization are reported clearly, and nothing is called or used up', async () => {
  const agent = await freshMember();
  const session = await requestAccess(
    agent,
    sessionRequest(['github', 'notion'], 'read', 'Cross-check docs'),
  );
  const warned = await ok(agent, 'check_access_request', { request_id: session.id });
  expect(warned.structured?.status).toBe('pending');
  expect(
    (await memberConsole.approve(session.id, { providers: ['github', 'notion'], level: 'read' })).status,
  ).toBe(303);
  const from = fake.requests.length;

  const github = await call(agent, 'call_integration_api', {
    method: 'GET',
    url: 'https://api.github.com/user',
  });
  expect(github.isError).toBe(true);
  expect(github.text).toContain('GitHub is not connected for you in WorkOS Pipes');
  expect(github.text).toContain('connect GitHub');
  const notion = await call(agent, 'call_integration_api', {
    method: 'GET',
    url: 'https://api.notion.com/v1/users/me',
  });
  expect(notion.isError).toBe(true);
  expect(notion.text).toContain('Notion connection in WorkOS Pipes needs re-authorization');
  expect(notion.text).toContain('reconnect Notion');

  // An exact-call approval is not used up by a call that never left Gatehouse.
  const exact = await requestAccess(agent, {
    kind: 'call',
    method: 'GET',
    url: 'https://api.github.com/user',
    reason: 'Who am I on GitHub',
  });
  expect((await memberConsole.approve(exact.id)).status).toBe(303);
  const used = await call(agent, 'call_integration_api', {
    method: 'GET',
    url: 'https://api.github.com/user',
    request_id: exact.id,
  });
  expect(used.isError).toBe(true);
  expect(used.text).toContain('not connected');
  expect(grantRow(gh, exact.id)?.status).toBe('approved');

  // The viewer has nothing connected at all; they may approve their own read request.
  const mine = await requestAccess(viewer, sessionRequest(['linear'], 'read', 'Viewer reads Linear'));
  const viewerConsole = await Console.signIn(gh.url, 'viewer@demo.test');
  expect((await viewerConsole.approve(mine.id, { providers: ['linear'], level: 'read' })).status).toBe(303);
  const none = await callLinear(viewer);
  expect(none.isError).toBe(true);
  expect(none.text).toContain('Linear is not connected for you in WorkOS Pipes');
  expect(seenSince(from)).toHaveLength(0);
});

test('request_elevated_access — Pipes problems are flagged up front in pipes_warnings', async () => {
  const agent = await freshMember();
  const r = await ok(
    agent,
    'request_elevated_access',
    sessionRequest(['linear', 'github', 'notion'], 'read'),
  );
  const warnings = (r.structured!.pipes_warnings as string[]).join('\n');
  expect(warnings).toContain('GitHub is not connected');
  expect(warnings).toContain('Notion is connected but needs re-authorization');
  expect(warnings).not.toContain('Linear');
});

// The two tests below move the clock; they run last so earlier grants are not affected.

test('expiry — a broad grant ends after the team’s TTL and calls are refused; an exact-call approval too', async () => {
  const agent = await freshMember();
  const session = await requestAccess(agent, sessionRequest(['linear'], 'read'));
  const exact = await requestAccess(agent, callRequest(VIEWER_QUERY));
  expect((await memberConsole.approve(session.id, { providers: ['linear'], level: 'read' })).status).toBe(
    303,
  );
  expect((await memberConsole.approve(exact.id)).status).toBe(303);
  // The TTL counts from approval, not from the request.
  await ok(agent, 'call_integration_api', { method: 'POST', url: LINEAR_URL, body: VIEWER_QUERY });

  clock.advance(AUTHORITY_TTL_MS + 1_000);
  const from = fake.requests.length;
  const broad = await callLinear(agent);
  expect(broad.isError).toBe(true);
  expect(broad.text).toContain('No active approval covers Linear');
  const used = await callLinear(agent, { request_id: exact.id });
  expect(used.isError).toBe(true);
  expect(used.text).toContain('expired');
  expect(seenSince(from)).toHaveLength(0);
  for (const id of [session.id, exact.id]) {
    await expect(ok(agent, 'check_access_request', { request_id: id })).resolves.toMatchObject({
      structured: { status: 'expired', seconds_left: null },
    });
  }
  const list = await memberConsole.get('/approvals');
  expect(list.html).not.toContain(`id="active-${session.id}"`);
  expect(list.html).toContain(`id="recent-${session.id}"`);
  // Expired on this very read, it is listed once, not once as settled and once from the history.
  const recentIds = [...list.html.matchAll(/id="recent-([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(recentIds).size).toBe(recentIds.length);
});

test('expiry — a request nobody decides expires after APPROVAL_REQUEST_TTL_MS; its link shows expired and cannot be approved', async () => {
  const agent = await freshMember();
  const req = await requestAccess(agent, sessionRequest(['linear'], 'read', 'Waiting too long'));
  clock.advance(APPROVAL_REQUEST_TTL_MS - 1_000);
  expect(grantRow(gh, req.id)?.status).toBe('pending');
  await expect(ok(agent, 'check_access_request', { request_id: req.id })).resolves.toMatchObject({
    structured: { status: 'pending' },
  });
  clock.advance(2_000);
  await expect(ok(agent, 'check_access_request', { request_id: req.id })).resolves.toMatchObject({
    structured: { status: 'expired' },
  });
  const page = await memberConsole.get(`/approvals/${req.id}?t=${req.token}`);
  expect(page.status).toBe(200);
  expect(page.html).toContain('data-status="expired"');
  expect(page.html).not.toContain('>Approve</button>');
  const approve = await memberConsole.approve(req.id, { providers: ['linear'], level: 'read', t: req.token });
  expect(approve.status).toBe(409);
  expect(grantRow(gh, req.id)?.status).toBe('expired');
});
