/**
 * Tenancy: two admitted teams, each with its own managed WorkOS environments. Whatever ids an
 * agent of one team names, its tools act only on its own team's environments, and the staff
 * organizations (the teams themselves) never appear among the customers.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(60_000);

const LABS_SEED_KEY = 'gatehouse-labs';
const STAFF = ['Gatehouse Demo Team', 'Gatehouse Labs'];

let gh: TestGatehouse;
let demo: AnyClient;
let labs: AnyClient;

/** Ids of one environment's objects, to name them from the other team. */
interface Ids {
  org: string;
  orgNames: string[];
  connection: string;
  directory: string;
  user: string;
  invitation: string;
  membership: string;
}

async function idsOf(workos: WorkOS): Promise<Ids> {
  const orgs = (await workos.organizations.listOrganizations({ limit: 100 })).data;
  const connections = (await workos.sso.listConnections({ limit: 100 })).data;
  const directories = (await workos.directorySync.listDirectories({ limit: 100 })).data;
  const users = (await workos.userManagement.listUsers({ limit: 100 })).data;
  const invitations = (await workos.userManagement.listInvitations({ limit: 100 })).data;
  const org = connections[0]?.organizationId ?? orgs[0]!.id;
  const memberships = (
    await workos.userManagement.listOrganizationMemberships({ organizationId: org, limit: 100 })
  ).data;
  const membership =
    memberships[0] ??
    (await workos.userManagement.listOrganizationMemberships({ userId: users[0]!.id, limit: 1 })).data[0];
  return {
    org,
    orgNames: orgs.map((o) => o.name),
    connection: connections[0]!.id,
    directory: directories[0]!.id,
    user: users[0]!.id,
    invitation: invitations[0]!.id,
    membership: membership!.id,
  };
}

let demoIds: Ids;
let labsIds: Ids;

