/**
 * The probes of the secret canary sweep (canaries.test.ts): for every read tool, arguments that
 * reach where the seed planted canaries (src/emulator/seed/canaries.ts), in sandbox and in
 * production, and where the redaction marker must stand instead.
 */
import type { WorkOS } from '@workos-inc/node';
import { type TestGatehouse, teamWorkOS } from '../support/server.ts';

export const MARKER = '[redacted: secret]';
const DAY_MS = 24 * 60 * 60 * 1000;

export type Env = 'sandbox' | 'production';
export type Row = Record<string, unknown>;

export interface Probe {
  tool: string;
  env: Env;
  /** What the probe is aimed at, for failure messages. */
  what: string;
  args: Record<string, unknown>;
  /** Where the marker must stand instead of a canary (a value from the structured result). */
  marker?: (s: Row) => unknown[];
}

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

export async function sandboxProbes(gh: TestGatehouse): Promise<Probe[]> {
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

export async function productionProbes(gh: TestGatehouse): Promise<Probe[]> {
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
export function unboundProbes(requestId: string): Probe[] {
  const env = 'sandbox' as const;
  return [
    { tool: 'whoami', env, what: 'the caller', args: {} },
    { tool: 'list_integrations', env, what: 'Pipes connections (tokens are canaries)', args: {} },
    { tool: 'check_access_request', env, what: 'the caller’s request', args: { request_id: requestId } },
  ];
}
