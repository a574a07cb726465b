/**
 * The console loses authority as fast as MCP does (issue 18): a browser session's role in its
 * team comes from the same MembershipResolver as a bearer token's — the same WorkOS read, the
 * same cache bound (PRINCIPAL_CACHE_TTL_MS) and the same invalidation. Roles are changed directly
 * in the identity environment (as in the WorkOS dashboard); time moves on an injected clock.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, spyOn, test } from 'bun:test';
import { PRINCIPAL_CACHE_TTL_MS } from '../../src/config/constants.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { type CookieClient, hiddenInput } from '../support/http.ts';
import { call, connectV2, tokensFor } from '../support/mcp.ts';
import { mcpPost } from '../support/raw-mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

const TEAM = 'Gatehouse Demo Team';

let gh: TestGatehouse;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock();
  gh = await startTestGatehouse({ clock });
});
afterAll(() => gh?.stop());

const identity = () => gh.ctx.workos.identity.client.userManagement;

/** The human's membership of the Demo team in the identity environment. */
async function membershipOf(email: string) {
  const user = (await identity().listUsers({ email })).data[0]!;
  const org = (await gh.ctx.workos.identity.client.organizations.listOrganizations({ limit: 100 })).data.find(
    (o) => o.name === TEAM,
  )!;
  const m = (await identity().listOrganizationMemberships({ userId: user.id, organizationId: org.id }))
    .data[0]!;
  return { id: m.id, workosUserId: user.id, organizationId: org.id };
}

/** The console's view of the human: the role badge and permissions on the overview page. */
async function overview(browser: CookieClient) {
  const res = await browser.fetch(`${gh.url}/`);
  const html = await res.text();
  return {
    status: res.status,
    html,
    role: /data-testid="role"[^>]*>([^<]*)</.exec(html)?.[1]?.trim(),
    permissions: [...html.matchAll(/<code class="perm"[^>]*>([^<]+)<\/code>/g)].map((m) => m[1]),
  };
}

const sessionCookie = (browser: CookieClient) => browser.cookies(gh.url).get('gh_session');

