/**
 * Contract for the fixture layer: the real @workos-inc/node client parses every answer of
 * Directory Sync, Events, Audit Logs exports (the Demo team's sandbox) and Pipes (the identity
 * environment, where the people who connect their accounts sign in), and the seeded values come through.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { NotFoundException, UnprocessableEntityException } from '@workos-inc/node';
import { AUDIT_LOG_CSV_COLUMNS } from '../../src/emulator/fixtures/audit-log-csv.ts';
import { SECRET_CANARIES } from '../../src/emulator/index.ts';
import { CANARY_NOTION_TOKEN } from '../../src/emulator/seed/canaries.ts';
import { startTestWorkOS, type TestWorkOS } from '../support/embedded-workos.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let t: TestWorkOS;
let id: TestWorkOS;

beforeAll(async () => {
  [t, id] = await Promise.all([startTestWorkOS('sandbox'), startTestWorkOS('identity')]);
});

afterAll(async () => {
  await Promise.all([t?.close(), id?.close()]);
});

const HOUR_MS = 60 * 60 * 1000;
const ageMs = (iso: string) => Date.now() - Date.parse(iso);

describe('directory sync', () => {
  test('fixture directories — syncs show as dsync events (updated_at is the directory object\u2019s), counts in metadata', async () => {
    const { data } = await t.workos.directorySync.listDirectories();
    const byName = new Map(data.map((d) => [d.name, d]));
    const healthy = byName.get('Acme Okta SCIM');
    const stale = byName.get('Global Tech Entra ID');
    const unlinked = byName.get('Wayne Workday');
    expect([healthy?.state, stale?.state, unlinked?.state]).toEqual(['active', 'active', 'inactive']);
    // WorkOS publishes no last-sync time: a sync leaves dsync.* events behind
    // (https://workos.com/docs/events/directory-sync).
    const events = await t.workos.events.listEvents({ events: ['dsync.user.updated'], limit: 100 });
    const lastActivity = (id: string | undefined) =>
      events.data.find((e) => (e.data as { directoryId?: string }).directoryId === id)?.createdAt ?? '';
    expect(ageMs(lastActivity(healthy?.id))).toBeLessThan(HOUR_MS);
    expect(ageMs(lastActivity(stale?.id))).toBeGreaterThan(72 * HOUR_MS);
    // Renamed two hours ago: updated_at moved, no sync happened.
    expect(ageMs(stale?.updatedAt ?? '')).toBeLessThan(3 * HOUR_MS);
    const raw = await t.workos.get(`/directories/${healthy?.id}`);
    expect(raw.data.metadata).toEqual({ users: { active: 4, inactive: 1 }, groups: 3 });
    expect(healthy?.type).toBe('okta scim v2.0');
    expect(healthy?.domain).toBe('acme.test');
    expect(healthy?.organizationId).toBe(await t.orgId('Acme Corp'));
  });

  test('fixture directories — filters by organization and by name search', async () => {
    const gt = await t.workos.directorySync.listDirectories({ organizationId: await t.orgId('Global Tech') });
    expect(gt.data.map((d) => d.name)).toEqual(['Global Tech Entra ID']);
    const search = await t.workos.directorySync.listDirectories({ search: 'workday' });
    expect(search.data.map((d) => d.name)).toEqual(['Wayne Workday']);
    const one = await t.workos.directorySync.getDirectory(gt.data[0]?.id ?? '');
    expect(one.externalKey).toEqual(expect.any(String));
  });

  test('fixture directory users — by directory, with custom attributes and the deprecated groups empty, as for a team created since May 2026', async () => {
    const directory = await t.directoryId('Acme Okta SCIM');
    const users = await t.workos.directorySync.listUsers({ directory, limit: 100 });
    expect(users.data).toHaveLength(5);
    const alice = users.data.find((u) => u.email === 'alice@acme.test');
    // https://workos.com/docs/reference/directory-sync/directory-user: `groups` is deprecated and
    // empty for teams created on or after May 1, 2026; memberships come from groups by user.
    expect(alice?.groups).toEqual([]);
    const aliceGroups = await t.workos.directorySync.listGroups({ user: alice?.id ?? '' });
    expect(aliceGroups.data.map((g) => g.name).sort()).toEqual(['Acme Admins', 'Engineering']);
    expect(alice?.customAttributes).toEqual({ department: 'Engineering', job_title: 'VP Engineering' });
    expect(users.data.find((u) => u.email === 'dave@acme.test')?.state).toBe('inactive');
    const fetched = await t.workos.directorySync.getUser(alice?.id ?? '');
    expect([fetched.firstName, fetched.lastName, fetched.directoryId]).toEqual([
      'Alice',
      'Anders',
      directory,
    ]);
  });

  test('fixture directory groups — by directory, by user, and members by group', async () => {
    const directory = await t.directoryId('Acme Okta SCIM');
    const groups = await t.workos.directorySync.listGroups({ directory });
    expect(groups.data.map((g) => g.name).sort()).toEqual(['Acme Admins', 'Engineering', 'Sales']);
    const engineering = groups.data.find((g) => g.name === 'Engineering');
    const members = await t.workos.directorySync.listUsers({ group: engineering?.id ?? '' });
    expect(members.data.map((u) => u.email).sort()).toEqual([
      'alice@acme.test',
      'carol@acme.test',
      'erin@acme.test',
    ]);
    const bob = (await t.workos.directorySync.listUsers({ directory })).data.find(
      (u) => u.email === 'bob@acme.test',
    );
    const bobGroups = await t.workos.directorySync.listGroups({ user: bob?.id ?? '' });
    expect(bobGroups.data.map((g) => g.name)).toEqual(['Sales']);
    const group = await t.workos.directorySync.getGroup(engineering?.id ?? '');
    expect([group.name, group.directoryId]).toEqual(['Engineering', directory]);
  });

  test('fixture directory users — listing without directory or group is a 422', async () => {
    await expect(t.workos.directorySync.listUsers({})).rejects.toBeInstanceOf(UnprocessableEntityException);
  });

  test('fixture directory delete — users and groups go with it', async () => {
    const directory = await t.directoryId('Wayne Workday');
    const users = await t.workos.directorySync.listUsers({ directory });
    expect(users.data).toHaveLength(2);
    await t.workos.directorySync.deleteDirectory(directory);
    await expect(t.workos.directorySync.getDirectory(directory)).rejects.toBeInstanceOf(NotFoundException);
    await expect(t.workos.directorySync.getUser(users.data[0]?.id ?? '')).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(t.workos.directorySync.listUsers({ directory })).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('events', () => {
  test('fixture events — sso_failed are Stark Industries sign-ins with error, connection and ip', async () => {
    const { data } = await t.workos.events.listEvents({ events: ['authentication.sso_failed'], limit: 100 });
    expect(data.length).toBe(7);
    const stark = await t.orgId('Stark Industries');
    for (const e of data) {
      if (e.event !== 'authentication.sso_failed') throw new Error(`unexpected ${e.event}`);
      expect(e.data.sso?.organizationId).toBe(stark);
      expect(e.data.error?.code).toEqual(expect.any(String));
      expect(e.data.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }
    const codes = new Set(
      data.map((e) => (e.event === 'authentication.sso_failed' ? e.data.error?.code : '')),
    );
    expect(codes).toEqual(
      // WorkOS's documented codes (https://workos.com/docs/reference/sso/get-authorization-url).
      new Set(['server_error', 'profile_not_allowed_outside_organization']),
    );
    expect(data[0]?.createdAt.localeCompare(data[1]?.createdAt ?? '')).toBe(1);
  });

  test('fixture events — organization filter, time range and paging', async () => {
    const acme = await t.orgId('Acme Corp');
    const all = await t.workos.events.listEvents({
      events: ['authentication.sso_succeeded'],
      organizationId: acme,
    });
    expect(all.data.map((e) => (e.event === 'authentication.sso_succeeded' ? e.data.email : ''))).toEqual([
      'alice@acme.test',
      'bob@acme.test',
      'carol@acme.test',
    ]);
    const lastDay = await t.workos.events.listEvents({
      events: ['authentication.sso_succeeded'],
      organizationId: acme,
      rangeStart: new Date(Date.now() - 24 * HOUR_MS).toISOString(),
    });
    expect(lastDay.data).toHaveLength(2);
    const page = await t.workos.events.listEvents({
      events: ['authentication.sso_succeeded'],
      organizationId: acme,
      limit: 2,
    });
    const next = await t.workos.events.listEvents({
      events: ['authentication.sso_succeeded'],
      organizationId: acme,
      limit: 2,
      after: page.listMetadata.after ?? '',
    });
    expect(next.data.map((e) => e.id)).toEqual([all.data[2]?.id ?? 'missing']);
  });

  test("fixture events — the emulator's own events are merged in", async () => {
    const { data } = await t.workos.events.listEvents({ events: ['organization.created'], limit: 100 });
    const names = data.map((e) => (e.event === 'organization.created' ? e.data.name : ''));
    expect(names).toContain('Acme Corp');
  });
});

describe('audit logs', () => {
  const range = () => ({ rangeStart: new Date(Date.now() - 30 * 24 * HOUR_MS), rangeEnd: new Date() });

  async function readyExport(id: string) {
    for (let poll = 0; poll < 2; poll++) {
      const got = await t.workos.auditLogs.getExport(id);
      if (got.state === 'ready') return got;
    }
    throw new Error('export not ready after two polls');
  }

  test('fixture audit export — pending, then ready, and the CSV lists the events in range', async () => {
    const created = await t.workos.auditLogs.createExport({
      organizationId: await t.orgId('Acme Corp'),
      ...range(),
    });
    expect(created.state).toBe('pending');
    expect(created.url).toBeUndefined();
    const ready = await readyExport(created.id);
    const csv = await (await fetch(ready.url ?? '')).text();
    const [header, ...rows] = csv.trim().split('\r\n');
    expect(header).toBe(AUDIT_LOG_CSV_COLUMNS.join(','));
    // Five Acme events in the last 30 days; the 40-day-old one is outside.
    expect(rows).toHaveLength(5);
    expect(rows.some((r) => r.includes('document.updated') && r.includes('Bob Brown'))).toBe(true);
  });

  test('fixture audit export — a recorded event shows up, filtered by action', async () => {
    const org = await t.orgId('Stark Industries');
    await t.workos.auditLogs.createEvent(org, {
      action: 'suit.deployed',
      occurredAt: new Date(),
      actor: { id: 'stark_user_tony', name: 'Tony Stark', type: 'user' },
      targets: [{ id: 'mark_42', type: 'suit' }],
      context: { location: '203.0.113.10' },
    });
    const created = await t.workos.auditLogs.createExport({
      organizationId: org,
      actions: ['suit.deployed'],
      ...range(),
    });
    const csv = await (await fetch((await readyExport(created.id)).url ?? '')).text();
    expect(csv.trim().split('\r\n')).toHaveLength(2);
    expect(csv).toContain('mark_42');
  });

  test('fixture audit export — a range without events gives a header-only CSV', async () => {
    const created = await t.workos.auditLogs.createExport({
      organizationId: await t.orgId('Initech'),
      ...range(),
    });
    const csv = await (await fetch((await readyExport(created.id)).url ?? '')).text();
    expect(csv).toBe(`${AUDIT_LOG_CSV_COLUMNS.join(',')}\r\n`);
  });

  test('fixture audit export — the download needs its token', async () => {
    const created = await t.workos.auditLogs.createExport({
      organizationId: await t.orgId('Acme Corp'),
      ...range(),
    });
    const url = new URL((await readyExport(created.id)).url ?? '');
    url.searchParams.set('token', 'guess');
    expect((await fetch(url)).status).toBe(404);
  });
});

describe('pipes', () => {
  test('fixture pipes — a connected account vends its token', async () => {
    const userId = await id.userId('member@demo.test');
    const res = await id.workos.pipes.getAccessToken({ provider: 'linear', userId });
    if (!res.active) throw new Error(`expected an active token, got ${res.error}`);
    expect(res.accessToken.accessToken).toMatch(/^lin_oauth_/);
    expect(res.accessToken.scopes).toEqual(['read', 'write']);
    expect(res.accessToken.expiresAt?.getTime()).toBeGreaterThan(Date.now());
    const admin = await id.workos.pipes.getAccessToken({
      provider: 'github',
      userId: await id.userId('admin@demo.test'),
    });
    expect(admin.active).toBe(true);
  });

  test('fixture pipes — needs_reauthorization and not_installed', async () => {
    const userId = await id.userId('member@demo.test');
    expect(await id.workos.pipes.getAccessToken({ provider: 'notion', userId })).toEqual({
      active: false,
      error: 'needs_reauthorization',
    });
    expect(await id.workos.pipes.getAccessToken({ provider: 'slack', userId })).toEqual({
      active: false,
      error: 'not_installed',
    });
  });

  test('fixture pipes — data providers list every provider with the account state', async () => {
    const { data } = await id.workos.pipes.listUserDataProviders({
      userId: await id.userId('member@demo.test'),
    });
    const states = Object.fromEntries(data.map((p) => [p.slug, p.connectedAccount?.state ?? null]));
    expect(states).toEqual({
      linear: 'connected',
      notion: 'needs_reauthorization',
      snowflake: null,
      github: null,
      slack: null,
    });
  });

  test('fixture pipes — no connected accounts in a managed environment: the people are not there', async () => {
    const alice = await t.userId('alice@acme.test');
    expect(await t.workos.pipes.getAccessToken({ provider: 'linear', userId: alice })).toEqual({
      active: false,
      error: 'not_installed',
    });
    await expect(
      t.workos.pipes.getAccessToken({ provider: 'linear', userId: await id.userId('member@demo.test') }),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  test('fixture pipes — an unknown user is a 404', async () => {
    await expect(
      id.workos.pipes.getAccessToken({ provider: 'linear', userId: 'user_nobody' }),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('seed', () => {
  test('seed canaries — planted where tools read them', async () => {
    const seen: string[] = [];
    const umbrella = await t.workos.organizations.getOrganization(await t.orgId('Umbrella Health'));
    seen.push(JSON.stringify(umbrella.metadata));
    const acme = await t.workos.directorySync.listUsers({
      directory: await t.directoryId('Acme Okta SCIM'),
      limit: 100,
    });
    seen.push(JSON.stringify(acme.data));
    const gt = await t.workos.directorySync.listGroups({
      directory: await t.directoryId('Global Tech Entra ID'),
    });
    seen.push(JSON.stringify(gt.data));
    const bob = await t.workos.userManagement.getUser(await t.userId('bob@acme.test'));
    seen.push(JSON.stringify(bob.metadata));
    const admin = await id.userId('admin@demo.test');
    const vended = [
      await id.workos.pipes.getAccessToken({
        provider: 'linear',
        userId: await id.userId('member@demo.test'),
      }),
      ...(await Promise.all(
        ['linear', 'notion', 'snowflake', 'github', 'slack'].map((provider) =>
          id.workos.pipes.getAccessToken({ provider, userId: admin }),
        ),
      )),
      // Ada's second Linear connection is scoped to Gatehouse Labs.
      await id.workos.pipes.getAccessToken({
        provider: 'linear',
        userId: admin,
        organizationId: await id.orgId('Gatehouse Labs'),
      }),
    ];
    seen.push(JSON.stringify(vended));
    const text = seen.join('\n');
    // The Notion token is never vended: that connection needs re-authorization.
    expect(SECRET_CANARIES.filter((c) => !text.includes(c))).toEqual([CANARY_NOTION_TOKEN]);
    expect(text).toContain('-----BEGIN PRIVATE KEY-----');
    expect(umbrella.metadata).toHaveProperty('client_secret');
  });
});

describe('organizations (fixture follow-ups)', () => {
  test('organizations list — several domains match any of them', async () => {
    const page = await t.workos.organizations.listOrganizations({ domains: ['acme.test', 'stark.test'] });
    const names = page.data.map((o) => o.name).sort();
    expect(names).toContain('Acme Corp');
    expect(names).toContain('Stark Industries');
  });

  test('organization delete — takes its SSO connections with it, as WorkOS does', async () => {
    const org = await t.workos.organizations.createOrganization({ name: 'Cascade Test Org' });
    await t.workos.post('/connections', {
      organization_id: org.id,
      name: 'Cascade SAML',
      connection_type: 'GenericSAML',
    });
    expect((await t.workos.sso.listConnections({ organizationId: org.id })).data).toHaveLength(1);
    await t.workos.organizations.deleteOrganization(org.id);
    expect((await t.workos.sso.listConnections({ organizationId: org.id })).data).toHaveLength(0);
  });
});
