/**
 * The secret canary sweep (docs/architecture.md "The MCP surface and the policy pipeline" step 7): canaries are planted in the seed where tools read
 * (src/emulator/seed/canaries.ts). Every read tool is called, as an admin, with arguments that
 * reach them, in sandbox and in production; no canary may appear anywhere in any answer, and the
 * redaction marker must stand where a canary was passed through. Nor may the server's log lines
 * hold a canary or a bearer token.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import { schema } from '../../src/db/client.ts';
import { SECRET_CANARIES } from '../../src/emulator/seed/index.ts';
import {
  type AnyClient,
  call,
  connectV1,
  type Tokens,
  type ToolOutcome,
  tokensFor,
  toolNames,
} from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(30_000);

const MARKER = '[redacted: secret]';
const DAY_MS = 24 * 60 * 60 * 1000;

type Env = 'sandbox' | 'production';
type Row = Record<string, unknown>;

interface Probe {
  tool: string;
  env: Env;
  /** What the probe is aimed at, for failure messages. */
  what: string;
  args: Record<string, unknown>;
  /** Where the marker must stand instead of a canary (a value from the structured result). */
  marker?: (s: Row) => unknown[];
}

let gh: TestGatehouse;
let admin: Tokens;
let client: AnyClient;
const probes: Probe[] = [];
const answers: { probe: Probe; outcome: ToolOutcome }[] = [];

const byName = <T extends { name: string; id: string }>(list: T[], name: string) =>
  list.find((x) => x.name === name)?.id ?? `missing ${name}`;

async function lookups(w: WorkOS) {
  const [orgs, connections, directories] = await Promise.all([
    w.organizations.listOrganizations({ limit: 100 }),
    w.sso.listConnections({ limit: 100 }),
    w.directorySync.listDirectories({ limit: 100 }),
  ]);
  return {
    org: (n: string) => byName(orgs.data, n),
    connection: (n: string) => byName(connections.data, n),
    directory: (n: string) => byName(directories.data, n),
    user: async (email: string) =>
      (await w.userManagement.listUsers({ email })).data[0]?.id ?? `missing ${email}`,
    directoryUser: async (directory: string, email: string) =>
      (await w.directorySync.listUsers({ directory, limit: 100 })).data.find((u) => u.email === email)?.id ??
      `missing ${email}`,
    directoryGroup: async (directory: string, name: string) =>
      byName((await w.directorySync.listGroups({ directory, limit: 100 })).data, name),
  };
}

const EVENT_TYPES = [
  'authentication.sso_failed',
  'authentication.sso_succeeded',
  'authentication.password_failed',
  'authentication.password_succeeded',
  'authentication.oauth_succeeded',
  'connection.activated',
  'connection.deactivated',
  'dsync.user.created',
  'dsync.group.created',
  'user.created',
  'organization.created',
];
const range = () => ({
  range_start: new Date(Date.now() - 60 * DAY_MS).toISOString(),
  range_end: new Date(Date.now() + 60_000).toISOString(),
});

