/**
 * The authorization matrix: role × team toggles × environment × every tool, against a small
 * explicit oracle written here (docs/architecture.md "Trust model" permission table, §3 pipeline order). Each cell checks
 * the tools/list visibility and the tools/call outcome: allowed (the gates passed; the tool ran) or
 * the exact denial. One Gatehouse, one MCP client per role; toggles change between blocks and must
 * take effect on the very next request.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import { eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import type { Actor } from '../../src/teams/settings.ts';
import { type AnyClient, call, connectV1, connectV2, type ToolOutcome, tokensFor } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(30_000);

// ---------------------------------------------------------------------------------------------
// The oracle: what DESIGN says, written out independently of src/policy and src/tools.

type Role = 'admin' | 'member' | 'viewer';
type Env = 'sandbox' | 'production';
type Kind = 'session' | 'read' | 'write' | 'destructive' | 'integration';
type Era = 'v1' | 'v2-stateless';

const ROLES: Role[] = ['admin', 'member', 'viewer'];
const ENVS: Env[] = ['sandbox', 'production'];

/** docs/architecture.md "Trust model": the permission table (admin/member/viewer fallback sets). */
const PERMISSIONS: Record<Role, string[]> = {
  admin: [
    'workos:read',
    'workos:write',
    'workos:production',
    'integrations:read',
    'integrations:write',
    'approvals:approve',
    'gatehouse:admin',
  ],
  member: ['workos:read', 'workos:write', 'integrations:read', 'integrations:write'],
  viewer: ['workos:read', 'integrations:read'],
};

interface Toggles {
  enabled: boolean;
  allowProduction: boolean;
  allowWrite: boolean;
}

/** The toggle states a team can be in (turning "enabled" off turns the other two off with it). */
const TOGGLES: { label: string; t: Toggles }[] = [
  { label: 'production on, write on', t: { enabled: true, allowProduction: true, allowWrite: true } },
  { label: 'production off, write on', t: { enabled: true, allowProduction: false, allowWrite: true } },
  { label: 'production on, write off', t: { enabled: true, allowProduction: true, allowWrite: false } },
  { label: 'production off, write off', t: { enabled: true, allowProduction: false, allowWrite: false } },
  { label: 'MCP disabled', t: { enabled: false, allowProduction: false, allowWrite: false } },
];

const DISABLED = 'MCP access is disabled for your team by a Gatehouse admin.';
const PRODUCTION_OFF = 'Production access is turned off for your team.';
const WRITE_OFF = 'Write access is turned off for your team: Gatehouse is read-only right now.';
const noPermission = (tool: string, permission: string, role: Role) =>
  `${tool} needs the ${permission} permission, which your role (${role}) does not include.`;
const noProductionRole = (role: Role) => `Your role (${role}) has no production access.`;

const ALLOWED = 'allowed';
const denied = (message: string) => `denied (forbidden): ${message}`;

/**
 * Whether a tool is bound to a WorkOS environment. Integrations go through Pipes and whoami
 * only describes; switch_environment asks for the environment it switches to.
 */
const envBound = (s: ToolSpec) =>
  s.kind === 'read' || s.kind === 'write' || s.kind === 'destructive' || s.name === 'switch_environment';
const writes = (s: ToolSpec) => s.kind === 'write' || s.kind === 'destructive';

/** The expected outcome of one cell, in pipeline order. */
function expected(role: Role, t: Toggles, env: Env, s: ToolSpec): string {
  if (!t.enabled) return denied(DISABLED);
  if (!PERMISSIONS[role].includes(s.permission)) return denied(noPermission(s.name, s.permission, role));
  if (env === 'production' && envBound(s)) {
    if (!t.allowProduction) return denied(PRODUCTION_OFF);
    if (!PERMISSIONS[role].includes('workos:production')) return denied(noProductionRole(role));
  }
  if (writes(s) && !t.allowWrite) return denied(WRITE_OFF);
  return ALLOWED;
}

/**
 * tools/list: nothing when disabled; only permitted tools; no writes while read-only; no
 * switch_environment without a session to switch.
 */
