import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SECRET_CANARIES } from '../../src/emulator/index.ts';
import { type AnyClient, call, connectV1, connectV2, tokensFor, toolNames } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
/** member@demo.test: workos:read + workos:write, sandbox only. */
let member: AnyClient;
/** viewer@demo.test: workos:read only. */
let viewer: AnyClient;
let memberToken: string;
const ids = new Map<string, string>();

type Org = { id: string; name: string; domains: { domain: string; state: string }[] };

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
  // Listing tools lets the v1 client validate every structuredContent against its outputSchema.
  await toolNames(member);
  const all = await call(member, 'list_workos_organizations', { limit: 100 });
  for (const o of all.structured!.organizations as Org[]) ids.set(o.name, o.id);
});
afterAll(async () => {
  await gh?.stop();
});

const idOf = (name: string): string => {
  const id = ids.get(name);
  if (!id) throw new Error(`no seeded organization ${name}`);
  return id;
};

let throwaway = 0;
/** A fresh organization of this test's own, so that deleting it disturbs nothing else. */
async function createThrowaway(extra: Record<string, unknown> = {}): Promise<Org> {
  throwaway++;
  const r = await call(member, 'create_workos_organization', {
    name: `Throwaway ${throwaway}`,
    domains: [`throwaway${throwaway}.test`],
    ...extra,
  });
  expect(r.isError).toBe(false);
  return (r.structured as { organization: Org }).organization;
}

const expectNoCanary = (text: string) => {
  for (const canary of SECRET_CANARIES) expect(text).not.toContain(canary);
};

