/**
 * The team setting "Deletions need a person": only the human confirms a delete — answering their
 * client's prompt, or in the console (/approvals) when the client cannot ask them; a
 * confirmation token sent back by the agent is refused.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { Console } from '../approvals/support.ts';
import { launchBrowser } from '../support/browser.ts';
import { orgExists, setNeedsPerson, throwawayOrg } from '../support/confirm.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let token: string;

beforeAll(async () => {
  gh = await startTestGatehouse();
  token = (await tokensFor(gh.url, 'member@demo.test')).access_token;
});
afterAll(async () => {
  await gh?.stop();
});

const throwaway = (name: string) => throwawayOrg(gh, name);
const exists = (id: string) => orgExists(gh, id);
const setting = (on: boolean) => setNeedsPerson(gh, on);

test('deletions need a person — an agent’s own confirmation token is refused; a client that cannot ask is sent to the console', async () => {
  const agent = await connectV1(gh.url, token);
  try {
    const org = await throwaway('Needs A Person 1');
    const first = await call(agent, 'delete_organization', { organization_id: org });
    const confirmation = first.structured?.confirmation_token as string;
    expect(confirmation).toBeTruthy();
    setting(true);
    const again = await call(agent, 'delete_organization', {
      organization_id: org,
      confirmation_token: confirmation,
    });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('requires a person');
    expect(await exists(org)).toBe(true);
    const fresh = await call(agent, 'delete_organization', { organization_id: org });
    expect(fresh.isError).toBe(true);
    expect(fresh.text).toContain('cannot ask them directly');
    expect(fresh.text).toContain(`${gh.url}/approvals`);
    expect(fresh.text).not.toContain('confirm_');
    expect(fresh.text).not.toContain('person_');
    // Asking again before anyone answered waits on the same confirmation, no second one.
    const again2 = await call(agent, 'delete_organization', { organization_id: org });
    expect(again2.text).toContain('still waiting');
    expect(await exists(org)).toBe(true);
  } finally {
    setting(false);
    await agent.close();
  }
});

test('deletions need a person — the human answering the client’s prompt deletes; declining or silence does not', async () => {
  const client = new ClientV1({ name: 'eliciting', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  let answer: 'accept' | 'decline' | 'cancel' = 'decline';
  client.setRequestHandler(ElicitRequestSchema, async () =>
    answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: answer },
  );
  await client.connect(
    new TransportV1(new URL(`${gh.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  setting(true);
  try {
    const org = await throwaway('Needs A Person 2');
    const declined = await call(client, 'delete_organization', { organization_id: org });
    expect(declined.isError).toBe(true);
    expect(await exists(org)).toBe(true);
    answer = 'accept';
    const deleted = await call(client, 'delete_organization', { organization_id: org });
    expect(deleted.isError).toBe(false);
    expect(await exists(org)).toBe(false);
  } finally {
    setting(false);
    await client.close();
  }
});

const waitingIds = (html: string) =>
  [...html.matchAll(/data-confirmation="([0-9a-f]{64})"/g)].map((m) => m[1]!);
/** The id of the waiting confirmation whose card names `text`. */
const waitingFor = (html: string, text: string) =>
  waitingIds(html).find((id) => {
    const start = html.indexOf(`data-confirmation="${id}"`);
    return html.slice(start, html.indexOf('</section>', start)).includes(text);
  });