beforeAll(async () => {
  gh = await startTestGatehouse();
  demoIds = await idsOf(teamWorkOS(gh));
  labsIds = await idsOf(teamWorkOS(gh, 'sandbox', LABS_SEED_KEY));
  // member@demo.test is a member of the Demo team; admin@demo.test is a member of Labs.
  demo = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
  labs = await connectV1(
    gh.url,
    (await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Labs' })).access_token,
  );
});
afterAll(async () => {
  await demo?.close();
  await labs?.close();
  await gh?.stop();
});

/** Every tool that names a WorkOS object, with the other environment's ids. */
function crossCalls(other: Ids): [string, Record<string, unknown>][] {
  const day = 24 * 3600 * 1000;
  return [
    ['get_organization_details', { organization_id: other.org }],
    ['update_organization', { organization_id: other.org, name: 'Taken over' }],
    ['delete_organization', { organization_id: other.org }],
    ['list_sso_connections', { organization_id: other.org }],
    ['get_sso_connection_details', { connection_id: other.connection }],
    ['delete_sso_connection', { connection_id: other.connection }],
    ['diagnose_sso_sign_in', { organization_id: other.org }],
    ['list_directories', { organization_id: other.org }],
    ['get_directory_details', { directory_id: other.directory }],
    ['list_directory_users', { directory_id: other.directory }],
    ['list_directory_groups', { directory_id: other.directory }],
    ['delete_directory', { directory_id: other.directory }],
    ['list_users', { organization_id: other.org }],
    ['get_user', { user_id: other.user }],
    ['invite_user', { email: 'intruder@example.test', organization_id: other.org }],
    ['bulk_invite_users', { organization_id: other.org, csv: 'email\nintruder2@example.test' }],
    ['list_invitations', { organization_id: other.org }],
    ['revoke_invitation', { invitation_id: other.invitation }],
    ['list_organization_memberships', { organization_id: other.org }],
    ['update_membership_role', { organization_membership_id: other.membership, role_slug: 'admin' }],
    [
      'get_audit_log_events',
      {
        organization_id: other.org,
        range_start: new Date(Date.now() - 30 * day).toISOString(),
        range_end: new Date().toISOString(),
      },
    ],
    ['list_events', { events: ['authentication.sso_failed'], organization_id: other.org }],
    ['generate_admin_portal_link', { organization_id: other.org, intent: 'sso' }],
  ];
}

/** Whether a tool's answer shows anything of the other environment beyond the ids it was given. */
function leaks(
  outcome: { isError: boolean; text: string },
  other: Ids,
  args: Record<string, unknown>,
): boolean {
  if (outcome.isError) return false;
  const given = new Set(Object.values(args));
  return [other.org, other.connection, other.directory, other.user, other.invitation, other.membership]
    .filter((id) => !given.has(id))
    .some((id) => outcome.text.includes(id));
}

describe('tenancy — one team can never reach another team’s environments', () => {
  for (const [side, other] of [
    ['Demo → Labs', () => labsIds],
    ['Labs → Demo', () => demoIds],
  ] as const) {
    test(`${side} — every tool naming the other team’s objects finds nothing and changes nothing`, async () => {
      const client = side.startsWith('Demo') ? demo : labs;
      const target = other();
      const before = side.startsWith('Demo') ? await idsOf(teamWorkOS(gh, 'sandbox', LABS_SEED_KEY)) : null;
      const results: string[] = [];
      for (const [tool, args] of crossCalls(target)) {
        const outcome = await call(client, tool, args);
        if (leaks(outcome, target, args)) results.push(`${tool} leaked: ${outcome.text.slice(0, 200)}`);
        // A list filtered by the other team's organization is empty, never the other's data.
        if (!outcome.isError && outcome.structured) {
          const json = JSON.stringify(outcome.structured);
          for (const name of target.orgNames)
            if (json.includes(`"${name}"`)) results.push(`${tool} showed ${name}`);
        }
        // A destructive call must not even describe the other team's object.
        if (outcome.structured?.status === 'confirmation_required')
          results.push(`${tool} offered a confirmation`);
      }
      expect(results).toEqual([]);
      if (before) {
        // Nothing of Labs changed: same organizations, connections, directories, invitations.
        expect(await idsOf(teamWorkOS(gh, 'sandbox', LABS_SEED_KEY))).toEqual(before);
        const org = await teamWorkOS(gh, 'sandbox', LABS_SEED_KEY).organizations.getOrganization(target.org);
        expect(org.name).not.toBe('Taken over');
      }
    });
  }

  test('lists — each team sees only its own customers, and no staff organization', async () => {
    const demoList = await call(demo, 'list_workos_organizations', { limit: 100 });
    const labsList = await call(labs, 'list_workos_organizations', { limit: 100 });
    expect(demoList.isError).toBe(false);
    expect(labsList.isError).toBe(false);
    const names = (o: typeof demoList) =>
      ((o.structured?.organizations as { name: string }[]) ?? []).map((x) => x.name).sort();
    expect(names(demoList)).toEqual([...demoIds.orgNames].sort());
    expect(names(labsList)).toEqual([...labsIds.orgNames].sort());
    for (const staff of STAFF) {
      expect(demoList.text).not.toContain(staff);
      expect(labsList.text).not.toContain(staff);
    }
    expect(names(demoList).some((n) => labsIds.orgNames.includes(n))).toBe(false);
  });

  test('audit_configuration — findings name only the team’s own customers, never staff', async () => {
    const out = await call(demo, 'audit_configuration', {});
    expect(out.isError).toBe(false);
    for (const name of [...STAFF, ...labsIds.orgNames]) expect(out.text).not.toContain(name);
  });

  test('staff organizations — named by id, every WorkOS tool refuses with staff_organization', async () => {
    const staffOrg = gh.ctx.teams.admitted().find((t) => t.seedKey === LABS_SEED_KEY)!.organizationId;
    for (const [tool, args] of [
      ['get_organization_details', { organization_id: staffOrg }],
      ['update_organization', { organization_id: staffOrg, name: 'x' }],
      ['delete_organization', { organization_id: staffOrg }],
      ['list_users', { organization_id: staffOrg }],
    ] as const) {
      const out = await call(demo, tool, args);
      expect(out.isError).toBe(true);
      expect(out.text).toContain('staff');
    }
    const denied = gh.ctx.db.$client
      .query<{ n: number }, []>(
        "SELECT count(*) AS n FROM audit_entries WHERE event = 'tool.call' AND reason = 'staff_organization'",
      )
      .get()!.n;
    expect(denied).toBeGreaterThanOrEqual(4);
  });
});
