/**
 * The fixture front under malformed input: every bad limit, cursor, order, body or parameter
 * gets a 400/422 (or 401/404) with a message naming the problem, never a 500.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { paginate, parseListParams } from '../../src/emulator/fixtures/pagination.ts';
import { startTestWorkOS, type TestWorkOS } from '../support/embedded-workos.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let t: TestWorkOS;

beforeAll(async () => {
  t = await startTestWorkOS('sandbox');
});

afterAll(async () => {
  await t.close();
});

async function problem(res: Response) {
  return {
    status: res.status,
    body: (await res.json()) as { message: string; code: string; errors?: unknown[] },
  };
}

const post = (path: string, body: string) =>
  t.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('list parameters', () => {
  test.each([
    ['/directories?limit=0', 'limit'],
    ['/directories?limit=101', 'limit'],
    ['/directories?limit=ten', 'limit'],
    ['/directories?order=sideways', 'order'],
    ['/directories?after=directory_nope', 'after'],
    ['/events?before=event_nope', 'before'],
    ['/organizations?limit=1000', 'limit'],
    ['/organizations?after=org_nope', 'after'],
    ['/user_management/users?before=user_nope', 'before'],
    ['/user_management/invitations?after=inv_nope', 'after'],
  ])('fixture router — %s is a 422 naming %s', async (path, field) => {
    const { status, body } = await problem(await t.request(path));
    expect(status).toBe(422);
    expect(body.code).toBe('unprocessable_entity');
    expect(body.errors).toEqual([{ field, code: expect.stringContaining(field) }]);
  });

  test('fixture router — an unparsable range_start is a 422', async () => {
    const { status, body } = await problem(await t.request('/events?range_start=yesterday'));
    expect(status).toBe(422);
    expect(body.errors).toEqual([{ field: 'range_start', code: expect.stringContaining('ISO 8601') }]);
  });

  test('fixture router — events[] and comma-separated events filter alike', async () => {
    const bracket = await (await t.request('/events?events[]=authentication.sso_failed&limit=100')).json();
    const comma = await (
      await t.request('/events?events=authentication.sso_failed,authentication.password_failed&limit=100')
    ).json();
    expect(bracket.data).toHaveLength(7);
    expect(comma.data).toHaveLength(8);
  });
});

describe('bodies and required fields', () => {
  test('fixture router — invalid JSON is a 400', async () => {
    const { status, body } = await problem(await post('/audit_logs/exports', '{"organization_id": '));
    expect(status).toBe(400);
    expect(body.message).toContain('not valid JSON');
  });

  test('fixture router — a JSON array body is a 400', async () => {
    const { status } = await problem(await post('/data-integrations/linear/token', '[1,2]'));
    expect(status).toBe(400);
  });

  test('fixture router — an export without range_start is a 422 naming it', async () => {
    const org = await t.orgId('Acme Corp');
    const res = await post(
      '/audit_logs/exports',
      JSON.stringify({ organization_id: org, range_end: new Date().toISOString() }),
    );
    const { status, body } = await problem(res);
    expect(status).toBe(422);
    expect(body.errors).toEqual([{ field: 'range_start', code: expect.any(String) }]);
  });

  test('fixture router — an export for an unknown organization is a 404', async () => {
    const now = new Date().toISOString();
    const res = await post(
      '/audit_logs/exports',
      JSON.stringify({ organization_id: 'org_nope', range_start: now, range_end: now }),
    );
    expect(await problem(res)).toEqual({
      status: 404,
      body: { message: 'Organization not found', code: 'not_found' },
    });
  });

  test('fixture router — an audit event without a location is a 422', async () => {
    const org = await t.orgId('Acme Corp');
    const event = {
      action: 'x',
      occurred_at: new Date().toISOString(),
      actor: { id: 'a', type: 'user' },
      targets: [],
    };
    const { status } = await problem(
      await post('/audit_logs/events', JSON.stringify({ organization_id: org, event })),
    );
    expect(status).toBe(422);
  });

  test('fixture router — a Pipes token without user_id is a 422, for an unknown provider a 404', async () => {
    expect((await post('/data-integrations/linear/token', '{}')).status).toBe(422);
    const res = await post('/data-integrations/dropbox/token', JSON.stringify({ user_id: 'user_x' }));
    expect(await problem(res)).toEqual({
      status: 404,
      body: { message: 'Data integration not found', code: 'not_found' },
    });
  });

  test('fixture router — a malformed %-escape in an id is a 404, not a crash', async () => {
    expect((await t.request('/directories/%E0%A4%A')).status).toBe(404);
  });
});

describe('authentication and pass-through', () => {
  test('fixture router — no key or a wrong key is a 401 on fixture and emulator paths', async () => {
    for (const path of ['/directories', '/events', '/organizations']) {
      expect((await fetch(`${t.embedded.url}${path}`)).status).toBe(401);
      expect((await t.request(path, { headers: { authorization: 'Bearer sk_test_wrong' } })).status).toBe(
        401,
      );
    }
  });

  test('front — the emulator only accepts internal keys, never the public one', async () => {
    const res = await fetch(`${t.embedded.tokenIssuer}/organizations`, {
      headers: { authorization: `Bearer ${t.embedded.apiKey}` },
    });
    expect(res.status).toBe(401);
  });

  test('front — authorize redirects pass through unchanged', async () => {
    const query = new URLSearchParams({
      client_id: t.embedded.clientId,
      redirect_uri: 'http://127.0.0.1:9/callback',
      response_type: 'code',
      login_hint: 'nobody@demo.test',
      state: 's1',
    });
    const res = await fetch(`${t.embedded.url}/user_management/authorize?${query}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://127.0.0.1:9/callback?error=user_not_found&state=s1');
  });
});

describe('pagination unit', () => {
  const items = Array.from({ length: 7 }, (_, i) => ({
    id: `x_${i}`,
    created_at: `2026-01-0${i + 1}T00:00:00.000Z`,
  }));
  const params = (query: string) => parseListParams(new URLSearchParams(query));

  test('fixture pagination — before gives the page just before the cursor, with both cursors', () => {
    const page = paginate(items, params('limit=2&order=asc&before=x_5'));
    expect(page.data.map((i) => i.id)).toEqual(['x_3', 'x_4']);
    expect(page.list_metadata).toEqual({ before: 'x_3', after: 'x_4' });
  });

  test('fixture pagination — desc by default; the last page has no after cursor', () => {
    const page = paginate(items, params('limit=3&after=x_3'));
    expect(page.data.map((i) => i.id)).toEqual(['x_2', 'x_1', 'x_0']);
    expect(page.list_metadata).toEqual({ before: 'x_2', after: null });
  });
});
