/**
 * Team settings and open sessions (docs/architecture.md "The MCP surface and the policy pipeline", §5): when an admin changes a toggle, a member's
 * open 2025-era session is told `notifications/tools/list_changed`, its next tools/list shows
 * what it may use now, and its calls follow. Each change is audited with old and new values.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { and, asc, eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { call, connectV2, tokensFor, toolNames } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(30_000);

/** Only a guard against hanging forever: the tests await the notification itself. */
const GUARD_MS = 15_000;

function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${GUARD_MS} ms`)), GUARD_MS);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/**
 * A v1 client whose standalone GET stream is known to be open (server notifications travel
 * on it), and that counts tools/list_changed notifications.
 */
async function connectListening(base: string, token: string) {
  let streamOpened!: () => void;
  const opened = new Promise<void>((resolve) => {
    streamOpened = resolve;
  });
  const watchingFetch: typeof fetch = Object.assign(
    async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const res = await fetch(input, init);
      if (init?.method === 'GET' && res.ok) streamOpened();
      return res;
    },
    { preconnect: fetch.preconnect },
  );
  const client = new ClientV1({ name: 'gatehouse-test-listening', version: '1.0.0' });
  let count = 0;
  let waiters: (() => void)[] = [];
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    count++;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  });
  await client.connect(
    new TransportV1(new URL(`${base}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
      fetch: watchingFetch,
    }),
  );
  await bounded(opened, 'GET stream');
  return {
    client,
    get count() {
      return count;
    },
    /** Resolves at the next notification; call it before causing the change. */
    nextListChanged(): Promise<void> {
      return bounded(new Promise<void>((resolve) => waiters.push(resolve)), 'tools/list_changed');
    },
  };
}

let gh: TestGatehouse;
let member: Awaited<ReturnType<typeof connectListening>>;
let teamId: string;
let actor: { userId: string; email: string };
let allTools: string[];
let writeTools: string[];

beforeAll(async () => {
  gh = await startTestGatehouse();
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  member = await connectListening(gh.url, access_token);
  // The admin only needs to exist as a Gatehouse user (the actor of the settings changes).
  await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
  teamId = seededTeamId(gh);
  const u = gh.ctx.db.select().from(schema.users).where(eq(schema.users.email, 'admin@demo.test')).get()!;
  actor = { userId: u.id, email: u.email };
  allTools = gh.ctx.tools
    .all()
    .map((d) => d.name)
    .sort();
  writeTools = gh.ctx.tools
    .all()
    .filter((d) => d.kind === 'write' || d.kind === 'destructive')
    .map((d) => d.name)
    .sort();
});

afterAll(async () => {
  await member?.client.close().catch(() => {});
  await gh?.stop();
});

const acme = async () =>
  (await teamWorkOS(gh).organizations.listOrganizations({ domains: ['acme.test'] })).data[0]!.id;

describe('tools/list_changed on team settings', () => {
  test('the member’s open session starts with the write tools', async () => {
    const names = await toolNames(member.client);
    expect(names).toEqual(expect.arrayContaining(writeTools));
    expect(writeTools.length).toBeGreaterThan(5);
    expect(member.count).toBe(0);
  });

  test('"allow write" off: the session is notified, its list loses every write tool, writes are refused', async () => {
    const changed = member.nextListChanged();
    gh.ctx.settings.update(teamId, { allowWrite: false }, actor);
    await changed;
    const names = await toolNames(member.client);
    for (const w of writeTools) expect(names).not.toContain(w);
    expect(names).toEqual(allTools.filter((n) => !writeTools.includes(n)));
    const write = await call(member.client, 'invite_user', {
      email: 'late@acme.test',
      organization_id: await acme(),
    });
    expect(write.isError).toBe(true);
    expect(write.text.split('\n')[0]).toBe(
      'Error (forbidden): Write access is turned off for your team: Gatehouse is read-only right now.',
    );
    const read = await call(member.client, 'list_workos_organizations', { limit: 1 });
    expect(read.isError).toBe(false);
  });

  test('"allow write" on again: notified, the write tools are back and work', async () => {
    const changed = member.nextListChanged();
    gh.ctx.settings.update(teamId, { allowWrite: true }, actor);
    await changed;
    expect(await toolNames(member.client)).toEqual(allTools);
    const r = await call(member.client, 'create_workos_organization', { name: 'Listed Again' });
    expect(r.isError).toBe(false);
  });

  test('"enabled" off: notified, the list is empty and every call is denied', async () => {
    const changed = member.nextListChanged();
    gh.ctx.settings.update(teamId, { enabled: false }, actor);
    await changed;
    expect(await toolNames(member.client)).toEqual([]);
    const results = await Promise.all(allTools.map((name) => call(member.client, name, {})));
    const notDenied = results
      .map((r, i) => ({ name: allTools[i], first: r.text.split('\n')[0], isError: r.isError }))
      .filter(
        (r) =>
          !r.isError ||
          r.first !== 'Error (forbidden): MCP access is disabled for your team by a Gatehouse admin.',
      );
    expect(notDenied).toEqual([]);
  });

  test('"enabled" on again: notified; reads return, writes stay off (they went off with it)', async () => {
    const changed = member.nextListChanged();
    gh.ctx.settings.update(teamId, { enabled: true }, actor);
    await changed;
    expect(await toolNames(member.client)).toEqual(allTools.filter((n) => !writeTools.includes(n)));
    const restored = member.nextListChanged();
    gh.ctx.settings.update(teamId, { allowWrite: true, allowProduction: true }, actor);
    await restored;
    expect(await toolNames(member.client)).toEqual(allTools);
    // One notification per change that altered the list.
    expect(member.count).toBe(5);
  });

  test('every change is in the audit trail with old and new values and who made it', () => {
    const rows = gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .where(and(eq(schema.auditEntries.event, 'settings.changed'), eq(schema.auditEntries.teamId, teamId)))
      .orderBy(asc(schema.auditEntries.seq))
      .all();
    expect(rows.map((r) => JSON.parse(r.details ?? 'null'))).toEqual([
      { old: { allowWrite: true }, new: { allowWrite: false } },
      { old: { allowWrite: false }, new: { allowWrite: true } },
      {
        old: { enabled: true, allowProduction: true, allowWrite: true },
        new: { enabled: false, allowProduction: false, allowWrite: false },
      },
      { old: { enabled: false }, new: { enabled: true } },
      {
        old: { allowWrite: false, allowProduction: false },
        new: { allowWrite: true, allowProduction: true },
      },
    ]);
    for (const r of rows) {
      expect(r.outcome).toBe('ok');
      expect(r.userId).toBe(actor.userId);
      expect(r.actorEmail).toBe('admin@demo.test');
    }
  });
});

