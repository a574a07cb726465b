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

  test('the key is per path: one used for an organization creates a user too', async () => {
    const key = crypto.randomUUID();
    expect((await create(unique('Per path'), key)).status).toBe(201);
    const user = await t.request('/user_management/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ email: `${unique('idem')}@fixture.test` }),
    });
    expect(user.status).toBe(201);
  });
});

describe('review mends', () => {
  const send = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    t.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  test('external_id — racing creates: exactly one takes it, the others are 409', async () => {
    const externalId = unique('race');
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        send('/organizations', { name: unique(`Race ${i}`), external_id: externalId }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
  });

  test('metadata — a null value removes a key and is not counted among the 10 pairs', async () => {
    const org = await t.workos.organizations.createOrganization({ name: unique('Nulls') });
    const res = await t.request(`/organizations/${org.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        metadata: { ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v'])), gone: null },
      }),
    });
    expect(res.status).toBe(200);
  });

  test('a fixture route cannot be stepped around by escaping its path: /organization%73 is checked as /organizations', async () => {
    const res = await send('/organization%73', { name: unique('Escaped'), external_id: 'x'.repeat(65) });
    expect(res.status).toBe(422);
  });

  test('Idempotency-Key — another body under a used key is refused (422); a refusal is not kept: the corrected request runs; a replay has its own request id', async () => {
    const key = crypto.randomUUID();
    const body = { name: unique('Keyed') };
    const first = await send('/organizations', body, { 'idempotency-key': key });
    const replayed = await send('/organizations', body, { 'idempotency-key': key });
    expect(((await replayed.clone().json()) as { id: string }).id).toBe(
      ((await first.json()) as { id: string }).id,
    );
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    const other = await send('/organizations', { name: unique('Other body') }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { code: string }).code).toBe('idempotency_key_reused');

    const retryKey = crypto.randomUUID();
    const refused = await send('/organizations', { name: '' }, { 'idempotency-key': retryKey });
    expect(refused.status).toBe(422);
    const corrected = await send(
      '/organizations',
      { name: unique('Corrected') },
      { 'idempotency-key': retryKey },
    );
    expect(corrected.status).toBe(201);
  });
});
