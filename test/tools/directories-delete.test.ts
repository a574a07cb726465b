/**
 * delete_directory against seeded directories (WorkOS has no API to create one), so this file
 * has a Gatehouse of its own and the other directory tests keep their data.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
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
  for (const d of dirs.structured!.directories as { id: string; name: string }[]) dirIds.set(d.name, d.id);
  const orgs = await call(member, 'list_workos_organizations', { limit: 100 });
  for (const o of orgs.structured!.organizations as { id: string; name: string }[]) orgIds.set(o.name, o.id);
});
afterAll(async () => {
  await gh?.stop();
});

const dir = (name: string) => dirIds.get(name) ?? `missing ${name}`;
const org = (name: string) => orgIds.get(name) ?? `missing ${name}`;
const exists = async (id: string) => {
  const r = await call(member, 'get_directory_details', { directory_id: id });
  if (r.isError) expect(r.text).toContain('not found');
  return !r.isError;
};

describe('delete_directory', () => {
  test('delete_directory — first call lists what goes (users, groups) and deletes nothing', async () => {
    const r = await call(member, 'delete_directory', { directory_id: dir('Wayne Workday') });
    expect(r.isError).toBe(false);
    expect(r.structured?.status).toBe('confirmation_required');
    expect(r.structured?.will_destroy).toEqual({
      directory: { id: dir('Wayne Workday'), name: 'Wayne Workday', type: 'workday', state: 'inactive' },
      organization: { id: org('Wayne Enterprises'), name: 'Wayne Enterprises' },
      user_count: 2,
      active_user_count: 2,
      group_count: 1,
      counts_complete: true,
    });
    expect(r.text).toContain(
      `Deleting directory "Wayne Workday" (${dir('Wayne Workday')}, workday, inactive) of organization "Wayne Enterprises"`,
    );
    expect(r.text).toContain('will also remove its 2 users and 1 group');
    expect(await exists(dir('Wayne Workday'))).toBe(true);
  });

  test('delete_directory — a token for another directory is refused and stays usable; then it is single-use', async () => {
    const first = await call(member, 'delete_directory', { directory_id: dir('Wayne Workday') });
    const token = first.structured?.confirmation_token as string;
    const wrong = await call(member, 'delete_directory', {
      directory_id: dir('Acme Okta SCIM'),
      confirmation_token: token,
    });
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toContain('different arguments');
    expect(await exists(dir('Acme Okta SCIM'))).toBe(true);

    const done = await call(member, 'delete_directory', {
      directory_id: dir('Wayne Workday'),
      confirmation_token: token,
    });
    expect(done.structured).toEqual({
      status: 'deleted',
      deleted: { directory_id: dir('Wayne Workday'), name: 'Wayne Workday' },
    });
    expect(await exists(dir('Wayne Workday'))).toBe(false);
    const users = await call(member, 'list_directory_users', { directory_id: dir('Wayne Workday') });
    expect(users.isError).toBe(true);
    const again = await call(member, 'delete_directory', {
      directory_id: dir('Wayne Workday'),
      confirmation_token: token,
    });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('already used');
  });

  test('delete_directory — concurrent confirmed calls with one token delete exactly once', async () => {
    const client = await connectV2(gh.url, memberToken, 'legacy');
    try {
      const first = await call(client, 'delete_directory', { directory_id: dir('Global Tech Entra ID') });
      expect(first.text).toContain('will also remove its 3 users and 2 groups');
      const token = first.structured?.confirmation_token as string;
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          call(client, 'delete_directory', {
            directory_id: dir('Global Tech Entra ID'),
            confirmation_token: token,
          }),
        ),
      );
      expect(results.filter((r) => !r.isError)).toHaveLength(1);
    } finally {
      await client.close();
    }
    expect(await exists(dir('Global Tech Entra ID'))).toBe(false);
  });

  test('delete_directory — unknown id, unknown field and viewer are refused', async () => {
    const missing = await call(member, 'delete_directory', { directory_id: 'directory_01NOSUCH' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('not found');
    const unknown = await call(member, 'delete_directory', {
      directory_id: dir('Acme Okta SCIM'),
      cascade: true,
    });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('unknown field(s) cascade');
    const denied = await call(viewer, 'delete_directory', { directory_id: dir('Acme Okta SCIM') });
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain('workos:write');
    expect(await exists(dir('Acme Okta SCIM'))).toBe(true);
  });
});

describe('delete_organization', () => {
  test('delete_organization — the organization’s directory goes with it', async () => {
    const first = await call(member, 'delete_organization', { organization_id: org('Acme Corp') });
    const token = first.structured?.confirmation_token as string;
    const done = await call(member, 'delete_organization', {
      organization_id: org('Acme Corp'),
      confirmation_token: token,
    });
    expect(done.structured?.status).toBe('deleted');
    expect(await exists(dir('Acme Okta SCIM'))).toBe(false);
  });
});
