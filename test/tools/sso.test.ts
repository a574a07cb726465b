import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { DomainDataState } from '@workos-inc/node';
import { type AnyClient, call, connectV1, connectV2, tokensFor, toolNames } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let member: AnyClient;
let viewer: AnyClient;
let memberToken: string;
const orgIds = new Map<string, string>();
const connIds = new Map<string, string>();

type Conn = {
  id: string;
  name: string;
  type: string;
  state: string;
  organization_id: string;
  domains: string[];
};
type Diagnosis = {
  verdict: string;
  explanation: string;
  next_steps: string[];
  email: { address: string; domain: string; domain_state: string } | null;
  window: { hours: number; events_read: number; truncated: boolean };
  sign_ins: {
    failed: number;
    succeeded: number;
    last_failure_at: string | null;
    last_success_at: string | null;
  };
  failures_by_error: {
    code: string;
    documented: boolean;
    count: number;
    connections: string[];
    emails: string[];
    message: string;
  }[];
};

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
  const orgs = await call(member, 'list_workos_organizations', { limit: 100 });
  for (const o of orgs.structured!.organizations as { id: string; name: string }[]) orgIds.set(o.name, o.id);
  const conns = await call(member, 'list_sso_connections', { limit: 100 });
  for (const c of conns.structured!.connections as Conn[]) connIds.set(c.name, c.id);
});
afterAll(async () => {
  await gh?.stop();
});

const org = (name: string) => orgIds.get(name) ?? `missing ${name}`;
const conn = (name: string) => connIds.get(name) ?? `missing ${name}`;

/** A throwaway organization with one SSO connection, created through the real SDK against the emulator. */
let throwaways = 0;
async function throwawayConnection(): Promise<{ organizationId: string; connection: Conn }> {
  throwaways++;
  // Made directly in WorkOS: a verified domain is a sign-in change a member's agent may not make.
  const created = await teamWorkOS(gh).organizations.createOrganization({
    name: `SSO Throwaway ${throwaways}`,
    domainData: [{ domain: `sso${throwaways}.test`, state: DomainDataState.Verified }],
  });
  const organizationId = created.id;
  const { data } = await teamWorkOS(gh).post<{ id: string }>('/connections', {
    organization_id: organizationId,
    name: `SSO Throwaway ${throwaways} Okta`,
    connection_type: 'OktaSAML',
    domains: [`sso${throwaways}.test`],
  });
  const details = await call(member, 'get_sso_connection_details', { connection_id: data.id });
  return { organizationId, connection: details.structured?.connection as Conn };
}

const diagnose = async (args: Record<string, unknown>, client = member) => {
  const r = await call(client, 'diagnose_sso_sign_in', args);
  expect(r.isError).toBe(false);
  return { text: r.text, d: r.structured as unknown as Diagnosis };
};