async function sandboxProbes(): Promise<Probe[]> {
  const s = await lookups(teamWorkOS(gh));
  const acmeDir = s.directory('Acme Okta SCIM');
  const gtDir = s.directory('Global Tech Entra ID');
  const carol = await s.directoryUser(acmeDir, 'carol@acme.test');
  const itAdmins = await s.directoryGroup(gtDir, 'IT Admins');
  const bob = await s.user('bob@acme.test');
  const env = 'sandbox' as const;
  const umbrellaMetadata = (r: Row) => {
    const m = (r.organization as Row).metadata as Row;
    return [m.client_secret, String(m.sso_setup_notes).replace('Okta admin API key: ', '')];
  };
  return [
    { tool: 'list_workos_organizations', env, what: 'all organizations', args: { limit: 100 } },
    {
      tool: 'get_organization_details',
      env,
      what: 'Umbrella Health metadata',
      args: { organization_id: s.org('Umbrella Health') },
      marker: umbrellaMetadata,
    },
    {
      tool: 'get_user',
      env,
      what: 'bob@acme.test metadata',
      args: { user_id: bob },
      marker: (r) => [((r.user as Row).metadata as Row).legacy_token],
    },
    {
      tool: 'list_users',
      env,
      what: 'Acme members (bob)',
      args: { organization_id: s.org('Acme Corp'), limit: 100 },
      marker: (r) => [
        ((r.users as Row[]).find((u) => u.email === 'bob@acme.test')?.metadata as Row | undefined)
          ?.legacy_token,
      ],
    },
    { tool: 'list_users', env, what: 'bob by email', args: { email: 'bob@acme.test' } },
    {
      tool: 'list_organization_memberships',
      env,
      what: 'Acme memberships',
      args: { organization_id: s.org('Acme Corp'), limit: 100 },
    },
    { tool: 'list_organization_memberships', env, what: 'bob’s memberships', args: { user_id: bob } },
    { tool: 'list_invitations', env, what: 'all invitations', args: { limit: 100 } },
    { tool: 'list_sso_connections', env, what: 'all connections', args: { limit: 100 } },
    {
      tool: 'get_sso_connection_details',
      env,
      what: 'Umbrella PingFederate',
      args: { connection_id: s.connection('Umbrella PingFederate') },
    },
    {
      tool: 'get_sso_connection_details',
      env,
      what: 'Acme Okta SAML',
      args: { connection_id: s.connection('Acme Okta SAML') },
    },
    {
      tool: 'diagnose_sso_sign_in',
      env,
      what: 'Umbrella Health',
      args: { organization_id: s.org('Umbrella Health') },
    },
    {
      tool: 'diagnose_sso_sign_in',
      env,
      what: 'Stark, with failures',
      args: { organization_id: s.org('Stark Industries'), hours: 720 },
    },
    { tool: 'list_directories', env, what: 'all directories', args: { limit: 100 } },
    { tool: 'get_directory_details', env, what: 'Acme Okta SCIM', args: { directory_id: acmeDir } },
    { tool: 'get_directory_details', env, what: 'Global Tech Entra ID', args: { directory_id: gtDir } },
    {
      tool: 'list_directory_users',
      env,
      what: 'Acme Okta SCIM users (carol)',
      args: { directory_id: acmeDir, limit: 100 },
    },
    { tool: 'list_directory_users', env, what: 'IT Admins members', args: { group_id: itAdmins } },
    {
      tool: 'list_directory_groups',
      env,
      what: 'Global Tech groups (IT Admins)',
      args: { directory_id: gtDir },
    },
    { tool: 'list_directory_groups', env, what: 'carol’s groups', args: { user_id: carol } },
    {
      tool: 'get_audit_log_events',
      env,
      what: 'Acme audit log (api_key.created)',
      args: { organization_id: s.org('Acme Corp'), ...range(), limit: 1000 },
      marker: (r) => [
        ((r.events as Row[]).find((e) => e.action === 'api_key.created')?.metadata as Row | undefined)?.key,
      ],
    },
    {
      tool: 'get_audit_log_events',
      env,
      what: 'Acme api_key.created only',
      args: { organization_id: s.org('Acme Corp'), ...range(), actions: ['api_key.created'] },
      marker: (r) => [((r.events as Row[])[0]?.metadata as Row | undefined)?.key],
    },
    { tool: 'list_events', env, what: 'every seeded event type', args: { events: EVENT_TYPES, limit: 100 } },
    { tool: 'audit_configuration', env, what: 'the whole account', args: {} },
    {
      tool: 'list_suspicious_sign_ins',
      env,
      what: 'every sign-in risk in 30 days',
      args: { since_hours: 720 },
    },
    // Not reads, but they show WorkOS data too: a delete's description and an update's answer.
    {
      tool: 'delete_organization',
      env,
      what: 'Umbrella Health delete description (first call only)',
      args: { organization_id: s.org('Umbrella Health') },
    },
    {
      tool: 'delete_directory',
      env,
      what: 'Acme Okta SCIM delete description (first call only)',
      args: { directory_id: acmeDir },
    },
    // The operations catalogue answers WorkOS's raw JSON: the same filter must hold for it.
    ...[
      { operation: 'organizations.get', params: { id: s.org('Umbrella Health') } },
      { operation: 'users.get', params: { id: bob } },
      { operation: 'users.list', params: { limit: 100 } },
      { operation: 'invitations.list', params: { limit: 100 } },
      { operation: 'sso_connections.get', params: { id: s.connection('Acme Okta SAML') } },
      { operation: 'sso_connections.list', params: { limit: 100 } },
      { operation: 'directories.get', params: { id: gtDir } },
      { operation: 'directory_users.list', params: { directory: acmeDir, limit: 100 } },
      { operation: 'directory_groups.list', params: { directory: gtDir } },
      { operation: 'events.list', params: { events: EVENT_TYPES, limit: 100 } },
      { operation: 'webhook_endpoints.list', params: {} },
    ].map((args) => ({ tool: 'query', env, what: `catalogue ${args.operation}`, args })),
    {
      tool: 'update_organization',
      env,
      what: 'Umbrella Health after a metadata update',
      args: { organization_id: s.org('Umbrella Health'), metadata: { canary_sweep: 'yes' } },
      marker: umbrellaMetadata,
    },
  ];
}

