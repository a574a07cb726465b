import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { SECRET_CANARIES } from '../../src/emulator/seed/index.ts';
import { call, connectV1, connectV2, type Tokens, tokensFor, toolNames } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let member: Tokens;
let viewer: Tokens;
let memberClient: ClientV1;
const orgs = new Map<string, string>();

const WRITE_TOOLS = ['bulk_invite_users', 'invite_user', 'revoke_invitation', 'update_membership_role'];

type Row = Record<string, unknown>;
const rows = (s: Row | undefined, key: string) => (s?.[key] ?? []) as Row[];

beforeAll(async () => {
  gh = await startTestGatehouse();
  const list = await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 });
  for (const o of list.data) orgs.set(o.name, o.id);
  [member, viewer] = await Promise.all([
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
  memberClient = await connectV1(gh.url, member.access_token);
});

afterAll(async () => {
  await memberClient?.close();
  await gh?.stop();
});

const acme = () => orgs.get('Acme Corp')!;

/** The id of a seeded user, through list_users' email filter. */
async function userId(email: string): Promise<string> {
  const r = await call(memberClient, 'list_users', { email });
  expect(r.isError).toBe(false);
  return rows(r.structured, 'users')[0]!.id as string;
}

/** The membership of `email` in an organization, through list_organization_memberships. */
async function membershipOf(orgName: string, email: string): Promise<Row> {
  const r = await call(memberClient, 'list_organization_memberships', { organization_id: orgs.get(orgName) });
  expect(r.isError).toBe(false);
  const m = rows(r.structured, 'memberships').find((x) => x.user_email === email);
  expect(m).toBeDefined();
  return m!;
}

test('list_users — pages two at a time: limit 2, then the next page via after', async () => {
  const first = await call(memberClient, 'list_users', { limit: 2 });
  expect(first.isError).toBe(false);
  const page1 = rows(first.structured, 'users');
  expect(page1).toHaveLength(2);
  const meta = first.structured!.list_metadata as { after: string; next_page: string };
  expect(meta.after).toBe(page1[1]!.id as string);
  expect(meta.next_page).toContain(`after: "${meta.after}"`);

  const second = await call(memberClient, 'list_users', { limit: 2, after: meta.after });
  const page2 = rows(second.structured, 'users');
  expect(page2).toHaveLength(2);
  const ids = new Set([...page1, ...page2].map((u) => u.id));
  expect(ids.size).toBe(4);
});

test('list_users — organization_id lists Acme’s members without leaking secrets from metadata', async () => {
  const r = await call(memberClient, 'list_users', { organization_id: acme() });
  expect(r.isError).toBe(false);
  const emails = rows(r.structured, 'users').map((u) => u.email);
  expect(emails.sort()).toEqual(['alice@acme.test', 'bob@acme.test']);
  for (const canary of SECRET_CANARIES) expect(r.text).not.toContain(canary);
  const bob = rows(r.structured, 'users').find((u) => u.email === 'bob@acme.test')!;
  expect(bob.first_name).toBe('Bob');
  expect(bob.email_verified).toBe(true);
});

test('get_user — returns the user with their memberships and roles', async () => {
  const r = await call(memberClient, 'get_user', { user_id: await userId('alice@acme.test') });
  expect(r.isError).toBe(false);
  const s = r.structured!;
  expect((s.user as Row).email).toBe('alice@acme.test');
  const memberships = rows(s, 'memberships');
  expect(memberships).toHaveLength(1);
  expect(memberships[0]).toMatchObject({
    organization_id: acme(),
    organization_name: 'Acme Corp',
    role_slug: 'admin',
    status: 'active',
  });
  expect(r.text).toContain('Acme Corp (admin, active)');
});

test('get_user — an unknown user_id is a clear not-found error', async () => {
  const r = await call(memberClient, 'get_user', { user_id: 'user_01NOSUCHUSER000000000000000' });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('not_found');
  expect(r.text).toContain('user_01NOSUCHUSER000000000000000');
});

test('list_invitations — shows Acme’s pending and expired invitations without tokens or accept links', async () => {
  const r = await call(memberClient, 'list_invitations', { organization_id: acme() });
  expect(r.isError).toBe(false);
  const byEmail = new Map(rows(r.structured, 'invitations').map((i) => [i.email, i]));
  expect(byEmail.get('carol.new@acme.test')).toMatchObject({ state: 'pending', role_slug: 'member' });
  const expired = byEmail.get('old.contact@acme.test')!;
  expect(expired.state).toBe('expired');
  expect(Date.parse(expired.expires_at as string)).toBeLessThan(Date.now());
  expect(r.text).not.toContain('accept_invitation_url');
  expect(r.text).not.toContain('token');
  expect(r.text).not.toContain('/invitations/accept');
});

