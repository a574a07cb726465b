/**
 * The admin console in headless Chromium: every switch on /settings is flipped with one htmx
 * request and an agent's open MCP session sees the effect on its very next call; /audit shows
 * hostile upstream text as text; the kill switch ends live sessions and streams.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HTML_ORG_NAME } from '../../src/emulator/seed/index.ts';
import { artifactsDir, launchBrowser, signInPage } from '../support/browser.ts';
import { type AnyClient, call, connectV1, type Tokens, tokensFor, toolNames } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

// Each file starts real servers and a browser: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const TEAM = 'Gatehouse Demo Team';
const shots = artifactsDir('console');

let gh: TestGatehouse;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let memberTokens: Tokens;
let member: AnyClient;
let admin: AnyClient;
let teamId: string;
const toggleRequests: { hx: string | undefined }[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  [gh, browser] = await Promise.all([startTestGatehouse(), launchBrowser()]);
  const adminTokens = await tokensFor(gh.url, 'admin@demo.test', { team: TEAM });
  memberTokens = await tokensFor(gh.url, 'member@demo.test');
  [member, admin] = await Promise.all([
    connectV1(gh.url, memberTokens.access_token),
    connectV1(gh.url, adminTokens.access_token),
  ]);
  teamId = gh.ctx.oauth.tokens.bearer(memberTokens.access_token)!.family.teamId;

  context = await browser.newContext();
  page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/settings/toggle')
      toggleRequests.push({ hx: r.headers()['hx-request'] });
  });
  await signInPage(page, gh.url, '/settings', 'admin@demo.test', TEAM);
});

afterAll(async () => {
  await Promise.allSettled([member?.close(), admin?.close()]);
  await context?.close().catch(() => {});
  await browser?.close();
  await gh?.stop();
});

const version = () => gh.ctx.teams.settings(teamId).version;

/** Waits until the page shows the settings at `v` (the htmx answer has been swapped in). */
async function shows(v: number) {
  await page.locator(`#settings-live[data-version="${v}"]`).waitFor();
}

/** Flips one switch in the page: exactly one htmx request, and the page re-rendered from it. */
async function flip(label: string, on: boolean) {
  const sw = page.getByRole('switch', { name: label, exact: true });
  expect(await sw.isChecked()).toBe(!on);
  const before = toggleRequests.length;
  const v = version();
  const answered = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/settings/toggle' && r.request().method() === 'POST',
  );
  await sw.click();
  expect((await answered).status()).toBe(200);
  await shows(v + 1);
  expect(toggleRequests.length - before).toBe(1);
  expect(toggleRequests.at(-1)!.hx).toBe('true');
  expect(await page.getByRole('switch', { name: label, exact: true }).isChecked()).toBe(on);
  expect(version()).toBe(v + 1);
}

const firstLine = (text: string) => text.split('\n')[0];
const writeTools = () =>
  gh.ctx.tools
    .all()
    .filter((d) => d.kind === 'write' || d.kind === 'destructive')
    .map((d) => d.name);

