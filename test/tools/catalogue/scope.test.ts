/**
 * The catalogue's staff rule (src/tools/catalogue/scope.ts) for objects that name their
 * organization only indirectly: a membership, a domain, a user. Real WorkOS (the embedded one);
 * the caller's team port says which organization is staff, as the pipeline's would.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import { isAppError } from '../../../src/errors/app-error.ts';
import { operation } from '../../../src/tools/catalogue/catalogue.ts';
import { refuseStaff } from '../../../src/tools/catalogue/scope.ts';
import type { ToolContext } from '../../../src/tools/types.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let w: WorkOS;
let staffOrg: string;
let customerOrg: string;

beforeAll(async () => {
  gh = await startTestGatehouse();
  w = teamWorkOS(gh);
  staffOrg = (await w.organizations.createOrganization({ name: 'Scope Staff Team' })).id;
  customerOrg = (await w.organizations.createOrganization({ name: 'Scope Customer' })).id;
});
afterAll(async () => {
  await gh?.stop();
});

/** Only what refuseStaff reads: the team's WorkOS client and which organization is staff. */
const ctx = () =>
  ({
    workos: w,
    team: {
      linked: () => true,
      staffTeamName: (id: string) => (id === staffOrg ? 'Scope Staff Team' : undefined),
    },
  }) as unknown as ToolContext;

async function refusal(name: string, params: Record<string, unknown>): Promise<string | undefined> {
  try {
    await refuseStaff(ctx(), operation(name)!, params);
    return undefined;
  } catch (e) {
    if (isAppError(e)) return `${e.code} ${e.denial}: ${e.message}`;
    throw e;
  }
}

describe('refuseStaff', () => {
  test('refuseStaff — a membership of a staff organization is refused, found through the membership', async () => {
    const user = await w.userManagement.createUser({ email: 'scope-m@catalogue.test' });
    const m = await w.userManagement.createOrganizationMembership({
      userId: user.id,
      organizationId: staffOrg,
    });
    expect(await refusal('organization_memberships.update', { id: m.id, role_slug: 'admin' })).toStartWith(
      'forbidden staff_organization: organization_memberships.update would touch',
    );
    expect(await refusal('organization_memberships.delete', { id: m.id })).toContain('(staff)');
  });

  test('refuseStaff — a user who belongs to a staff organization cannot be changed or deleted', async () => {
    const user = await w.userManagement.createUser({ email: 'scope-u@catalogue.test' });
    await w.userManagement.createOrganizationMembership({ userId: user.id, organizationId: customerOrg });
    expect(await refusal('users.update', { id: user.id, first_name: 'X' })).toBeUndefined();
    await w.userManagement.createOrganizationMembership({ userId: user.id, organizationId: staffOrg });
    expect(await refusal('users.update', { id: user.id, first_name: 'X' })).toContain('(staff)');
    expect(await refusal('users.delete', { id: user.id })).toContain('(staff)');
  });

  test('refuseStaff — a staff organization’s domain cannot be deleted; a customer’s can', async () => {
    const staffDomain = (
      await w.post<{ id: string }>('/organization_domains', {
        organization_id: staffOrg,
        domain: 'scope-staff.test',
      })
    ).data;
    const customerDomain = (
      await w.post<{ id: string }>('/organization_domains', {
        organization_id: customerOrg,
        domain: 'scope-customer.test',
      })
    ).data;
    expect(await refusal('organization_domains.delete', { id: staffDomain.id })).toContain('(staff)');
    expect(await refusal('organization_domains.delete', { id: customerDomain.id })).toBeUndefined();
  });

  test('refuseStaff — a staff organization named anywhere in the parameters is refused, reads included', async () => {
    expect(await refusal('organizations.get', { id: staffOrg })).toContain('(staff)');
    expect(await refusal('users.list', { organization_id: staffOrg })).toContain('(staff)');
    expect(await refusal('organizations.get', { id: customerOrg })).toBeUndefined();
  });
});
