/**
 * Every console page, as a team admin and as a viewer, at 1280×800 and 390×844 in Chromium: no
 * page wider than the screen, no text clipped or cut mid-word, no placeholder cut off
 * (docs/architecture.md "Console"). The data behind the pages is real: an agent's tool calls, an
 * access request of each kind, a deletion waiting for the admin's confirmation, a connection token.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { agentFor, requestAccess, sessionRequest } from '../approvals/support.ts';
import { artifactsDir, launchBrowser } from '../support/browser.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { authorizeUrl, pkce, registerClient, standardParams } from '../support/oauth.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';
import { layoutProblems, problemsAcrossWidths, WIDTHS } from './layout-check.ts';

setDefaultTimeout(120_000);

const TEAM = 'Gatehouse Demo Team';
const shots = artifactsDir('layout');

let gh: TestGatehouse;
let browser: Browser;
let member: AnyClient;
let adminAgent: AnyClient;
const contexts: BrowserContext[] = [];
const approvalLinks: string[] = [];

beforeAll(async () => {
  [gh, browser] = await Promise.all([startTestGatehouse(), launchBrowser()]);
  member = await agentFor(gh, 'member@demo.test');
  adminAgent = await connectV1(
    gh.url,
    (await tokensFor(gh.url, 'admin@demo.test', { team: TEAM })).access_token,
  );
  // Long identifiers in the audit trail and the dashboard.
  await call(member, 'list_workos_organizations', {});
  await call(member, 'create_workos_organization', { name: 'Layout Check Incorporated' });
  for (const args of [
    sessionRequest(['linear', 'github'], 'write', 'Triage the open issues and file the retro bugs'),
    { kind: 'call', method: 'GET', url: 'https://api.linear.app/graphql', reason: 'Who am I on Linear' },
  ])
    approvalLinks.push((await requestAccess(member, args)).url);
  // A deletion the admin's own agent waits for them to confirm in the console.
  gh.ctx.settings.update(
    seededTeamId(gh),
    { destructiveNeedsPerson: true },
    { userId: 'user_test', email: 'admin@demo.test' },
  );
  const org = await teamWorkOS(gh).organizations.createOrganization({ name: 'To Be Deleted Layout Co' });
  const waiting = await call(adminAgent, 'delete_organization', { organization_id: org.id });
  expect(waiting.text).toContain('/approvals');
});

afterAll(async () => {
  await Promise.allSettled([member?.close(), adminAgent?.close()]);
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await gh?.stop();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: WIDTHS[0] });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gh.url });
  contexts.push(context);
  return context.newPage();
}

const PAGES = ['/', '/approvals', '/connections', '/audit', '/dashboard', '/logout'];

/** Visits each page at both widths, keeping a phone screenshot of each. */
async function sweep(page: Page, who: string, paths: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const path of paths) {
    const url = path.startsWith('http') ? path : `${gh.url}${path}`;
    problems.push(...(await problemsAcrossWidths(page, url, `${who} ${new URL(url).pathname}`)));
    // Approval links by their place in the list, not their id: the same files from run to run.
    const at = approvalLinks.indexOf(url);
    const where = at >= 0 ? `approval-${at + 1}` : new URL(url).pathname.replace(/[^a-z0-9]+/gi, '-');
    const name = `${who}-${where}`.replace(/-+$/, '');
    await page.screenshot({ path: join(shots, `${name}-390.png`), fullPage: true });
  }
  return problems;
}

test('layout — every page a team admin sees fits 1280 and 390 px, nothing clipped', async () => {
  const page = await newPage();
  // Mid-sign-in: the login picker and the team picker.
  await page.goto(`${gh.url}/`);
  const problems = [...(await problemsAcrossWidths(page, page.url(), 'admin /login'))];
  await page.getByRole('button', { name: /admin@demo\.test/ }).click();
  await page.waitForURL((u) => u.pathname === '/teams');
  problems.push(...(await problemsAcrossWidths(page, page.url(), 'admin /teams')));
  await page.getByLabel(new RegExp(TEAM)).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${gh.url}/`);

  // The consent page an MCP client's sign-in opens.
  const client = await registerClient(gh.url, { client_name: 'A Rather Long Agent Name For Layout Checks' });
  const consent = authorizeUrl(gh.url, standardParams(gh.url, client.client_id, pkce().challenge));
  const extra = [
    '/settings',
    '/settings/kill-switch',
    '/approvals/grant_0000000000000000',
    // The longest tool name chosen in the filter, and a filter that matches nothing.
    '/audit?tool=list_organization_memberships&from=2026-01-31%2009%3A00&to=24h',
    consent,
  ];
  problems.push(...(await sweep(page, 'admin', [...PAGES, ...extra, ...approvalLinks])));
  await page.goto(`${gh.url}/approvals`);
  expect(await page.getByTestId('confirmation').count()).toBe(1);

  // The page that shows a new connection token once (a POST's answer, judged where it lands).
  await page.goto(`${gh.url}/connections`);
  await page.getByLabel('Name').fill('CI runner for the nightly layout job');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByTestId('snippet').waitFor();
  problems.push(...(await problemsAcrossWidths(page, page.url(), 'admin token created')));
  await page.screenshot({ path: join(shots, 'admin-token-created-390.png'), fullPage: true });
  expect(problems).toEqual([]);
});

test('layout — every page a viewer sees fits 1280 and 390 px, the 403 page too', async () => {
  const page = await newPage();
  await page.goto(`${gh.url}/`);
  await page.getByRole('button', { name: /viewer@demo\.test/ }).click();
  await page.waitForURL(`${gh.url}/`);
  const problems = await sweep(page, 'viewer', [...PAGES, '/settings', ...approvalLinks]);
  expect(problems).toEqual([]);
});

test('layout — the check itself sees a page too wide, clipped text, a cut placeholder or option, a word broken', async () => {
  // Guard against a check that passes everything: the same probes on a page built to fail them.
  const page = await newPage();
  await page.goto(`${gh.url}/login`);
  await page.setViewportSize(WIDTHS[1]);
  await page.evaluate(() => {
    const wide = document.createElement('div');
    wide.style.width = '500px';
    wide.textContent = 'wide';
    const clip = document.createElement('p');
    clip.style.cssText = 'width:80px;overflow:hidden;white-space:nowrap';
    clip.textContent = 'a sentence far too long for eighty pixels';
    const input = document.createElement('input');
    input.style.width = '90px';
    input.placeholder = 'YYYY-MM-DD HH:MM or 24h';
    const select = document.createElement('select');
    select.style.width = '90px';
    select.append(new Option('list_organization_memberships', 'x', true, true));
    const ident = document.createElement('code');
    ident.className = 'ident';
    ident.style.cssText = 'display:inline-block;width:40px;word-break:break-all';
    ident.textContent = 'organization';
    document.body.append(wide, clip, input, select, ident);
  });
  const problems = await layoutProblems(page);
  expect(problems.some((p) => p.startsWith('page is 5'))).toBe(true);
  expect(problems.some((p) => p.includes('clips its text'))).toBe(true);
  expect(problems.some((p) => p.includes('cuts its placeholder'))).toBe(true);
  expect(problems.some((p) => p.includes('cuts its option'))).toBe(true);
  expect(problems.some((p) => p.includes('breaks inside "organization"'))).toBe(true);
});