async function productionProbes(): Promise<Probe[]> {
  const p = await lookups(teamWorkOS(gh, 'production'));
  const tyrellDir = p.directory('Tyrell Entra ID');
  const eldon = await p.directoryUser(tyrellDir, 'eldon@tyrell.test');
  const env = 'production' as const;
  const oscorpMetadata = (r: Row) => {
    const m = (r.organization as Row).metadata as Row;
    return [m.deploy_key, m.client_secret];
  };
  const probes: Probe[] = [
    { tool: 'list_workos_organizations', env, what: 'all organizations', args: { limit: 100 } },
    {
      tool: 'get_organization_details',
      env,
      what: 'Oscorp metadata',
      args: { organization_id: p.org('Oscorp') },
      marker: oscorpMetadata,
    },
    {
      tool: 'get_user',
      env,
      what: 'norman@oscorp.test',
      args: { user_id: await p.user('norman@oscorp.test') },
    },
    { tool: 'list_users', env, what: 'all users', args: { limit: 100 } },
    {
      tool: 'list_organization_memberships',
      env,
      what: 'Oscorp memberships',
      args: { organization_id: p.org('Oscorp') },
    },
    { tool: 'list_invitations', env, what: 'all invitations', args: { limit: 100 } },
    { tool: 'list_sso_connections', env, what: 'all connections', args: { limit: 100 } },
    {
      tool: 'get_sso_connection_details',
      env,
      what: 'Oscorp ADFS',
      args: { connection_id: p.connection('Oscorp ADFS') },
    },
    { tool: 'diagnose_sso_sign_in', env, what: 'Oscorp', args: { organization_id: p.org('Oscorp') } },
    { tool: 'list_directories', env, what: 'all directories', args: { limit: 100 } },
    { tool: 'get_directory_details', env, what: 'Tyrell Entra ID', args: { directory_id: tyrellDir } },
    {
      tool: 'list_directory_users',
      env,
      what: 'Tyrell directory users (eldon)',
      args: { directory_id: tyrellDir },
    },
    { tool: 'list_directory_groups', env, what: 'Tyrell groups', args: { directory_id: tyrellDir } },
    { tool: 'list_directory_groups', env, what: 'eldon’s groups', args: { user_id: eldon } },
    {
      tool: 'get_audit_log_events',
      env,
      what: 'Cyberdyne audit log',
      args: { organization_id: p.org('Cyberdyne Systems'), ...range() },
    },
    { tool: 'list_events', env, what: 'every seeded event type', args: { events: EVENT_TYPES, limit: 100 } },
    { tool: 'audit_configuration', env, what: 'the whole account', args: {} },
    {
      tool: 'list_suspicious_sign_ins',
      env,
      what: 'every sign-in risk in 30 days',
      args: { since_hours: 720 },
    },
    ...[
      { operation: 'organizations.get', params: { id: p.org('Oscorp') } },
      { operation: 'sso_connections.get', params: { id: p.connection('Oscorp ADFS') } },
      { operation: 'directory_users.list', params: { directory: tyrellDir } },
    ].map((args) => ({ tool: 'query', env, what: `catalogue ${args.operation}`, args })),
    {
      tool: 'delete_organization',
      env,
      what: 'Oscorp delete description (first call only)',
      args: { organization_id: p.org('Oscorp') },
    },
  ];
  return probes.map((x) => ({ ...x, args: { ...x.args, environment: 'production' } }));
}

/** Tools that are not about a WorkOS environment: called once, without `environment`. */
function unboundProbes(requestId: string): Probe[] {
  const env = 'sandbox' as const;
  return [
    { tool: 'whoami', env, what: 'the caller', args: {} },
    { tool: 'list_integrations', env, what: 'Pipes connections (tokens are canaries)', args: {} },
    { tool: 'check_access_request', env, what: 'the caller’s request', args: { request_id: requestId } },
  ];
}