function expectedVisible(role: Role, t: Toggles, era: Era = 'v1'): string[] {
  if (!t.enabled) return [];
  return SPECS.filter((s) => PERMISSIONS[role].includes(s.permission))
    .filter((s) => !writes(s) || t.allowWrite)
    .filter((s) => era === 'v1' || s.name !== 'switch_environment')
    .map((s) => s.name)
    .sort();
}

// ---------------------------------------------------------------------------------------------
// Every tool: its contract (kind, permission), minimal valid arguments, and what "it ran" means.

/** Seeded objects of one environment, looked up once through the WorkOS SDK. */
interface Fixture {
  org: string;
  deleteOrg: string;
  connection: string;
  deleteConnection: string;
  directory: string;
  deleteDirectory: string;
  user: string;
  membership: string;
  domain: string;
}

interface CellContext {
  role: Role;
  toggles: Toggles;
  env: Env;
  era: Era;
  cell: string;
  fx: Fixture;
  /** A request_id of this role's own connection (for check_access_request). */
  requestId: string;
}

interface ToolSpec {
  name: string;
  kind: Kind;
  permission: string;
  /** Arguments for the cell; WorkOS tools name the environment only when it is production. */
  args(c: CellContext): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** When the gates passed: what a successful run looks like (default: no error, structured). */
  ran?(o: ToolOutcome, c: CellContext): boolean;
}

const inEnv = (c: CellContext, args: Record<string, unknown> = {}) =>
  c.env === 'production' ? { ...args, environment: 'production' } : args;
const succeeded = (o: ToolOutcome) => !o.isError && o.structured !== undefined;
const confirmationRequired = (o: ToolOutcome) =>
  !o.isError &&
  o.structured?.status === 'confirmation_required' &&
  String(o.structured?.confirmation_token).startsWith('confirm_');

const DAY_MS = 24 * 60 * 60 * 1000;
/** Whether the oracle lets this cell's call of `tool` through. */
const expectedIn = (c: CellContext, tool: string) =>
  expected(c.role, c.toggles, c.env, SPECS.find((s) => s.name === tool)!) === ALLOWED;
let seq = 0;

/** Side effects to check afterwards: an allowed write happened, a denied one did not. */
const createdOrgs: { env: Env; name: string; allowed: boolean }[] = [];
const revokeTargets: { env: Env; id: string; cell: string; allowed: boolean }[] = [];