test('list_invitations — pages two at a time: limit 2, then the next page via after', async () => {
  const first = await call(memberClient, 'list_invitations', { limit: 2 });
  const page1 = rows(first.structured, 'invitations');
  expect(page1).toHaveLength(2);
  const after = (first.structured!.list_metadata as { after: string }).after;
  expect(after).toBeTruthy();
  const second = await call(memberClient, 'list_invitations', { limit: 2, after });
  const page2 = rows(second.structured, 'invitations');
  expect(page2.length).toBeGreaterThan(0);
  expect(page2.map((i) => i.id)).not.toContain(page1[0]!.id);
  expect(page2.map((i) => i.id)).not.toContain(page1[1]!.id);
});

test('invite_user — invites into Acme as member, then list_invitations shows it pending', async () => {
  const r = await call(memberClient, 'invite_user', {
    email: 'Ines.New@acme.test',
    organization_id: acme(),
    role_slug: 'member',
    expires_in_days: 3,
  });
  expect(r.isError).toBe(false);
  const inv = r.structured!.invitation as Row;
  expect(inv).toMatchObject({ email: 'ines.new@acme.test', state: 'pending', role_slug: 'member' });
  expect(r.structured!.organization_name).toBe('Acme Corp');
  expect(r.text).not.toContain('/invitations/accept');

  const list = await call(memberClient, 'list_invitations', { email: 'ines.new@acme.test' });
  expect(rows(list.structured, 'invitations').map((i) => [i.id, i.state])).toEqual([[inv.id, 'pending']]);
});

test('invite_user — refuses a bad email, an unknown field, an unknown role and a second pending invitation', async () => {
  const badEmail = await call(memberClient, 'invite_user', {
    email: 'not-an-email',
    organization_id: acme(),
  });
  expect(badEmail.isError).toBe(true);
  expect(badEmail.text).toContain('email');

  const unknownField = await call(memberClient, 'invite_user', { email: 'x@acme.test', send_email: false });
  expect(unknownField.isError).toBe(true);
  expect(unknownField.text).toContain('send_email');

  const badRole = await call(memberClient, 'invite_user', {
    email: 'x@acme.test',
    organization_id: acme(),
    role_slug: 'superuser',
  });
  expect(badRole.isError).toBe(true);
  expect(badRole.text).toContain('unknown role "superuser"');

  const again = await call(memberClient, 'invite_user', {
    email: 'carol.new@acme.test',
    organization_id: acme(),
  });
  expect(again.isError).toBe(true);
  expect(again.text).toContain('already has a pending invitation');

  const member = await call(memberClient, 'invite_user', { email: 'bob@acme.test', organization_id: acme() });
  expect(member.isError).toBe(true);
  expect(member.text).toContain('already a member of Acme Corp');

  const tooLong = await call(memberClient, 'invite_user', { email: 'y@acme.test', expires_in_days: 31 });
  expect(tooLong.isError).toBe(true);
  expect(tooLong.text).toContain('expires_in_days');
});

test('invite_user — with the team’s PII redaction on, a refusal hides the email as a result would', async () => {
  const teamId = seededTeamId(gh);
  const human = gh.ctx.db
    .select()
    .from(schema.users)
    .where(eq(schema.users.email, 'member@demo.test'))
    .get()!;
  const actor = { userId: human.id, email: human.email };
  gh.ctx.settings.update(teamId, { piiRedaction: true }, actor);
  try {
    const r = await call(memberClient, 'invite_user', { email: 'bob@acme.test', organization_id: acme() });
    expect(r.isError).toBe(true);
    expect(r.text.split('\n')[0]).toBe(
      'Error (conflict): [redacted: email] is already a member of Acme Corp.',
    );
    expect(r.text).not.toContain('bob@acme.test');
  } finally {
    gh.ctx.settings.update(teamId, { piiRedaction: false }, actor);
  }
  const off = await call(memberClient, 'invite_user', { email: 'bob@acme.test', organization_id: acme() });
  expect(off.text).toContain('bob@acme.test is already a member of Acme Corp.');
});

test('invite_user — an unknown organization is a clear not-found error', async () => {
  const r = await call(memberClient, 'invite_user', {
    email: 'z@acme.test',
    organization_id: 'org_01NOSUCHORG0000000000000000',
  });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('not_found');
});

test('invite_user — a viewer may not invite (write permission)', async () => {
  const client = await connectV1(gh.url, viewer.access_token);
  try {
    expect(await toolNames(client)).not.toContain('invite_user');
    const r = await call(client, 'invite_user', { email: 'v@acme.test', organization_id: acme() });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('workos:write');
  } finally {
    await client.close();
  }
});