beforeAll(async () => {
  gh = await startTestGatehouse();
  admin = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
  client = await connectV1(gh.url, admin.access_token);
  await toolNames(client);
  const req = await call(client, 'request_elevated_access', {
    kind: 'session',
    level: 'read',
    providers: ['github', 'linear', 'notion'],
    reason: 'canary sweep',
  });
  expect(req.isError).toBe(false);
  probes.push(
    ...(await sandboxProbes()),
    ...(await productionProbes()),
    ...unboundProbes(req.structured!.request_id as string),
  );
  // The session switches to production for the production probes (docs/architecture.md "Modes"), and back.
  let inProduction = false;
  for (const probe of probes) {
    const wanted = probe.args.environment === 'production';
    if (wanted !== inProduction) {
      const sw = await call(client, 'switch_environment', { environment: wanted ? 'production' : 'sandbox' });
      expect(sw.isError).toBe(false);
      inProduction = wanted;
    }
    answers.push({ probe, outcome: await call(client, probe.tool, probe.args) });
  }
  if (inProduction) await call(client, 'switch_environment', { environment: 'sandbox' });
});

afterAll(async () => {
  await client?.close().catch(() => {});
  await gh?.stop();
});

const label = (p: Probe) => `${p.env} ${p.tool} (${p.what})`;
const everything = (o: ToolOutcome) => `${o.text}\n${JSON.stringify(o.structured ?? null)}`;

describe('secret canaries', () => {
  test('the sweep calls every read tool, in both environments where it is environment-bound', () => {
    const reads = gh.ctx.tools.all().filter((d) => d.kind === 'read');
    const missing: string[] = [];
    for (const d of reads)
      for (const env of ['sandbox', 'production'] as const)
        if (!probes.some((p) => p.tool === d.name && p.env === env)) missing.push(`${env} ${d.name}`);
    expect(missing).toEqual([]);
    for (const name of ['whoami', 'list_integrations', 'check_access_request'])
      expect(probes.map((p) => p.tool)).toContain(name);
  });

  test('every probe reached its target (no probe failed, so none passes by saying nothing)', () => {
    const failed = answers
      .filter(({ outcome }) => outcome.isError || outcome.structured === undefined)
      .map(({ probe, outcome }) => `${label(probe)}: ${outcome.text.slice(0, 200)}`);
    expect(failed).toEqual([]);
  });

  test('no canary appears anywhere in any answer, text or structuredContent', () => {
    const leaks: string[] = [];
    for (const { probe, outcome } of answers) {
      const all = everything(outcome);
      for (const c of SECRET_CANARIES)
        if (all.includes(c)) leaks.push(`${label(probe)} leaks ${c.slice(0, 24)}…`);
      // Also the first PEM line in case a key's body is split differently.
      if (all.includes('CANARYsecondline')) leaks.push(`${label(probe)} leaks a PEM body`);
    }
    expect(leaks).toEqual([]);
  });

  test('the marker stands where a canary was passed through', () => {
    const wrong: string[] = [];
    for (const { probe, outcome } of answers) {
      if (!probe.marker) continue;
      const values = probe.marker(outcome.structured ?? {});
      if (values.length === 0 || values.some((v) => v !== MARKER))
        wrong.push(`${label(probe)}: ${JSON.stringify(values)}`);
      if (!outcome.text.includes(MARKER)) wrong.push(`${label(probe)}: no marker in the text`);
    }
    expect(wrong).toEqual([]);
    // The planted places that a tool passes through (metadata) are covered in both environments.
    const marked = answers.filter(({ probe }) => probe.marker).map(({ probe }) => probe.env);
    expect(marked).toContain('sandbox');
    expect(marked).toContain('production');
  });

  test('directory attributes where canaries hide are not passed through at all', () => {
    const users = answers.filter(({ probe }) => probe.tool === 'list_directory_users');
    for (const { outcome } of users) {
      for (const u of outcome.structured!.users as Row[]) {
        expect(Object.keys(u)).not.toContain('raw_attributes');
        expect(Object.keys(u)).not.toContain('custom_attributes');
      }
    }
    const carol = users
      .flatMap(({ outcome }) => outcome.structured!.users as Row[])
      .find((u) => u.email === 'carol@acme.test');
    expect(carol).toMatchObject({ job_title: 'Staff Engineer', department: 'Engineering' });
    const groups = answers.filter(({ probe }) => probe.tool === 'list_directory_groups');
    const itAdmins = groups
      .flatMap(({ outcome }) => outcome.structured!.groups as Row[])
      .find((g) => g.name === 'IT Admins');
    expect(itAdmins).toBeDefined();
    expect(Object.keys(itAdmins!)).not.toContain('raw_attributes');
  });

  test('the server log holds no canary and no access or refresh token', () => {
    expect(gh.logLines.length).toBeGreaterThan(0);
    const log = gh.logLines.join('\n');
    for (const c of SECRET_CANARIES) expect(log).not.toContain(c);
    expect(log).not.toContain(admin.access_token);
    expect(log).not.toContain(admin.refresh_token);
  });

  test('the audit trail holds no canary either', () => {
    const rows = gh.ctx.db.select().from(schema.auditEntries).all();
    expect(rows.length).toBeGreaterThan(probes.length);
    const dump = JSON.stringify(rows);
    for (const c of SECRET_CANARIES) expect(dump).not.toContain(c);
    expect(dump).not.toContain(admin.access_token);
  });
});

