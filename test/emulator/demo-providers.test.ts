/**
 * Local mode's demo providers on their own (src/emulator/providers): each answers bad input the
 * way its real API documents — a 4xx or an `ok: false` with a specific code, never a 500 — and
 * accepts only a token of a connected Pipes account for that very provider.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { PipeConnectionRecord } from '../../src/emulator/fixtures/state.ts';
import { type DemoProviderServers, startDemoProviders } from '../../src/emulator/providers/index.ts';

const errors: unknown[] = [];
let demo: DemoProviderServers;

function connection(
  provider: string,
  token: string,
  scopes: string[],
  state: PipeConnectionRecord['state'] = 'connected',
) {
  return {
    id: `data_installation_${provider}`,
    provider,
    user_id: 'user_demo',
    organization_id: null,
    state,
    scopes,
    access_token: token,
    account_display_name: 'ada-admin',
    config: {},
    created_at: '',
    updated_at: '',
  } satisfies PipeConnectionRecord;
}

const pipes = new Map<string, PipeConnectionRecord>([
  ['a', connection('linear', 'tok-linear', ['read'])],
  ['b', connection('github', 'tok-github', ['repo'])],
  ['c', connection('notion', 'tok-notion', ['read_content'])],
  ['d', connection('slack', 'tok-slack', ['channels:read'])],
  ['e', connection('snowflake', 'tok-snowflake', ['session:role:ANALYST'])],
  ['f', connection('slack', 'tok-slack-stale', ['channels:read', 'chat:write'], 'needs_reauthorization')],
]);

beforeAll(() => {
  demo = startDemoProviders(pipes, (_msg, fields) => errors.push(fields));
});
afterAll(() => demo?.close());

/** A request to the fake standing in for `host`. */
function to(host: string, path: string, token: string | undefined, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(`${demo.hostMap[host]}${path}`, { ...init, headers });
}

