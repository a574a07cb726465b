/**
 * A catalogue call never does what the equivalent named tool would refuse (issue 19 §2), through
 * real MCP clients on the embedded WorkOS: the sign-in changes (verifying or removing a domain,
 * dropping a verified one from an organization's list), what WorkOS would refuse said before
 * anyone confirms (the operation's precheck, run where a named tool's is), the Admin Portal's
 * refusals, and the team's write gate.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { DomainDataState, type WorkOS } from '@workos-inc/node';
import { lastAuditEntry } from '../../support/audit.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';
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

const mutate = (client: AnyClient, operation: string, params: Record<string, unknown>) =>
  call(client, 'mutate', { operation, params });

const lastEntry = (tool: string) => lastAuditEntry(gh, tool)!;

/** An organization with one domain in the given state, straight through the SDK. */
async function orgWithDomain(name: string, domain: string, state: DomainDataState) {
  const org = await w.organizations.createOrganization({ name, domainData: [{ domain, state }] });
  return { org, domain: org.domains.find((d) => d.domain === domain)! };
}

describe('sign-in changes — the catalogue refuses what the named tool refuses', () => {
  test('organization_domains.verify — a member is refused as verify_organization_domain "check" is; an admin is asked first by both', async () => {
    const { org, domain } = await orgWithDomain(
      'Parity Verify Co',
      'parity-verify.test',
      DomainDataState.Pending,
    );
    const named = await call(member, 'verify_organization_domain', {
      organization_id: org.id,
      domain: 'parity-verify.test',
      action: 'check',
    });
    expect(named.isError).toBe(true);
    expect(lastEntry('verify_organization_domain')).toMatchObject({
      outcome: 'denied',
      reason: 'sign_in_change_needs_admin',
    });
    const viaCatalogue = await mutate(member, 'organization_domains.verify', { id: domain.id });
    expect(viaCatalogue.isError).toBe(true);
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied', reason: 'sign_in_change_needs_admin' });

    for (const r of [
      await call(admin, 'verify_organization_domain', {
        organization_id: org.id,
        domain: 'parity-verify.test',
        action: 'check',
      }),
      await mutate(admin, 'organization_domains.verify', { id: domain.id }),
    ]) {
      expect(r.isError).toBe(true);
      expect(r.text).toContain('confirmation_token');
    }
    expect(String((await w.organizationDomains.getOrganizationDomain(domain.id)).state)).toBe('pending');
  });

  test('organization_domains.verify — a domain WorkOS does not have is refused before anyone is asked to confirm (the precheck), as verify_organization_domain refuses it', async () => {
    const org = await w.organizations.createOrganization({ name: 'Parity Unknown Domain Co' });
    const named = await call(admin, 'verify_organization_domain', {
      organization_id: org.id,
      domain: 'parity-unknown.test',
      action: 'check',
    });
    expect(named.isError).toBe(true);
    expect(named.text).toContain('has no domain parity-unknown.test');
    expect(named.text).not.toContain('confirmation_token');
    const r = await mutate(admin, 'organization_domains.verify', { id: 'org_domain_01PARITYUNKNOWN' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
    expect(r.text).not.toContain('confirmation_token');
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'failed' });
  });

  test('organization_domains.delete — removing a verified domain is refused to a member, as update_organization dropping it is', async () => {
    const { org, domain } = await orgWithDomain(
      'Parity Delete Co',
      'parity-delete.test',
      DomainDataState.Verified,
    );
    const named = await call(member, 'update_organization', { organization_id: org.id, domains: [] });
    expect(named.isError).toBe(true);
    expect(lastEntry('update_organization')).toMatchObject({
      outcome: 'denied',
      reason: 'sign_in_change_needs_admin',
    });
    const r = await mutate(member, 'organization_domains.delete', { id: domain.id });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('admin');
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied', reason: 'sign_in_change_needs_admin' });
    const still = await w.organizations.getOrganization(org.id);
    expect(still.domains.map((d) => [d.domain, String(d.state)])).toEqual([
      ['parity-delete.test', 'verified'],
    ]);
  });

  test('organizations.update — dropping a verified domain through domain_data is found by the operation’s precheck, as update_organization’s finds it', async () => {
    const { org } = await orgWithDomain('Parity Update Co', 'parity-update.test', DomainDataState.Verified);
    // The arguments alone show no sign-in change: only what WorkOS holds today does.
    const byMember = await mutate(member, 'organizations.update', { id: org.id, domain_data: [] });
    expect(byMember.isError).toBe(true);
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied', reason: 'sign_in_change_needs_admin' });
    const byAdmin = await mutate(admin, 'organizations.update', {
      id: org.id,
      domain_data: [{ domain: 'parity-update.test', state: 'pending' }],
    });
    expect(byAdmin.isError).toBe(true);
    expect(byAdmin.text).toContain('un-verify the verified domain "parity-update.test"');
    expect(byAdmin.text).toContain('confirmation_token');
    const still = await w.organizations.getOrganization(org.id);
    expect(String(still.domains[0]?.state)).toBe('verified');
    // Renaming alone reads nothing and changes no sign-in: done at once.
    const renamed = await mutate(member, 'organizations.update', {
      id: org.id,
      name: 'Parity Update Renamed',
    });
    expect(renamed.isError).toBe(false);
  });

  test('organizations.create — a domain marked verified needs an admin, as create_workos_organization’s does', async () => {
    const params = {
      name: 'Parity Create Co',
      domain_data: [{ domain: 'parity-create.test', state: 'verified' }],
    };
    const named = await call(member, 'create_workos_organization', {
      name: 'Parity Create Co',
      domains: [{ domain: 'parity-create.test', state: 'verified' }],
    });
    expect(named.isError).toBe(true);
    const r = await mutate(member, 'organizations.create', params);
    expect(r.isError).toBe(true);
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied', reason: 'sign_in_change_needs_admin' });
    const found = await w.organizations.listOrganizations({ domains: ['parity-create.test'] });
    expect(found.data).toEqual([]);
  });

  test('admin_portal.generate_link — certificate renewal without SAML is refused on the first call, before any confirmation, as the named tool refuses it', async () => {
    const org = await w.organizations.createOrganization({ name: 'Parity No SAML Co' });
    const args = { organization_id: org.id, intent: 'certificate_renewal' };
    const named = await call(admin, 'generate_admin_portal_link', args);
    const r = await mutate(admin, 'admin_portal.generate_link', args);
    for (const answer of [named, r]) {
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain('has no SAML connection');
      expect(answer.text).not.toContain('confirmation_token');
    }
  });
});