/**
 * Secrets recognisable by their field's name alone: plain values with no known shape, planted in
 * an organization's metadata the way a customer would store them. Every one must be masked in
 * every answer that shows the organization; the harmless fields beside them must not be.
 */
const NAMED_SECRETS: Record<string, string> = {
  secret_key: 'plainNamedCanary01',
  api_keys: 'plainNamedCanary02',
  private_key_pem: 'plainNamedCanary03',
  aws_secret_access_key: 'plainNamedCanary04',
  password_hash: 'plainNamedCanary05',
  secretKey: 'plainNamedCanary06',
  deploy_key: 'plainNamedCanary07',
  service_account_key: 'plainNamedCanary08',
  x509Cert: 'plainNamedCanary09',
  saml_x509_certs: 'plainNamedCanary10',
};
const HARMLESS_METADATA = { idp_id: 'idp_visible_01', key: 'visible-region-key', region: 'eu-west-1' };

/** WorkOS holds at most 10 metadata pairs per organization: the named secrets take two. */
const NAMED_FIRST = Object.fromEntries(Object.entries(NAMED_SECRETS).slice(0, 7));
const NAMED_SECOND = Object.fromEntries(Object.entries(NAMED_SECRETS).slice(7));

describe('named secret canaries', () => {
  let orgId: string;
  let secondId: string;
  const named: { tool: string; outcome: ToolOutcome }[] = [];

  beforeAll(async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({
      name: 'Named Canary Org',
      metadata: { ...NAMED_FIRST, ...HARMLESS_METADATA },
    });
    orgId = org.id;
    secondId = (
      await teamWorkOS(gh).organizations.createOrganization({
        name: 'Named Canary Org 2',
        metadata: NAMED_SECOND,
      })
    ).id;
    for (const [tool, args] of [
      ['get_organization_details', { organization_id: orgId }],
      ['get_organization_details', { organization_id: secondId }],
      ['list_workos_organizations', { limit: 100 }],
      // On the second: the first holds the 10 pairs WorkOS allows.
      ['update_organization', { organization_id: secondId, metadata: { canary_sweep: 'yes' } }],
      ['delete_organization', { organization_id: orgId }],
    ] as const)
      named.push({ tool, outcome: await call(client, tool, args) });
  });

  test('every probe answered', () => {
    expect(named.filter(({ outcome }) => outcome.isError).map(({ tool }) => tool)).toEqual([]);
  });

  test('no named secret appears in any answer, text or structuredContent', () => {
    const leaks = named.flatMap(({ tool, outcome }) =>
      Object.entries(NAMED_SECRETS)
        .filter(([, v]) => everything(outcome).includes(v))
        .map(([k]) => `${tool} leaks ${k}`),
    );
    expect(leaks).toEqual([]);
  });

  test('the marker stands at each named field; harmless fields pass through unchanged', () => {
    const [first, second] = named
      .filter(({ tool }) => tool === 'get_organization_details')
      .map(({ outcome }) => (outcome.structured!.organization as Row).metadata as Row);
    for (const k of Object.keys(NAMED_FIRST)) expect(first![k]).toBe(MARKER);
    for (const k of Object.keys(NAMED_SECOND)) expect(second![k]).toBe(MARKER);
    expect(Object.keys({ ...first, ...second }).filter((k) => k in NAMED_SECRETS)).toHaveLength(10);
    expect(first).toMatchObject(HARMLESS_METADATA);
  });

  test('the audit trail holds none of them either', () => {
    const dump = JSON.stringify(gh.ctx.db.select().from(schema.auditEntries).all());
    for (const v of Object.values(NAMED_SECRETS)) expect(dump).not.toContain(v);
  });
});