const SPECS: ToolSpec[] = [
  { name: 'whoami', kind: 'session', permission: 'workos:read', args: () => ({}) },
  {
    name: 'switch_environment',
    kind: 'session',
    permission: 'workos:read',
    args: (c) => ({ environment: c.env }),
    ran: (o, c) =>
      c.era === 'v1'
        ? succeeded(o) && o.structured?.environment === c.env
        : o.isError && o.text.includes('no MCP session to remember an environment in'),
  },
  { name: 'list_workos_organizations', kind: 'read', permission: 'workos:read', args: (c) => inEnv(c) },
  {
    name: 'get_organization_details',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { organization_id: c.fx.org }),
  },
  {
    name: 'create_workos_organization',
    kind: 'write',
    permission: 'workos:write',
    args(c) {
      createdOrgs.push({
        env: c.env,
        name: `Matrix ${c.cell}`,
        allowed: expectedIn(c, 'create_workos_organization'),
      });
      return inEnv(c, { name: `Matrix ${c.cell}` });
    },
  },
  {
    name: 'update_organization',
    kind: 'write',
    permission: 'workos:write',
    args: (c) => inEnv(c, { organization_id: c.fx.org, metadata: { matrix_probe: 'yes' } }),
  },
  {
    name: 'delete_organization',
    kind: 'destructive',
    permission: 'workos:write',
    args: (c) => inEnv(c, { organization_id: c.fx.deleteOrg }),
    ran: confirmationRequired,
  },
  { name: 'list_sso_connections', kind: 'read', permission: 'workos:read', args: (c) => inEnv(c) },
  {
    name: 'get_sso_connection_details',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { connection_id: c.fx.connection }),
  },
  {
    name: 'delete_sso_connection',
    kind: 'destructive',
    permission: 'workos:write',
    args: (c) => inEnv(c, { connection_id: c.fx.deleteConnection }),
    ran: confirmationRequired,
  },
  {
    name: 'diagnose_sso_sign_in',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { organization_id: c.fx.org }),
  },
  { name: 'list_directories', kind: 'read', permission: 'workos:read', args: (c) => inEnv(c) },
  {
    name: 'get_directory_details',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { directory_id: c.fx.directory }),
  },
  {
    name: 'list_directory_users',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { directory_id: c.fx.directory }),
  },
  {
    name: 'list_directory_groups',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { directory_id: c.fx.directory }),
  },
  {
    name: 'delete_directory',
    kind: 'destructive',
    permission: 'workos:write',
    args: (c) => inEnv(c, { directory_id: c.fx.deleteDirectory }),
    ran: confirmationRequired,
  },
  { name: 'list_users', kind: 'read', permission: 'workos:read', args: (c) => inEnv(c) },
  {
    name: 'get_user',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { user_id: c.fx.user }),
  },
  {
    name: 'invite_user',
    kind: 'write',
    permission: 'workos:write',
    args: (c) => inEnv(c, { email: `matrix-${++seq}@${c.fx.domain}`, organization_id: c.fx.org }),
  },
  {
    name: 'bulk_invite_users',
    kind: 'write',
    permission: 'workos:write',
    args: (c) =>
      inEnv(c, { csv: `email\nbulk-${++seq}@${c.fx.domain}\n`, organization_id: c.fx.org, dry_run: true }),
  },
  {
    name: 'verify_organization_domain',
    kind: 'write',
    permission: 'workos:write',
    args: (c) => inEnv(c, { organization_id: c.fx.org, domain: `matrix-${++seq}.${c.fx.domain}` }),
  },
  {
    name: 'list_invitations',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { organization_id: c.fx.org }),
  },
  {
    name: 'revoke_invitation',
    kind: 'write',
    permission: 'workos:write',
    // A fresh pending invitation per cell, made behind Gatehouse's back.
    async args(c) {
      const inv = await workosOf(c.env).userManagement.sendInvitation({
        email: `revoke-${++seq}@${c.fx.domain}`,
        organizationId: c.fx.org,
      });
      revokeTargets.push({
        env: c.env,
        id: inv.id,
        cell: c.cell,
        allowed: expectedIn(c, 'revoke_invitation'),
      });
      return inEnv(c, { invitation_id: inv.id });
    },
    ran: (o) =>
      succeeded(o) && (o.structured?.invitation as { state?: string } | undefined)?.state === 'revoked',
  },
  {
    name: 'list_organization_memberships',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { organization_id: c.fx.org }),
  },
  {
    name: 'update_membership_role',
    kind: 'write',
    permission: 'workos:write',
    // The role it already has: the write path runs, nothing changes.
    args: (c) => inEnv(c, { organization_membership_id: c.fx.membership, role_slug: 'member' }),
  },
  {
    name: 'get_audit_log_events',
    kind: 'read',
    permission: 'workos:read',
    args: (c) =>
      inEnv(c, {
        organization_id: c.fx.org,
        range_start: new Date(Date.now() - 30 * DAY_MS).toISOString(),
        range_end: new Date(Date.now() + 60_000).toISOString(),
      }),
  },
  {
    name: 'list_events',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { events: ['authentication.sso_failed', 'authentication.sso_succeeded'] }),
  },
  { name: 'audit_configuration', kind: 'read', permission: 'workos:read', args: (c) => inEnv(c) },
  { name: 'list_suspicious_sign_ins', kind: 'read', permission: 'workos:read', args: (c) => inEnv(c) },
  {
    name: 'generate_admin_portal_link',
    kind: 'write',
    permission: 'workos:write',
    args: (c) =>
      inEnv(c, {
        organization_id: c.fx.org,
        // A Directory Sync link: intents that change sign-in (sso…) need an admin and a human
        // (test/tools/sign-in-changes.test.ts).
        intent: 'dsync',
        return_url: 'https://example.com/back',
        success_url: 'https://example.com/done',
      }),
  },
  { name: 'list_integrations', kind: 'integration', permission: 'integrations:read', args: () => ({}) },
  {
    name: 'request_elevated_access',
    kind: 'integration',
    permission: 'integrations:read',
    args: () => ({
      kind: 'session',
      level: 'read',
      providers: ['linear'],
      reason: 'authorization matrix probe',
    }),
    ran: (o) => succeeded(o) && o.structured?.status === 'pending',
  },
  {
    name: 'check_access_request',
    kind: 'integration',
    permission: 'integrations:read',
    args: (c) => ({ request_id: c.requestId }),
  },
  {
    name: 'call_integration_api',
    kind: 'integration',
    permission: 'integrations:read',
    args: () => ({ method: 'GET', url: 'https://api.github.com/user' }),
    // Past the pipeline, the tool itself wants a human's approval first.
    ran: (o) => o.isError && o.text.includes('No active approval covers GitHub'),
  },
  // The operations catalogue (issue 19 §2): query is a read, mutate a write, list_operations
  // reads only the catalogue.
  { name: 'list_operations', kind: 'session', permission: 'workos:read', args: () => ({}) },
  {
    name: 'query',
    kind: 'read',
    permission: 'workos:read',
    args: (c) => inEnv(c, { operation: 'organizations.get', params: { id: c.fx.org } }),
  },
  {
    name: 'mutate',
    kind: 'write',
    permission: 'workos:write',
    args: (c) =>
      inEnv(c, {
        operation: 'organizations.update',
        params: { id: c.fx.org, metadata: { matrix_probe: 'yes' } },
      }),
  },
];

