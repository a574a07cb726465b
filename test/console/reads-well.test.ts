/**
 * The console reads well (issue "A console that reads well"): navigation fits the human's role and
 * the sign-in step; the audit trail names every actor and shows times as ISO; approval cards say
 * what a disabled button, a "changes data" badge and a missing Pipes connection mean; a new
 * token's command is shown whole and copied by a button; an empty dashboard shows no "0%".
 * Pages over real HTTP where the markup is the point, Chromium where the rendering is.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeEmulator } from '../../src/emulator/index.ts';
import { breakable } from '../../views/components/text.tsx';
import { agentFor, Console, requestAccess, sessionRequest } from '../approvals/support.ts';
import { launchBrowser } from '../support/browser.ts';
import { startTestSuite } from '../support/embedded-workos.ts';
import { hiddenInput } from '../support/http.ts';
import { type AnyClient, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { WIDTHS } from './layout-check.ts';

setDefaultTimeout(60_000);

const TEAM = 'Gatehouse Demo Team';

let gh: TestGatehouse;
let browser: Browser;
let member: AnyClient;
let admin: Console;
let viewer: Console;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [gh, browser] = await Promise.all([startTestGatehouse(), launchBrowser()]);
  member = await agentFor(gh, 'member@demo.test');
  // The viewer's own client: team entry, consent and token issued, with the viewer as actor.
  await tokensFor(gh.url, 'viewer@demo.test');
  [admin, viewer] = await Promise.all([
    Console.signIn(gh.url, 'admin@demo.test', TEAM),
    Console.signIn(gh.url, 'viewer@demo.test'),
  ]);
});

afterAll(async () => {
  await member?.close();
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await gh?.stop();
});

/** A fresh browser signed in as `email` (picking the team when asked), at `path`. */
async function signedIn(email: string, path: string, size: { width: number; height: number } = WIDTHS[0]) {
  const context = await browser.newContext({ viewport: size });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gh.url });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${gh.url}${path}`);
  await page.getByRole('button', { name: new RegExp(email.replace(/[.]/g, '\\.')) }).click();
  await page.waitForURL((u) => u.pathname !== '/login');
  if (new URL(page.url()).pathname === '/teams') {
    await page.getByLabel(new RegExp(TEAM)).check();
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.waitForURL((u) => u.pathname === path.split('?')[0]);
  return page;
}

/** The text of each element carrying `data-testid="<id>"` up to its `</tag>` (inner tags and <wbr> stripped). */
function texts(html: string, id: string, tag = 'td'): string[] {
  return [...html.matchAll(new RegExp(`data-testid="${id}"[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) =>
    m[1]!
      .replace(/<wbr>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

test('navigation — Settings only for team admins; no navigation on the team picker; sign-out says so', async () => {
  const nav = (html: string) => /<nav class="nav"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
  expect(nav((await admin.get('/')).html)).toContain('href="/settings"');
  const memberWeb = await Console.signIn(gh.url, 'member@demo.test');
  for (const c of [viewer, memberWeb]) {
    const home = nav((await c.get('/')).html);
    expect(home).toContain('href="/audit"');
    expect(home).not.toContain('href="/settings"');
  }

  // Ada belongs to two teams: mid-sign-in, the picker shows who she is but no page to go to.
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${gh.url}/`);
  await page.getByRole('button', { name: /admin@demo\.test/ }).click();
  await page.waitForURL((u) => u.pathname === '/teams');
  expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
  expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);
  await page.getByLabel(new RegExp(TEAM)).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${gh.url}/`);
  expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toContain(
    'Settings',
  );

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
  await expect(page.getByTestId('signed-out').textContent()).resolves.toContain('You are signed out');
  expect(await page.title()).toBe('Signed out · Gatehouse');
});

test('audit — team entry, consent and token issued name their actor, for admins and in a viewer’s own view', async () => {
  for (const event of ['auth.team_entered', 'oauth.consent', 'oauth.token_issued']) {
    const all = texts((await admin.get(`/audit?event=${event}`)).html, 'actor');
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((a) => a === '')).toEqual([]);
    expect(all).toContain('viewer@demo.test');
    const own = texts((await viewer.get(`/audit?event=${event}`)).html, 'actor');
    expect(own.length).toBeGreaterThan(0);
    expect(new Set(own)).toEqual(new Set(['viewer@demo.test']));
  }
});

