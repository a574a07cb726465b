/**
 * The catalogue's other areas through a real MCP client on the embedded WorkOS: roles and
 * permissions, sessions, SSO connections, Directory Sync, audit logs, events, webhook endpoints
 * (their secrets never shown) and feature flags.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import { type AnyClient, call } from '../../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';
import { connectPeople, data, type Row, result, run } from './support.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let admin: AnyClient;
let member: AnyClient;
let w: WorkOS;

beforeAll(async () => {
  gh = await startTestGatehouse();
  [admin, member] = await connectPeople(gh, 'admin', 'member');
  w = teamWorkOS(gh);
});
afterAll(async () => {
  await Promise.all([admin?.close(), member?.close()]);
  await gh?.stop();
});

describe('roles', () => {
  test('roles.create (admin) — the new role is listed by roles.list and readable by roles.get', async () => {
    const created = await run(admin, 'mutate', 'roles.create', { slug: 'cat-auditor', name: 'Auditor' });
    expect(created.isError).toBe(false);
    expect(result(created)).toMatchObject({ slug: 'cat-auditor', name: 'Auditor' });
    const list = await run(member, 'query', 'roles.list');
    expect(data(list).map((r) => r.slug)).toContain('cat-auditor');
    expect(result(await run(member, 'query', 'roles.get', { slug: 'cat-auditor' }))).toMatchObject({
      name: 'Auditor',
    });
  });

  test('organization_roles.create (admin) and list; permissions.list', async () => {
    const org = await w.organizations.createOrganization({ name: 'Catalogue Roles Co' });
    const created = await run(admin, 'mutate', 'organization_roles.create', {
      organization_id: org.id,
      slug: 'org-cat-reviewer',
      name: 'Reviewer',
    });
    expect(created.isError).toBe(false);
    const list = await run(member, 'query', 'organization_roles.list', { organization_id: org.id });
    expect(data(list).map((r) => r.slug)).toContain('org-cat-reviewer');
    const perms = await run(member, 'query', 'permissions.list');
    expect(perms.isError).toBe(false);
    expect(Array.isArray(data(perms))).toBe(true);
  });

  test('roles.update and roles.set_permissions (admin) — answered with the role, as WorkOS documents', async () => {
    await w.post('/authorization/permissions', { slug: 'reports:read', name: 'Read reports' });
    await run(admin, 'mutate', 'roles.create', { slug: 'cat-editor', name: 'Editor' });
    const renamed = await run(admin, 'mutate', 'roles.update', { slug: 'cat-editor', name: 'Chief Editor' });
    expect(renamed.isError).toBe(false);
    expect(result(renamed)).toMatchObject({ object: 'role', slug: 'cat-editor', name: 'Chief Editor' });
    const set = await run(admin, 'mutate', 'roles.set_permissions', {
      slug: 'cat-editor',
      permissions: ['reports:read'],
    });
    expect(set.isError).toBe(false);
    expect(result(set)).toMatchObject({ object: 'role', slug: 'cat-editor', permissions: ['reports:read'] });
  });

  test('roles.set_permissions — Gatehouse’s own permissions are never granted through the catalogue', async () => {
    const r = await run(admin, 'mutate', 'roles.set_permissions', {
      slug: 'member',
      permissions: ['workos:read', 'gatehouse:admin'],
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("may not include Gatehouse's own permissions");
    expect((await w.authorization.getEnvironmentRole('member')).permissions).not.toContain('gatehouse:admin');
  });

  test('roles.update — an unknown role is WorkOS’s 404, told clearly', async () => {
    const r = await run(admin, 'mutate', 'roles.update', { slug: 'no-such-role', name: 'X' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
  });

  test('organization_roles.update, then delete — described (name, permissions), then confirmed', async () => {
    const org = await w.organizations.createOrganization({ name: 'Catalogue Org Roles Co' });
    await run(admin, 'mutate', 'organization_roles.create', {
      organization_id: org.id,
      slug: 'org-cat-temp',
      name: 'Temp',
    });
    const updated = await run(admin, 'mutate', 'organization_roles.update', {
      organization_id: org.id,
      slug: 'org-cat-temp',
      description: 'Short-lived',
    });
    expect(result(updated)).toMatchObject({ slug: 'org-cat-temp', description: 'Short-lived' });
    const params = { organization_id: org.id, slug: 'org-cat-temp' };
    const member_ = await run(member, 'mutate', 'organization_roles.delete', params);
    expect(member_.text).toContain('mutate needs the gatehouse:admin permission');
    const first = await run(admin, 'mutate', 'organization_roles.delete', params);
    expect(first.structured?.status).toBe('confirmation_required');
    expect(first.text).toContain('Deleting role "Temp" (org-cat-temp)');
    const done = await run(admin, 'mutate', 'organization_roles.delete', params, {
      confirmation_token: String(first.structured?.confirmation_token),
    });
    expect(done.isError).toBe(false);
    expect((await run(member, 'query', 'organization_roles.get', params)).text).toContain('not found');
  });

  test('roles.get — a slug with a slash is refused as a parameter, not sent', async () => {
    const r = await run(member, 'query', 'roles.get', { slug: 'admin/permissions' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('params.slug');
  });
});

describe('user_sessions', () => {
  test('user_sessions.list and revoke — described (method, address, device) before it is confirmed', async () => {
    const email = 'cat-session@catalogue.test';
    const password = 'correct horse battery staple 42';
    const user = await w.userManagement.createUser({ email, password });
    await w.userManagement.authenticateWithPassword({
      clientId: w.clientId!,
      email,
      password,
      ipAddress: '198.51.100.7',
      userAgent: 'CatalogueTest/1.0',
    });
    const listed = await run(member, 'query', 'user_sessions.list', { user_id: user.id });
    expect(listed.isError).toBe(false);
    const sessions = data(listed);
    expect(sessions.length).toBeGreaterThan(0);
    const session = sessions[0]!;

    const first = await run(member, 'mutate', 'user_sessions.revoke', {
      user_id: user.id,
      session_id: session.id,
    });
    expect(first.structured?.status).toBe('confirmation_required');
    expect(first.text).toContain(`Revoking session ${String(session.id)} of user ${user.id}`);
    expect(first.structured?.will_destroy).toMatchObject({ session: { id: session.id, user_id: user.id } });
    const done = await run(
      member,
      'mutate',
      'user_sessions.revoke',
      { user_id: user.id, session_id: session.id },
      { confirmation_token: String(first.structured?.confirmation_token) },
    );
    expect(done.isError).toBe(false);
    const after = data(await run(member, 'query', 'user_sessions.list', { user_id: user.id }));
    expect(after.map((s) => s.id)).not.toContain(session.id);
  });

  test('user_sessions.revoke — a session that is not the user’s is refused before anything is asked', async () => {
    const user = await w.userManagement.createUser({ email: 'cat-nosession@catalogue.test' });
    const r = await run(member, 'mutate', 'user_sessions.revoke', {
      user_id: user.id,
      session_id: 'session_01NOTHERS',
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('is not an active session of user');
  });
});

describe('SSO and Directory Sync', () => {
  test('sso_connections.list/get, directories, directory users and groups — as WorkOS answers them', async () => {
    const conns = data(await run(member, 'query', 'sso_connections.list', { limit: 100 }));
    expect(conns.length).toBeGreaterThan(0);
    const conn = await run(member, 'query', 'sso_connections.get', { id: conns[0]!.id });
    expect(result(conn)).toMatchObject({ object: 'connection', id: conns[0]!.id });

    const dirs = data(await run(member, 'query', 'directories.list', { limit: 100 }));
    const dir = dirs.find((d) => d.name === 'Acme Okta SCIM') ?? dirs[0]!;
    expect(result(await run(member, 'query', 'directories.get', { id: dir.id }))).toMatchObject({
      id: dir.id,
    });
    const users = await run(member, 'query', 'directory_users.list', { directory: dir.id });
    expect(users.isError).toBe(false);
    const groups = await run(member, 'query', 'directory_groups.list', { directory: dir.id });
    expect(groups.isError).toBe(false);
  });

  test('directory_users.list — directory and group together are refused with what to give', async () => {
    const r = await run(member, 'query', 'directory_users.list', {
      directory: 'directory_1',
      group: 'directory_group_1',
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('give exactly one of directory or group');
  });

  test('sso_connections.delete — the same description as delete_sso_connection, nothing deleted', async () => {
    const conns = data(await run(member, 'query', 'sso_connections.list', { limit: 100 }));
    const id = conns[0]!.id as string;
    const viaCatalogue = await run(member, 'mutate', 'sso_connections.delete', { id });
    const viaTool = await call(member, 'delete_sso_connection', { connection_id: id });
    expect(viaCatalogue.structured?.status).toBe('confirmation_required');
    const { operation, ...described } = (viaCatalogue.structured?.will_destroy ?? {}) as Row;
    expect(operation).toBe('sso_connections.delete');
    expect(described).toEqual(viaTool.structured?.will_destroy as Row);
    expect((await w.sso.getConnection(id)).id).toBe(id);
  });
});

describe('audit logs, events, webhooks, feature flags', () => {
  test('audit_logs — export created and read back; retention and configuration read', async () => {
    const orgs = await w.organizations.listOrganizations({ limit: 100 });
    const org = orgs.data.find((o) => o.name === 'Cyberdyne Systems') ?? orgs.data[0]!;
    const now = Date.now();
    const created = await run(member, 'mutate', 'audit_logs.create_export', {
      organization_id: org.id,
      range_start: new Date(now - 7 * 86_400_000).toISOString(),
      range_end: new Date(now).toISOString(),
    });
    expect(created.isError).toBe(false);
    const exp = result(created);
    expect(exp.object).toBe('audit_log_export');
    const got = await run(member, 'query', 'audit_logs.get_export', { id: exp.id });
    expect(result(got)).toMatchObject({ id: exp.id });

    // Shortening deletes older events: described and confirmed first (the destructive gate).
    const shorten = { id: org.id, retention_period_in_days: 30 };
    const asked = await run(member, 'mutate', 'audit_logs.set_retention', shorten);
    expect(asked.structured?.status).toBe('confirmation_required');
    const set = await run(member, 'mutate', 'audit_logs.set_retention', shorten, {
      confirmation_token: String(asked.structured?.confirmation_token),
    });
    expect(result(set)).toEqual({ retention_period_in_days: 30 });
    expect(result(await run(member, 'query', 'audit_logs.get_retention', { id: org.id }))).toEqual({
      retention_period_in_days: 30,
    });
    const config = await run(member, 'query', 'audit_logs.get_configuration', { id: org.id });
    expect(result(config)).toMatchObject({ organization_id: org.id, retention_period_in_days: 30 });
    const odd = await run(member, 'mutate', 'audit_logs.set_retention', {
      id: org.id,
      retention_period_in_days: 90,
    });
    expect(odd.isError).toBe(true);
    expect(odd.text).toContain('params.retention_period_in_days');
    const schema = await run(member, 'mutate', 'audit_logs.create_schema', {
      action: 'catalogue.probe_viewed',
      targets: [{ type: 'report' }],
    });
    expect(result(schema)).toMatchObject({
      object: 'audit_log_schema',
      version: 1,
      targets: [{ type: 'report' }],
    });
    const schemas = await run(member, 'query', 'audit_logs.list_schemas', {
      action: 'catalogue.probe_viewed',
    });
    expect(data(schemas).map((s) => s.version)).toEqual([1]);
    const actions = await run(member, 'query', 'audit_logs.list_actions', { limit: 100 });
    expect(data(actions).map((a) => a.name)).toContain('catalogue.probe_viewed');
  });

  test('audit_logs.create_export — a range that ends before it starts is WorkOS’s own 422, told clearly', async () => {
    const orgs = await w.organizations.listOrganizations({ limit: 1 });
    const r = await run(member, 'mutate', 'audit_logs.create_export', {
      organization_id: orgs.data[0]!.id,
      range_start: '2026-02-01T00:00:00Z',
      range_end: '2026-01-01T00:00:00Z',
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('range_end');
  });

  test('events.list — by type', async () => {
    const r = await run(member, 'query', 'events.list', {
      events: ['dsync.user.created', 'connection.activated'],
    });
    expect(r.isError).toBe(false);
    expect(Array.isArray(data(r))).toBe(true);
  });

  test('webhook_endpoints.list/get — the signing secret is never shown', async () => {
    const made = (
      await w.post<Row>('/webhook_endpoints', {
        endpoint_url: 'https://hooks.example.com/workos',
        events: ['user.created'],
      })
    ).data;
    const secret = String(made.secret);
    expect(secret.length).toBeGreaterThan(8);
    const list = await run(member, 'query', 'webhook_endpoints.list');
    expect(list.isError).toBe(false);
    const mine = data(list).find((e) => e.id === made.id)!;
    expect(mine.secret).toBe('[redacted: secret]');
    expect(mine.endpoint_url).toBe('https://hooks.example.com/workos');
    const one = await run(member, 'query', 'webhook_endpoints.get', { id: made.id });
    expect(result(one).secret).toBe('[redacted: secret]');
    expect(`${list.text}${one.text}`).not.toContain(secret);
  });

  test('feature_flags.enable — an unknown flag is WorkOS’s 404, told clearly', async () => {
    const r = await run(member, 'mutate', 'feature_flags.enable', { slug: 'no-such-flag' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
  });

  test('feature_flags.list — answers', async () => {
    const r = await run(member, 'query', 'feature_flags.list');
    expect(r.isError).toBe(false);
    expect(Array.isArray(data(r))).toBe(true);
  });
});

describe('every read answers in local mode', () => {
  test('the remaining reads — permission, invitation, directory user and group, feature flags — answer or refuse as WorkOS does', async () => {
    await w.post('/authorization/permissions', { slug: 'sweep:read', name: 'Sweep read' });
    expect(result(await run(member, 'query', 'permissions.get', { slug: 'sweep:read' }))).toMatchObject({
      slug: 'sweep:read',
    });

    const inv = await w.userManagement.sendInvitation({ email: 'cat-sweep@catalogue.test' });
    const gotInv = await run(member, 'query', 'invitations.get', { id: inv.id });
    expect(result(gotInv)).toMatchObject({ id: inv.id, token: '[redacted: secret]' });

    const dirs = data(await run(member, 'query', 'directories.list', { limit: 100 }));
    let checkedUser = false;
    let checkedGroup = false;
    for (const d of dirs) {
      const users = data(await run(member, 'query', 'directory_users.list', { directory: d.id }));
      if (users[0] && !checkedUser) {
        const u = await run(member, 'query', 'directory_users.get', { id: users[0].id });
        expect(result(u)).toMatchObject({ id: users[0].id });
        checkedUser = true;
      }
      const groups = data(await run(member, 'query', 'directory_groups.list', { directory: d.id }));
      if (groups[0] && !checkedGroup) {
        const g = await run(member, 'query', 'directory_groups.get', { id: groups[0].id });
        expect(result(g)).toMatchObject({ id: groups[0].id });
        checkedGroup = true;
      }
    }
    expect([checkedUser, checkedGroup]).toEqual([true, true]);

    const flag = await run(member, 'query', 'feature_flags.get', { slug: 'no-such-flag' });
    expect(flag.isError).toBe(true);
    expect(flag.text).toContain('not found');
    const orgs = await w.organizations.listOrganizations({ limit: 1 });
    const orgFlags = await run(member, 'query', 'feature_flags.list_for_organization', {
      id: orgs.data[0]!.id,
    });
    expect(orgFlags.isError).toBe(false);
  });
});