test('revoke_invitation — revokes a pending invitation', async () => {
  const list = await call(memberClient, 'list_invitations', { email: 'contractor@stark.test' });
  const pending = rows(list.structured, 'invitations')[0]!;
  expect(pending.state).toBe('pending');
  const r = await call(memberClient, 'revoke_invitation', { invitation_id: pending.id });
  expect(r.isError).toBe(false);
  expect((r.structured!.invitation as Row).state).toBe('revoked');
  const after = await call(memberClient, 'list_invitations', { email: 'contractor@stark.test' });
  expect(rows(after.structured, 'invitations')[0]!.state).toBe('revoked');

  const twice = await call(memberClient, 'revoke_invitation', { invitation_id: pending.id });
  expect(twice.isError).toBe(true);
  expect(twice.text).toContain('is revoked');
});

test('revoke_invitation — an expired invitation gives a clear error', async () => {
  const list = await call(memberClient, 'list_invitations', { email: 'former@initech.test' });
  const expired = rows(list.structured, 'invitations')[0]!;
  expect(expired.state).toBe('expired');
  const r = await call(memberClient, 'revoke_invitation', { invitation_id: expired.id });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('is expired');
  expect(r.text).toContain('only pending invitations can be revoked');
  expect(r.text).toContain('invite_user');
});

test('revoke_invitation — an unknown id is not found, and invitation_id is required', async () => {
  const unknown = await call(memberClient, 'revoke_invitation', {
    invitation_id: 'inv_01NOSUCH00000000000000000',
  });
  expect(unknown.isError).toBe(true);
  expect(unknown.text).toContain('not_found');
  const missing = await call(memberClient, 'revoke_invitation', {});
  expect(missing.isError).toBe(true);
  expect(missing.text).toContain('invitation_id');
  const extra = await call(memberClient, 'revoke_invitation', { invitation_id: 'inv_1', reason: 'spam' });
  expect(extra.isError).toBe(true);
  expect(extra.text).toContain('unknown field(s) reason');
});

test('revoke_invitation — a viewer may not revoke, and the invitation stays pending', async () => {
  const list = await call(memberClient, 'list_invitations', { email: 'newhire@globaltech.test' });
  const pending = rows(list.structured, 'invitations')[0]!;
  const client = await connectV1(gh.url, viewer.access_token);
  try {
    const r = await call(client, 'revoke_invitation', { invitation_id: pending.id });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('workos:write');
  } finally {
    await client.close();
  }
  const after = await call(memberClient, 'list_invitations', { email: 'newhire@globaltech.test' });
  expect(rows(after.structured, 'invitations')[0]!.state).toBe('pending');
});

test('list_organization_memberships — lists Acme’s members with emails and roles; needs an organization or a user', async () => {
  const r = await call(memberClient, 'list_organization_memberships', { organization_id: acme() });
  expect(r.isError).toBe(false);
  const byEmail = Object.fromEntries(
    rows(r.structured, 'memberships').map((m) => [m.user_email, m.role_slug]),
  );
  expect(byEmail).toEqual({ 'alice@acme.test': 'admin', 'bob@acme.test': 'member' });

  const byUser = await call(memberClient, 'list_organization_memberships', {
    user_id: await userId('tony@stark.test'),
    statuses: ['active'],
  });
  expect(rows(byUser.structured, 'memberships').map((m) => m.organization_name)).toEqual([
    'Stark Industries',
  ]);

  const neither = await call(memberClient, 'list_organization_memberships', {});
  expect(neither.isError).toBe(true);
  expect(neither.text).toContain('organization_id or user_id');
});

test('update_membership_role — promotes bob to admin in Acme, as list_organization_memberships shows', async () => {
  const bob = await membershipOf('Acme Corp', 'bob@acme.test');
  const r = await call(memberClient, 'update_membership_role', {
    organization_membership_id: bob.id,
    role_slug: 'admin',
  });
  expect(r.isError).toBe(false);
  expect(r.structured).toMatchObject({ previous_role_slug: 'member', changed: true });
  expect((r.structured!.membership as Row).role_slug).toBe('admin');
  expect((await membershipOf('Acme Corp', 'bob@acme.test')).role_slug).toBe('admin');
});

test('update_membership_role — refuses changing the role of the human the agent acts for', async () => {
  // The human also has an account among the team's customers (same email): still their own role.
  const sandbox = teamWorkOS(gh);
  const me = await sandbox.userManagement.createUser({ email: 'member@demo.test', firstName: 'Max' });
  const mine = await sandbox.userManagement.createOrganizationMembership({
    userId: me.id,
    organizationId: acme(),
    roleSlug: 'member',
  });
  const r = await call(memberClient, 'update_membership_role', {
    organization_membership_id: mine.id,
    role_slug: 'admin',
  });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('an agent cannot change the role of the human it acts for');
  expect((await membershipOf('Acme Corp', 'member@demo.test')).role_slug).toBe('member');
});