test('audit — details show times as ISO 8601, never epoch milliseconds; identifiers break only between parts', async () => {
  const page = await admin.get('/connections');
  const created = await admin.post('/connections', {
    _csrf: hiddenInput(page.html, '_csrf')!,
    name: 'Nightly export',
    expiry: '30',
    access: 'mcp:read',
  });
  expect(created.status).toBe(200);
  const { html } = await admin.get('/audit?event=connection_token.created');
  const details = /<summary>details<\/summary><pre>([\s\S]*?)<\/pre>/.exec(html)?.[1] ?? '';
  expect(details).toMatch(/&quot;expires_at&quot;: &quot;\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z&quot;/);
  expect(details).not.toMatch(/\d{13}/);
  expect(texts(html, 'actor')).toEqual(['admin@demo.test']);

  expect(breakable('create_workos_organization')).toBe('create_<wbr>workos_<wbr>organization');
  expect(breakable('auth.team_entered')).toBe('auth.<wbr>team_<wbr>entered');
  expect(breakable('<b>x_y</b>')).toBe('&lt;b&gt;x_<wbr>y&lt;/<wbr>b&gt;');
});

test('approvals — disabled buttons look disabled, one refusal per card, the lapse time in words', async () => {
  const req = await requestAccess(member, sessionRequest(['linear'], 'read', 'Summarise my issues'));
  const path = new URL(req.url).pathname + new URL(req.url).search;
  const card = (p: Page) => p.locator(`section[data-grant="${req.id}"]`);
  const style = (p: Page, name: string) =>
    card(p)
      .getByRole('button', { name, exact: true })
      .evaluate((b) => ({ opacity: getComputedStyle(b).opacity, cursor: getComputedStyle(b).cursor }));

  const asViewer = await signedIn('viewer@demo.test', path, WIDTHS[1]);
  await expect(card(asViewer).getByRole('button', { name: 'Approve' }).isDisabled()).resolves.toBe(true);
  for (const name of ['Approve', 'Deny']) {
    const s = await style(asViewer, name);
    expect(Number(s.opacity)).toBeLessThan(0.6);
    expect(s.cursor).toBe('not-allowed');
  }
  const refusal = await card(asViewer).getByTestId('approve-refusal').textContent();
  expect(refusal).toContain('can decide this request');
  expect(await card(asViewer).getByText(refusal!.trim()).count()).toBe(1);
  const asked = (await card(asViewer).getByTestId('asked').textContent())!;
  expect(asked).toMatch(/If nobody decides, it lapses at \d\d:\d\d UTC \(in about \d+ minutes\)\.$/);
  expect(asked).not.toContain('undecided');

  const asAdmin = await signedIn('admin@demo.test', path);
  for (const name of ['Approve', 'Deny'])
    expect(await style(asAdmin, name)).toEqual({ opacity: '1', cursor: 'pointer' });
  expect(await card(asAdmin).getByTestId('approve-refusal').count()).toBe(0);
});

test('approvals — an approval shows under Recent decisions at once, with who decided', async () => {
  const req = await requestAccess(member, sessionRequest(['linear'], 'read', 'Weekly summary'));
  expect((await admin.approve(req.id, { providers: ['linear'], level: 'read' })).status).toBe(303);
  const { html } = await admin.get('/approvals');
  const recent = /<table class="cards" data-testid="recent">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
  const row = new RegExp(`<tr id="recent-${req.id}"[^>]*data-status="approved"[\\s\\S]*?</tr>`).exec(
    recent,
  )?.[0];
  expect(row).toBeDefined();
  expect(texts(row!, 'decided-by')).toEqual(['admin@demo.test']);
});

test('approvals — a GET that counts as a write says why; a provider not connected in Pipes is named', async () => {
  const get = await requestAccess(member, {
    kind: 'call',
    method: 'GET',
    url: 'https://api.linear.app/graphql',
    reason: 'Who am I on Linear',
  });
  const getCard = (await admin.get(`/approvals/${get.id}?t=${get.token}`)).html;
  const note = texts(getCard, 'write-note', 'p')[0] ?? '';
  expect(note).toContain('changes data');
  expect(note).toContain('GraphQL');
  expect(note).toContain('This GET has none, so Gatehouse cannot tell what it does');

  // Max has Linear connected, Notion needing re-authorization and no GitHub (the seeded Pipes).
  const s = await requestAccess(
    member,
    sessionRequest(['linear', 'notion', 'github'], 'read', 'Cross-check'),
  );
  const html = (await admin.get(`/approvals/${s.id}?t=${s.token}`)).html;
  const pipes = texts(html, 'pipes-note', 'div')[0] ?? '';
  expect(pipes).toContain('member@demo.test has not connected GitHub in WorkOS Pipes');
  expect(pipes).toContain('Notion connection in WorkOS Pipes needs re-authorization');
  expect(pipes).not.toContain('Linear');
  // The list shows the same note on the pending card.
  expect((await admin.get('/approvals')).html).toContain('has not connected GitHub in WorkOS Pipes');
});