describe('the write gate — the catalogue writes only when the named tools may', () => {
  test('mutate organizations.create — refused while the team’s “Allow write access” is off, as create_workos_organization is; nothing is created', async () => {
    const teamId = seededTeamId(gh);
    const actor = {
      userId: gh.ctx.oauth.tokens.bearer((await tokensFor(gh.url, 'admin@demo.test')).access_token)!.family
        .userId,
      email: 'admin@demo.test',
    };
    gh.ctx.settings.update(teamId, { allowWrite: false }, actor);
    const client = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
    try {
      const named = await call(client, 'create_workos_organization', { name: 'Parity Gate Co' });
      expect(named.isError).toBe(true);
      expect(lastEntry('create_workos_organization')).toMatchObject({
        outcome: 'denied',
        reason: 'write_disabled',
      });
      const r = await mutate(client, 'organizations.create', { name: 'Parity Gate Co' });
      expect(r.isError).toBe(true);
      expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied', reason: 'write_disabled' });
      // Reads still pass: the gate is about writes only.
      const read = await call(client, 'query', { operation: 'organizations.list', params: { limit: 1 } });
      expect(read.isError).toBe(false);
      const all = await w.organizations.listOrganizations({ limit: 100 });
      expect(all.data.some((o) => o.name === 'Parity Gate Co')).toBe(false);
    } finally {
      await client.close();
      gh.ctx.settings.update(teamId, { allowWrite: true }, actor);
    }
  });
});
