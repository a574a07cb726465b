/**
 * The embedded WorkOS's organization memberships and invitations, through the real
 * @workos-inc/node client, as WorkOS's reference describes them
 * (https://workos.com/docs/reference/authkit/organization-membership,
 * https://workos.com/docs/reference/authkit/invitation): where WorkOS's emulator departs from it,
 * the fixture layer (src/emulator/fixtures/memberships.ts, invitations.ts) answers instead.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { UnprocessableEntityException } from '@workos-inc/node';
import { startTestWorkOS, type TestWorkOS } from '../support/embedded-workos.ts';

setDefaultTimeout(30_000);

let t: TestWorkOS;
let orgId: string;

beforeAll(async () => {
  t = await startTestWorkOS('sandbox');
  orgId = await t.orgId('Acme Corp');
});
afterAll(async () => {
  await t?.close();
});

const um = () => t.workos.userManagement;
let n = 0;
const newUser = () =>
  um().createUser({ email: `membership-${++n}-${crypto.randomUUID().slice(0, 6)}@fixture.test` });

/** A new user whose membership of Acme Corp was made, then deactivated. */
async function deactivatedMember() {
  const user = await newUser();
  const first = await um().createOrganizationMembership({ userId: user.id, organizationId: orgId });
  await um().deactivateOrganizationMembership(first.id);
  return { user, first };
}

async function thrown(f: () => Promise<unknown>): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a refusal');
}