describe('demo providers', () => {
  test('host map — one loopback origin per provider host, Snowflake on the demo account', () => {
    expect(demo.hosts).toEqual({
      linear: 'api.linear.app',
      notion: 'api.notion.com',
      snowflake: 'gatehouse-demo.snowflakecomputing.com',
      github: 'api.github.com',
      slack: 'slack.com',
    });
    for (const origin of Object.values(demo.hostMap)) expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('tokens — another provider’s token, or one of a connection needing re-authorization, is refused', async () => {
    expect(
      (await to('api.linear.app', '/graphql', 'tok-github', { method: 'POST', body: '{}' })).status,
    ).toBe(401);
    const stale = await to('slack.com', '/api/auth.test', 'tok-slack-stale');
    expect(await stale.json()).toEqual({ ok: false, error: 'invalid_auth' });
  });

  test('linear — bad JSON, an invalid document and a mutation without the write scope are 4xx', async () => {
    const post = (body: string) =>
      to('api.linear.app', '/graphql', 'tok-linear', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    expect((await post('{not json')).status).toBe(400);
    expect((await post(JSON.stringify({ query: '{ viewer { nope } }' }))).status).toBe(400);
    const write = await post(JSON.stringify({ query: 'mutation { issueDelete(id: "DEMO-1") { success } }' }));
    expect(write.status).toBe(403);
    expect(((await write.json()) as { errors: { message: string }[] }).errors[0]!.message).toContain(
      '`write` required',
    );
    const page = await post(JSON.stringify({ query: '{ issues(first: 1000) { nodes { id } } }' }));
    expect(((await page.json()) as { errors: unknown[] }).errors).toHaveLength(1);
  });

  test('github — unknown repository 404, bad paging 422, missing title 422, bad JSON 400', async () => {
    expect((await to('api.github.com', '/repos/nobody/nothing', 'tok-github')).status).toBe(404);
    expect((await to('api.github.com', '/user/repos?per_page=abc', 'tok-github')).status).toBe(422);
    const issues = '/repos/gatehouse-demo/demo-api/issues';
    const noTitle = await to('api.github.com', issues, 'tok-github', {
      method: 'POST',
      body: '{"body":"x"}',
    });
    expect(noTitle.status).toBe(422);
    expect(await noTitle.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [{ field: 'title', code: 'missing_field' }],
    });
    expect((await to('api.github.com', issues, 'tok-github', { method: 'POST', body: '{' })).status).toBe(
      400,
    );
  });

  test('notion — Notion-Version required; creating without insert_content is restricted_resource', async () => {
    const noVersion = await to('api.notion.com', '/v1/search', 'tok-notion', { method: 'POST', body: '{}' });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ object: 'error', code: 'missing_version' });
    const headers = { 'notion-version': '2022-06-28', 'content-type': 'application/json' };
    const search = await to('api.notion.com', '/v1/search', 'tok-notion', {
      method: 'POST',
      headers,
      body: '{}',
    });
    const parent = ((await search.json()) as { results: { id: string }[] }).results[0]!.id;
    const create = await to('api.notion.com', '/v1/pages', 'tok-notion', {
      method: 'POST',
      headers,
      body: JSON.stringify({
        parent: { page_id: parent },
        properties: { title: { title: [{ text: { content: 'x' } }] } },
      }),
    });
    expect(create.status).toBe(403);
    expect(await create.json()).toMatchObject({ code: 'restricted_resource' });
    const bad = await to('api.notion.com', '/v1/search', 'tok-notion', {
      method: 'POST',
      headers,
      body: '{"page_size": 500}',
    });
    expect(await bad.json()).toMatchObject({ status: 400, code: 'validation_error' });
    expect((await to('api.notion.com', '/v1/pages/nope', 'tok-notion', { headers })).status).toBe(404);
  });

  test('slack — missing_scope names the scope; unknown channel and method are ok:false', async () => {
    const post = (method: string, body: unknown) =>
      to('slack.com', `/api/${method}`, 'tok-slack', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    expect(await post('chat.postMessage', { channel: 'C0DEMOGEN1', text: 'hi' })).toEqual({
      ok: false,
      error: 'missing_scope',
      needed: 'chat:write',
      provided: 'channels:read',
    });
    expect(await post('conversations.info', { channel: 'C0NOPE' })).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
    expect(await post('admin.teams.create', {})).toEqual({ ok: false, error: 'unknown_method' });
  });

  test('snowflake — syntax errors, unknown tables and several statements are 422 with Snowflake’s codes', async () => {
    const run = async (statement: unknown) => {
      const res = await to('gatehouse-demo.snowflakecomputing.com', '/api/v2/statements', 'tok-snowflake', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-snowflake-authorization-token-type': 'OAUTH' },
        body: JSON.stringify({ statement }),
      });
      return { status: res.status, body: (await res.json()) as { code: string; sqlState?: string } };
    };
    expect(await run('SELEC 1')).toMatchObject({ status: 422, body: { code: '001003', sqlState: '42000' } });
    expect(await run('SELECT * FROM NOPE')).toMatchObject({ status: 422, body: { code: '002003' } });
    expect(await run('SELECT NOPE FROM ORDERS')).toMatchObject({ status: 422, body: { code: '000904' } });
    expect(await run('SELECT * FROM ORDERS; SELECT * FROM ORDERS')).toMatchObject({
      status: 422,
      body: { code: '000008' },
    });
    expect(await run('DROP TABLE ORDERS')).toMatchObject({
      status: 422,
      body: { code: '003001', sqlState: '42501' },
    });
    expect(await run(42)).toMatchObject({ status: 400 });
    expect((await run("SELECT COUNT(*) FROM ORDERS WHERE STATUS = 'SHIPPED'")).body).toMatchObject({
      data: [['4']],
    });
  });

  test('nothing above was a failure of a fake', () => {
    expect(errors).toEqual([]);
  });
});