describe('tools/list_changed on a role changed in WorkOS itself', () => {
  let other: TestGatehouse | undefined;
  afterAll(async () => {
    await other?.stop();
  });

  test('an idle session is told when its human’s role changes in WorkOS; a demotion applies at once, a promotion at the next sign-in', async () => {
    // Its own server, sweeping every 200 ms (a minute by default), so the counts above stay exact.
    other = await startTestGatehouse({ membershipSweepMs: 200 });
    const { access_token } = await tokensFor(other.url, 'member@demo.test');
    const idle = await connectListening(other.url, access_token);
    try {
      expect(await toolNames(idle.client)).toEqual(allTools);
      // The change happens in WorkOS (as in its dashboard), not through Gatehouse.
      const workos = other.ctx.workos.identity.client;
      const user = (await workos.userManagement.listUsers({ email: 'member@demo.test' })).data[0]!;
      const org = (await workos.organizations.listOrganizations({ limit: 100 })).data.find(
        (o) => o.name === 'Gatehouse Demo Team',
      )!;
      const membership = (
        await workos.userManagement.listOrganizationMemberships({ userId: user.id, organizationId: org.id })
      ).data[0]!;
      const changed = idle.nextListChanged();
      await workos.userManagement.updateOrganizationMembership(membership.id, { roleSlug: 'viewer' });
      await changed;
      const names = await toolNames(idle.client);
      expect(names.length).toBeGreaterThan(0);
      for (const w of writeTools) expect(names).not.toContain(w);
      const write = await call(idle.client, 'create_workos_organization', { name: 'After Demotion' });
      expect(write.isError).toBe(true);
      expect(write.text).toContain('which your role (viewer) does not include');

      // A promotion seen the same way grants nothing the human's verified token did not carry…
      await workos.userManagement.updateOrganizationMembership(membership.id, { roleSlug: 'admin' });
      other.ctx.oauth.principals.invalidate();
      const promoted = await call(idle.client, 'whoami');
      expect(promoted.structured?.role).toBe('admin');
      expect(promoted.structured?.permissions).toEqual(['integrations:read', 'workos:read']);
      // …until they sign in again, when a fresh AuthKit token carries the admin permissions.
      const fresh = await tokensFor(other.url, 'member@demo.test');
      const again = await connectV2(other.url, fresh.access_token, 'auto');
      try {
        const perms = (await call(again, 'whoami')).structured?.permissions as string[];
        expect(perms).toContain('gatehouse:admin');
        expect(perms).toContain('workos:production');
      } finally {
        await again.close();
      }
    } finally {
      await idle.client.close().catch(() => {});
    }
  });
});

describe('tools/list_changed for a 2026-07-28 client (no session: subscriptions/listen)', () => {
  test('a listening client is told when a toggle changes, and its next tools/list follows', async () => {
    const { access_token } = await tokensFor(gh.url, 'member@demo.test');
    const modern = await connectV2(gh.url, access_token, 'auto');
    let notified!: () => void;
    const changed = new Promise<void>((resolve) => {
      notified = resolve;
    });
    modern.setNotificationHandler('notifications/tools/list_changed', async () => notified());
    const subscription = await modern.listen({ toolsListChanged: true });
    try {
      expect(subscription.honoredFilter.toolsListChanged).toBe(true);
      // Without a session there is nothing to switch: switch_environment is not offered.
      expect(await toolNames(modern)).toEqual(allTools.filter((n) => n !== 'switch_environment'));
      gh.ctx.settings.update(teamId, { allowWrite: false }, actor);
      await bounded(changed, 'tools/list_changed on the listen stream');
      const names = await toolNames(modern);
      for (const w of writeTools) expect(names).not.toContain(w);
    } finally {
      gh.ctx.settings.update(teamId, { allowWrite: true }, actor);
      await subscription.close();
      await modern.close();
    }
  });
});

describe('tools/list_changed on a grant decision', () => {
  test('the requesting session is told when it asks and again when its request is approved', async () => {
    const asked = member.nextListChanged();
    const req = await call(member.client, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
      reason: 'list_changed on approval',
    });
    expect(req.isError).toBe(false);
    await asked;
    const u = gh.ctx.db.select().from(schema.users).where(eq(schema.users.email, 'member@demo.test')).get()!;
    const changed = member.nextListChanged();
    gh.ctx.grants.human.approve(
      req.structured!.request_id as string,
      { userId: u.id, teamId, email: u.email, permissions: ['integrations:read'] },
      { requireDifferent: false },
    );
    await changed;
    const check = await call(member.client, 'check_access_request', {
      request_id: req.structured!.request_id as string,
    });
    expect(check.structured?.status).toBe('approved');
  });
});