// ---------------------------------------------------------------------------------------------

let gh: TestGatehouse;
let teamId: string;
let actor: Actor;
const tokens = new Map<Role, string>();
const clients = new Map<Role, AnyClient>();
const requestIds = new Map<Role, string>();
const fixtures = {} as Record<Env, Fixture>;

const workosOf = (env: Env): WorkOS => teamWorkOS(gh, env);

async function fixtureOf(env: Env, names: Record<keyof Omit<Fixture, 'domain'>, string>, domain: string) {
  const w = workosOf(env);
  const [orgs, connections, directories] = await Promise.all([
    w.organizations.listOrganizations({ limit: 100 }),
    w.sso.listConnections({ limit: 100 }),
    w.directorySync.listDirectories({ limit: 100 }),
  ]);
  const orgId = (n: string) => orgs.data.find((o) => o.name === n)?.id ?? `missing ${n}`;
  const connId = (n: string) => connections.data.find((o) => o.name === n)?.id ?? `missing ${n}`;
  const dirId = (n: string) => directories.data.find((o) => o.name === n)?.id ?? `missing ${n}`;
  const [user] = (await w.userManagement.listUsers({ email: names.user })).data;
  const [memberEmail, memberOrg] = names.membership.split(' in ') as [string, string];
  const [memberUser] = (await w.userManagement.listUsers({ email: memberEmail })).data;
  const [membership] = (
    await w.userManagement.listOrganizationMemberships({
      userId: memberUser!.id,
      organizationId: orgId(memberOrg),
    })
  ).data;
  return {
    org: orgId(names.org),
    deleteOrg: orgId(names.deleteOrg),
    connection: connId(names.connection),
    deleteConnection: connId(names.deleteConnection),
    directory: dirId(names.directory),
    deleteDirectory: dirId(names.deleteDirectory),
    user: user!.id,
    membership: membership!.id,
    domain,
  };
}

