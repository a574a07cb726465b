import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SECRET_CANARIES } from '../../src/emulator/index.ts';
import { type AnyClient, call, connectV1, connectV2, tokensFor, toolNames } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let member: AnyClient;
let viewer: AnyClient;
let memberToken: string;
const dirIds = new Map<string, string>();
const orgIds = new Map<string, string>();

type Dir = {
  id: string;
  name: string;
  type: string;
  state: string;
  organization_id: string;
  last_activity_at: string | null;
  last_activity_event: string | null;
  stale: boolean;
  sync_signal: string;
  updated_at: string;
};
type DirUser = {
  id: string;
  name: string;
  email: string;
  state: string;
  job_title: string | null;
  department: string | null;
};
type Group = { id: string; name: string; directory_id: string };

beforeAll(async () => {
  gh = await startTestGatehouse();
  const [m, v] = await Promise.all([
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
  memberToken = m.access_token;
  [member, viewer] = await Promise.all([
    connectV1(gh.url, m.access_token),
    connectV1(gh.url, v.access_token),
  ]);
  await toolNames(member);
  const dirs = await call(member, 'list_directories', { limit: 100 });
  for (const d of dirs.structured!.directories as Dir[]) dirIds.set(d.name, d.id);
  const orgs = await call(member, 'list_workos_organizations', { limit: 100 });
  for (const o of orgs.structured!.organizations as { id: string; name: string }[]) orgIds.set(o.name, o.id);
});
afterAll(async () => {
  await gh?.stop();
});

const dir = (name: string) => dirIds.get(name) ?? `missing ${name}`;
const org = (name: string) => orgIds.get(name) ?? `missing ${name}`;
const expectNoCanary = (text: string) => {
  for (const canary of SECRET_CANARIES) expect(text).not.toContain(canary);
};

async function groupId(directory: string, name: string): Promise<string> {
  const r = await call(member, 'list_directory_groups', { directory_id: dir(directory) });
  const g = (r.structured!.groups as Group[]).find((x) => x.name === name);
  if (!g) throw new Error(`no group ${name}`);
  return g.id;
}

describe('list_directories', () => {
  test('list_directories — state, last provisioning activity from dsync events (never updated_at) and the stale flag', async () => {
    const r = await call(member, 'list_directories', {});
    expect(r.isError).toBe(false);
    const dirs = new Map((r.structured!.directories as Dir[]).map((d) => [d.name, d]));
    expect(dirs.get('Acme Okta SCIM')).toMatchObject({
      type: 'okta scim v2.0',
      state: 'active',
      stale: false,
      organization_id: org('Acme Corp'),
    });
    expect(dirs.get('Global Tech Entra ID')).toMatchObject({
      type: 'azure scim v2.0',
      state: 'active',
      stale: true,
    });
    // Unlinked: its state says so; stale is about a linked directory gone quiet.
    expect(dirs.get('Wayne Workday')).toMatchObject({ type: 'workday', state: 'inactive', stale: false });
    const global = dirs.get('Global Tech Entra ID')!;
    // Renamed two hours ago (updated_at), last provisioned four days ago: only the latter is activity.
    expect(Date.now() - Date.parse(global.updated_at)).toBeLessThan(24 * 3600_000);
    expect(Date.now() - Date.parse(global.last_activity_at!)).toBeGreaterThan(4 * 24 * 3600_000);
    expect(global.last_activity_event).toBe('dsync.user.updated');
    expect(global.sync_signal).toStartWith('dsync_events');
    expect(Date.parse(dirs.get('Acme Okta SCIM')!.last_activity_at!)).toBeGreaterThan(
      Date.parse(global.last_activity_at!),
    );
    expect(r.text).toContain(
      '1 linked but without provisioning activity (dsync events) in the last 24 hours',
    );
  });

  test('list_directories — filters by organization and by name search', async () => {
    const byOrg = await call(member, 'list_directories', { organization_id: org('Global Tech') });
    expect((byOrg.structured!.directories as Dir[]).map((d) => d.name)).toEqual(['Global Tech Entra ID']);
    const search = await call(member, 'list_directories', { search: 'workday' });
    expect((search.structured!.directories as Dir[]).map((d) => d.name)).toEqual(['Wayne Workday']);
    const none = await call(member, 'list_directories', { organization_id: org('Initech') });
    expect(none.structured?.directories).toEqual([]);
    expect(none.text).toContain('0 directories');
  });

  test('list_directories — pages with after cursor', async () => {
    const first = await call(member, 'list_directories', { limit: 2 });
    const page1 = first.structured?.directories as Dir[];
    const meta = first.structured?.list_metadata as { after: string; next_page: string };
    expect(page1).toHaveLength(2);
    expect(meta.next_page).toContain(`list_directories again with after: "${meta.after}"`);
    const second = await call(member, 'list_directories', { limit: 2, after: meta.after });
    const page2 = second.structured?.directories as Dir[];
    expect(page2).toHaveLength(1);
    expect(page1.map((d) => d.id)).not.toContain(page2[0]!.id);
    expect((second.structured!.list_metadata as { next_page: string | null }).next_page).toBeNull();
  });

  test('list_directories — refuses an unknown field and a bad limit', async () => {
    const unknown = await call(member, 'list_directories', { domain: 'acme.test' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('unknown field(s) domain');
    const limit = await call(member, 'list_directories', { limit: 500 });
    expect(limit.isError).toBe(true);
    expect(limit.text).toContain('limit');
  });

  test('list_directories — works for 2026-07-28 stateless and legacy v2 clients', async () => {
    for (const mode of ['auto', 'legacy'] as const) {
      const client = await connectV2(gh.url, memberToken, mode);
      try {
        const r = await call(client, 'list_directories', { organization_id: org('Acme Corp') });
        expect((r.structured!.directories as Dir[]).map((d) => d.name)).toEqual(['Acme Okta SCIM']);
      } finally {
        await client.close();
      }
    }
  });
});

describe('get_directory_details', () => {
  test('get_directory_details — Acme Okta SCIM with user and group counts', async () => {
    const r = await call(member, 'get_directory_details', { directory_id: dir('Acme Okta SCIM') });
    expect(r.isError).toBe(false);
    // WorkOS's own counts, from the directory's metadata (the SDK drops it; read raw).
    expect(r.structured?.counts).toEqual({
      users: 5,
      active_users: 4,
      groups: 3,
      complete: true,
      source: 'directory_metadata',
    });
    expect(r.structured?.organization).toEqual({ id: org('Acme Corp'), name: 'Acme Corp' });
    expect((r.structured!.directory as Dir).stale).toBe(false);
    expect(r.text).toContain('5 users (4 active), 3 groups');
  });

  test('get_directory_details — a stale directory says so', async () => {
    const r = await call(member, 'get_directory_details', { directory_id: dir('Global Tech Entra ID') });
    expect((r.structured!.directory as Dir).stale).toBe(true);
    expect(r.text).toContain(
      'last provisioning activity 4 days ago (dsync.user.updated) (stale: linked without activity for over 24 hours)',
    );
  });

  test('get_directory_details — an unknown id is not found', async () => {
    const r = await call(member, 'get_directory_details', { directory_id: 'directory_01NOSUCH' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
    expect(r.text).toContain('directory_01NOSUCH');
  });
});

describe('list_directory_users', () => {
  test('list_directory_users — everyone in a directory, no raw attributes, no deprecated groups (list_directory_groups by user has them)', async () => {
    const r = await call(member, 'list_directory_users', { directory_id: dir('Acme Okta SCIM') });
    expect(r.isError).toBe(false);
    const users = r.structured?.users as DirUser[];
    expect(users.map((u) => u.email).sort()).toEqual([
      'alice@acme.test',
      'bob@acme.test',
      'carol@acme.test',
      'dave@acme.test',
      'erin@acme.test',
    ]);
    const alice = users.find((u) => u.email === 'alice@acme.test')!;
    expect(alice).toMatchObject({ name: 'Alice Anders', state: 'active', job_title: 'VP Engineering' });
    // WorkOS's deprecated `groups` is empty for new teams: never shown as "in no group".
    expect(alice).not.toHaveProperty('groups');
    const groups = await call(member, 'list_directory_groups', { user_id: alice.id });
    expect((groups.structured!.groups as Group[]).map((g) => g.name).sort()).toEqual([
      'Acme Admins',
      'Engineering',
    ]);
    expect(users.find((u) => u.email === 'dave@acme.test')?.state).toBe('inactive');
    expect(r.text).toContain('1 of them inactive');
    expect(r.text).not.toContain('raw_attributes');
    expect(r.text).not.toContain('custom_attributes');
    expectNoCanary(r.text);
  });

  test('list_directory_users — the members of one group', async () => {
    const r = await call(member, 'list_directory_users', {
      group_id: await groupId('Acme Okta SCIM', 'Engineering'),
    });
    expect((r.structured!.users as DirUser[]).map((u) => u.name).sort()).toEqual([
      'Alice Anders',
      'Carol Chen',
      'Erin Evans',
    ]);
  });

  test('list_directory_users — pages with after cursor', async () => {
    const first = await call(member, 'list_directory_users', {
      directory_id: dir('Acme Okta SCIM'),
      limit: 2,
    });
    const page1 = first.structured?.users as DirUser[];
    const meta = first.structured?.list_metadata as { after: string; next_page: string };
    expect(page1).toHaveLength(2);
    expect(meta.next_page).toContain(`after: "${meta.after}"`);
    const second = await call(member, 'list_directory_users', {
      directory_id: dir('Acme Okta SCIM'),
      limit: 2,
      after: meta.after,
    });
    const page2 = second.structured?.users as DirUser[];
    expect(page2).toHaveLength(2);
    for (const u of page2) expect(page1.map((p) => p.id)).not.toContain(u.id);
  });

  test('list_directory_users — says clearly that a directory or a group is needed', async () => {
    const r = await call(member, 'list_directory_users', {});
    expect(r.isError).toBe(true);
    expect(r.text).toContain('pass directory_id');
    expect(r.text).toContain('group_id');
  });

  test('list_directory_users — an unknown directory is not found', async () => {
    const r = await call(member, 'list_directory_users', { directory_id: 'directory_01NOSUCH' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
  });
});

describe('list_directory_groups', () => {
  test('list_directory_groups — the groups of a directory, without raw attributes', async () => {
    const r = await call(member, 'list_directory_groups', { directory_id: dir('Global Tech Entra ID') });
    expect(r.isError).toBe(false);
    expect((r.structured!.groups as Group[]).map((g) => g.name).sort()).toEqual(['All Staff', 'IT Admins']);
    expect(r.text).not.toContain('raw_attributes');
    expectNoCanary(r.text);
  });

  test('list_directory_groups — the groups of one directory user', async () => {
    const users = await call(member, 'list_directory_users', { directory_id: dir('Acme Okta SCIM') });
    const alice = (users.structured!.users as DirUser[]).find((u) => u.email === 'alice@acme.test')!;
    const r = await call(member, 'list_directory_groups', { user_id: alice.id });
    expect((r.structured!.groups as Group[]).map((g) => g.name).sort()).toEqual([
      'Acme Admins',
      'Engineering',
    ]);
  });

  test('list_directory_groups — needs a directory or a user; a viewer may read', async () => {
    const r = await call(member, 'list_directory_groups', { environment: 'sandbox' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('pass directory_id');
    expect(r.text).toContain('user_id');
    const v = await call(viewer, 'list_directory_groups', { directory_id: dir('Wayne Workday') });
    expect((v.structured!.groups as Group[]).map((g) => g.name)).toEqual(['Board']);
  });
});

describe('production', () => {
  test('list_directories — production has its own directories', async () => {
    const { access_token } = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
    const admin = await connectV2(gh.url, access_token, 'auto');
    try {
      const r = await call(admin, 'list_directories', { environment: 'production' });
      expect(r.isError).toBe(false);
      expect((r.structured!.directories as Dir[]).map((d) => d.name).sort()).toEqual([
        'Cyberdyne Okta SCIM',
        'Oscorp Workday',
        'Tyrell Entra ID',
      ]);
      const tyrell = (r.structured!.directories as Dir[]).find((d) => d.name === 'Tyrell Entra ID')!;
      const users = await call(admin, 'list_directory_users', {
        directory_id: tyrell.id,
        environment: 'production',
      });
      expect((users.structured!.users as DirUser[]).map((u) => u.name).sort()).toEqual([
        'Eldon Tyrell',
        'Rachael Rosen',
      ]);
      expectNoCanary(users.text);
    } finally {
      await admin.close();
    }
  });
});
