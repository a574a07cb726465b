/**
 * The catalogue's organization domains, memberships, invitations and users through a real MCP
 * client: happy paths on the embedded WorkOS, the destructive gate (describe, then confirm), the
 * staff rule on objects that only name their organization indirectly, and invitation secrets.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import { lastAuditEntry } from '../../support/audit.ts';
import { type AnyClient, call } from '../../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';
import { connectPeople } from './support.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let member: AnyClient;
let admin: AnyClient;
let w: WorkOS;

beforeAll(async () => {
  gh = await startTestGatehouse();
  [member, admin] = await connectPeople(gh, 'member', 'admin');
  w = teamWorkOS(gh);
});
afterAll(async () => {
  await member?.close();
  await admin?.close();
  await gh?.stop();
});

const mutate = (operation: string, params: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  call(member, 'mutate', { operation, params, ...extra });
/** Sign-in changes (verifying or removing a domain) are a Gatehouse team admin's. */
const adminMutate = (
  operation: string,
  params: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => call(admin, 'mutate', { operation, params, ...extra });
const query = (operation: string, params: Record<string, unknown>) =>
  call(member, 'query', { operation, params });
const result = (r: { structured?: Record<string, unknown> }) =>
  r.structured?.result as Record<string, unknown>;

/** A domain added straight through the SDK's raw request (https://workos.com/docs/reference/domain-verification). */
async function addDomain(organizationId: string, domain: string): Promise<{ id: string }> {
  return (await w.post<{ id: string }>('/organization_domains', { organization_id: organizationId, domain }))
    .data;
}

const lastEntry = (tool: string) => lastAuditEntry(gh, tool)!;

describe('organization_domains', () => {
  test('organization_domains.create — the answer carries the DNS TXT record to create; verify and get report its state', async () => {
    const org = await w.organizations.createOrganization({ name: 'Catalogue Domains Co' });
    const created = await mutate('organization_domains.create', {
      organization_id: org.id,
      domain: 'cat-domains.test',
    });
    expect(created.isError).toBe(false);
    const d = result(created);
    expect(d).toMatchObject({ object: 'organization_domain', domain: 'cat-domains.test', state: 'pending' });
    expect(typeof d.verification_token).toBe('string');

    // Verifying routes sign-ins: a member's agent is refused, an admin's is asked to confirm.
    const byMember = await mutate('organization_domains.verify', { id: d.id });
    expect(byMember.isError).toBe(true);
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied', reason: 'sign_in_change_needs_admin' });
    const asked = await adminMutate('organization_domains.verify', { id: d.id });
    expect(asked.isError).toBe(true);
    expect(asked.text).toContain('confirmation_token');
    const token = /confirmation_token "([^"]+)"/.exec(asked.text)![1]!;
    const verified = await adminMutate(
      'organization_domains.verify',
      { id: d.id },
      { confirmation_token: token },
    );
    expect(verified.isError).toBe(false);
    expect(result(verified).id).toBe(d.id);

    const got = await query('organization_domains.get', { id: d.id });
    expect(got.isError).toBe(false);
    expect(result(got)).toMatchObject({ id: d.id, domain: 'cat-domains.test', organization_id: org.id });
  });

  test('organization_domains.delete — the first call describes the domain and deletes nothing; the token confirms that exact call', async () => {
    const org = await w.organizations.createOrganization({ name: 'Catalogue Delete Domain Co' });
    const d = await addDomain(org.id, 'cat-delete.test');
    // Removing a domain is a sign-in change too: a member's agent is refused outright.
    const byMember = await mutate('organization_domains.delete', { id: d.id });
    expect(byMember.isError).toBe(true);
    expect(byMember.text).toContain('admin');
    const first = await adminMutate('organization_domains.delete', { id: d.id });
    expect(first.isError).toBe(false);
    expect(first.structured?.status).toBe('confirmation_required');
    expect(first.structured?.will_destroy).toMatchObject({
      operation: 'organization_domains.delete',
      domain: 'cat-delete.test',
      organization_id: org.id,
    });
    expect(first.text).toContain('Removing domain cat-delete.test');
    expect(first.text).toContain('call mutate again with the same arguments plus confirmation_token');
    expect((await w.get<{ id: string }>(`/organization_domains/${d.id}`)).data.id).toBe(d.id);
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied', reason: 'confirmation_required' });

    const token = String(first.structured?.confirmation_token);
    // The token is bound to the exact call: another domain cannot use it.
    const other = await addDomain(org.id, 'cat-keep.test');
    const wrong = await adminMutate(
      'organization_domains.delete',
      { id: other.id },
      { confirmation_token: token },
    );
    expect(wrong.isError).toBe(true);
    expect((await w.get<{ id: string }>(`/organization_domains/${other.id}`)).data.id).toBe(other.id);

    const fresh = await adminMutate('organization_domains.delete', { id: d.id });
    const done = await adminMutate(
      'organization_domains.delete',
      { id: d.id },
      { confirmation_token: String(fresh.structured?.confirmation_token) },
    );
    expect(done.isError).toBe(false);
    expect(done.structured).toMatchObject({ operation: 'organization_domains.delete', status: 'deleted' });
    expect((await query('organization_domains.get', { id: d.id })).text).toContain('not found');
    const e = lastEntry('mutate');
    expect(e.outcome).toBe('allowed');
    expect(JSON.parse(String(e.args))).toMatchObject({
      operation: 'organization_domains.delete',
      params: { id: d.id },
      confirmation_token: '[redacted]',
    });
  });
});