describe('list_workos_organizations', () => {
  test('list_workos_organizations — shows the seeded sandbox organizations with domain states', async () => {
    const r = await call(member, 'list_workos_organizations', { limit: 100 });
    expect(r.isError).toBe(false);
    const orgs = r.structured?.organizations as Org[];
    const names = orgs.map((o) => o.name);
    for (const n of ['Acme Corp', 'Global Tech', 'Stark Industries', 'Initech', 'Wayne Enterprises']) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain('Cyberdyne Systems');
    const acme = orgs.find((o) => o.name === 'Acme Corp');
    expect(acme?.domains).toEqual([
      { domain: 'acme.test', state: 'verified' },
      { domain: 'acme-corp.test', state: 'pending' },
    ]);
    expect(r.text).not.toContain('verification_token');
    expect(r.text).toContain('In sandbox:');
  });

  test('list_workos_organizations — pages with after cursor', async () => {
    const first = await call(member, 'list_workos_organizations', { limit: 2 });
    expect(first.isError).toBe(false);
    const page1 = first.structured?.organizations as Org[];
    expect(page1).toHaveLength(2);
    const meta = first.structured?.list_metadata as { after: string; next_page: string };
    expect(meta.after).toBe(page1[1]!.id);
    expect(meta.next_page).toContain(`after: "${meta.after}"`);
    expect(meta.next_page).toContain('list_workos_organizations');
    const second = await call(member, 'list_workos_organizations', { limit: 2, after: meta.after });
    const page2 = second.structured?.organizations as Org[];
    expect(page2).toHaveLength(2);
    for (const o of page2) expect(page1.map((p) => p.id)).not.toContain(o.id);
  });

  test('list_workos_organizations — filters by domain', async () => {
    const r = await call(member, 'list_workos_organizations', { domains: ['stark.test'] });
    expect((r.structured!.organizations as Org[]).map((o) => o.name)).toEqual(['Stark Industries']);
  });

  test('list_workos_organizations — refuses a malformed domain filter and an unknown field', async () => {
    const bad = await call(member, 'list_workos_organizations', { domains: ['https://acme.test/'] });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('domains.0');
    const unknown = await call(member, 'list_workos_organizations', { name: 'Acme' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('unknown field(s) name');
  });

  test('list_workos_organizations — works for 2026-07-28 stateless and legacy v2 clients', async () => {
    for (const mode of ['auto', 'legacy'] as const) {
      const client = await connectV2(gh.url, memberToken, mode);
      try {
        const r = await call(client, 'list_workos_organizations', { domains: ['acme.test'] });
        expect(r.isError).toBe(false);
        expect((r.structured!.organizations as Org[])[0]?.name).toBe('Acme Corp');
      } finally {
        await client.close();
      }
    }
  });
});

describe('get_organization_details', () => {
  test('get_organization_details — Acme Corp in one call: domains, connections, directory, members', async () => {
    const r = await call(member, 'get_organization_details', { organization_id: idOf('Acme Corp') });
    expect(r.isError).toBe(false);
    const s = r.structured as {
      organization: { name: string; external_id: string; metadata: Record<string, string> };
      sso: { total: number; by_state: Record<string, number>; connections: { name: string }[] };
      directories: {
        total: number;
        stale: number;
        directories: { name: string; users: number; groups: number }[];
      };
      memberships: { count: number };
      attention: string[];
    };
    expect(s.organization.name).toBe('Acme Corp');
    expect(s.organization.external_id).toBe('acme-corp');
    expect(s.organization.metadata).toEqual({ tier: 'enterprise', region: 'us-east-1' });
    expect(s.sso.total).toBe(2);
    expect(s.sso.by_state).toEqual({ active: 1, inactive: 1 });
    expect(s.sso.connections.map((c) => c.name).sort()).toEqual(['Acme Google Workspace', 'Acme Okta SAML']);
    expect(s.directories.total).toBe(1);
    expect(s.directories.stale).toBe(0);
    expect(s.directories.directories[0]).toMatchObject({ name: 'Acme Okta SCIM', users: 5, groups: 3 });
    expect(s.memberships.count).toBe(2);
    expect(s.attention).toContain('Domain acme-corp.test is pending, not verified.');
    expect(s.attention.some((a) => a.includes('"Acme Google Workspace"') && a.includes('inactive'))).toBe(
      true,
    );
  });

  test('get_organization_details — flags a stale directory (Global Tech)', async () => {
    const r = await call(member, 'get_organization_details', { organization_id: idOf('Global Tech') });
    const s = r.structured as { directories: { stale: number }; attention: string[] };
    expect(s.directories.stale).toBe(1);
    expect(
      s.attention.some(
        (a) =>
          a.includes('Global Tech Entra ID') && a.includes('has had last provisioning activity 4 days ago'),
      ),
    ).toBe(true);
  });

  test('get_organization_details — secrets pasted into metadata never reach the agent', async () => {
    const r = await call(member, 'get_organization_details', { organization_id: idOf('Umbrella Health') });
    expect(r.isError).toBe(false);
    expectNoCanary(r.text);
    expectNoCanary(JSON.stringify(r.structured));
    const metadata = (r.structured!.organization as { metadata: Record<string, string> }).metadata;
    expect(metadata.client_secret).toBe('[redacted: secret]');
  });

  test('get_organization_details — an unknown id is a clear not-found error', async () => {
    const r = await call(member, 'get_organization_details', {
      organization_id: 'org_01NOSUCHORGANIZATION000000',
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not_found');
    expect(r.text).toContain('org_01NOSUCHORGANIZATION000000');
    expect(r.text).toContain('list tool');
  });

  test('get_organization_details — an id that is not an id is refused before WorkOS is called', async () => {
    const r = await call(member, 'get_organization_details', { organization_id: 'org_1/../../users' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('organization_id');
  });
});

describe('create_workos_organization', () => {
  test('create_workos_organization — creates with domains, external id and metadata', async () => {
    const r = await call(member, 'create_workos_organization', {
      name: 'Hooli',
      domains: ['Hooli.test', { domain: 'hooli-xyz.test', state: 'pending' }],
      external_id: 'hooli-1',
      metadata: { tier: 'startup' },
    });
    expect(r.isError).toBe(false);
    const org = (r.structured as { organization: Org & { external_id: string; metadata: object } })
      .organization;
    expect(org.id).toStartWith('org_');
    expect(org.domains).toEqual([
      { domain: 'hooli.test', state: 'pending' },
      { domain: 'hooli-xyz.test', state: 'pending' },
    ]);
    expect(org.external_id).toBe('hooli-1');
    expect(org.metadata).toEqual({ tier: 'startup' });
    const details = await call(member, 'get_organization_details', { organization_id: org.id });
    expect((details.structured!.organization as { name: string }).name).toBe('Hooli');
    expect(details.structured?.attention as string[]).toContain('No SSO connection is set up.');
  });

  test('create_workos_organization — refuses a malformed domain', async () => {
    for (const domain of ['not a domain', 'https://acme.test', 'bob@acme.test', '*.acme.test', 'localhost']) {
      const r = await call(member, 'create_workos_organization', { name: 'Bad Domains', domains: [domain] });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('Invalid arguments for create_workos_organization');
      expect(r.text).toContain('bare domain');
    }
    const dup = await call(member, 'create_workos_organization', {
      name: 'Dup Domains',
      domains: ['dup.test', { domain: 'dup.test', state: 'verified' }],
    });
    expect(dup.isError).toBe(true);
    expect(dup.text).toContain('listed twice');
    const list = await call(member, 'list_workos_organizations', { limit: 100 });
    expect((list.structured!.organizations as Org[]).map((o) => o.name)).not.toContain('Bad Domains');
  });

  test('create_workos_organization — refuses an unknown field and an empty name', async () => {
    const unknown = await call(member, 'create_workos_organization', { name: 'X', allow_profiles: true });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('unknown field(s) allow_profiles');
    const empty = await call(member, 'create_workos_organization', { name: '   ' });
    expect(empty.isError).toBe(true);
    expect(empty.text).toContain('name');
  });

  test('create_workos_organization — a viewer lacks the write permission', async () => {
    const r = await call(viewer, 'create_workos_organization', { name: 'Viewer Org' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('workos:write');
    expect(await toolNames(viewer)).not.toContain('create_workos_organization');
  });
});

describe('update_organization', () => {
  test('update_organization — renames, replaces domains and merges metadata', async () => {
    const org = await createThrowaway({ metadata: { tier: 'free', region: 'eu' } });
    const r = await call(member, 'update_organization', {
      organization_id: org.id,
      name: 'Renamed Co',
      domains: [{ domain: 'renamed.test', state: 'pending' }],
      metadata: { tier: 'paid' },
    });
    expect(r.isError).toBe(false);
    const s = r.structured as {
      organization: Org & { metadata: Record<string, string> };
      changed: string[];
    };
    expect(s.organization.name).toBe('Renamed Co');
    expect(s.organization.domains).toEqual([{ domain: 'renamed.test', state: 'pending' }]);
    expect(s.organization.metadata).toEqual({ tier: 'paid', region: 'eu' });
    expect(s.changed).toContain(`name: "${org.name}" → "Renamed Co"`);
    expect(s.changed).toContain('domains added: renamed.test');
    expect(s.changed).toContain(`domains removed: ${org.domains[0]!.domain}`);
    expect(s.changed).toContain('metadata keys set: tier');
  });

  test('update_organization — refuses an empty update with a clear message', async () => {
    const org = await createThrowaway();
    const r = await call(member, 'update_organization', { organization_id: org.id });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('nothing to update');
    expect(r.text).toContain('name, domains, external_id, metadata');
    const envOnly = await call(member, 'update_organization', {
      organization_id: org.id,
      environment: 'sandbox',
    });
    expect(envOnly.isError).toBe(true);
  });

  test('update_organization — refuses a bad domain and an unknown field', async () => {
    const org = await createThrowaway();
    const bad = await call(member, 'update_organization', {
      organization_id: org.id,
      domains: ['acme..test'],
    });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('bare domain');
    const unknown = await call(member, 'update_organization', {
      organization_id: org.id,
      stripe_customer_id: 'x',
    });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('unknown field(s) stripe_customer_id');
  });

  test('update_organization — an unknown id is not found', async () => {
    const r = await call(member, 'update_organization', { organization_id: 'org_01NOSUCH', name: 'Nope' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
  });

  test('update_organization — a viewer lacks the write permission', async () => {
    const r = await call(viewer, 'update_organization', {
      organization_id: idOf('Acme Corp'),
      name: 'Hacked',
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('workos:write');
    const acme = await call(member, 'get_organization_details', { organization_id: idOf('Acme Corp') });
    expect((acme.structured!.organization as { name: string }).name).toBe('Acme Corp');
  });
});

describe('delete_organization', () => {
  /** A throwaway organization with an SSO connection and a member, so the description has something to list. */
  async function populatedThrowaway(): Promise<Org> {
    const org = await createThrowaway();
    const workos = teamWorkOS(gh);
    await workos.post('/connections', {
      organization_id: org.id,
      name: `${org.name} Okta`,
      connection_type: 'OktaSAML',
      domains: [org.domains[0]!.domain],
    });
    const users = await workos.userManagement.listUsers({ email: 'bruce@wayne.test' });
    await workos.userManagement.createOrganizationMembership({
      userId: users.data[0]!.id,
      organizationId: org.id,
      roleSlug: 'member',
    });
    return org;
  }

  const exists = async (id: string) => {
    const r = await call(member, 'get_organization_details', { organization_id: id });
    if (r.isError) expect(r.text).toContain('not found');
    return !r.isError;
  };

  test('delete_organization — first call describes exactly what will be destroyed and deletes nothing', async () => {
    const org = await populatedThrowaway();
    const r = await call(member, 'delete_organization', { organization_id: org.id });
    expect(r.isError).toBe(false);
    expect(r.structured?.status).toBe('confirmation_required');
    expect(r.structured?.confirmation_token).toStartWith('confirm_');
    const will = r.structured?.will_destroy as {
      organization: { id: string; name: string };
      domains: string[];
      sso_connection_count: number;
      sso_connections: { name: string; type: string }[];
      directory_count: number;
      membership_count: number;
    };
    expect(will.organization).toMatchObject({ id: org.id, name: org.name });
    expect(will.domains).toEqual([org.domains[0]!.domain]);
    expect(will.sso_connection_count).toBe(1);
    expect(will.sso_connections[0]).toMatchObject({ name: `${org.name} Okta`, type: 'OktaSAML' });
    expect(will.directory_count).toBe(0);
    expect(will.membership_count).toBe(1);
    expect(r.text).toContain(
      `Deleting organization "${org.name}" (${org.id}) in sandbox will also remove 1 SSO connection (${org.name} Okta) and 1 membership.`,
    );
    expect(r.text).toContain('Nothing was deleted yet');
    expect(await exists(org.id)).toBe(true);
  });

  test('delete_organization — describes a seeded organization with its directory and user count', async () => {
    const r = await call(member, 'delete_organization', { organization_id: idOf('Acme Corp') });
    expect(r.structured?.status).toBe('confirmation_required');
    expect(r.text).toContain(
      'will also remove 2 SSO connections (Acme Google Workspace, Acme Okta SAML), 1 directory (Acme Okta SCIM with 5 users) and 2 memberships.',
    );
    expect(await exists(idOf('Acme Corp'))).toBe(true);
  });

  test('delete_organization — the confirmed call deletes; the same token again is refused', async () => {
    const org = await populatedThrowaway();
    const first = await call(member, 'delete_organization', { organization_id: org.id });
    const token = first.structured?.confirmation_token as string;
    const confirmed = await call(member, 'delete_organization', {
      organization_id: org.id,
      confirmation_token: token,
    });
    expect(confirmed.isError).toBe(false);
    expect(confirmed.structured).toEqual({
      status: 'deleted',
      deleted: { organization_id: org.id, name: org.name },
    });
    expect(await exists(org.id)).toBe(false);
    const again = await call(member, 'delete_organization', {
      organization_id: org.id,
      confirmation_token: token,
    });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('already used');
  });

  test('delete_organization — a token sent with other arguments is refused and stays usable', async () => {
    const [a, b] = [await createThrowaway(), await createThrowaway()];
    const first = await call(member, 'delete_organization', { organization_id: a.id });
    const token = first.structured?.confirmation_token as string;
    const wrong = await call(member, 'delete_organization', {
      organization_id: b.id,
      confirmation_token: token,
    });
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toContain('different arguments');
    expect(await exists(b.id)).toBe(true);
    expect(await exists(a.id)).toBe(true);
    const right = await call(member, 'delete_organization', {
      organization_id: a.id,
      confirmation_token: token,
    });
    expect(right.structured?.status).toBe('deleted');
    expect(await exists(a.id)).toBe(false);
    expect(await exists(b.id)).toBe(true);
  });

  test('delete_organization — 50 concurrent confirmed calls with one token delete exactly once', async () => {
    const org = await createThrowaway();
    const first = await call(member, 'delete_organization', { organization_id: org.id });
    const token = first.structured?.confirmation_token as string;
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(member, 'delete_organization', { organization_id: org.id, confirmation_token: token }),
      ),
    );
    const succeeded = results.filter((r) => !r.isError);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]?.structured?.status).toBe('deleted');
    for (const r of results.filter((x) => x.isError)) expect(r.text).toContain('already used');
    expect(await exists(org.id)).toBe(false);
  });

  test('delete_organization — an invented token is refused', async () => {
    const org = await createThrowaway();
    const r = await call(member, 'delete_organization', {
      organization_id: org.id,
      confirmation_token: 'confirm_x',
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not valid');
    expect(await exists(org.id)).toBe(true);
  });

  test('delete_organization — never deletes a Gatehouse team (staff organization)', async () => {
    const team = gh.ctx.teams.admitted().find((t) => t.seedKey === 'gatehouse-demo-team')!;
    const r = await call(member, 'delete_organization', { organization_id: team.organizationId });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('staff');
    expect(r.text).not.toContain('confirm_');
    const still = await gh.ctx.workos.identity.client.organizations.getOrganization(team.organizationId);
    expect(still.name).toBe('Gatehouse Demo Team');
  });

  test('delete_organization — an unknown id is not found, with no token issued', async () => {
    const r = await call(member, 'delete_organization', { organization_id: 'org_01NOSUCHORG' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
    expect(r.text).not.toContain('confirm_');
  });

  test('delete_organization — a viewer lacks the write permission', async () => {
    const org = await createThrowaway();
    const r = await call(viewer, 'delete_organization', { organization_id: org.id });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('workos:write');
    expect(await exists(org.id)).toBe(true);
  });

  test('delete_organization — the stateless 2026-07-28 client gets the same two steps', async () => {
    const org = await createThrowaway();
    const client = await connectV2(gh.url, memberToken, 'auto');
    try {
      const first = await call(client, 'delete_organization', { organization_id: org.id });
      expect(first.structured?.status).toBe('confirmation_required');
      const token = first.structured?.confirmation_token as string;
      const done = await call(client, 'delete_organization', {
        organization_id: org.id,
        confirmation_token: token,
      });
      expect(done.structured?.status).toBe('deleted');
    } finally {
      await client.close();
    }
    expect(await exists(org.id)).toBe(false);
  });
});

describe('production', () => {
  test('list_workos_organizations — an admin who switched to production sees production organizations', async () => {
    const { access_token } = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
    const admin = await connectV1(gh.url, access_token);
    try {
      const sw = await call(admin, 'switch_environment', { environment: 'production' });
      expect(sw.isError).toBe(false);
      const r = await call(admin, 'list_workos_organizations', { limit: 100 });
      expect(r.isError).toBe(false);
      expect(r.text).toContain('In production:');
      const names = (r.structured!.organizations as Org[]).map((o) => o.name).sort();
      expect(names).toEqual(['Cyberdyne Systems', 'Oscorp', 'Soylent Foods', 'Tyrell Corporation']);
      const oscorp = (r.structured!.organizations as Org[]).find((o) => o.name === 'Oscorp')!;
      const details = await call(admin, 'get_organization_details', { organization_id: oscorp.id });
      expectNoCanary(details.text);
      expect((details.structured!.sso as { by_state: object }).by_state).toEqual({ inactive: 1 });
      // A sandbox id does not exist in production.
      const acme = await call(admin, 'get_organization_details', { organization_id: idOf('Acme Corp') });
      expect(acme.isError).toBe(true);
      expect(acme.text).toContain('not found');
    } finally {
      await admin.close();
    }
  });

  test('list_workos_organizations — a member cannot reach production', async () => {
    const r = await call(member, 'list_workos_organizations', { environment: 'production' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('no production access');
  });
});
