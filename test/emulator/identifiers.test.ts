/**
 * External identifiers and metadata in the embedded WorkOS, through the real @workos-inc/node
 * client, as WorkOS limits them (https://workos.com/docs/authkit/metadata): an external_id is
 * unique within the environment and at most 64 characters; metadata holds at most 10 pairs, keys
 * of at most 40 ASCII characters, values of at most 600 (src/emulator/fixtures/identifiers.ts).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { startTestWorkOS, type TestWorkOS } from '../support/embedded-workos.ts';

setDefaultTimeout(30_000);

let t: TestWorkOS;
beforeAll(async () => {
  t = await startTestWorkOS('sandbox');
});
afterAll(async () => {
  await t?.close();
});

async function refusal(
  f: () => Promise<unknown>,
): Promise<{ status?: number; message?: string; errors?: unknown }> {
  try {
    await f();
  } catch (e) {
    return e as { status?: number };
  }
  throw new Error('expected a refusal');
}

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

describe('organizations', () => {
  test('external_id — a second organization with the same one is a conflict (409); updating another to it too; its own is fine', async () => {
    const orgs = t.workos.organizations;
    const externalId = unique('ext');
    const first = await orgs.createOrganization({ name: unique('First'), externalId });
    expect(
      await refusal(() => orgs.createOrganization({ name: unique('Second'), externalId })),
    ).toMatchObject({
      status: 409,
    });
    const other = await orgs.createOrganization({ name: unique('Other') });
    expect(
      await refusal(() => orgs.updateOrganization({ organization: other.id, externalId })),
    ).toMatchObject({ status: 409 });
    // Updating the organization that holds it, with it, is no conflict.
    const same = await orgs.updateOrganization({
      organization: first.id,
      name: unique('Renamed'),
      externalId,
    });
    expect(same.externalId).toBe(externalId);
    expect((await orgs.getOrganizationByExternalId(externalId)).id).toBe(first.id);
  });

  test('external_id over 64 characters, metadata over its limits — a 422 naming the field, nothing created', async () => {
    const name = unique('Refused');
    const cases: [Record<string, unknown>, string][] = [
      [{ external_id: 'x'.repeat(65) }, 'external_id'],
      [{ metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
      [{ metadata: { ['k'.repeat(41)]: 'v' } }, `metadata.${'k'.repeat(40)}`],
      [{ metadata: { plan: 'v'.repeat(601) } }, 'metadata.plan'],
      [{ metadata: { plan: 'café' } }, 'metadata.plan'],
      [{ metadata: { seats: 5 } }, 'metadata.seats'],
    ];
    for (const [extra, field] of cases) {
      const res = await t.request('/organizations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, ...extra }),
      });
      expect([field, res.status]).toEqual([field, 422]);
      const body = (await res.json()) as { errors: { field: string }[] };
      expect(body.errors.map((e) => e.field)).toContain(field);
    }
    const listed = await t.workos.organizations.listOrganizations({ limit: 100 });
    expect(listed.data.some((o) => o.name === name)).toBe(false);
    // Ten pairs at the limits are taken.
    const full = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`${i}`.padEnd(40, 'k'), 'v'.repeat(600)]),
    );
    const ok = await t.workos.organizations.createOrganization({ name, metadata: full });
    expect(Object.keys(ok.metadata)).toHaveLength(10);
  });
});

describe('users', () => {
  test('external_id — unique among users; metadata limited as for organizations', async () => {
    const um = t.workos.userManagement;
    const externalId = unique('user-ext');
    await um.createUser({ email: `${unique('a')}@fixture.test`, externalId });
    expect(
      await refusal(() => um.createUser({ email: `${unique('b')}@fixture.test`, externalId })),
    ).toMatchObject({ status: 409 });
    const other = await um.createUser({ email: `${unique('c')}@fixture.test` });
    expect(await refusal(() => um.updateUser({ userId: other.id, externalId }))).toMatchObject({
      status: 409,
    });
    expect(
      await refusal(() => um.updateUser({ userId: other.id, metadata: { ['k'.repeat(41)]: 'v' } })),
    ).toMatchObject({ status: 422 });
  });
});

describe('references and addresses', () => {
  const post = (path: string, body: unknown) =>
    t.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('a membership for an unknown user, an invitation into an unknown organization or from an unknown inviter — 404, nothing made', async () => {
    const orgId = await t.orgId('Acme Corp');
    const member = await post('/user_management/organization_memberships', {
      user_id: 'user_01UNKNOWN0000000000000000',
      organization_id: orgId,
    });
    expect([member.status, await member.json()]).toEqual([
      404,
      { message: 'User not found', code: 'not_found' },
    ]);
    const email = `${unique('nobody')}@fixture.test`;
    const invite = await post('/user_management/invitations', {
      email,
      organization_id: 'org_01UNKNOWN00000000000000000',
    });
    expect([invite.status, ((await invite.json()) as { message: string }).message]).toEqual([
      404,
      'Organization not found',
    ]);
    const inviter = await post('/user_management/invitations', {
      email,
      organization_id: orgId,
      inviter_user_id: 'user_01UNKNOWN0000000000000000',
    });
    expect(inviter.status).toBe(404);
    expect((await t.workos.userManagement.listInvitations({ email })).data).toEqual([]);
  });

  test('an address no one could receive mail at — a 422 naming email, for a user and an invitation', async () => {
    for (const email of ['bogus', 'not an@email.test', 'a@b', 42]) {
      const user = await post('/user_management/users', { email });
      expect([email, user.status]).toEqual([email, 422]);
      expect(JSON.stringify(await user.json())).toContain('email must be a valid email address');
      const invite = await post('/user_management/invitations', { email });
      expect([email, invite.status]).toEqual([email, 422]);
      await invite.body?.cancel();
    }
  });
});

describe('Idempotency-Key', () => {
  const create = (name: string, key?: string) =>
    t.request('/organizations', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify({ name }),
    });
  const countNamed = async (name: string) =>
    (await t.workos.organizations.listOrganizations({ limit: 100 })).data.filter((o) => o.name === name)
      .length;

  test('a create repeated with its key answers the first one again, also when the repeats race it; nothing is made twice', async () => {
    const name = unique('Idempotent');
    const key = crypto.randomUUID();
    const answers = await Promise.all([create(name, key), create(name, key), create(name, key)]);
    const bodies = await Promise.all(answers.map((r) => r.json() as Promise<{ id: string }>));
    expect(answers.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    const later = (await (await create(name, key)).json()) as { id: string };
    expect(later.id).toBe(bodies[0]!.id);
    expect(await countNamed(name)).toBe(1);
    // Another key, or none, is another create.
    await create(name, crypto.randomUUID());
    await create(name);
    expect(await countNamed(name)).toBe(3);
  });

  test('a refusal is given again too; the key is per path', async () => {
    const key = crypto.randomUUID();
    const refused = await t.request('/organizations', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ name: '' }),
    });
    expect(refused.status).toBe(422);
    const again = await create(unique('Valid now'), key);
    expect(again.status).toBe(422);
    const user = await t.request('/user_management/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ email: `${unique('idem')}@fixture.test` }),
    });
    expect(user.status).toBe(201);
  });
});
