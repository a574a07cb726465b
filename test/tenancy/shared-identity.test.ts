/**
 * A team that links the identity environment's own key as its managed environment (an operator's
 * deliberate choice, stated on the page): its agents see the identity environment's customers,
 * never the staff — their organizations, people, memberships, invitations, events or domains.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { IDENTITY_API_KEY } from '../../src/emulator/index.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

const STAFF_EMAILS = ['admin@demo.test', 'member@demo.test', 'viewer@demo.test', 'newbie@demo.test'];
const STAFF_NAMES = ['Gatehouse Demo Team', 'Gatehouse Labs'];

let gh: TestGatehouse;
let agent: AnyClient;
let staffOrgIds: string[];
let staffUserIds: string[];

beforeAll(async () => {
  gh = await startTestGatehouse();
  await gh.ctx.environments.link(seededTeamId(gh), 'sandbox', IDENTITY_API_KEY, {
    userId: 'user_test',
    email: 'admin@demo.test',
  });
  agent = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
  const identity = gh.ctx.workos.identity.client;
  staffOrgIds = gh.ctx.teams.admitted().map((t) => t.organizationId);
  staffUserIds = [];
  for (const email of STAFF_EMAILS.slice(0, 3))
    staffUserIds.push((await identity.userManagement.listUsers({ email })).data[0]!.id);
});
afterAll(async () => {
  await agent?.close();
  await gh?.stop();
});

/** Nothing of the staff in an answer: names, emails, organization and person ids. */
function expectNoStaff(text: string) {
  for (const s of [...STAFF_NAMES, ...STAFF_EMAILS, ...staffOrgIds, ...staffUserIds])
    expect(text).not.toContain(s);
}

describe('shared identity environment — staff stay out of every answer', () => {
  test('organizations and users — customers are listed, staff are not', async () => {
    const orgs = await call(agent, 'list_workos_organizations', { limit: 100 });
    expect(orgs.isError).toBe(false);
    expect(orgs.text).toContain('Acme Corp');
    expectNoStaff(orgs.text);
    const users = await call(agent, 'list_users', { limit: 100 });
    expect(users.isError).toBe(false);
    expect(users.text).toContain('alice@acme.test');
    expectNoStaff(users.text);
    const byEmail = await call(agent, 'list_users', { email: 'admin@demo.test' });
    expectNoStaff(byEmail.text);
    const get = await call(agent, 'get_user', { user_id: staffUserIds[0]! });
    expect(get.isError).toBe(true);
  });

  test('events — organization, membership, invitation and session events of staff are left out', async () => {
    const out = await call(agent, 'list_events', {
      events: [
        'organization.created',
        'organization_membership.created',
        'invitation.created',
        'session.created',
        'organization_domain.created',
      ],
      limit: 100,
    });
    expect(out.isError).toBe(false);
    expectNoStaff(out.text);
  });

  test('memberships and invitations — a staff person is out of reach, and no cursor names staff', async () => {
    const byUser = await call(agent, 'list_organization_memberships', {
      user_id: staffUserIds[0]!,
      limit: 1,
    });
    expect(byUser.isError).toBe(true);
    const invitations = await call(agent, 'list_invitations', { limit: 1 });
    expect(invitations.isError).toBe(false);
    expectNoStaff(invitations.text);
    const all = await call(agent, 'list_invitations', { limit: 100 });
    expectNoStaff(all.text);
  });

  test('domains — a new organization cannot claim a staff domain', async () => {
    const grab = await call(agent, 'create_workos_organization', {
      name: 'Domain grab',
      domains: ['demo.test'],
    });
    expect(grab.isError).toBe(true);
    const orgs = await call(agent, 'list_workos_organizations', { limit: 100 });
    expect(orgs.text).not.toContain('Domain grab');
  });
});
