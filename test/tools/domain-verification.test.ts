/**
 * verify_organization_domain: start verification and get the DNS TXT record, then have WorkOS
 * check it and report the state (https://workos.com/docs/domain-verification/api,
 * https://workos.com/docs/reference/domain-verification), through a real MCP client and OAuth.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { txtRecord } from '../../src/tools/organizations/verify-organization-domain.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(60_000);

test('txtRecord — named after the domain (behind WorkOS’s prefix when given), valued verification_token=…', () => {
  expect(txtRecord({ domain: 'foo.test', verificationToken: 'abc123' })).toEqual({
    type: 'TXT',
    name: 'foo.test',
    value: 'verification_token=abc123',
  });
  expect(
    txtRecord({ domain: 'foo.test', verificationPrefix: 'workos-verify', verificationToken: 'abc123' })?.name,
  ).toBe('workos-verify.foo.test');
  expect(txtRecord({ domain: 'foo.test' })).toBeNull();
});

describe('verify_organization_domain through a real MCP client', () => {
  let gh: TestGatehouse;
  let member: AnyClient;
  let admin: AnyClient;
  let acme: string;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    member = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
    admin = await connectV1(
      gh.url,
      (await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' })).access_token,
    );
    const list = await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 });
    acme = list.data.find((o) => o.name === 'Acme Corp')!.id;
  });
  afterAll(async () => {
    await member?.close();
    await admin?.close();
    await gh?.stop();
  });

  test('start — adds the domain as pending and returns the TXT record; again — the same domain, not added twice', async () => {
    const r = await call(member, 'verify_organization_domain', {
      organization_id: acme,
      domain: 'Start-Me.test',
    });
    expect(r.isError).toBe(false);
    const s = r.structured!;
    expect(s).toMatchObject({
      organization_id: acme,
      domain: 'start-me.test',
      state: 'pending',
      added: true,
    });
    const record = s.dns_record as { type: string; name: string; value: string };
    expect(record.type).toBe('TXT');
    expect(record.name).toEndWith('start-me.test');
    expect(record.value).toMatch(/^verification_token=\S+$/);
    expect(r.text).toContain(`DNS record to create: TXT ${record.name} = "${record.value}"`);
    expect(r.text).toContain('action "check"');
    // WorkOS holds it as documented, pending, with the same token.
    const held = await teamWorkOS(gh).organizationDomains.getOrganizationDomain(s.domain_id as string);
    expect(String(held.state)).toBe('pending');
    // As documented for the API flow: a DNS verification.
    expect(String(held.verificationStrategy)).toBe('dns');
    expect(s.verification_strategy).toBe('dns');
    expect(record.value).toBe(`verification_token=${held.verificationToken}`);

    const again = await call(member, 'verify_organization_domain', {
      organization_id: acme,
      domain: 'start-me.test',
    });
    expect(again.structured).toMatchObject({ domain_id: s.domain_id, added: false, state: 'pending' });
    expect(again.structured!.dns_record).toEqual(record);
    const org = await teamWorkOS(gh).organizations.getOrganization(acme);
    expect(org.domains.filter((d) => d.domain === 'start-me.test')).toHaveLength(1);
  });

  test('check — a member’s agent is refused (a verified domain changes sign-in); an admin confirms, then WorkOS reports it verified', async () => {
    await call(member, 'verify_organization_domain', { organization_id: acme, domain: 'check-me.test' });
    const refused = await call(member, 'verify_organization_domain', {
      organization_id: acme,
      domain: 'check-me.test',
      action: 'check',
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('gatehouse:admin');
    expect(refused.text).toContain('mark "check-me.test" verified');

    const args = { organization_id: acme, domain: 'check-me.test', action: 'check' };
    const first = await call(admin, 'verify_organization_domain', args);
    const token = /confirmation_token "([^"]+)"/.exec(first.text)?.[1];
    expect(token).toBeTruthy();
    const before = await teamWorkOS(gh).organizations.getOrganization(acme);
    expect(String(before.domains.find((d) => d.domain === 'check-me.test')?.state)).toBe('pending');

    const done = await call(admin, 'verify_organization_domain', { ...args, confirmation_token: token });
    expect(done.isError).toBe(false);
    expect(done.structured).toMatchObject({ state: 'verified', dns_record: null });
    expect(done.text).toContain('sign-ins with this domain now route to the organization');
    const after = await teamWorkOS(gh).organizations.getOrganization(acme);
    expect(String(after.domains.find((d) => d.domain === 'check-me.test')?.state)).toBe('verified');

    // Already verified: reported as is, nobody is asked again.
    const report = await call(member, 'verify_organization_domain', args);
    expect(report.isError).toBe(false);
    expect(report.structured).toMatchObject({ state: 'verified', added: false });
  });

  test('refusals — check of a domain never added (before any confirmation), a consumer domain (WorkOS’s 422), an unknown organization, a bad domain, a viewer', async () => {
    const missing = await call(admin, 'verify_organization_domain', {
      organization_id: acme,
      domain: 'never-added.test',
      action: 'check',
    });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('Acme Corp has no domain never-added.test to check');
    expect(missing.text).toContain('action "start" first');
    expect(missing.text).not.toContain('confirmation_token');

    const org = await call(member, 'verify_organization_domain', {
      organization_id: 'org_01NOSUCHORG0000000000000000',
      domain: 'x.test',
    });
    expect(org.isError).toBe(true);
    expect(org.text).toContain('not_found');

    const consumer = await call(member, 'verify_organization_domain', {
      organization_id: acme,
      domain: 'gmail.com',
    });
    expect(consumer.isError).toBe(true);
    expect(consumer.text).toContain('consumer domains such as gmail.com cannot be added');

    const bad = await call(member, 'verify_organization_domain', {
      organization_id: acme,
      domain: 'https://acme.test/x',
    });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('bare domain');

    const viewer = await connectV1(gh.url, (await tokensFor(gh.url, 'viewer@demo.test')).access_token);
    try {
      const denied = await call(viewer, 'verify_organization_domain', {
        organization_id: acme,
        domain: 'v.test',
      });
      expect(denied.isError).toBe(true);
      expect(denied.text).toContain('workos:write');
    } finally {
      await viewer.close();
    }
    const after = await teamWorkOS(gh).organizations.getOrganization(acme);
    expect(after.domains.some((d) => d.domain === 'v.test' || d.domain === 'x.test')).toBe(false);
  });
});