test('approvals — a request the poll brings in gets its Pipes note too; unknown ids are a 404, decided ones have no note', async () => {
  const page = await signedIn('admin@demo.test', '/approvals');
  const req = await requestAccess(member, sessionRequest(['github'], 'read', 'My open pull requests'));
  const note = page.locator(`section[data-grant="${req.id}"]`).getByTestId('pipes-note');
  await note.waitFor();
  await expect(note.textContent()).resolves.toContain(
    'member@demo.test has not connected GitHub in WorkOS Pipes',
  );
  // Unknown ids are a 404; a request that is no longer pending has nothing to add.
  expect((await admin.get('/approvals/grant_0000000000000000/pipes')).status).toBe(404);
  expect((await admin.deny(req.id, 'Not now')).status).toBe(303);
  const after = await admin.get(`/approvals/${req.id}/pipes`);
  expect(after.status).toBe(200);
  expect(after.html).toBe('');
});

test('connections — the new token and its Claude Code command are shown whole on a phone, and copied by a button', async () => {
  const page = await signedIn('member@demo.test', '/connections', WIDTHS[1]);
  await page.getByLabel('Name').fill('Claude Code on my laptop');
  await page.getByRole('button', { name: 'Create token' }).click();
  const snippet = page.getByTestId('snippet');
  await snippet.waitFor();
  const token = (await page.getByTestId('token').textContent())!.trim();
  const command = (await snippet.textContent())!.trim();
  expect(command).toContain(`Bearer ${token}`);
  const box = await snippet.evaluate((el) => ({
    scroll: el.scrollWidth,
    client: el.clientWidth,
    right: el.getBoundingClientRect().right,
  }));
  expect(box.scroll).toBeLessThanOrEqual(box.client);
  expect(box.right).toBeLessThanOrEqual(WIDTHS[1].width);

  for (const [id, label, want] of [
    ['token', 'Copy the token', token],
    ['snippet', 'Copy the Claude Code command', command],
  ] as const) {
    await page.getByRole('button', { name: label }).click();
    await page.locator(`#copy-${id}-copied`, { hasText: 'Copied.' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(want);
  }
});

test('dashboard — a team without calls shows a dash for the error rate, not "0%"', async () => {
  const labs = await Console.signIn(gh.url, 'admin@demo.test', 'Gatehouse Labs');
  const { html } = await labs.get('/dashboard');
  expect(texts(html, 'total-calls', 'div')).toEqual(['0']);
  expect(texts(html, 'total-error-rate', 'div')).toEqual(['—']);
  expect(html).toContain('Error rate (no calls yet)');
});

test('sign-out in live mode — /login?signed_out=1 says so and offers to sign in again, not a silent bounce to AuthKit', async () => {
  // Live mode against the embedded WorkOS behind its key router, as `gatehouse emulator` runs it.
  const suite = await startTestSuite();
  let live: TestGatehouse | undefined;
  try {
    const described = await describeEmulator(suite.suite, suite.router.url);
    const demo = described.teams.find((t) => t.seedKey === 'gatehouse-demo-team')!;
    live = await startTestGatehouse({ env: { ...described.env, WORKOS_API_KEY: demo.sandbox.apiKey } });
    const out = await fetch(`${live.url}/login?signed_out=1`, { redirect: 'manual' });
    expect(out.status).toBe(200);
    const html = await out.text();
    expect(html).toContain('You are signed out of Gatehouse');
    expect(html).toContain('href="/login?return_to=%2F" data-testid="sign-in-again"');
    // Without the flag, /login still goes straight to AuthKit.
    const login = await fetch(`${live.url}/login`, { redirect: 'manual' });
    expect(login.status).toBe(303);
  } finally {
    await live?.stop();
    await suite.close();
  }
});
