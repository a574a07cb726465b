/**
 * Security review of the PostgreSQL mode (issue 15), third round: the htmx console in real
 * headless Chromium against two replicas on one database. One browser (one cookie jar, as behind
 * the proxy) opens replica A and replica B on their own ports: a decision clicked on both at once,
 * a settings page left open on B while A changes the settings, the kill switch pulled on B under a
 * pending card open on A, and a sign-out on A seen by the tab on B.
 * Run: DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres bun test test/security/pg-attack-browser.test.ts
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { agentTokens, onPostgres, query, signInVia, TEAM, usePair } from '../replicas/support.ts';
import { launchBrowser } from '../support/browser.ts';
import { type AnyClient, call, connectV1, connectV2 } from '../support/mcp.ts';

setDefaultTimeout(180_000);

const DECIDED = ['grant.approved', 'grant.denied'];

describe.skipIf(!onPostgres)('PostgreSQL attack — the htmx console in Chromium on two replicas', () => {
  const pair = usePair();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const agents: AnyClient[] = [];

  beforeAll(async () => {
    if (onPostgres) browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    for (const a of agents) await a.close().catch(() => {});
    await browser?.close();
  });

  /** A Chromium context signed in as `email` (through A); its cookie serves both ports. */
  async function signedIn(email: string): Promise<BrowserContext> {
    const http = await signInVia(pair.a.url, email, pair.browser());
    const context = await browser.newContext();
    contexts.push(context);
    await context.addCookies(
      [...http.cookies(pair.a.url)].map(([name, value]) => ({
        name,
        value,
        url: pair.a.url,
        httpOnly: true,
        sameSite: 'Lax' as const,
      })),
    );
    return context;
  }

  async function open(context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage();
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe(new URL(url).pathname);
    return page;
  }

  /** A pending session request by the member's agent (through A); its id. */
  async function pendingRequest(agent: AnyClient, reason: string): Promise<string> {
    const asked = await call(agent, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
      reason,
    });
    expect(asked.isError).toBe(false);
    return asked.structured!.request_id as string;
  }

  /** Runs `act` on a settings page and waits for the answer of the form it posts. */
  async function posted(page: Page, path: string, act: () => Promise<void>): Promise<void> {
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(path)), act()]);
    expect(res.status()).toBe(200);
  }

  const card = (page: Page, id: string) => page.locator(`section[data-grant="${id}"]`);
  const settled = (page: Page, id: string) =>
    page.locator(`section[data-grant="${id}"]:not([data-status="pending"])`).waitFor();

  async function decisions(id: string): Promise<string[]> {
    const rows = await query(
      pair,
      (sql) => sql`SELECT event FROM audit_entries
        WHERE event IN ${sql(DECIDED)} AND details LIKE ${`%${id}%`} ORDER BY seq`,
    );
    return (rows as { event: string }[]).map((r) => r.event);
  }

  /** The demo team's settings row, numbers as numbers. */
  async function settingsRow(): Promise<Record<string, number | boolean>> {
    const rows = await query(
      pair,
      (
        sql,
      ) => sql`SELECT s.version, s.allow_write, s.pii_redaction, s.authority_ttl_ms, s.tool_calls_per_minute
        FROM team_settings s JOIN teams t ON t.id = s.team_id WHERE t.name = ${TEAM}`,
    );
    const r = (rows as Record<string, unknown>[])[0]!;
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'boolean' ? v : Number(v)]));
  }

  async function grantStatus(id: string): Promise<string> {
    const rows = await query(pair, (sql) => sql`SELECT status FROM grants WHERE id = ${id}`);
    return (rows as { status: string }[])[0]!.status;
  }

  test('double decision — the same card clicked on A and on B at once (approve/approve, approve/deny): one decision, both pages agree', async () => {
    const { a, b } = pair;
    const member = await agentTokens(pair, 'member@demo.test');
    const agent = await connectV1(a.url, member.access_token);
    agents.push(agent);
    // The same admin signed in twice (two sessions), each with a page on one replica.
    const [ctxA, ctxB] = await Promise.all([signedIn('admin@demo.test'), signedIn('admin@demo.test')]);
    for (const [round, second] of [
      [0, 'Approve'],
      [1, 'Deny'],
      [2, 'Approve'],
      [3, 'Deny'],
    ] as const) {
      const id = await pendingRequest(agent, `Browser race ${round}`);
      const [pageA, pageB] = await Promise.all([
        open(ctxA, `${a.url}/approvals`),
        open(ctxB, `${b.url}/approvals`),
      ]);
      const [cardA, cardB] = [card(pageA, id), card(pageB, id)];
      await Promise.all([cardA.waitFor(), cardB.waitFor()]);
      expect(await cardA.getAttribute('data-status')).toBe('pending');
      expect(await cardB.getAttribute('data-status')).toBe('pending');
      // Alternate which replica approves, so both orders of the race run.
      const [approver, other] = round % 2 ? [cardB, cardA] : [cardA, cardB];
      await Promise.all([
        approver.getByRole('button', { name: 'Approve', exact: true }).click(),
        other.getByRole('button', { name: second, exact: true }).click(),
      ]);
      await Promise.all([settled(pageA, id), settled(pageB, id)]);

      const final = await grantStatus(id);
      expect(['approved', 'denied']).toContain(final);
      // The loser's card shows the winner's decision (the conflict swaps the card as it is now).
      expect(await card(pageA, id).getAttribute('data-status')).toBe(final);
      expect(await card(pageB, id).getAttribute('data-status')).toBe(final);
      // Reloaded (the request's own page, on each replica): the same final state, no buttons.
      await Promise.all([pageA.goto(`${a.url}/approvals/${id}`), pageB.goto(`${b.url}/approvals/${id}`)]);
      for (const p of [pageA, pageB]) {
        expect(await card(p, id).getAttribute('data-status')).toBe(final);
        await card(p, id).getByTestId('final-state').waitFor();
        expect(await p.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
      }
      expect(await decisions(id)).toEqual([final === 'approved' ? 'grant.approved' : 'grant.denied']);
      const check = await call(agent, 'check_access_request', { request_id: id });
      expect(check.structured?.status).toBe(final);
      await Promise.all([pageA.close(), pageB.close()]);
    }
  });

  test('settings — Write turned off on A while B’s page is open: B’s agent is refused at once, B’s page shows it on its next action, its stale forms revert nothing', async () => {
    const { a, b } = pair;
    const member = await agentTokens(pair, 'member@demo.test');
    const onB = await connectV2(b.url, member.access_token, 'auto');
    agents.push(onB);
    const ctx = await signedIn('admin@demo.test');
    const [pageA, pageB] = await Promise.all([
      open(ctx, `${a.url}/settings`),
      open(ctx, `${b.url}/settings`),
    ]);
    const write = (p: Page) => p.locator('#toggle-allowWrite');
    expect(await write(pageA).isChecked()).toBe(true);
    expect(await write(pageB).isChecked()).toBe(true);
    const version = (await settingsRow()).version;

    // A turns Write off (htmx), and the live part shows the new version.
    await posted(pageA, '/settings/toggle', () => write(pageA).uncheck());
    await pageA.locator(`#settings-live:not([data-version="${version}"])`).waitFor();
    expect(await write(pageA).isChecked()).toBe(false);

    // B's agent, at once: the write tool is refused.
    const created = await call(onB, 'create_workos_organization', { name: 'Stale Page Write' }).catch(
      (e: unknown) => ({ isError: true, text: String(e), structured: undefined }),
    );
    expect(created.isError).toBe(true);
    expect(created.text).toContain('Write access is turned off for your team');

    // B's page is stale (Write still shown on). Its own next htmx action (PII redaction) re-renders
    // the live part from the database: Write shows off, and nothing turned it back on.
    expect(await write(pageB).isChecked()).toBe(true);
    const pii = pageB.locator('#toggle-piiRedaction');
    const piiWas = await pii.isChecked();
    await posted(pageB, '/settings/toggle', () => pii.setChecked(!piiWas));
    await pageB.locator(`#settings-live:not([data-version="${version}"])`).waitFor();
    expect(await write(pageB).isChecked()).toBe(false);
    expect(await settingsRow()).toMatchObject({ allow_write: false, pii_redaction: !piiWas });
    await posted(pageB, '/settings/toggle', () => pii.setChecked(piiWas));

    // The durations form of a stale page: A lowers the Authority TTL; B's page, loaded before,
    // saves only a new tool-call rate. A's TTL must survive (the stale page did not touch it).
    await pageB.reload();
    const ttl = (p: Page) => p.locator('input[name="authority_ttl_minutes"]');
    const was = await ttl(pageB).inputValue();
    const lowered = was === '7' ? '6' : '7';
    await pageA.reload();
    await ttl(pageA).fill(lowered);
    await posted(pageA, '/settings/durations', () =>
      pageA.getByRole('button', { name: 'Save durations' }).click(),
    );
    expect(await ttl(pageB).inputValue()).toBe(was); // stale
    const rate = pageB.locator('input[name="tool_calls_per_minute"]');
    const rateWas = Number(await rate.inputValue());
    await rate.fill(String(rateWas + 1));
    await posted(pageB, '/settings/durations', () =>
      pageB.getByRole('button', { name: 'Save durations' }).click(),
    );
    expect(await settingsRow()).toMatchObject({
      authority_ttl_ms: Number(lowered) * 60_000,
      tool_calls_per_minute: rateWas + 1,
    });
    // htmx swaps the form in after the response: wait for the swapped field, not the response.
    await pageB.locator(`input[name="authority_ttl_minutes"][value="${lowered}"]`).waitFor();
    expect(await ttl(pageB).inputValue()).toBe(lowered);
    // The trail records B's save as what B changed: the rate, not the TTL.
    const last = await query(
      pair,
      (sql) =>
        sql`SELECT details FROM audit_entries WHERE event = 'settings.changed' ORDER BY seq DESC LIMIT 1`,
    );
    expect(Object.keys(JSON.parse((last as { details: string }[])[0]!.details).new)).toEqual([
      'toolCallsPerMinute',
    ]);

    // Turn Write back on for the tests that follow (and check it reaches B's agent).
    await pageB.reload();
    await posted(pageB, '/settings/toggle', () => write(pageB).check());
    const again = await call(onB, 'create_workos_organization', { name: 'Write Back On' });
    expect(again.isError).toBe(false);
  });

  test('sign-out — signed out in the tab on A: the tab on B (same cookie jar) cannot decide, and the old cookie is refused on B', async () => {
    const { a, b } = pair;
    const member = await agentTokens(pair, 'member@demo.test');
    const agent = await connectV1(a.url, member.access_token);
    agents.push(agent);
    const id = await pendingRequest(agent, 'Decided after sign-out?');
    const ctx = await signedIn('admin@demo.test');
    const oldCookies = await ctx.cookies(a.url);
    const tabB = await open(ctx, `${b.url}/approvals`);
    await card(tabB, id).waitFor();
    const tabA = await open(ctx, `${a.url}/logout`);
    await tabA.getByRole('main').getByRole('button', { name: 'Sign out' }).click();
    // Live mode: the AuthKit logout (the emulator) and back to A's sign-in page.
    await tabA.waitForURL((u) => u.searchParams.has('signed_out'));
    expect(await ctx.cookies(a.url)).not.toContainEqual(expect.objectContaining({ name: 'gh_session' }));

    // The tab on B clicks Approve: htmx is sent to sign-in, nothing is decided.
    const [answer] = await Promise.all([
      tabB.waitForResponse((r) => r.url().endsWith(`/approvals/${id}/approve`)),
      card(tabB, id).getByRole('button', { name: 'Approve', exact: true }).click(),
    ]);
    expect(answer.headers()['hx-redirect']).toStartWith('/login');
    // The whole tab goes to sign-in (live mode: on to AuthKit), not back to the console.
    await tabB.waitForURL((u) => u.pathname === '/user_management/authorize');
    expect(await grantStatus(id)).toBe('pending');
    expect(await decisions(id)).toEqual([]);

    // A copy of the old cookie (kept by an attacker) is refused by B as well.
    await ctx.addCookies(oldCookies.map((c) => ({ ...c, expires: -1 })));
    const replay = await ctx.request.post(`${b.url}/approvals/${id}/approve`, {
      form: { _csrf: 'x', providers: 'linear', level: 'read' },
      maxRedirects: 0,
    });
    expect(replay.status()).toBe(303);
    expect(replay.headers().location).toContain('/login');
    const page = await ctx.newPage();
    await page.goto(`${b.url}/approvals`);
    expect(new URL(page.url()).pathname).toBe('/user_management/authorize');
    expect(await grantStatus(id)).toBe('pending');
  });

  test('kill switch — pulled on B while the request is open on A’s page: approving it on A afterwards gives no grant', async () => {
    const { a, b } = pair;
    const member = await agentTokens(pair, 'member@demo.test');
    const agent = await connectV1(a.url, member.access_token);
    agents.push(agent);
    const id = await pendingRequest(agent, 'Approve me after the kill');
    const ctx = await signedIn('admin@demo.test');
    const pageA = await open(ctx, `${a.url}/approvals`);
    await card(pageA, id).waitFor();

    const pageB = await open(ctx, `${b.url}/settings/kill-switch`);
    await pageB.locator('input[name="team_name"]').fill(TEAM);
    await pageB.locator('textarea[name="reason"]').fill('browser drill');
    await pageB.locator('form button.danger').click();
    await pageB.waitForURL((u) => u.pathname === '/settings/kill-switch/result');

    // A's page is stale: the card still offers Approve. Clicking it decides nothing.
    await card(pageA, id).getByRole('button', { name: 'Approve', exact: true }).click();
    await settled(pageA, id);
    expect(await card(pageA, id).getAttribute('data-status')).toBe('revoked');
    expect(await grantStatus(id)).toBe('revoked');
    expect(await decisions(id)).toEqual([]);
    // The agent's authorization is gone on both replicas.
    for (const base of [a.url, b.url]) {
      const res = await fetch(`${base}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${member.access_token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    // Re-enabled on A, a fresh authorization of the same person finds no approved grant.
    const settings = await open(ctx, `${a.url}/settings`);
    await posted(settings, '/settings/toggle', () => settings.locator('#toggle-enabled').check());
    const fresh = await agentTokens(pair, 'member@demo.test');
    const again = await connectV1(b.url, fresh.access_token);
    agents.push(again);
    const check = await call(again, 'check_access_request', { request_id: id });
    expect(check.structured?.status).not.toBe('approved');
    expect(await grantStatus(id)).toBe('revoked');
  });
});