describe('organization_memberships', () => {
  test('organization_memberships — create with a role, change it, deactivate, reactivate', async () => {
    const org = await w.organizations.createOrganization({ name: 'Catalogue Members Co' });
    const user = await w.userManagement.createUser({ email: 'cat-member@catalogue.test' });
    const created = await mutate('organization_memberships.create', {
      user_id: user.id,
      organization_id: org.id,
      role_slug: 'member',
    });
    expect(created.isError).toBe(false);
    const m = result(created);
    expect(m).toMatchObject({ user_id: user.id, organization_id: org.id, status: 'active' });

    const updated = await mutate('organization_memberships.update', { id: m.id, role_slug: 'admin' });
    expect(updated.isError).toBe(false);
    expect(result(updated).role).toMatchObject({ slug: 'admin' });

    const off = await mutate('organization_memberships.deactivate', { id: m.id });
    expect(result(off).status).toBe('inactive');
    const on = await mutate('organization_memberships.reactivate', { id: m.id });
    expect(result(on).status).toBe('active');

    const listed = await query('organization_memberships.list', { organization_id: org.id });
    expect((result(listed).data as { id: string }[]).map((x) => x.id)).toContain(String(m.id));
  });

  test('organization_memberships.list — without organization_id or user_id is refused with what to give', async () => {
    const r = await query('organization_memberships.list', {});
    expect(r.isError).toBe(true);
    expect(r.text).toContain('give organization_id or user_id');
  });

  test('organization_memberships.delete — described (user, organization, role) before it is confirmed', async () => {
    const org = await w.organizations.createOrganization({ name: 'Catalogue Leave Co' });
    const user = await w.userManagement.createUser({ email: 'cat-leave@catalogue.test' });
    const m = await w.userManagement.createOrganizationMembership({
      userId: user.id,
      organizationId: org.id,
    });
    const first = await mutate('organization_memberships.delete', { id: m.id });
    expect(first.structured?.status).toBe('confirmation_required');
    expect(first.structured?.will_destroy).toMatchObject({
      id: m.id,
      user_id: user.id,
      organization_id: org.id,
    });
    const done = await mutate(
      'organization_memberships.delete',
      { id: m.id },
      { confirmation_token: String(first.structured?.confirmation_token) },
    );
    expect(done.isError).toBe(false);
    expect((await query('organization_memberships.get', { id: m.id })).text).toContain('not found');
  });

  test('organization_memberships.create — naming a Gatehouse team’s own organization is refused, and nothing is sent', async () => {
    const staff = [...gh.ctx.teams.protectedOrganizationIds()][0]!;
    const user = await w.userManagement.createUser({ email: 'cat-staff@catalogue.test' });
    const r = await mutate('organization_memberships.create', { user_id: user.id, organization_id: staff });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('own organization (staff)');
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied', reason: 'staff_organization' });
  });
});

describe('invitations and users', () => {
  test('invitations.send — the invitation’s token and accept URL are never shown; list by email finds it; revoke', async () => {
    const org = await w.organizations.createOrganization({ name: 'Catalogue Invites Co' });
    const sent = await mutate('invitations.send', {
      email: 'cat-invitee@catalogue.test',
      organization_id: org.id,
    });
    expect(sent.isError).toBe(false);
    const inv = result(sent);
    expect(inv).toMatchObject({ email: 'cat-invitee@catalogue.test', state: 'pending' });
    expect(inv.token).toBe('[redacted: secret]');
    expect(inv.accept_invitation_url).toBe('[redacted: secret]');
    const real = await w.userManagement.getInvitation(String(inv.id));
    expect(sent.text).not.toContain(real.token);

    const found = await query('invitations.list', { email: 'cat-invitee@catalogue.test' });
    const data = result(found).data as Record<string, unknown>[];
    expect(data.map((i) => i.id)).toContain(inv.id);
    expect(JSON.stringify(found.structured)).not.toContain(real.token);

    const revoked = await mutate('invitations.revoke', { id: inv.id });
    expect(revoked.isError).toBe(false);
    expect(result(revoked).state).toBe('revoked');
  });

  test('users.update — a name change; users.delete — described, then confirmed', async () => {
    const user = await w.userManagement.createUser({ email: 'cat-user@catalogue.test' });
    const updated = await mutate('users.update', { id: user.id, first_name: 'Cat', last_name: 'Alogue' });
    expect(updated.isError).toBe(false);
    expect(result(updated)).toMatchObject({ first_name: 'Cat', last_name: 'Alogue' });

    const first = await mutate('users.delete', { id: user.id });
    expect(first.structured?.status).toBe('confirmation_required');
    expect(first.text).toContain('Cat Alogue <cat-user@catalogue.test>');
    const done = await mutate(
      'users.delete',
      { id: user.id },
      { confirmation_token: String(first.structured?.confirmation_token) },
    );
    expect(done.isError).toBe(false);
    expect((await query('users.get', { id: user.id })).text).toContain('not found');
  });

  test('users.get_by_external_id and users.list_identities — as WorkOS answers them', async () => {
    const user = await w.userManagement.createUser({
      email: 'cat-ext@catalogue.test',
      externalId: 'cat-ext-1',
    });
    const got = await query('users.get_by_external_id', { external_id: 'cat-ext-1' });
    expect(result(got)).toMatchObject({ id: user.id, email: 'cat-ext@catalogue.test' });
    const ids = await query('users.list_identities', { id: user.id });
    expect(ids.isError).toBe(false);
    expect(Array.isArray(ids.structured?.result)).toBe(true);
  });

  test('users.update — an unknown field (email) is refused and nothing changes', async () => {
    const user = await w.userManagement.createUser({ email: 'cat-fixed@catalogue.test' });
    const r = await mutate('users.update', { id: user.id, email: 'evil@catalogue.test' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('unknown field(s) email for users.update');
    expect((await w.userManagement.getUser(user.id)).email).toBe('cat-fixed@catalogue.test');
  });
});