describe('console authority follows WorkOS', () => {
  test('a team admin demoted to viewer in WorkOS — the next console request after the bound is a viewer’s (403 on /settings), and MCP agrees', async () => {
    const admin = await signIn(gh.url, 'admin@demo.test', TEAM);
    const agent = await tokensFor(gh.url, 'admin@demo.test', { team: TEAM });
    expect((await admin.fetch(`${gh.url}/settings`)).status).toBe(200);
    const before = await overview(admin);
    expect(before.role).toBe('admin');
    expect(before.permissions).toContain('gatehouse:admin');

    const m = await membershipOf('admin@demo.test');
    await identity().updateOrganizationMembership(m.id, { roleSlug: 'viewer' });
    clock.advance(PRINCIPAL_CACHE_TTL_MS);

    // Both doors after the bound: one WorkOS read answers them.
    const reads = spyOn(identity(), 'listOrganizationMemberships');
    try {
      const settings = await admin.fetch(`${gh.url}/settings`);
      expect(settings.status).toBe(403);
      expect(await settings.text()).toContain('Only team admins');
      const client = await connectV2(gh.url, agent.access_token, 'auto');
      try {
        const who = await call(client, 'whoami');
        expect(who.structured?.role).toBe('viewer');
        expect(who.structured?.permissions).toEqual(['integrations:read', 'workos:read']);
      } finally {
        await client.close();
      }
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
    const after = await overview(admin);
    expect(after.role).toBe('viewer');
    expect(after.permissions).toEqual(['integrations:read', 'workos:read']);
    // The admin-only writes are refused too (the kill switch, audit export), nothing changed.
    expect((await admin.fetch(`${gh.url}/settings/kill-switch`)).status).toBe(403);
    const csrf = hiddenInput(after.html, '_csrf')!;
    const teamId = gh.ctx.teams.admitted().find((t) => t.name === TEAM)!.id;
    const pull = await admin.post(`${gh.url}/settings/kill-switch`, {
      _csrf: csrf,
      team_name: TEAM,
      reason: 'demoted admin',
    });
    expect(pull.status).toBe(403);
    expect(gh.ctx.teams.settings(teamId).killedAt).toBeNull();

    // A promotion seen in WorkOS adds nothing the verified sign-in token did not carry…
    await identity().updateOrganizationMembership(m.id, { roleSlug: 'admin' });
    clock.advance(PRINCIPAL_CACHE_TTL_MS);
    expect((await admin.fetch(`${gh.url}/settings`)).status).toBe(403);
    expect((await overview(admin)).permissions).toEqual(['integrations:read', 'workos:read']);
    // …until the human signs in again.
    const again = await signIn(gh.url, 'admin@demo.test', TEAM);
    expect((await again.fetch(`${gh.url}/settings`)).status).toBe(200);

    // A session never holds more than the token it entered with: a viewer promoted and signed
    // in elsewhere is an admin there, and still a viewer in the browser that entered as one.
    const viewer = await signIn(gh.url, 'viewer@demo.test');
    const v = await membershipOf('viewer@demo.test');
    await identity().updateOrganizationMembership(v.id, { roleSlug: 'admin' });
    const promoted = await signIn(gh.url, 'viewer@demo.test');
    expect((await promoted.fetch(`${gh.url}/settings`)).status).toBe(200);
    expect((await viewer.fetch(`${gh.url}/settings`)).status).toBe(403);
    expect((await overview(viewer)).permissions).toEqual(['integrations:read', 'workos:read']);
    await identity().updateOrganizationMembership(v.id, { roleSlug: 'viewer' });
  });

  test('a role change Gatehouse itself makes (invalidation) — the console shows it at once, within the bound', async () => {
    const member = await signIn(gh.url, 'member@demo.test');
    expect((await overview(member)).role).toBe('member');
    const m = await membershipOf('member@demo.test');
    await identity().updateOrganizationMembership(m.id, { roleSlug: 'viewer' });
    // Within the bound, nothing has told Gatehouse: the cached role holds.
    expect((await overview(member)).role).toBe('member');
    // What a tool that changed the membership announces: the cached role is dropped for both doors.
    gh.ctx.roleChanges.changedInWorkOS(m.workosUserId, m.organizationId);
    const now = await overview(member);
    expect(now.role).toBe('viewer');
    expect(now.permissions).toEqual(['integrations:read', 'workos:read']);
    await identity().updateOrganizationMembership(m.id, { roleSlug: 'member' });
  });

  test('a member deactivated in WorkOS (membership kept, inactive) — loses both doors after the bound, as a removed one does', async () => {
    const viewer = await signIn(gh.url, 'viewer@demo.test');
    const agent = await tokensFor(gh.url, 'viewer@demo.test');
    expect((await overview(viewer)).status).toBe(200);
    const v = await membershipOf('viewer@demo.test');
    await identity().deactivateOrganizationMembership(v.id);
    try {
      clock.advance(PRINCIPAL_CACHE_TTL_MS);
      const res = await viewer.fetch(`${gh.url}/connections`);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain(`You are no longer a member of ${TEAM}`);
      const mcp = await mcpPost(gh.url, agent.access_token, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
      expect(mcp.status).not.toBe(200);
    } finally {
      await identity().reactivateOrganizationMembership(v.id);
      clock.advance(PRINCIPAL_CACHE_TTL_MS);
    }
  });

  test('a member removed from the organization in WorkOS — the session ends with a clear page, its row is ended', async () => {
    const member = await signIn(gh.url, 'member@demo.test');
    const agent = await tokensFor(gh.url, 'member@demo.test');
    const cookie = sessionCookie(member)!;
    expect((await overview(member)).status).toBe(200);
    const m = await membershipOf('member@demo.test');
    await identity().deleteOrganizationMembership(m.id);
    clock.advance(PRINCIPAL_CACHE_TTL_MS);

    const res = await member.fetch(`${gh.url}/connections`);
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain(`You are no longer a member of ${TEAM}`);
    expect(sessionCookie(member)).toBeUndefined();
    const row = gh.ctx.db.$client
      .query<{ ended_at: number | null }, [string]>('SELECT ended_at FROM browser_sessions WHERE id_hash = ?')
      .get(new Bun.CryptoHasher('sha256').update(cookie).digest('hex'));
    expect(row?.ended_at).not.toBeNull();
    const audit = gh.ctx.db.$client
      .query<{ reason: string | null }, []>(
        "SELECT reason FROM audit_entries WHERE event = 'auth.sign_out' ORDER BY seq DESC LIMIT 1",
      )
      .get();
    expect(audit?.reason).toContain('no longer a member');

    // The old cookie, replayed, opens nothing: sign in again.
    const replay = await fetch(`${gh.url}/connections`, {
      headers: { cookie: `gh_session=${cookie}` },
      redirect: 'manual',
    });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toStartWith('/login');
    // The other door agrees.
    const mcp = await mcpPost(gh.url, agent.access_token, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(mcp.status).not.toBe(200);
  });

  test('WorkOS unreachable after the bound — a clear 503 page, never the admin console; it returns when WorkOS answers', async () => {
    const admin = await signIn(gh.url, 'admin@demo.test', TEAM);
    expect((await admin.fetch(`${gh.url}/settings`)).status).toBe(200);
    const csrf = hiddenInput(await (await admin.fetch(`${gh.url}/settings`)).text(), '_csrf')!;
    const teamId = gh.ctx.teams.admitted().find((t) => t.name === TEAM)!.id;
    const down = spyOn(identity(), 'listOrganizationMemberships').mockImplementation(() =>
      Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1')),
    );
    try {
      clock.advance(PRINCIPAL_CACHE_TTL_MS);
      const settings = await admin.fetch(`${gh.url}/settings`);
      expect(settings.status).toBe(503);
      const html = await settings.text();
      expect(html).toContain('WorkOS is not answering');
      expect(html).not.toContain('Kill switch');
      const pull = await admin.post(`${gh.url}/settings/kill-switch`, {
        _csrf: csrf,
        team_name: TEAM,
        reason: 'during an outage',
      });
      expect(pull.status).toBe(503);
      expect(gh.ctx.teams.settings(teamId).killedAt).toBeNull();
    } finally {
      down.mockRestore();
    }
    expect((await admin.fetch(`${gh.url}/settings`)).status).toBe(200);
  });
});
