import { describe, expect, test } from 'bun:test';
import { guardOrganizations, type StaffMarks } from '../../src/workos/staff-guard.ts';

// The wire guard on its own: `base` stands for the network and answers the given JSON text.
const marks: StaffMarks = {
  // `org_a/b` is no WorkOS id, but the guard must not depend on what characters ids hold.
  organizations: new Set(['org_01STAFF', 'org_a/b']),
  users: new Set(['user_01STAFF']),
  domains: new Set(['staff.test']),
};

function guarded(text: string): typeof fetch {
  const base = (async () =>
    new Response(text, { headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch;
  return guardOrganizations(base, () => marks);
}

async function ids(text: string): Promise<string[]> {
  const res = await guarded(text)('http://workos.test/organizations');
  const body = (await res.json()) as { data: { id: string }[] };
  return body.data.map((o) => o.id);
}

describe('staff guard, answers', () => {
  test('staff guard — a list naming no staff passes on as WorkOS sent it', async () => {
    const text = '{"data":[{"object":"organization","id":"org_01CUSTOMER"}],"list_metadata":{"after":null}}';
    const res = await guarded(text)('http://workos.test/organizations');
    expect(await res.text()).toBe(text);
  });

  test('staff guard — a staff organization is left out of a list', async () => {
    const text = '{"data":[{"id":"org_01STAFF"},{"id":"org_01CUSTOMER"}],"list_metadata":{}}';
    expect(await ids(text)).toEqual(['org_01CUSTOMER']);
  });

  test('staff guard — a staff id written with JSON escapes is still left out', async () => {
    // "\u006frg_01STAFF" is org_01STAFF: the text never spells the id out.
    const text = '{"data":[{"id":"\\u006frg_01STAFF"},{"id":"org_01CUSTOMER"}],"list_metadata":{}}';
    expect(await ids(text)).toEqual(['org_01CUSTOMER']);
  });

  test('staff guard — a staff person named with escapes in a membership is left out', async () => {
    const text = '{"data":[{"id":"om_1","user_id":"user_01ST\\u0041FF"},{"id":"om_2","user_id":"user_01X"}]}';
    expect(await ids(text)).toEqual(['om_2']);
  });

  test('staff guard — a staff id written with another escape (\\/) is still left out', async () => {
    const text = '{"data":[{"id":"org_a\\/b"},{"id":"org_01CUSTOMER"}]}';
    expect(await ids(text)).toEqual(['org_01CUSTOMER']);
  });

  test('staff guard — a single staff object, escaped, is a 404', async () => {
    const res = await guarded('{"object":"organization","id":"org_01\\u0053TAFF"}')(
      'http://workos.test/organizations/x',
    );
    expect(res.status).toBe(404);
  });

  test('staff guard — an event whose data is a staff person, escaped, is a 404', async () => {
    const text = '{"object":"event","data":{"object":"user","id":"user_01\\u0053TAFF"}}';
    expect((await guarded(text)('http://workos.test/events/x')).status).toBe(404);
  });

  test('staff guard — a customer id holding a staff id inside it is kept', async () => {
    const text = '{"data":[{"id":"org_01STAFFX"}],"list_metadata":{}}';
    expect(await ids(text)).toEqual(['org_01STAFFX']);
  });
});
