/**
 * Writes that change how an organization signs in — an Admin Portal link for SSO, domain
 * verification or certificate renewal, a domain marked verified — need a Gatehouse team admin and
 * a human's confirmation, and are refused outright for a Gatehouse team's own organization.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(60_000);

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
  const orgs = await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 });
  acme = orgs.data.find((o) => o.name === 'Acme Corp')!.id;
});
afterAll(async () => {
  await member?.close();
  await admin?.close();
  await gh?.stop();
});

const tokenIn = (text: string) => /confirmation_token "([^"]+)"/.exec(text)?.[1];

describe('sign-in changes — an admin and a human, never an agent alone', () => {
  for (const intent of ['sso', 'domain_verification', 'certificate_renewal']) {
    test(`generate_admin_portal_link (${intent}) — a member's agent is refused: it needs gatehouse:admin`, async () => {
      const r = await call(member, 'generate_admin_portal_link', { organization_id: acme, intent });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('gatehouse:admin');
      expect(r.text).not.toContain('confirmation_token');
    });
  }

  test('generate_admin_portal_link (sso) — an admin gets a confirmation first, the link only with the token, once', async () => {
    const first = await call(admin, 'generate_admin_portal_link', { organization_id: acme, intent: 'sso' });
    expect(first.isError).toBe(true);
    expect(first.text).toContain('Nothing was changed yet');
    expect(first.text).not.toContain('adminportal');
    const token = tokenIn(first.text)!;
    expect(token).toBeTruthy();
    const second = await call(admin, 'generate_admin_portal_link', {
      organization_id: acme,
      intent: 'sso',
      confirmation_token: token,
    });
    expect(second.isError).toBe(false);
    expect(second.structured).toMatchObject({ organization_name: 'Acme Corp', intent: 'sso' });
    const again = await call(admin, 'generate_admin_portal_link', {
      organization_id: acme,
      intent: 'sso',
      confirmation_token: token,
    });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('already used');
    // The token confirms this exact call only: another intent is another question.
    const other = await call(admin, 'generate_admin_portal_link', {
      organization_id: acme,
      intent: 'domain_verification',
      confirmation_token: tokenIn(first.text)!,
    });
    expect(other.isError).toBe(true);
  });

  test('generate_admin_portal_link (dsync) — not a sign-in change: a member’s agent gets the link at once', async () => {
    const r = await call(member, 'generate_admin_portal_link', { organization_id: acme, intent: 'dsync' });
    expect(r.isError).toBe(false);
  });

  test('create_workos_organization with a verified domain — refused for a member; confirmed for an admin', async () => {
    const refused = await call(member, 'create_workos_organization', {
      name: 'Verified Co',
      domains: [{ domain: 'verified-co.test', state: 'verified' }],
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('gatehouse:admin');
    const args = { name: 'Verified Co', domains: [{ domain: 'verified-co.test', state: 'verified' }] };
    const first = await call(admin, 'create_workos_organization', args);
    expect(first.isError).toBe(true);
    const before = await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 });
    expect(before.data.map((o) => o.name)).not.toContain('Verified Co');
    const done = await call(admin, 'create_workos_organization', {
      ...args,
      confirmation_token: tokenIn(first.text)!,
    });
    expect(done.isError).toBe(false);
    expect((done.structured!.organization as { domains: unknown[] }).domains).toEqual([
      { domain: 'verified-co.test', state: 'verified' },
    ]);
  });

  test('update_organization marking a domain verified — refused for a member, nothing changes', async () => {
    const r = await call(member, 'update_organization', {
      organization_id: acme,
      domains: [
        { domain: 'acme.test', state: 'verified' },
        { domain: 'acme-corp.test', state: 'verified' },
      ],
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('gatehouse:admin');
    const org = await teamWorkOS(gh).organizations.getOrganization(acme);
    expect(String(org.domains.find((d) => d.domain === 'acme-corp.test')?.state)).toBe('pending');
  });

  test('a Gatehouse team’s own organization — refused outright, even for an admin', async () => {
    const team = gh.ctx.teams.get(seededTeamId(gh))!;
    const r = await call(admin, 'generate_admin_portal_link', {
      organization_id: team.organizationId,
      intent: 'sso',
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('staff');
    expect(r.text).not.toContain('confirmation_token');
  });
});