describe('organization memberships', () => {
  test('list — active memberships only unless statuses asks: a deactivated member is not among them', async () => {
    const user = await newUser();
    const m = await um().createOrganizationMembership({
      userId: user.id,
      organizationId: orgId,
      roleSlug: 'admin',
    });
    const list = (statuses?: ('active' | 'inactive' | 'pending')[]) =>
      um()
        .listOrganizationMemberships({
          userId: user.id,
          organizationId: orgId,
          ...(statuses && { statuses }),
        })
        .then((l) => l.data.map((x) => [x.id, x.status, x.organizationName]));
    expect(await list()).toEqual([[m.id, 'active', 'Acme Corp']]);
    await um().deactivateOrganizationMembership(m.id);
    // What Gatehouse asks when it reads a person's role (src/users/membership-resolver.ts).
    expect(await list(['active'])).toEqual([]);
    expect(await list()).toEqual([]);
    expect(await list(['inactive'])).toEqual([[m.id, 'inactive', 'Acme Corp']]);
    expect(await list(['active', 'inactive'])).toEqual([[m.id, 'inactive', 'Acme Corp']]);
  });

  test('list — neither user_id nor organization_id, or an unknown status, is a 422 naming the field', async () => {
    const none = await t.request('/user_management/organization_memberships');
    expect(none.status).toBe(422);
    expect(((await none.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
      'user_id',
      'organization_id',
    ]);
    const bad = await t.request(
      `/user_management/organization_memberships?organization_id=${orgId}&statuses=gone`,
    );
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toContain(
      'statuses must be active, inactive or pending, got \\"gone\\"',
    );
  });

  test('create — an inactive membership for the pair is activated with the role asked for, not duplicated', async () => {
    const { user, first } = await deactivatedMember();
    const again = await um().createOrganizationMembership({
      userId: user.id,
      organizationId: orgId,
      roleSlug: 'admin',
    });
    expect([again.id, again.status, again.role.slug]).toEqual([first.id, 'active', 'admin']);
    const all = await um().listOrganizationMemberships({
      userId: user.id,
      organizationId: orgId,
      statuses: ['active', 'inactive', 'pending'],
    });
    expect(all.data.map((m) => m.id)).toEqual([first.id]);
  });

  test('list — the cursor of a page, deactivated since, still marks its place: the next page follows it', async () => {
    const org = await t.workos.organizations.createOrganization({
      name: `Paging ${crypto.randomUUID().slice(0, 8)}`,
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (await um().createOrganizationMembership({ userId: (await newUser()).id, organizationId: org.id }))
          .id,
      );
    const first = await um().listOrganizationMemberships({ organizationId: org.id, limit: 2, order: 'asc' });
    expect(first.data.map((m) => m.id)).toEqual(ids.slice(0, 2));
    const cursor = first.listMetadata.after!;
    await um().deactivateOrganizationMembership(cursor);
    const next = await um().listOrganizationMemberships({
      organizationId: org.id,
      limit: 2,
      order: 'asc',
      after: cursor,
    });
    expect(next.data.map((m) => m.id)).toEqual(ids.slice(2));
    const back = await um().listOrganizationMemberships({
      organizationId: org.id,
      limit: 2,
      order: 'asc',
      before: cursor,
    });
    expect(back.data.map((m) => m.id)).toEqual(ids.slice(0, 1));
    // `statuses[]`, as other clients send it, is read too.
    const raw = await t.request(
      `/user_management/organization_memberships?organization_id=${org.id}&statuses[]=inactive`,
    );
    expect(((await raw.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual([cursor]);
  });

  test('create — a pair with an active membership is a conflict (409), even beside an inactive one; role_slugs names the role', async () => {
    const { user, first } = await deactivatedMember();
    // role_slugs, as the SDK sends roleSlugs, when it reactivates.
    const again = await um().createOrganizationMembership({
      userId: user.id,
      organizationId: orgId,
      roleSlugs: ['admin'],
    });
    expect([again.id, again.role.slug]).toEqual([first.id, 'admin']);
    const conflict = await thrown(() =>
      um().createOrganizationMembership({ userId: user.id, organizationId: orgId }),
    );
    expect(conflict).toMatchObject({ status: 409 });
    // An inactive membership beside an active one (the emulator's accept adds a new one): the
    // active one still makes a create a conflict, never a second active membership.
    await um().deactivateOrganizationMembership(first.id);
    const inv = await um().sendInvitation({ email: user.email, organizationId: orgId });
    await um().acceptInvitation(inv.id);
    const next = await thrown(() =>
      um().createOrganizationMembership({ userId: user.id, organizationId: orgId }),
    );
    expect(next).toMatchObject({ status: 409 });
    const statuses = await um().listOrganizationMemberships({
      userId: user.id,
      organizationId: orgId,
      statuses: ['active', 'inactive'],
    });
    expect(statuses.data.map((m) => m.status).sort()).toEqual(['active', 'inactive']);
  });

  test('deactivate and reactivate — doing it twice is a no-op that answers the membership', async () => {
    const user = await newUser();
    const m = await um().createOrganizationMembership({ userId: user.id, organizationId: orgId });
    expect((await um().reactivateOrganizationMembership(m.id)).status).toBe('active');
    await um().deactivateOrganizationMembership(m.id);
    const twice = await um().deactivateOrganizationMembership(m.id);
    expect([twice.id, twice.status, twice.organizationName]).toEqual([m.id, 'inactive', 'Acme Corp']);
    expect((await um().getOrganizationMembership(m.id)).status).toBe('inactive');
  });
});

describe('invitations', () => {
  const DAY_MS = 24 * 60 * 60 * 1000;
  const invite = (extra: { expiresInDays?: number } = {}) =>
    um().sendInvitation({
      email: `invitee-${crypto.randomUUID().slice(0, 8)}@fixture.test`,
      organizationId: orgId,
      ...extra,
    });
  const validFor = (i: { createdAt: string; expiresAt: string }) =>
    Math.round((Date.parse(i.expiresAt) - Date.parse(i.createdAt)) / DAY_MS);

  test('send — valid 7 days unless expires_in_days says otherwise, the same when read back', async () => {
    expect(validFor(await invite())).toBe(7);
    const month = await invite({ expiresInDays: 30 });
    expect(validFor(month)).toBe(30);
    expect(validFor(await um().getInvitation(month.id))).toBe(30);
    const listed = await um().listInvitations({ email: month.email });
    expect(listed.data.map(validFor)).toEqual([30]);
  });

  test('send — expires_in_days outside 1–30, or not a whole number, is a 422 and sends nothing', async () => {
    for (const days of [0, 31, 1.5, '7']) {
      const email = `refused-${crypto.randomUUID().slice(0, 8)}@fixture.test`;
      const res = await t.request('/user_management/invitations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, organization_id: orgId, expires_in_days: days }),
      });
      expect([days, res.status]).toEqual([days, 422]);
      expect(JSON.stringify(await res.json())).toContain(
        'expires_in_days must be an integer between 1 and 30',
      );
      expect((await um().listInvitations({ email })).data).toEqual([]);
    }
  });

  test('resend — a revoked invitation is refused (invalid_invitation_state) and stays revoked', async () => {
    const inv = await invite();
    await um().revokeInvitation(inv.id);
    const err = await thrown(() => um().resendInvitation(inv.id));
    expect(err).toMatchObject({ status: 400, code: 'invalid_invitation_state' });
    expect((await um().getInvitation(inv.id)).state).toBe('revoked');
    // A pending one is resent.
    const pending = await invite();
    expect((await um().resendInvitation(pending.id)).state).toBe('pending');
  });

  test('accept — accepted_user_id is the user the invitation was for', async () => {
    const user = await newUser();
    const inv = await um().sendInvitation({ email: user.email, organizationId: orgId });
    const accepted = await um().acceptInvitation(inv.id);
    expect([accepted.state, accepted.acceptedUserId]).toEqual(['accepted', user.id]);
  });
});

test('unknown membership — deactivate is a 404, as before', async () => {
  const err = await thrown(() => um().deactivateOrganizationMembership('om_01UNKNOWN00000000000000000'));
  expect((err as { status?: number }).status).toBe(404);
  expect(err).not.toBeInstanceOf(UnprocessableEntityException);
});