describe('list_sso_connections', () => {
  test('list_sso_connections — shows every seeded connection with type, state and domains', async () => {
    const r = await call(member, 'list_sso_connections', { limit: 100 });
    expect(r.isError).toBe(false);
    const conns = r.structured?.connections as Conn[];
    const byName = new Map(conns.map((c) => [c.name, c]));
    expect(byName.get('Acme Okta SAML')).toMatchObject({
      type: 'OktaSAML',
      state: 'active',
      domains: ['acme.test'],
      organization_id: org('Acme Corp'),
    });
    expect(byName.get('Initech Entra ID OIDC')).toMatchObject({ type: 'GenericOIDC', state: 'draft' });
    expect(byName.get('Wayne ADFS')).toMatchObject({ type: 'ADFSSAML', state: 'inactive' });
    expect(conns.length).toBeGreaterThanOrEqual(8);
    expect(r.text).toMatch(/not active/);
  });

  test('list_sso_connections — filters by organization and by connection type', async () => {
    const acme = await call(member, 'list_sso_connections', { organization_id: org('Acme Corp') });
    expect((acme.structured!.connections as Conn[]).map((c) => c.name).sort()).toEqual([
      'Acme Google Workspace',
      'Acme Okta SAML',
    ]);
    const okta = await call(member, 'list_sso_connections', { connection_type: 'OktaSAML', limit: 100 });
    const names = (okta.structured!.connections as Conn[]).map((c) => c.name);
    expect(names).toContain('Acme Okta SAML');
    expect(names).toContain('Stark Industries Okta');
    expect(names).not.toContain('Wayne ADFS');
    const domain = await call(member, 'list_sso_connections', { domain: 'wayne.test' });
    expect((domain.structured!.connections as Conn[]).map((c) => c.name)).toEqual(['Wayne ADFS']);
  });

  test('list_sso_connections — pages with after cursor', async () => {
    const first = await call(member, 'list_sso_connections', { limit: 2 });
    const page1 = first.structured?.connections as Conn[];
    const meta = first.structured?.list_metadata as { after: string; next_page: string };
    expect(page1).toHaveLength(2);
    expect(meta.next_page).toContain(`after: "${meta.after}"`);
    const second = await call(member, 'list_sso_connections', { limit: 2, after: meta.after });
    const page2 = second.structured?.connections as Conn[];
    expect(page2).toHaveLength(2);
    for (const c of page2) expect(page1.map((p) => p.id)).not.toContain(c.id);
  });

  test('list_sso_connections — refuses an unknown connection type and an unknown field', async () => {
    const type = await call(member, 'list_sso_connections', { connection_type: 'MadeUpSAML' });
    expect(type.isError).toBe(true);
    expect(type.text).toContain('connection_type');
    const unknown = await call(member, 'list_sso_connections', { org: 'x' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('unknown field(s) org');
  });
});

describe('get_sso_connection_details', () => {
  test('get_sso_connection_details — a draft connection, what that means, and its unverified domain', async () => {
    const r = await call(member, 'get_sso_connection_details', {
      connection_id: conn('Initech Entra ID OIDC'),
    });
    expect(r.isError).toBe(false);
    const s = r.structured as {
      connection: Conn;
      state_meaning: string;
      organization: { name: string; domains: { domain: string; state: string }[] };
      unverified_domains: string[];
    };
    expect(s.connection).toMatchObject({
      name: 'Initech Entra ID OIDC',
      state: 'draft',
      type: 'GenericOIDC',
    });
    expect(s.state_meaning).toContain('never finished');
    expect(s.organization.name).toBe('Initech');
    expect(s.unverified_domains).toEqual(['initech.test']);
    expect(r.text).toContain('"Initech"');
  });

  test('get_sso_connection_details — an unknown id is not found', async () => {
    const r = await call(member, 'get_sso_connection_details', { connection_id: 'conn_01NOSUCHCONNECTION' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
    expect(r.text).toContain('conn_01NOSUCHCONNECTION');
  });

  test('get_sso_connection_details — works for 2026-07-28 stateless and legacy v2 clients', async () => {
    for (const mode of ['auto', 'legacy'] as const) {
      const client = await connectV2(gh.url, memberToken, mode);
      try {
        const r = await call(client, 'get_sso_connection_details', { connection_id: conn('Acme Okta SAML') });
        expect((r.structured!.connection as Conn).state).toBe('active');
      } finally {
        await client.close();
      }
    }
  });
});

describe('diagnose_sso_sign_in', () => {
  test('diagnose_sso_sign_in — Stark Industries: IdP failures from the expired certificate', async () => {
    const { d, text } = await diagnose({ organization_id: org('Stark Industries') });
    expect(d.verdict).toBe('idp_failures');
    expect(d.sign_ins.failed).toBe(7);
    expect(d.sign_ins.succeeded).toBe(0);
    // It used to work: the last success (4 days ago) is found before the window.
    expect(d.sign_ins.last_success_at).not.toBeNull();
    expect(d.explanation).toContain('4 days ago');
    // Only WorkOS's documented codes: an IdP-side SAML failure is server_error with a message.
    expect(d.failures_by_error.map((g) => [g.code, g.documented, g.count])).toEqual([
      ['server_error', true, 6],
      ['profile_not_allowed_outside_organization', true, 1],
    ]);
    const failed = d.failures_by_error[0]!;
    expect(failed.connections).toEqual(['Stark Industries Okta']);
    expect(failed.emails.sort()).toEqual([
      'happy@stark.test',
      'pepper@stark.test',
      'rhodey@stark.test',
      'tony@stark.test',
    ]);
    expect(failed.message).toContain('certificate that has expired');
    expect(d.next_steps[0]).toContain('WorkOS reports server_error, "SSO authentication failed"');
    expect(d.next_steps[0]).toContain('Sessions tab');
    expect(d.next_steps[0]).toContain('The message names a certificate');
    expect(d.next_steps[0]).toContain('generate_admin_portal_link (intent "certificate_renewal"');
    expect(d.next_steps[0]).toContain(org('Stark Industries'));
    expect(text).toStartWith('Verdict for Stark Industries: idp_failures.');
  });

  test('diagnose_sso_sign_in — the lookback window bounds the events read', async () => {
    const { d } = await diagnose({ organization_id: org('Stark Industries'), hours: 1 });
    expect(d.window.hours).toBe(1);
    expect(d.sign_ins.failed).toBe(2);
    expect(d.failures_by_error).toEqual([expect.objectContaining({ code: 'server_error', count: 2 })]);
  });

  test('diagnose_sso_sign_in — one person at Stark: only their attempts', async () => {
    const { d } = await diagnose({ organization_id: org('Stark Industries'), email: 'Tony@Stark.test' });
    expect(d.verdict).toBe('idp_failures');
    expect(d.email).toEqual({ address: 'tony@stark.test', domain: 'stark.test', domain_state: 'verified' });
    expect(d.sign_ins.failed).toBe(2);
  });

  test('diagnose_sso_sign_in — a personal address outside the organization’s domains', async () => {
    const { d } = await diagnose({
      organization_id: org('Stark Industries'),
      email: 'tony.personal@gmail.test',
    });
    expect(d.verdict).toBe('domain_not_verified');
    expect(d.email?.domain_state).toBe('not_an_organization_domain');
    expect(d.explanation).toContain('gmail.test is not a domain of Stark Industries');
    expect(d.next_steps[0]).toContain('stark.test');
  });

  test('diagnose_sso_sign_in — a pending domain of the organization', async () => {
    const { d } = await diagnose({ organization_id: org('Acme Corp'), email: 'someone@acme-corp.test' });
    expect(d.verdict).toBe('domain_not_verified');
    expect(d.email?.domain_state).toBe('pending');
    expect(d.next_steps[0]).toContain('domain_verification');
  });

  test('diagnose_sso_sign_in — Initech: the only connection is a draft', async () => {
    const { d } = await diagnose({ organization_id: org('Initech') });
    expect(d.verdict).toBe('connection_not_active');
    expect(d.explanation).toContain('"Initech Entra ID OIDC" is draft');
    expect(d.next_steps).toHaveLength(1);
    expect(d.next_steps[0]).toContain('is a draft');
    expect(d.next_steps[0]).toContain('generate_admin_portal_link (intent "sso"');
  });

  test('diagnose_sso_sign_in — Wayne: an inactive connection', async () => {
    const { d } = await diagnose({ organization_id: org('Wayne Enterprises') });
    expect(d.verdict).toBe('connection_not_active');
    expect(d.next_steps[0]).toContain('"Wayne ADFS"');
    expect(d.next_steps[0]).toContain('inactive');
  });

  test('diagnose_sso_sign_in — Acme: healthy', async () => {
    const { d } = await diagnose({ organization_id: org('Acme Corp') });
    expect(d.verdict).toBe('healthy');
    expect(d.sign_ins).toMatchObject({ failed: 0, succeeded: 3, last_failure_at: null });
    expect(d.failures_by_error).toEqual([]);
  });

  test('diagnose_sso_sign_in — an organization without any connection', async () => {
    const created = await call(member, 'create_workos_organization', {
      name: 'No SSO Yet',
      domains: ['nosso.test'],
    });
    const id = (created.structured!.organization as { id: string }).id;
    const { d } = await diagnose({ organization_id: id });
    expect(d.verdict).toBe('no_connection');
    expect(d.next_steps[0]).toContain('generate_admin_portal_link');
  });

  test('diagnose_sso_sign_in — an active connection nobody used recently', async () => {
    const { organizationId } = await throwawayConnection();
    const { d } = await diagnose({ organization_id: organizationId });
    expect(d.verdict).toBe('no_recent_sign_ins');
    expect(d.sign_ins.last_success_at).toBeNull();
  });

  test('diagnose_sso_sign_in — the stateless 2026-07-28 client gets the same verdicts', async () => {
    const client = await connectV2(gh.url, memberToken, 'auto');
    try {
      const stark = await diagnose({ organization_id: org('Stark Industries') }, client);
      expect(stark.d.verdict).toBe('idp_failures');
      const acme = await diagnose({ organization_id: org('Acme Corp'), environment: 'sandbox' }, client);
      expect(acme.d.verdict).toBe('healthy');
    } finally {
      await client.close();
    }
  });

  test('diagnose_sso_sign_in — bad arguments and unknown organizations are clear errors', async () => {
    const email = await call(member, 'diagnose_sso_sign_in', {
      organization_id: org('Acme Corp'),
      email: 'nope',
    });
    expect(email.isError).toBe(true);
    expect(email.text).toContain('email');
    const hours = await call(member, 'diagnose_sso_sign_in', {
      organization_id: org('Acme Corp'),
      hours: 10_000,
    });
    expect(hours.isError).toBe(true);
    expect(hours.text).toContain('hours');
    const missing = await call(member, 'diagnose_sso_sign_in', { organization_id: 'org_01NOSUCHORG' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('not found');
  });

  test('diagnose_sso_sign_in — a viewer may diagnose (read-only)', async () => {
    const { d } = await diagnose({ organization_id: org('Initech') }, viewer);
    expect(d.verdict).toBe('connection_not_active');
  });
});

describe('delete_sso_connection', () => {
  const exists = async (id: string) => {
    const r = await call(member, 'get_sso_connection_details', { connection_id: id });
    if (r.isError) expect(r.text).toContain('not found');
    return !r.isError;
  };

  test('delete_sso_connection — describes, then deletes only with the token, once', async () => {
    const { organizationId, connection } = await throwawayConnection();
    const first = await call(member, 'delete_sso_connection', { connection_id: connection.id });
    expect(first.structured?.status).toBe('confirmation_required');
    expect(first.structured?.will_destroy).toEqual({
      connection: { id: connection.id, name: connection.name, type: 'OktaSAML', state: 'active' },
      organization: { id: organizationId, name: connection.name.replace(' Okta', '') },
      domains: connection.domains,
    });
    expect(first.text).toContain(
      `Deleting SSO connection "${connection.name}" (${connection.id}, OktaSAML, active)`,
    );
    expect(first.text).toContain('will no longer be able to sign in');
    expect(await exists(connection.id)).toBe(true);

    const token = first.structured?.confirmation_token as string;
    const done = await call(member, 'delete_sso_connection', {
      connection_id: connection.id,
      confirmation_token: token,
    });
    expect(done.structured).toEqual({
      status: 'deleted',
      deleted: { connection_id: connection.id, name: connection.name },
    });
    expect(await exists(connection.id)).toBe(false);
    const again = await call(member, 'delete_sso_connection', {
      connection_id: connection.id,
      confirmation_token: token,
    });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('already used');
  });

  test('delete_sso_connection — a token for one connection cannot delete another, and stays usable', async () => {
    const a = (await throwawayConnection()).connection;
    const first = await call(member, 'delete_sso_connection', { connection_id: a.id });
    const token = first.structured?.confirmation_token as string;
    const wrong = await call(member, 'delete_sso_connection', {
      connection_id: conn('Acme Okta SAML'),
      confirmation_token: token,
    });
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toContain('different arguments');
    expect(await exists(conn('Acme Okta SAML'))).toBe(true);
    const right = await call(member, 'delete_sso_connection', {
      connection_id: a.id,
      confirmation_token: token,
    });
    expect(right.structured?.status).toBe('deleted');
  });

  test('delete_sso_connection — concurrent confirmed calls with one token delete exactly once', async () => {
    const { connection } = await throwawayConnection();
    const first = await call(member, 'delete_sso_connection', { connection_id: connection.id });
    const token = first.structured?.confirmation_token as string;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(member, 'delete_sso_connection', { connection_id: connection.id, confirmation_token: token }),
      ),
    );
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(await exists(connection.id)).toBe(false);
  });

  test('delete_sso_connection — unknown id, unknown field and viewer are refused', async () => {
    const missing = await call(member, 'delete_sso_connection', { connection_id: 'conn_01NOSUCH' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('not found');
    const unknown = await call(member, 'delete_sso_connection', {
      connection_id: conn('Wayne ADFS'),
      force: true,
    });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('unknown field(s) force');
    const denied = await call(viewer, 'delete_sso_connection', { connection_id: conn('Wayne ADFS') });
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain('workos:write');
    expect(await exists(conn('Wayne ADFS'))).toBe(true);
  });
});