beforeAll(async () => {
  gh = await startTestGatehouse();
  const [admin, member, viewer] = await Promise.all([
    tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' }),
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
  tokens
    .set('admin', admin.access_token)
    .set('member', member.access_token)
    .set('viewer', viewer.access_token);
  for (const role of ROLES) clients.set(role, await connectV1(gh.url, tokens.get(role)!));

  fixtures.sandbox = await fixtureOf(
    'sandbox',
    {
      org: 'Acme Corp',
      deleteOrg: 'Initech',
      connection: 'Acme Okta SAML',
      deleteConnection: 'Wayne ADFS',
      directory: 'Acme Okta SCIM',
      deleteDirectory: 'Wayne Workday',
      user: 'bob@acme.test',
      membership: 'bob@acme.test in Acme Corp',
    },
    'acme.test',
  );
  fixtures.production = await fixtureOf(
    'production',
    {
      org: 'Cyberdyne Systems',
      deleteOrg: 'Soylent Foods',
      connection: 'Cyberdyne Okta SAML',
      deleteConnection: 'Soylent Google OAuth',
      directory: 'Cyberdyne Okta SCIM',
      deleteDirectory: 'Oscorp Workday',
      user: 'miles@cyberdyne.test',
      membership: 'rachael@tyrell.test in Tyrell Corporation',
    },
    'cyberdyne.test',
  );

  teamId = seededTeamId(gh);
  const adminUser = gh.ctx.db
    .select()
    .from(schema.users)
    .where(eq(schema.users.email, 'admin@demo.test'))
    .get()!;
  actor = { userId: adminUser.id, email: adminUser.email };

  // Each role's own access request, for check_access_request (a read-only exact call).
  for (const role of ROLES) {
    const r = await call(clients.get(role)!, 'request_elevated_access', {
      kind: 'call',
      method: 'GET',
      url: 'https://api.github.com/user',
      reason: 'matrix fixture',
    });
    expect(r.isError).toBe(false);
    requestIds.set(role, r.structured!.request_id as string);
  }
});

afterAll(async () => {
  for (const c of clients.values()) await c.close().catch(() => {});
  await gh?.stop();
});

function setToggles(t: Toggles) {
  gh.ctx.settings.update(
    teamId,
    t.enabled
      ? { enabled: true, allowProduction: t.allowProduction, allowWrite: t.allowWrite }
      : { enabled: false },
    actor,
  );
  const now = gh.ctx.teams.settings(teamId);
  expect({ enabled: now.enabled, allowProduction: now.allowProduction, allowWrite: now.allowWrite }).toEqual(
    t,
  );
}

/** What a call did: "allowed" when the tool ran as it should, else the denial (or the surprise). */
function observed(s: ToolSpec, o: ToolOutcome, c: CellContext): string {
  if ((s.ran ?? succeeded)(o, c)) return ALLOWED;
  const first = o.text.split('\n')[0] ?? '';
  const m = /^Error \((\w+)\): (.*)$/.exec(first);
  if (o.isError && m) return `denied (${m[1]}): ${m[2]}`;
  return `unexpected: ${o.text.slice(0, 400)}`;
}

async function runCell(client: AnyClient, s: ToolSpec, c: CellContext): Promise<string> {
  try {
    return observed(s, await call(client, s.name, await s.args(c)), c);
  } catch (e) {
    return `threw: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** One block: every tool in both environments for one role, on one client, under the current toggles. */
async function sweep(role: Role, era: Era, client: AnyClient, toggles: { label: string; t: Toggles }) {
  const actual: Record<string, string> = {};
  const want: Record<string, string> = {};
  for (const env of ENVS) {
    const c: CellContext = {
      role,
      toggles: toggles.t,
      env,
      era,
      cell: `${era} ${toggles.label} ${role} ${env}`.replace(/[^A-Za-z0-9 -]/g, ''),
      fx: fixtures[env],
      requestId: requestIds.get(role)!,
    };
    // A session reaches production only by switching first (docs/architecture.md "Modes"): in production the v1
    // session switches before the other cells run (and back after); elsewhere the switch goes last.
    const others = SPECS.filter((s) => s.name !== 'switch_environment');
    const sw = SPECS.find((s) => s.name === 'switch_environment')!;
    const switchFirst = era === 'v1' && env === 'production';
    if (switchFirst) actual[`${env} switch_environment`] = await runCell(client, sw, c);
    const results = await Promise.all(others.map((s) => runCell(client, s, c)));
    others.forEach((s, i) => {
      actual[`${env} ${s.name}`] = results[i]!;
    });
    if (!switchFirst) actual[`${env} switch_environment`] = await runCell(client, sw, c);
    if (switchFirst && actual[`${env} switch_environment`] === ALLOWED) {
      const back = await call(client, 'switch_environment', { environment: 'sandbox' });
      expect(back.structured).toEqual({ environment: 'sandbox', previous: 'production' });
    }
    for (const s of SPECS) want[`${env} ${s.name}`] = expected(role, toggles.t, env, s);
  }
  expect(actual).toEqual(want);
}

async function visibleNames(client: AnyClient): Promise<string[]> {
  const r = await (client as { listTools(): Promise<{ tools: { name: string }[] }> }).listTools();
  return r.tools.map((t) => t.name).sort();
}

describe('matrix — contract', () => {
  test('the oracle covers exactly the registered tools, with their kind and permission', () => {
    const registered = gh.ctx.tools
      .all()
      .map((d) => ({ name: d.name, kind: d.kind, permission: d.permission }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const ours = SPECS.map(({ name, kind, permission }) => ({ name, kind, permission })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    expect(ours).toEqual(registered);
    expect(SPECS).toHaveLength(37);
  });

  test('the fixtures were found in both environments', () => {
    for (const env of ENVS)
      for (const v of Object.values(fixtures[env])) expect(v).not.toStartWith('missing');
  });
});

describe('matrix — v1 clients (2025 era, one session per role)', () => {
  for (const toggles of TOGGLES) {
    for (const role of ROLES) {
      test(`${toggles.label} — ${role}: tools/list and every tool in sandbox and production`, async () => {
        setToggles(toggles.t);
        const client = clients.get(role)!;
        // The very next request sees the new toggles.
        expect(await visibleNames(client)).toEqual(expectedVisible(role, toggles.t));
        await sweep(role, 'v1', client, toggles);
        if (toggles.t.enabled) expect((await call(client, 'whoami')).structured?.session).toBe('mcp_session');
      });
    }
  }
});

describe('matrix — v2 client negotiating 2026-07-28 (stateless)', () => {
  const blocks = [TOGGLES[0]!, TOGGLES[3]!, TOGGLES[4]!];
  for (const toggles of blocks) {
    for (const role of ROLES) {
      test(`${toggles.label} — ${role}: the same answers without a session`, async () => {
        setToggles(toggles.t);
        const client = await connectV2(gh.url, tokens.get(role)!, 'auto');
        try {
          expect(await visibleNames(client)).toEqual(expectedVisible(role, toggles.t, 'v2-stateless'));
          await sweep(role, 'v2-stateless', client, toggles);
          // It really negotiated the sessionless revision.
          if (toggles.t.enabled) expect((await call(client, 'whoami')).structured?.session).toBe('stateless');
        } finally {
          await client.close();
        }
      });
    }
  }
});

describe('matrix — follow-ups', () => {
  test('denied writes left nothing behind; allowed ones happened', async () => {
    setToggles(TOGGLES[0]!.t);
    for (const env of ENVS) {
      const names = new Set(
        (await workosOf(env).organizations.listOrganizations({ limit: 100 })).data.map((o) => o.name),
      );
      const mismatches = createdOrgs
        .filter((o) => o.env === env)
        .filter((o) => names.has(o.name) !== o.allowed)
        .map((o) => `${o.name}: expected ${o.allowed ? 'created' : 'absent'}`);
      expect(mismatches).toEqual([]);
    }
    const states = await Promise.all(
      revokeTargets.map(async (r) => ({
        ...r,
        state: (await workosOf(r.env).userManagement.getInvitation(r.id)).state,
      })),
    );
    // Each cell where revoke_invitation was expected to run revoked its own invitation, and only those.
    const mismatches = states
      .filter((r) => (r.state === 'revoked') !== r.allowed)
      .map((r) => `${r.cell}: ${r.state}`);
    expect(mismatches).toEqual([]);
  });

  test('a session naming production without switching is refused; after switch_environment it works', async () => {
    setToggles(TOGGLES[0]!.t);
    const admin = clients.get('admin')!;
    const named = await call(admin, 'list_workos_organizations', { environment: 'production', limit: 1 });
    expect(named.isError).toBe(true);
    expect(named.text.split('\n')[0]).toBe(
      'Error (forbidden): This session is in sandbox: production is used only after switch_environment.',
    );
    const row = gh.ctx.db.$client
      .query<{ outcome: string; reason: string }, []>(
        "SELECT outcome, reason FROM audit_entries WHERE tool = 'list_workos_organizations' ORDER BY seq DESC LIMIT 1",
      )
      .get()!;
    expect(row).toEqual({ outcome: 'denied', reason: 'environment_not_switched' });
    expect((await call(admin, 'switch_environment', { environment: 'production' })).isError).toBe(false);
    try {
      const after = await call(admin, 'list_workos_organizations', { environment: 'production', limit: 1 });
      expect(after.text).toContain('In production:');
      // Naming sandbox is always allowed: it is the safe side.
      const sandbox = await call(admin, 'list_workos_organizations', { environment: 'sandbox', limit: 1 });
      expect(sandbox.text).toContain('In sandbox:');
    } finally {
      await call(admin, 'switch_environment', { environment: 'sandbox' });
    }
  });

  test('a session switched to production loses it on its very next call when the toggle goes off', async () => {
    setToggles(TOGGLES[0]!.t);
    const admin = clients.get('admin')!;
    const sw = await call(admin, 'switch_environment', { environment: 'production' });
    expect(sw.isError).toBe(false);
    try {
      const before = await call(admin, 'list_workos_organizations', {});
      expect(before.text).toContain('In production:');
      setToggles(TOGGLES[1]!.t);
      const after = await call(admin, 'list_workos_organizations', {});
      expect(after.isError).toBe(true);
      expect(after.text.split('\n')[0]).toBe(`Error (forbidden): ${PRODUCTION_OFF}`);
      // Sandbox is still reachable by naming it.
      const sandbox = await call(admin, 'list_workos_organizations', { environment: 'sandbox' });
      expect(sandbox.text).toContain('In sandbox:');
    } finally {
      setToggles(TOGGLES[0]!.t);
      await call(admin, 'switch_environment', { environment: 'sandbox' });
    }
  });

  test('switch_environment — audited in the environment the call ran in, with the target in its arguments', async () => {
    setToggles(TOGGLES[0]!.t);
    const admin = clients.get('admin')!;
    const before = gh.ctx.db.select().from(schema.auditEntries).all().length;
    expect((await call(admin, 'switch_environment', { environment: 'production' })).isError).toBe(false);
    expect((await call(admin, 'switch_environment', { environment: 'sandbox' })).isError).toBe(false);
    const rows = gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .all()
      .slice(before)
      .filter((r) => r.tool === 'switch_environment');
    expect(rows.map((r) => [r.outcome, r.environment, JSON.parse(r.args!)])).toEqual([
      ['allowed', 'sandbox', { environment: 'production' }],
      ['allowed', 'production', { environment: 'sandbox' }],
    ]);
  });

  test('a connection granted only the mcp:read scope is a viewer of its human’s rights, and is told the scope is why', async () => {
    setToggles(TOGGLES[0]!.t);
    const { access_token } = await tokensFor(gh.url, 'member@demo.test', {
      scope: 'mcp:read offline_access',
    });
    const narrowed = await connectV1(gh.url, access_token);
    try {
      const reads = SPECS.filter((s) => !writes(s))
        .map((s) => s.name)
        .sort();
      expect(await visibleNames(narrowed)).toEqual(reads);
      const r = await call(narrowed, 'create_workos_organization', { name: 'Narrowed' });
      expect(r.text.split('\n')[0]).toBe(
        'Error (forbidden): create_workos_organization needs workos:write, but this connection was authorized read-only (scope "mcp:read").',
      );
      expect(r.text).toContain('your role is not the problem');
      expect((await call(narrowed, 'list_workos_organizations', { limit: 1 })).isError).toBe(false);
    } finally {
      await narrowed.close();
    }
  });

  test('every denial of the matrix is in the audit trail with its reason', () => {
    const rows = gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .where(eq(schema.auditEntries.event, 'tool.call'))
      .all()
      .filter((r) => r.outcome === 'denied');
    const reasons = new Set(rows.map((r) => r.reason));
    for (const reason of [
      'mcp_disabled',
      'missing_permission',
      'insufficient_scope',
      'production_not_allowed',
      'write_disabled',
      'confirmation_required',
    ])
      expect(reasons).toContain(reason);
  });
});
