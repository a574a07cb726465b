import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { artifactsDir, launchBrowser } from '../support/browser.ts';
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
  workosUserId,
} from './support.ts';

// Each file starts real servers and a browser: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let browser: Browser;
let fake: FakeLinear;
let member: AnyClient;
const shots = artifactsDir('approvals');
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  fake = startFakeLinear();
  [gh, browser] = await Promise.all([
    startTestGatehouse({ testHooks: { outboundHostMap: { 'api.linear.app': fake.origin } } }),
    launchBrowser(),
  ]);
  member = await agentFor(gh, 'member@demo.test');
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await gh?.stop();
  fake?.stop();
});

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Opens `target` in a fresh browser, signing in as `email` (and picking `team`) on the way. */
async function openSignedIn(target: string, email: string, team?: string): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(target);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByRole('button', { name: new RegExp(escapeRe(email)) }).click();
  if (team) {
    await page.waitForURL((u) => u.pathname === '/teams');
    await page.getByLabel(new RegExp(team)).check();
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  // Back where the link pointed, query (the link's secret) included.
  await page.waitForURL(target);
  return page;
}

const card = (page: Page, id: string) => page.locator(`section[data-grant="${id}"]`);

test('broad grant in Chromium — approve with notes; the agent calls Linear with a Pipes token it never sees', async () => {
  fake.requests.length = 0;
  const req = await requestAccess(
    member,
    sessionRequest(['linear'], 'read', 'Summarise my open Linear issues'),
  );

  const page = await openSignedIn(req.url, 'member@demo.test');
  const c = card(page, req.id);
  await expect(c.getByTestId('requester').textContent()).resolves.toContain('member@demo.test');
  // The registered client name, not anything the MCP client said about itself at connect time.
  await expect(c.getByTestId('client').textContent()).resolves.toContain('Test Agent');
  await expect(c.getByTestId('reason').textContent()).resolves.toBe('Summarise my open Linear issues');
  await expect(c.getByRole('checkbox', { name: 'Linear' }).isChecked()).resolves.toBe(true);
  await c
    .getByLabel('Notes: instructions the agent must follow')
    .fill('Read only my team, nothing archived.');
  await page.screenshot({ path: join(shots, 'broad-pending.png'), fullPage: true });
  await c.getByRole('button', { name: 'Approve' }).click();
  await card(page, req.id).getByTestId('final-state').waitFor();
  expect(await card(page, req.id).getAttribute('data-status')).toBe('approved');
  // The link is single-use: the swapped card and a reload both show the outcome without buttons.
  await page.reload();
  await expect(card(page, req.id).getByTestId('status').textContent()).resolves.toBe('approved');
  expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
  await page.screenshot({ path: join(shots, 'broad-approved.png'), fullPage: true });

  const check = await ok(member, 'check_access_request', { request_id: req.id });
  expect(check.structured).toMatchObject({
    status: 'approved',
    providers: ['linear'],
    level: 'read',
    approver_notes: 'Read only my team, nothing archived.',
  });
  const left = check.structured!.seconds_left as number;
  expect(left).toBeGreaterThan(0);
  expect(left).toBeLessThanOrEqual(300);

  const res = await ok(member, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: VIEWER_QUERY,
  });
  expect(res.structured).toMatchObject({
    provider: 'linear',
    status: 200,
    authority: { kind: 'session', grant_id: req.id },
  });
  expect((res.structured!.body as { data: { viewer: { id: string } } }).data.viewer.id).toBe('usr_linear_1');

  const pipes = await gh.ctx.workos.identity.client.pipes.getAccessToken({
    provider: 'linear',
    userId: workosUserId(gh, 'member@demo.test'),
  });
  if (!pipes.active) throw new Error('member should have Linear connected');
  const token = pipes.accessToken.accessToken;
  expect(fake.requests).toHaveLength(1);
  expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/graphql' });
  expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${token}`);
  expect(JSON.parse(fake.requests[0]!.body)).toEqual(VIEWER_QUERY);
  expect(JSON.stringify(res)).not.toContain(token);

  // Even a provider that echoes the credential back cannot hand it to the agent.
  fake.mode = { kind: 'echo-auth' };
  try {
    const echoed = await ok(member, 'call_integration_api', {
      method: 'POST',
      url: LINEAR_URL,
      body: VIEWER_QUERY,
    });
    expect(fake.requests[1]!.headers.authorization).toBe(`Bearer ${token}`);
    expect(JSON.stringify(echoed)).not.toContain(token);
  } finally {
    fake.mode = { kind: 'graphql' };
  }
});

test('different-approver policy in Chromium — the requester sees Approve disabled and is refused; an admin approves from the list', async () => {
  const req = await requestAccess(
    member,
    sessionRequest(['linear'], 'write', 'File the bugs from the retro'),
  );
  const teamId = grantRow(gh, req.id)!.teamId;
  const actor = { userId: grantRow(gh, req.id)!.userId, email: 'member@demo.test' };
  gh.ctx.settings.update(teamId, { requireDifferentApprover: true }, actor);
  try {
    const own = await openSignedIn(req.url, 'member@demo.test');
    const c = card(own, req.id);
    await expect(c.getByRole('button', { name: 'Approve' }).isDisabled()).resolves.toBe(true);
    await expect(c.getByTestId('approve-refusal').textContent()).resolves.toContain(
      'someone other than the requester',
    );
    await own.screenshot({ path: join(shots, 'different-approver-own.png'), fullPage: true });
    // The disabled button is only a hint: the server refuses the same decision on POST.
    const http = await Console.signIn(gh.url, 'member@demo.test');
    const refused = await http.approve(req.id, { providers: ['linear'], level: 'write', t: req.token });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('someone other than the requester');
    expect(grantRow(gh, req.id)?.status).toBe('pending');

    const admin = await openSignedIn(`${gh.url}/approvals`, 'admin@demo.test', 'Gatehouse Demo Team');
    const adminCard = card(admin, req.id);
    await expect(adminCard.getByTestId('requester').textContent()).resolves.toBe('member@demo.test');
    await adminCard.getByLabel('Access level').selectOption('read');
    await adminCard.getByRole('button', { name: 'Approve' }).click();
    await adminCard.getByTestId('final-state').waitFor();
    await admin.screenshot({ path: join(shots, 'different-approver-admin.png'), fullPage: true });

    const check = await ok(member, 'check_access_request', { request_id: req.id });
    // Downgraded from write to read by the approver.
    expect(check.structured).toMatchObject({ status: 'approved', level: 'read' });
    const row = grantRow(gh, req.id)!;
    expect(row.approverUserId).not.toBe(row.userId);
  } finally {
    gh.ctx.settings.update(teamId, { requireDifferentApprover: false }, actor);
  }
});

test('revoke in Chromium — the active grant is revoked in place and the agent’s next call is refused', async () => {
  // Its own connection, so no grant from another test covers Linear.
  const agent = await agentFor(gh, 'member@demo.test');
  const req = await requestAccess(agent, sessionRequest(['linear'], 'read', 'Check sprint status'));
  const http = await Console.signIn(gh.url, 'member@demo.test');
  expect((await http.approve(req.id, { providers: ['linear'], level: 'read' })).status).toBe(303);
  await ok(agent, 'call_integration_api', { method: 'POST', url: LINEAR_URL, body: VIEWER_QUERY });

  const page = await openSignedIn(`${gh.url}/approvals`, 'member@demo.test');
  const row = page.locator(`tr[data-grant="${req.id}"]`);
  await expect(row.getByTestId('time-left').textContent()).resolves.toContain('left');
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.locator(`tr[data-grant="${req.id}"][data-status="revoked"]`).waitFor();
  expect(page.url()).toBe(`${gh.url}/approvals`);
  await page.screenshot({ path: join(shots, 'revoked.png'), fullPage: true });

  const denied = await call(agent, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: VIEWER_QUERY,
  });
  expect(denied.isError).toBe(true);
  expect(denied.text).toContain('No active approval covers Linear');
  await expect(ok(agent, 'check_access_request', { request_id: req.id })).resolves.toMatchObject({
    structured: { status: 'revoked' },
  });
});

test('escaping in Chromium — a reason carrying <script> renders as text and runs nothing', async () => {
  const reason = '<script>alert(1)</script><img src=x onerror=alert(2)>';
  const req = await requestAccess(
    member,
    callRequest({ query: 'query { viewer { id } }', note: '</pre><script>alert(3)</script>' }, reason),
  );
  const dialogs: string[] = [];
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(req.url);
  await page.getByRole('button', { name: /member@demo\.test/ }).click();
  await page.waitForURL(req.url);
  await expect(card(page, req.id).getByTestId('reason').textContent()).resolves.toBe(reason);
  await expect(card(page, req.id).getByTestId('request-body').textContent()).resolves.toContain(
    '</pre><script>alert(3)</script>',
  );
  const html = await page.content();
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(html).not.toContain('<script>alert(');
  await page.goto(`${gh.url}/approvals`);
  await card(page, req.id).waitFor();
  await page.screenshot({ path: join(shots, 'escaped.png'), fullPage: true });
  expect(dialogs).toEqual([]);
  expect(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length)).toBe(0);
});

test('live list in Chromium — a new request appears without a reload and a half-typed note survives the poll', async () => {
  const first = await requestAccess(member, sessionRequest(['linear'], 'read', 'First request'));
  const page = await openSignedIn(`${gh.url}/approvals`, 'member@demo.test');
  const notes = card(page, first.id).getByLabel('Notes: instructions the agent must follow');
  await notes.fill('Half-typed instructions');
  await card(page, first.id).getByRole('checkbox', { name: 'Linear' }).isChecked();

  // A second (exact-call) request arrives while the human is typing.
  const second = await requestAccess(member, callRequest(VIEWER_QUERY, 'Second request'));
  await card(page, second.id).waitFor();
  await expect(card(page, second.id).getByTestId('request-line').textContent()).resolves.toBe(
    `POST ${LINEAR_URL}`,
  );
  await expect(notes.inputValue()).resolves.toBe('Half-typed instructions');
  await page.screenshot({ path: join(shots, 'live.png'), fullPage: true });

  await card(page, first.id).getByRole('button', { name: 'Approve' }).click();
  await card(page, first.id).getByTestId('final-state').waitFor();
  expect(grantRow(gh, first.id)?.notes).toBe('Half-typed instructions');
  // The decided request leaves the pending list at the next poll and shows up as active.
  await page.locator(`tr[data-grant="${first.id}"]`).waitFor();
});
