/**
 * Impersonation: a WorkOS dashboard user impersonating a staff member signs in to Gatehouse. The
 * verified AuthKit token carries `act`, and everything issued from that session reads only.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Console, requestAccess, sessionRequest } from '../approvals/support.ts';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { impersonate as impersonateAs } from '../support/impersonate.ts';
import { type AnyClient, call, connectV1, tokensFor, toolNames } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

const IMPERSONATOR = 'support@workos-dashboard.test';

let gh: TestGatehouse;
let agent: AnyClient;
let plain: AnyClient;

const impersonate = (email: string) => impersonateAs(gh, email, IMPERSONATOR);

beforeAll(async () => {
  gh = await startTestGatehouse();
  await impersonate('member@demo.test');
  agent = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
  // The next sign-in of the same person is their own again.
  plain = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
});
afterAll(async () => {
  await agent?.close();
  await plain?.close();
  await gh?.stop();
});

describe('impersonation — an impersonated session reads only', () => {
  test('whoami — says who impersonates, and that writes are not allowed', async () => {
    const out = await call(agent, 'whoami');
    expect(out.isError).toBe(false);
    expect(out.structured?.impersonated_by).toBe(IMPERSONATOR);
    expect(out.text).toContain('impersonating member@demo.test');
    const own = await call(plain, 'whoami');
    expect(own.structured?.impersonated_by).toBeNull();
  });

  test('reads — still work', async () => {
    const out = await call(agent, 'list_workos_organizations', {});
    expect(out.isError).toBe(false);
    expect((out.structured!.organizations as unknown[]).length).toBeGreaterThan(0);
  });

  test('writes and deletes — refused with impersonated_session and audited; not even listed', async () => {
    const create = await call(agent, 'create_workos_organization', { name: 'Made while impersonating' });
    expect(create.isError).toBe(true);
    expect(create.text).toContain('impersonat');
    const orgs = await call(agent, 'list_workos_organizations', { limit: 100 });
    const target = (orgs.structured!.organizations as { id: string }[])[0]!.id;
    const del = await call(agent, 'delete_organization', { organization_id: target });
    expect(del.isError).toBe(true);
    expect(del.text).toContain('impersonat');
    const names = await toolNames(agent);
    expect(names).toContain('list_workos_organizations');
    expect(names).not.toContain('create_workos_organization');
    expect(names).not.toContain('delete_organization');
    const reasons = gh.ctx.db.$client
      .query<{ tool: string }, []>(
        "SELECT tool FROM audit_entries WHERE event = 'tool.call' AND reason = 'impersonated_session'",
      )
      .all()
      .map((r) => r.tool);
    expect(reasons).toEqual(expect.arrayContaining(['create_workos_organization', 'delete_organization']));
    // The same person signed in as themselves may write.
    expect(await toolNames(plain)).toContain('create_workos_organization');
  });

  test('integration writes — asking for write authority is refused; read authority may be asked', async () => {
    const write = await call(agent, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['linear'],
      reason: 'file a ticket',
    });
    expect(write.isError).toBe(true);
    expect(write.text).toContain('impersonat');
    const read = await call(agent, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
      reason: 'read tickets',
    });
    expect(read.isError).toBe(false);
  });

  test("console — an impersonated admin cannot revoke another person's grant", async () => {
    const req = await requestAccess(plain, sessionRequest(['linear'], 'read'));
    const realAdmin = await Console.signIn(gh.url, 'admin@demo.test');
    expect((await realAdmin.approve(req.id, { providers: ['linear'], level: 'read' })).status).toBe(303);
    await impersonate('admin@demo.test');
    const asAdmin = await Console.signIn(gh.url, 'admin@demo.test');
    const res = await asAdmin.revoke(req.id);
    expect(res.status).toBe(403);
    expect(gh.ctx.grants.store.get(req.id)?.status).toBe('approved');
  });

  test('console — an impersonated admin reads but changes nothing; connection tokens made there carry the mark', async () => {
    await impersonate('admin@demo.test');
    const browser = await signIn(gh.url, 'admin@demo.test', 'Gatehouse Demo Team', new CookieClient());
    const row = gh.ctx.db.$client
      .query<{ impersonator: string | null }, []>(
        'SELECT impersonator FROM browser_sessions ORDER BY created_at DESC LIMIT 1',
      )
      .get();
    expect(row?.impersonator).toBe(IMPERSONATOR);
    // The console reads, but an impersonated admin changes no setting, key or kill switch.
    const settings = await browser.fetch(`${gh.url}/settings`);
    expect(settings.status).toBe(200);
    const csrf = hiddenInput(await settings.text(), '_csrf')!;
    const writeBefore = gh.ctx.teams.settings(seededTeamId(gh)).allowWrite;
    const toggle = await browser.post(`${gh.url}/settings/toggle`, {
      _csrf: csrf,
      setting: 'allowWrite',
      value: 'off',
    });
    expect(toggle.status).toBe(403);
    expect(await toggle.text()).toContain('impersonation');
    expect(gh.ctx.teams.settings(seededTeamId(gh)).allowWrite).toBe(writeBefore);
    const link = await browser.post(`${gh.url}/settings/environments/link`, {
      _csrf: csrf,
      environment: 'sandbox',
      api_key: 'sk_test_gatehouse_labs_sandbox_4a5b',
    });
    expect(link.status).toBe(403);
    const kill = await browser.post(`${gh.url}/settings/kill-switch`, {
      _csrf: csrf,
      team_name: 'Gatehouse Demo Team',
      reason: 'x',
    });
    expect(kill.status).toBe(403);
    expect(gh.ctx.teams.settings(seededTeamId(gh)).killedAt).toBeNull();

    const page = await (await browser.fetch(`${gh.url}/connections`)).text();
    const created = await browser.post(`${gh.url}/connections`, {
      _csrf: hiddenInput(page, '_csrf')!,
      name: 'made while impersonated',
      expiry: 'never',
      access: 'mcp',
    });
    expect(created.status).toBe(200);
    const token = /<pre class="copy" data-testid="token">([^<]+)<\/pre>/.exec(await created.text())?.[1];
    expect(token).toBeTruthy();
    const viaToken = await connectV1(gh.url, token!);
    try {
      expect((await call(viaToken, 'whoami')).structured?.impersonated_by).toBe(IMPERSONATOR);
      const write = await call(viaToken, 'create_workos_organization', { name: 'nope' });
      expect(write.isError).toBe(true);
      expect(write.text).toContain('impersonat');
    } finally {
      await viaToken.close();
    }
  });
});