test('every switch, flipped in Chromium, reaches an open MCP session on its very next call', async () => {
  await page.screenshot({ path: join(shots, 'settings.png'), fullPage: true });
  for (const label of [
    'Enable MCP access',
    'Allow production access',
    'Allow write access',
    'Require a different approver',
    'PII redaction',
  ])
    await page.getByRole('switch', { name: label, exact: true }).waitFor();

  // Allow write access: off → writes denied and gone from tools/list; on → back.
  await flip('Allow write access', false);
  const denied = await call(member, 'create_workos_organization', { name: 'Browser Flip Co' });
  expect(denied.isError).toBe(true);
  expect(firstLine(denied.text)).toBe(
    'Error (forbidden): Write access is turned off for your team: Gatehouse is read-only right now.',
  );
  const readOnly = await toolNames(member);
  for (const w of writeTools()) expect(readOnly).not.toContain(w);
  expect(readOnly).toContain('list_workos_organizations');
  await expect(page.getByTestId('last-allowWrite').textContent()).resolves.toContain(
    'Last changed by admin@demo.test',
  );
  await flip('Allow write access', true);
  expect(await toolNames(member)).toContain('create_workos_organization');
  expect((await call(member, 'create_workos_organization', { name: 'Browser Flip Co' })).isError).toBe(false);

  // Allow production access (the admin's role has production; the member's does not).
  const prod = { environment: 'production', limit: 1 };
  // A session reaches production by switching to it first (docs/architecture.md "Modes").
  expect((await call(admin, 'switch_environment', { environment: 'production' })).isError).toBe(false);
  expect((await call(admin, 'list_workos_organizations', prod)).isError).toBe(false);
  await flip('Allow production access', false);
  const noProd = await call(admin, 'list_workos_organizations', prod);
  expect(noProd.isError).toBe(true);
  expect(firstLine(noProd.text)).toBe('Error (forbidden): Production access is turned off for your team.');
  expect((await call(admin, 'list_workos_organizations', { environment: 'sandbox', limit: 1 })).isError).toBe(
    false,
  );
  await flip('Allow production access', true);
  expect((await call(admin, 'list_workos_organizations', prod)).isError).toBe(false);
  expect((await call(admin, 'switch_environment', { environment: 'sandbox' })).isError).toBe(false);

  // PII redaction: emails in results are replaced.
  expect((await call(member, 'whoami')).text).toContain('member@demo.test');
  await flip('PII redaction', true);
  const redacted = await call(member, 'whoami');
  expect(redacted.text).toContain('[redacted: email]');
  expect(redacted.text).not.toContain('member@demo.test');
  await flip('PII redaction', false);
  expect((await call(member, 'whoami')).text).toContain('member@demo.test');

  // Require a different approver: visible in whoami's team settings.
  const settingsOf = async () =>
    (await call(member, 'whoami')).structured!.team_settings as Record<string, unknown>;
  expect((await settingsOf()).require_different_approver).toBe(false);
  await flip('Require a different approver', true);
  expect((await settingsOf()).require_different_approver).toBe(true);
  await flip('Require a different approver', false);
  expect((await settingsOf()).require_different_approver).toBe(false);

  // Enable MCP access off: the dependent switches render off and disabled; MCP is closed.
  await flip('Enable MCP access', false);
  for (const dep of ['Allow production access', 'Allow write access']) {
    const sw = page.getByRole('switch', { name: dep, exact: true });
    expect(await sw.isChecked()).toBe(false);
    expect(await sw.isDisabled()).toBe(true);
  }
  await page.screenshot({ path: join(shots, 'settings-disabled.png'), fullPage: true });
  expect(await toolNames(member)).toEqual([]);
  const off = await call(member, 'list_workos_organizations', { limit: 1 });
  expect(off.isError).toBe(true);
  expect(firstLine(off.text)).toBe(
    'Error (forbidden): MCP access is disabled for your team by a Gatehouse admin.',
  );
  // On again: reads return; production and write stay off until switched on.
  await flip('Enable MCP access', true);
  expect(await page.getByRole('switch', { name: 'Allow write access', exact: true }).isDisabled()).toBe(
    false,
  );
  expect((await call(member, 'list_workos_organizations', { limit: 1 })).isError).toBe(false);
  expect(await toolNames(member)).not.toContain('create_workos_organization');
  await flip('Allow write access', true);
  await flip('Allow production access', true);
  expect(await toolNames(member)).toContain('create_workos_organization');

  // Authority TTL (minutes): one htmx form post.
  const v = version();
  await page.getByLabel('Authority TTL (minutes)').fill('10');
  await page.getByRole('button', { name: 'Save durations' }).click();
  await shows(v + 1);
  expect(((await settingsOf()).authority_ttl_seconds as number) * 1).toBe(600);
  expect(gh.ctx.teams.settings(teamId).authorityTtlMs).toBe(600_000);

  // The history shows who changed what, old and new.
  const history = (await page.getByTestId('history').textContent())!;
  expect(history).toContain('admin@demo.test');
  expect(history).toContain('Authority TTL');
  expect(history).toContain('5 min');
  expect(history).toContain('10 min');
  await page.screenshot({ path: join(shots, 'settings-after.png'), fullPage: true });
  expect(dialogs).toEqual([]);
});

