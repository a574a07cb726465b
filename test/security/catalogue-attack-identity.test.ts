/**
 * The catalogue when a team's managed sandbox *is* the identity environment (an operator's
 * deliberate choice, docs/architecture.md "Trust model"): the staff — the Gatehouse team's own
 * people and organizations — live beside the customers. An admin's agent attacks them through
 * query and mutate; each test asserts what holds. Real MCP clients over HTTP, the embedded WorkOS.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let identity: WorkOS;
let admin: AnyClient;
let staffUserId: string;

beforeAll(async () => {
  gh = await startTestGatehouse();
  identity = gh.ctx.workos.identity.client;
  await gh.ctx.environments.link(seededTeamId(gh), 'sandbox', gh.ctx.workos.identity.apiKey, {
    userId: 'user_test',
    email: 'admin@demo.test',
  });
  const t = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
  admin = await connectV1(gh.url, t.access_token);
  staffUserId = (await identity.userManagement.listUsers({ email: 'member@demo.test' })).data[0]!.id;
});
afterAll(async () => {
  await admin?.close();
  await gh?.stop();
});

const q = (op: string, params: unknown) => call(admin, 'query', { operation: op, params });
const m = (op: string, params: unknown, confirmation_token?: string) =>
  call(admin, 'mutate', { operation: op, params, ...(confirmation_token ? { confirmation_token } : {}) });

describe('the identity environment as a sandbox', () => {
  test('attack — an admin’s agent cannot replace the permissions of a role that gives Gatehouse access', async () => {
    // A staff team's own custom role: its people's Gatehouse access comes from these permissions
    // alone (no built-in fallback), so replacing them with customer ones would lock them out.
    await identity.authorization.createEnvironmentRole({ slug: 'ops', name: 'Ops' });
    await identity.authorization.setEnvironmentRolePermissions('ops', {
      permissions: ['workos:read', 'workos:write'],
    });
    for (const [slug, permissions] of [
      ['ops', []],
      ['admin', []],
      ['member', ['users:read']],
    ] as const) {
      const r = await m('roles.set_permissions', { slug, permissions });
      expect(r.isError).toBe(true);
      expect(r.text).toContain(`role "${slug}", which carries Gatehouse's own`);
    }
    const roles = await identity.authorization.listEnvironmentRoles();
    const permissionsOf = (slug: string) => roles.data.find((r) => r.slug === slug)!.permissions;
    expect(permissionsOf('ops')).toEqual(['workos:read', 'workos:write']);
    expect(permissionsOf('admin')).toContain('gatehouse:admin');
    expect(permissionsOf('member')).toContain('workos:write');
    // A role that gives no Gatehouse access is the customers' to shape.
    expect((await m('roles.create', { slug: 'support-desk', name: 'Support desk' })).isError).toBe(false);
    const set = await m('roles.set_permissions', { slug: 'support-desk', permissions: [] });
    expect(set.isError).toBe(false);
  });

  test('attack — Radar’s lists, which also decide who signs in to Gatehouse here, cannot be changed', async () => {
    for (const [op, params] of [
      ['radar.add_list_entry', { type: 'email', action: 'block', entry: 'member@demo.test' }],
      ['radar.add_list_entry', { type: 'ip_address', action: 'block', entry: '127.0.0.1' }],
      ['radar.add_list_entry', { type: 'email', action: 'allow', entry: 'attacker@evil.example' }],
      ['radar.remove_list_entry', { type: 'email', action: 'block', entry: 'known-bad@evil.example' }],
    ] as const) {
      // A sign-in change or a removal is described first and needs a confirmation; confirmed,
      // or at once for a plain block, the guard refuses it.
      const r = await m(op, params);
      const token = /confirmation_token "([^"]+)"/.exec(r.text)?.[1];
      const final = token ? await m(op, params, token) : r;
      expect(final.isError).toBe(true);
      expect(final.text).toContain("Gatehouse's identity environment");
    }
    // Nothing reached WorkOS: the staff person can still be removed from the list as unlisted.
    await expect(
      identity.radar.removeListEntry({ type: 'email', action: 'block', entry: 'member@demo.test' }),
    ).rejects.toThrow();
  });

  test('attack — a staff person is out of reach: read, changed, deleted, signed out, or added to a customer', async () => {
    const customer = await identity.organizations.createOrganization({ name: 'Identity Customer Co' });
    const attempts = [
      await q('users.get', { id: staffUserId }),
      await q('user_sessions.list', { user_id: staffUserId }),
      await q('users.list_identities', { id: staffUserId }),
      await q('pipes.list_data_providers', { user_id: staffUserId }),
      await q('organization_memberships.list', { user_id: staffUserId }),
      await m('users.update', { id: staffUserId, first_name: 'Owned' }),
      await m('users.delete', { id: staffUserId }),
      await m('organization_memberships.create', { user_id: staffUserId, organization_id: customer.id }),
    ];
    for (const r of attempts) {
      expect(r.isError).toBe(true);
      expect(r.text).not.toContain('member@demo.test');
    }
    const listed = await q('users.list', { limit: 100 });
    expect(listed.text).not.toContain('member@demo.test');
    const still = await identity.userManagement.getUser(staffUserId);
    expect(still.firstName).not.toBe('Owned');
  });
});
