/**
 * seeds/000 "Brand your sign-in page from a screenshot": WorkOS publishes no branding API
 * (https://workos.com/docs/authkit/branding: set in the dashboard's Branding section), so the
 * agent is told exactly that by whoami and the tool descriptions instead of guessing; and the
 * workflow tools keep an admin's tools/list within 40 (issue 19 §3).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let admin: AnyClient;
beforeAll(async () => {
  gh = await startTestGatehouse();
  admin = await connectV1(
    gh.url,
    (await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' })).access_token,
  );
});
afterAll(async () => {
  await admin?.close();
  await gh?.stop();
});

const tools = async (c: AnyClient) =>
  (await (c as { listTools(): Promise<{ tools: { name: string; description?: string }[] }> }).listTools())
    .tools;

test('whoami — its limitations say branding cannot be changed through the API, and where it is set', async () => {
  const r = await call(admin, 'whoami', {});
  expect(r.isError).toBe(false);
  const limitations = r.structured!.limitations as string[];
  const branding = limitations.find((l) => l.startsWith('No branding changes'));
  expect(branding).toContain('WorkOS publishes no API for AuthKit branding');
  expect(branding).toContain('https://dashboard.workos.com/branding');
  const whoami = (await tools(admin)).find((t) => t.name === 'whoami');
  expect(whoami?.description).toContain('AuthKit branding');
});

test('no tool offers branding; an Admin Portal "branding" link is refused as an unknown intent, naming those that exist', async () => {
  const list = await tools(admin);
  expect(list.some((t) => /brand/i.test(t.name))).toBe(false);
  const portal = list.find((t) => t.name === 'generate_admin_portal_link');
  expect(portal?.description).toContain('There is no branding intent');
  const org = (await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 })).data.find(
    (o) => o.name === 'Acme Corp',
  )!;
  const r = await call(admin, 'generate_admin_portal_link', { organization_id: org.id, intent: 'branding' });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('intent');
  expect(r.text).toContain('log_streams');
});

test('tools/list for an admin — the workflow tools are there and the list stays within 40', async () => {
  const names = (await tools(admin)).map((t) => t.name);
  for (const name of ['bulk_invite_users', 'verify_organization_domain', 'list_suspicious_sign_ins'])
    expect(names).toContain(name);
  expect(names.length).toBeLessThanOrEqual(40);
});
