/**
 * Contract: the real @workos-inc/node client against the embedded WorkOS, for every call the
 * tools make on objects the emulator owns (organizations, SSO, users, invitations, memberships,
 * portal) and for the SDK's error classes. The customers are the Demo team's sandbox; the staff
 * teams and their people are the identity environment. Fixture-owned areas: contract-fixtures.test.ts.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  DomainDataState,
  GenericServerException,
  NotFoundException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@workos-inc/node';
import { HTML_ORG_NAME, STAFF_ORGS } from '../../src/emulator/seed/index.ts';
import { createWorkOSClient, targetForEmbedded } from '../../src/workos/client.ts';
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

describe('organizations', () => {
  test('organizations list — pages forward with after and back with before', async () => {
    const first = await t.workos.organizations.listOrganizations({ limit: 3 });
    expect(first.data).toHaveLength(3);
    expect(first.listMetadata).toEqual({ before: null, after: first.data[2]?.id ?? 'missing' });
    const second = await t.workos.organizations.listOrganizations({
      limit: 3,
      after: first.listMetadata.after,
    });
    const third = await t.workos.organizations.listOrganizations({
      limit: 3,
      after: second.listMetadata.after,
    });
    // Seven customers: 3 + 3 + 1.
    expect(third.data).toHaveLength(1);
    expect(third.listMetadata.after).toBeNull();
    // Back from the third page lands on the second, not on the first.
    const back = await t.workos.organizations.listOrganizations({ limit: 3, before: third.data[0]?.id });
    expect(back.data.map((o) => o.id)).toEqual(second.data.map((o) => o.id));
    const all = await t.workos.organizations.listOrganizations({ limit: 100 });
    expect(all.data.map((o) => o.name).sort()).toEqual(
      [
        'Acme Corp',
        'Global Tech',
        'Initech',
        'Stark Industries',
        'Umbrella Health',
        'Wayne Enterprises',
        HTML_ORG_NAME,
      ].sort(),
    );
    expect(new Set(all.data.map((o) => o.id)).size).toBe(7);
    for (const staff of STAFF_ORGS) expect(all.data.map((o) => o.name)).not.toContain(staff.name);
  });

  test('organization get — verified and pending domains, metadata and external id', async () => {
    const org = await t.workos.organizations.getOrganization(await t.orgId('Acme Corp'));
    expect(org.externalId).toBe('acme-corp');
    expect(org.metadata).toEqual({ tier: 'enterprise', region: 'us-east-1' });
    const states = Object.fromEntries(org.domains.map((d) => [d.domain, String(d.state)]));
    expect(states).toEqual({ 'acme.test': 'verified', 'acme-corp.test': 'pending' });
  });

  test('organization create/update/delete — round trip ends in a 404', async () => {
    const created = await t.workos.organizations.createOrganization({
      name: 'Contract Test Co',
      domainData: [{ domain: 'contract.test', state: DomainDataState.Pending }],
      externalId: 'contract-test-co',
    });
    expect(created.domains[0]?.domain).toBe('contract.test');
    const updated = await t.workos.organizations.updateOrganization({
      organization: created.id,
      name: 'Contract Test Company',
      metadata: { stage: 'renamed' },
    });
    expect(updated.name).toBe('Contract Test Company');
    expect(updated.metadata).toEqual({ stage: 'renamed' });
    await t.workos.organizations.deleteOrganization(created.id);
    await expect(t.workos.organizations.getOrganization(created.id)).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });
});

describe('sso', () => {
  test('sso connections — active, draft and inactive states come through', async () => {
    const list = await t.workos.sso.listConnections({ limit: 100 });
    const states = Object.fromEntries(list.data.map((c) => [c.name, c.state]));
    expect(states['Acme Okta SAML']).toBe('active');
    expect(states['Acme Google Workspace']).toBe('inactive');
    expect(states['Initech Entra ID OIDC']).toBe('draft');
    expect(states['Umbrella PingFederate']).toBe('draft');
    expect(states['Wayne ADFS']).toBe('inactive');
  });

  test('sso connection get — type, organization and domains', async () => {
    const starkId = await t.orgId('Stark Industries');
    const list = await t.workos.sso.listConnections({ organizationId: starkId });
    expect(list.data.map((c) => c.name)).toEqual(['Stark Industries Okta']);
    const conn = await t.workos.sso.getConnection(list.data[0]?.id ?? '');
    expect(String(conn.type)).toBe('OktaSAML');
    expect(conn.organizationId).toBe(starkId);
    expect(conn.domains.map((d) => d.domain)).toEqual(['stark.test']);
  });

  test('sso connection delete — it is gone afterwards', async () => {
    const res = await t.request('/connections', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organization_id: await t.orgId('Initech'), name: 'Disposable SAML' }),
    });
    const { id } = (await res.json()) as { id: string };
    await t.workos.sso.deleteConnection(id);
    await expect(t.workos.sso.getConnection(id)).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('users and memberships', () => {
  test('users list by organization — the team members (identity environment), with external ids', async () => {
    const team = await id.orgId('Gatehouse Demo Team');
    const users = await id.workos.userManagement.listUsers({ organizationId: team, limit: 100 });
    expect(users.data.map((u) => u.email).sort()).toEqual([
      'admin@demo.test',
      'member@demo.test',
      'viewer@demo.test',
    ]);
    const ada = await id.workos.userManagement.getUser(await id.userId('admin@demo.test'));
    expect([ada.firstName, ada.lastName, ada.externalId]).toEqual(['Ada', 'Admin', 'demo-admin']);
  });

  test('memberships — admin belongs to two teams with different roles (identity environment)', async () => {
    const memberships = await id.workos.userManagement.listOrganizationMemberships({
      userId: await id.userId('admin@demo.test'),
    });
    const byOrg = new Map(memberships.data.map((m) => [m.organizationId, m.role.slug]));
    expect(byOrg.get(await id.orgId('Gatehouse Demo Team'))).toBe('admin');
    expect(byOrg.get(await id.orgId('Gatehouse Labs'))).toBe('member');
  });

  test('users list — the staff are not users of a managed environment', async () => {
    const users = await t.workos.userManagement.listUsers({ limit: 100 });
    const emails = users.data.map((u) => u.email);
    expect(emails).toContain('alice@acme.test');
    expect(emails.filter((e) => e.endsWith('@demo.test'))).toEqual([]);
  });

  test('membership update — role change is returned and persisted', async () => {
    const stark = await t.orgId('Stark Industries');
    const list = await t.workos.userManagement.listOrganizationMemberships({ organizationId: stark });
    const pepper = list.data.find((m) => m.userId !== undefined && m.role.slug === 'member');
    expect(pepper).toBeDefined();
    const updated = await t.workos.userManagement.updateOrganizationMembership(pepper?.id ?? '', {
      roleSlug: 'admin',
    });
    expect(updated.role.slug).toBe('admin');
    const again = await t.workos.userManagement.getOrganizationMembership(pepper?.id ?? '');
    expect(again.role.slug).toBe('admin');
  });
});

describe('invitations', () => {
  test('invitations list — pending (emulator) and expired (overlay) together', async () => {
    const acme = await t.orgId('Acme Corp');
    const list = await t.workos.userManagement.listInvitations({ organizationId: acme, limit: 100 });
    const states = Object.fromEntries(list.data.map((i) => [i.email, i.state]));
    expect(states).toEqual({ 'carol.new@acme.test': 'pending', 'old.contact@acme.test': 'expired' });
    const expired = list.data.find((i) => i.state === 'expired');
    expect(Date.parse(expired?.expiresAt ?? '')).toBeLessThan(Date.now());
    expect(expired?.acceptInvitationUrl.startsWith(t.embedded.url)).toBe(true);
    const pending = list.data.find((i) => i.state === 'pending');
    expect(pending?.acceptInvitationUrl.startsWith(t.embedded.url)).toBe(true);
    expect(pending?.revokedAt).toBeNull();
  });

  test('invitations list — paging crosses from emulator invitations into the overlay', async () => {
    const all = await t.workos.userManagement.listInvitations({ limit: 100 });
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await t.workos.userManagement.listInvitations({ limit: 2, ...(after && { after }) });
      seen.push(...page.data.map((i) => i.id));
      after = page.listMetadata.after ?? undefined;
    } while (after);
    expect(seen).toEqual(all.data.map((i) => i.id));
    expect(
      all.data
        .filter((i) => i.state === 'expired')
        .map((i) => i.email)
        .sort(),
    ).toEqual(['former@initech.test', 'old.contact@acme.test']);
  });

  test('invitations list — invitations to staff teams are in the identity environment', async () => {
    const list = await id.workos.userManagement.listInvitations({ limit: 100 });
    const states = Object.fromEntries(list.data.map((i) => [i.email, i.state]));
    expect(states).toEqual({ 'newbie@demo.test': 'pending', 'late@demo.test': 'expired' });
    const team = await id.orgId('Gatehouse Demo Team');
    expect(new Set(list.data.map((i) => i.organizationId))).toEqual(new Set([team]));
  });

  test('invitation get — a seeded expired invitation', async () => {
    const list = await t.workos.userManagement.listInvitations({ email: 'former@initech.test' });
    const inv = await t.workos.userManagement.getInvitation(list.data[0]?.id ?? '');
    expect([inv.email, inv.state, inv.organizationId]).toEqual([
      'former@initech.test',
      'expired',
      await t.orgId('Initech'),
    ]);
  });

  test('invitation send then revoke — revoked with a revocation time', async () => {
    const sent = await t.workos.userManagement.sendInvitation({
      email: 'someone@globaltech.test',
      organizationId: await t.orgId('Global Tech'),
      roleSlug: 'member',
    });
    expect(sent.state).toBe('pending');
    const revoked = await t.workos.userManagement.revokeInvitation(sent.id);
    expect(revoked.state).toBe('revoked');
    expect(revoked.revokedAt).toEqual(expect.any(String));
  });

  test('invitation revoke — an expired invitation is refused with a 400', async () => {
    const list = await t.workos.userManagement.listInvitations({ email: 'old.contact@acme.test' });
    const error = await t.workos.userManagement
      .revokeInvitation(list.data[0]?.id ?? '')
      .catch((e: unknown) => e);
    // A 400 without an `errors` list is a GenericServerException in the SDK.
    expect(error).toBeInstanceOf(GenericServerException);
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_invitation_state',
      message: 'Invitation is expired',
    });
    expect((error as GenericServerException).requestID).toMatch(/^req_/);
  });
});

describe('portal and errors', () => {
  test('portal link — generated for an organization, on the front', async () => {
    const org = await t.orgId('Acme Corp');
    const { link } = await t.workos.adminPortal.generateLink({ intent: 'sso', organization: org });
    expect(link).toBe(`${t.embedded.url}/portal/sso/${org}`);
  });

  test('errors — unknown organization is a NotFoundException', async () => {
    const error = await t.workos.organizations.getOrganization('org_does_not_exist').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundException);
  });

  test('errors — organization without a name is an UnprocessableEntityException', async () => {
    const error = await t.workos.organizations.createOrganization({ name: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnprocessableEntityException);
  });

  test('errors — a wrong API key is an UnauthorizedException, on emulator and fixture paths', async () => {
    const bad = createWorkOSClient(
      { ...targetForEmbedded(t.embedded), apiKey: 'sk_test_wrong' },
      { maxRetries: 0 },
    );
    await expect(bad.organizations.listOrganizations()).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(bad.directorySync.listDirectories()).rejects.toBeInstanceOf(UnauthorizedException);
  });
});