test('update_membership_role — a Gatehouse team’s memberships are out of reach: they live in the identity environment', async () => {
  const identity = gh.ctx.workos.identity.client;
  const teamOrg = gh.ctx.teams.admitted().find((t) => t.seedKey === 'gatehouse-demo-team')!.organizationId;
  const viewerUser = (await identity.userManagement.listUsers({ email: 'viewer@demo.test' })).data[0]!;
  const colleague = (
    await identity.userManagement.listOrganizationMemberships({
      userId: viewerUser.id,
      organizationId: teamOrg,
    })
  ).data[0]!;
  const r = await call(memberClient, 'update_membership_role', {
    organization_membership_id: colleague.id,
    role_slug: 'admin',
  });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('not found');
  expect((await identity.userManagement.getOrganizationMembership(colleague.id)).role?.slug).toBe('viewer');
  const listed = await call(memberClient, 'list_organization_memberships', { organization_id: teamOrg });
  expect(listed.isError).toBe(true);
  expect(listed.text).toContain('staff');
});

test('update_membership_role — refuses an unknown role, an unknown membership, an unknown field and a viewer', async () => {
  const alice = await membershipOf('Acme Corp', 'alice@acme.test');
  const badRole = await call(memberClient, 'update_membership_role', {
    organization_membership_id: alice.id,
    role_slug: 'owner',
  });
  expect(badRole.isError).toBe(true);
  expect(badRole.text).toContain('unknown role "owner"');

  const garbled = await call(memberClient, 'update_membership_role', {
    organization_membership_id: alice.id,
    role_slug: 'Adm!n',
  });
  expect(garbled.isError).toBe(true);
  expect(garbled.text).toContain('role_slug');

  const unknown = await call(memberClient, 'update_membership_role', {
    organization_membership_id: 'om_01NOSUCHMEMBERSHIP0000000000',
    role_slug: 'member',
  });
  expect(unknown.isError).toBe(true);
  expect(unknown.text).toContain('not_found');

  const extra = await call(memberClient, 'update_membership_role', {
    organization_membership_id: alice.id,
    role_slug: 'member',
    role: 'member',
  });
  expect(extra.isError).toBe(true);
  expect(extra.text).toContain('unknown field(s) role');

  const client = await connectV1(gh.url, viewer.access_token);
  try {
    const denied = await call(client, 'update_membership_role', {
      organization_membership_id: alice.id,
      role_slug: 'member',
    });
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain('workos:write');
  } finally {
    await client.close();
  }
  expect((await membershipOf('Acme Corp', 'alice@acme.test')).role_slug).toBe('admin');
});

test('list_users and list_invitations — work over the v2 client, legacy and 2026-07-28 (auto)', async () => {
  for (const mode of ['legacy', 'auto'] as const) {
    const client = await connectV2(gh.url, member.access_token, mode);
    try {
      const users = await call(client, 'list_users', { organization_id: acme() });
      expect(users.isError).toBe(false);
      expect(rows(users.structured, 'users').map((u) => u.email)).toContain('alice@acme.test');
      const invitations = await call(client, 'list_invitations', {
        organization_id: acme(),
        environment: 'sandbox',
      });
      expect(rows(invitations.structured, 'invitations').map((i) => i.email)).toContain(
        'old.contact@acme.test',
      );
    } finally {
      await client.close();
    }
  }
});

// Last: it changes member@demo.test's own role.
test('a demotion in WorkOS — once the role is re-read, the open session loses its write tools', async () => {
  expect(await toolNames(memberClient)).toEqual(expect.arrayContaining(WRITE_TOOLS));
  // The change happens where staff roles live: the identity environment (as in the WorkOS dashboard).
  const identity = gh.ctx.workos.identity.client;
  const teamOrg = gh.ctx.teams.admitted().find((t) => t.seedKey === 'gatehouse-demo-team')!.organizationId;
  const user = (await identity.userManagement.listUsers({ email: 'member@demo.test' })).data[0]!;
  const mine = (
    await identity.userManagement.listOrganizationMemberships({ userId: user.id, organizationId: teamOrg })
  ).data[0]!;
  await identity.userManagement.updateOrganizationMembership(mine.id, { roleSlug: 'viewer' });
  gh.ctx.oauth.principals.invalidate();

  const names = await toolNames(memberClient);
  for (const w of WRITE_TOOLS) expect(names).not.toContain(w);
  expect(names).toContain('list_users');
  const denied = await call(memberClient, 'invite_user', {
    email: 'late2@acme.test',
    organization_id: acme(),
  });
  expect(denied.isError).toBe(true);
});
