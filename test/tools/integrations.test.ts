/**
 * The integration tools in local mode, with a real MCP client: what list_integrations, whoami
 * and the approval card say about the demo providers, how Pipes states reach the agent
 * (connected, needs re-authorization, disconnected, not installed, missing scopes), and that
 * Gatehouse asks Pipes in the caller's team (organization-scoped connections).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { Console, ok, requestAccess } from '../approvals/support.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
const agents: AnyClient[] = [];

async function agent(email: string, team = 'Gatehouse Demo Team'): Promise<AnyClient> {
  const tokens = await tokensFor(gh.url, email, { team });
  const client = await connectV1(gh.url, tokens.access_token);
  agents.push(client);
  return client;
}

interface Integration {
  provider: string;
  api_host: string | null;
  example_url: string;
  served_by: string;
  description: string;
  pipes_status: string;
  pipes_account: string | null;
  missing_scopes: string[];
  next_step: string;
}

async function integrations(client: AnyClient): Promise<Record<string, Integration>> {
  const r = await ok(client, 'list_integrations', {});
  expect(r.text).toContain('demo provider (local mode)');
  return Object.fromEntries((r.structured!.integrations as Integration[]).map((i) => [i.provider, i]));
}

beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(async () => {
  for (const a of agents) await a.close();
  await gh?.stop();
});

test('list_integrations — every provider is a "demo provider (local mode)"; the admin has all five connected; Snowflake names the demo account host', async () => {
  const list = await integrations(await agent('admin@demo.test'));
  for (const i of Object.values(list)) {
    expect(i.served_by).toBe('demo provider (local mode)');
    expect(i.description.startsWith('demo provider (local mode)')).toBe(true);
    expect(i.pipes_status).toBe('connected');
  }
  expect(list.snowflake).toMatchObject({
    api_host: 'gatehouse-demo.snowflakecomputing.com',
    example_url: 'https://gatehouse-demo.snowflakecomputing.com/api/v2/statements',
  });
  expect(list.linear!.api_host).toBe('api.linear.app');
  // Pipes lists the scope Ada's GitHub connection lacks: only a human re-authorization adds it.
  expect(list.github!.missing_scopes).toEqual(['read:org']);
  expect(list.github!.next_step).toContain('re-authorizes GitHub in WorkOS Pipes');
});

test('list_integrations — the member keeps mixed states; the viewer’s disconnected GitHub is not reported as connected', async () => {
  const member = await integrations(await agent('member@demo.test'));
  expect(Object.fromEntries(Object.values(member).map((i) => [i.provider, i.pipes_status]))).toEqual({
    linear: 'connected',
    notion: 'needs_reauthorization',
    snowflake: 'not_installed',
    github: 'not_installed',
    slack: 'not_installed',
  });
  expect(member.notion!.missing_scopes).toEqual(['update_content', 'insert_content']);
  expect(member.notion!.next_step).toContain('needs re-authorization');
  const viewer = await integrations(await agent('viewer@demo.test'));
  expect(viewer.github).toMatchObject({ pipes_status: 'disconnected', pipes_account: 'vic-viewer' });
  expect(viewer.github!.next_step).toContain('was disconnected in WorkOS Pipes');
});

test('request_elevated_access — a disconnected provider and missing scopes are flagged up front', async () => {
  const viewer = await agent('viewer@demo.test');
  const r = await ok(viewer, 'request_elevated_access', {
    kind: 'session',
    level: 'read',
    providers: ['github'],
    reason: 'Read my repositories',
  });
  expect((r.structured!.pipes_warnings as string[]).join('\n')).toContain(
    'GitHub was disconnected in WorkOS Pipes',
  );
  const admin = await agent('admin@demo.test');
  const a = await ok(admin, 'request_elevated_access', {
    kind: 'session',
    level: 'read',
    providers: ['github', 'linear'],
    reason: 'Read my repositories',
  });
  expect(a.structured!.pipes_warnings).toEqual([
    'GitHub is connected without the scopes read:org: calls that need them fail until the human re-authorizes GitHub in WorkOS Pipes.',
  ]);
});

test('whoami — says the integrations are demo providers (local mode)', async () => {
  const r = await ok(await agent('member@demo.test'), 'whoami', {});
  expect(r.structured!.integrations).toEqual({
    served_by: 'demo provider (local mode)',
    providers: ['linear', 'notion', 'snowflake', 'github', 'slack'],
  });
  expect(r.text).toContain('demo provider (local mode)');
});

test('approval card — the human sees that the call goes to a demo provider (local mode)', async () => {
  const admin = await agent('admin@demo.test');
  const req = await requestAccess(admin, {
    kind: 'call',
    method: 'GET',
    url: 'https://api.github.com/user',
    reason: 'Who am I on GitHub',
  });
  const human = await Console.signIn(gh.url, 'admin@demo.test', 'Gatehouse Demo Team');
  const page = await human.get(`/approvals/${req.id}?t=${req.token}`);
  expect(page.status).toBe(200);
  expect(page.html).toMatch(/data-testid="demo-provider"[\s\S]*demo provider \(local mode\)/);
});

test('Pipes lookups are scoped to the caller’s team: Ada in Gatehouse Labs reaches her Labs-scoped Linear', async () => {
  const labs = await agent('admin@demo.test', 'Gatehouse Labs');
  const list = await integrations(labs);
  expect(list.linear).toMatchObject({ pipes_status: 'connected', pipes_account: 'ada@labs-linear' });
  const demo = await integrations(await agent('admin@demo.test'));
  expect(demo.linear!.pipes_account).toBe('ada@demo-linear');
  // A call from Labs carries the Labs connection's token: the demo Linear knows which account it is.
  const req = await requestAccess(labs, {
    kind: 'call',
    method: 'POST',
    url: 'https://api.linear.app/graphql',
    body: { query: '{ viewer { displayName } }' },
    reason: 'Who am I in Linear',
  });
  // Ada is only a member in Labs: the Demo Team's admin console approves nothing there, so she
  // approves as herself in Labs (no different approver required by default).
  const human = await Console.signIn(gh.url, 'admin@demo.test', 'Gatehouse Labs');
  expect((await human.approve(req.id)).status).toBe(303);
  const r = await call(labs, 'call_integration_api', {
    method: 'POST',
    url: 'https://api.linear.app/graphql',
    body: { query: '{ viewer { displayName } }' },
    request_id: req.id,
  });
  expect(r.isError).toBe(false);
  // The token injected was the Labs connection's (getAccessToken asked with the Labs organization).
  expect(r.structured!.body).toEqual({ data: { viewer: { displayName: 'ada-labs' } } });
});