test('deletions need a person — confirmed in the console by the person, the agent’s exact retry deletes once', async () => {
  const agent = await connectV1(gh.url, token);
  const member = await Console.signIn(gh.url, 'member@demo.test');
  const admin = await Console.signIn(gh.url, 'admin@demo.test', 'Gatehouse Demo Team');
  setting(true);
  try {
    const org = await throwaway('Needs A Person 3');
    const other = await throwaway('Needs A Person 3b');
    await call(agent, 'delete_organization', { organization_id: org });
    const page = await member.get('/approvals');
    const id = waitingFor(page.html, 'Needs A Person 3')!;
    expect(id).toBeTruthy();
    // Someone else (an admin included) neither sees it nor answers it.
    expect(waitingIds((await admin.get('/approvals')).html)).not.toContain(id);
    const byAdmin = await admin.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await admin.csrf() });
    expect(byAdmin.status).toBe(403);
    // No CSRF token, no answer; an unknown id is a 404.
    expect((await member.post(`/approvals/confirmations/${id}/confirm`, { _csrf: 'wrong' })).status).toBe(
      403,
    );
    const csrf = await member.csrf();
    expect(
      (await member.post(`/approvals/confirmations/${'0'.repeat(64)}/confirm`, { _csrf: csrf })).status,
    ).toBe(404);
    expect((await member.post('/approvals/confirmations/not-an-id/confirm', { _csrf: csrf })).status).toBe(
      404,
    );
    expect(await exists(org)).toBe(true);

    const answered = await member.post(`/approvals/confirmations/${id}/confirm`, { _csrf: csrf });
    expect(answered.status).toBe(303);
    const twice = await member.post(`/approvals/confirmations/${id}/decline`, { _csrf: csrf });
    expect(twice.status).toBe(409);
    // The confirmation covers only the exact call: other arguments still wait for a person.
    const otherCall = await call(agent, 'delete_organization', { organization_id: other });
    expect(otherCall.isError).toBe(true);
    expect(await exists(other)).toBe(true);
    const deleted = await call(agent, 'delete_organization', { organization_id: org });
    expect(deleted.isError).toBe(false);
    expect(await exists(org)).toBe(false);
    const answers = gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .where(eq(schema.auditEntries.event, 'confirmation.confirmed'))
      .all();
    expect(answers.some((e) => e.actorEmail === 'member@demo.test' && e.tool === 'delete_organization')).toBe(
      true,
    );
  } finally {
    setting(false);
    await agent.close();
  }
});

test('deletions need a person — declined in the console, the agent is told once and nothing is deleted', async () => {
  const agent = await connectV1(gh.url, token);
  const member = await Console.signIn(gh.url, 'member@demo.test');
  setting(true);
  try {
    const org = await throwaway('Needs A Person 4');
    await call(agent, 'delete_organization', { organization_id: org });
    const id = waitingFor((await member.get('/approvals')).html, 'Needs A Person 4');
    const htmx = await member.post(
      `/approvals/confirmations/${id}/decline`,
      { _csrf: await member.csrf() },
      { 'hx-request': 'true' },
    );
    expect(htmx.status).toBe(200);
    expect(htmx.html).toContain('Declined');
    const told = await call(agent, 'delete_organization', { organization_id: org });
    expect(told.isError).toBe(true);
    expect(told.text).toContain('declined it in the Gatehouse console');
    // The next call asks afresh instead of repeating the refusal.
    const fresh = await call(agent, 'delete_organization', { organization_id: org });
    expect(fresh.text).toContain('waiting for them in the Gatehouse console');
    expect(await exists(org)).toBe(true);
  } finally {
    setting(false);
    await agent.close();
  }
});

test('deletions need a person — in Chromium, the person sees what will be destroyed and confirms with one click', async () => {
  const agent = await connectV1(gh.url, token);
  const browser = await launchBrowser();
  setting(true);
  try {
    const org = await throwaway('Needs A Person <b>5</b>');
    await call(agent, 'delete_organization', { organization_id: org });
    const page = await browser.newPage();
    await page.goto(`${gh.url}/approvals`);
    await page.getByRole('button', { name: /member@demo\.test/ }).click();
    await page.waitForURL(`${gh.url}/approvals`);
    const card = page.getByTestId('confirmation').filter({ hasText: 'Needs A Person <b>5</b>' });
    await card.waitFor();
    // WorkOS-sourced text is shown as text, never as markup.
    expect(await card.textContent()).toContain('Needs A Person <b>5</b>');
    await card.getByTestId('confirm').click();
    await page.getByTestId('confirmation-answered').waitFor();
    expect(await page.getByTestId('confirmation-answered').textContent()).toContain('Confirmed');
    const deleted = await call(agent, 'delete_organization', { organization_id: org });
    expect(deleted.isError).toBe(false);
    expect(await exists(org)).toBe(false);
  } finally {
    setting(false);
    await browser.close();
    await agent.close();
  }
});