test('upstream text with markup is shown as text on /audit, never run', async () => {
  const orgs = await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 });
  const evil = orgs.data.find((o) => o.name === HTML_ORG_NAME)!;
  const r = await call(member, 'get_organization_details', { organization_id: evil.id });
  expect(r.isError).toBe(false);

  await page.goto(`${gh.url}/audit?tool=get_organization_details`);
  const row = page.getByTestId('audit-row').first();
  await row.locator('summary', { hasText: 'details' }).click();
  await expect(row.locator('pre').last().textContent()).resolves.toContain(HTML_ORG_NAME);
  const html = await page.content();
  expect(html).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt; Corp');
  expect(await page.locator('script:not([src])').count()).toBe(0);
  await page.screenshot({ path: join(shots, 'audit.png'), fullPage: true });
  expect(dialogs).toEqual([]);
});

test('screenshots — dashboard, connections, approvals', async () => {
  await page.goto(`${gh.url}/dashboard`);
  await page.getByTestId('calls-chart').waitFor();
  expect(await page.getByTestId('tool-table').textContent()).toContain('whoami');
  await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });
  for (const path of ['/connections', '/approvals']) {
    const res = await page.goto(`${gh.url}${path}`);
    if (res?.status() !== 200) continue;
    await page.screenshot({ path: join(shots, `${path.slice(1)}.png`), fullPage: true });
  }
  expect(dialogs).toEqual([]);
});

test('kill switch in Chromium — confirm step, then open sessions and streams close and old tokens get 401', async () => {
  // A raw 2025-era session with its GET stream open, beside the SDK sessions.
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gh.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${memberTokens.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify(body),
    });
  const init = await post({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  await init.text();
  const sid = init.headers.get('mcp-session-id')!;
  const session = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
  await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();
  const stream = await fetch(`${gh.url}/mcp`, {
    headers: {
      authorization: `Bearer ${memberTokens.access_token}`,
      accept: 'text/event-stream',
      ...session,
    },
  });
  expect(stream.status).toBe(200);
  const reader = stream.body!.getReader();
  await reader.read();
  expect(gh.mcp.sessions.size).toBe(3);

  await page.goto(`${gh.url}/settings`);
  await page.getByTestId('kill-switch-link').click();
  await page.waitForURL(`${gh.url}/settings/kill-switch`);
  await page.screenshot({ path: join(shots, 'kill-switch-confirm.png'), fullPage: true });
  await page.getByLabel(/Type the team name/).fill(TEAM);
  await page.getByLabel(/Reason/).fill('Browser drill: agent misbehaving');
  await page.getByRole('button', { name: 'Pull the kill switch' }).click();
  await page.waitForURL(`${gh.url}/settings/kill-switch/result`);
  expect(await page.getByTestId('team-status').textContent()).toBe(`MCP access for ${TEAM} is disabled.`);
  expect(Number(await page.getByTestId('families-revoked').textContent())).toBeGreaterThanOrEqual(2);
  await page.screenshot({ path: join(shots, 'kill-switch-result.png'), fullPage: true });

  // The stream ends on its own; every session is gone; the old tokens are refused.
  let done = false;
  while (!done) done = (await reader.read()).done;
  expect(gh.mcp.sessions.size).toBe(0);
  const listed = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  expect(listed.status).toBe(401);

  // Settings shows the team off, with the pull in the history; Enable is the way back.
  await page.goto(`${gh.url}/settings`);
  expect(await page.getByTestId('killed').textContent()).toContain('kill switch was pulled');
  expect(await page.getByRole('switch', { name: 'Enable MCP access', exact: true }).isChecked()).toBe(false);
  expect(await page.getByTestId('history').textContent()).toContain('Browser drill: agent misbehaving');
  await flip('Enable MCP access', true);
  expect(
    (await post({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, { 'mcp-protocol-version': '2025-06-18' }))
      .status,
  ).toBe(401);
  expect(dialogs).toEqual([]);
});
