import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { call, connectV1, connectV2, type Tokens, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let viewer: Tokens;
let client: ClientV1;
const orgs = new Map<string, string>();

type Row = Record<string, unknown>;
const events = (s: Row | undefined) => (s?.events ?? []) as Row[];
const HOUR_MS = 60 * 60 * 1000;

beforeAll(async () => {
  gh = await startTestGatehouse();
  const list = await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 });
  for (const o of list.data) orgs.set(o.name, o.id);
  // Reading events needs only workos:read: a viewer can.
  viewer = await tokensFor(gh.url, 'viewer@demo.test');
  client = await connectV1(gh.url, viewer.access_token);
});

afterAll(async () => {
  await client?.close();
  await gh?.stop();
});

test('list_events — authentication.sso_failed returns the Stark Industries failures with their causes', async () => {
  const r = await call(client, 'list_events', { events: ['authentication.sso_failed'], limit: 50 });
  expect(r.isError).toBe(false);
  const list = events(r.structured);
  expect(list).toHaveLength(7);
  const stark = orgs.get('Stark Industries');
  for (const e of list) {
    expect(e.event).toBe('authentication.sso_failed');
    expect(e.organization_id).toBe(stark);
  }
  const newest = list[0]!;
  expect(newest.summary).toContain('tony@stark.test');
  // WorkOS's documented code for an IdP-side failure, its message saying what went wrong.
  expect(newest.summary).toContain(
    'server_error — The SAML response was signed with an IdP certificate that has expired',
  );
  expect((newest.data as Row).ip_address).toBe('203.0.113.10');
  expect(list.filter((e) => String(e.summary).includes('server_error'))).toHaveLength(6);
  expect(r.structured!.list_metadata).toMatchObject({ after: null, next_page: null });
});

test('list_events — pages with limit and after', async () => {
  const first = await call(client, 'list_events', { events: ['authentication.sso_failed'], limit: 3 });
  const meta = first.structured!.list_metadata as { after: string; next_page: string };
  expect(events(first.structured)).toHaveLength(3);
  expect(meta.next_page).toContain('list_events');
  const second = await call(client, 'list_events', {
    events: ['authentication.sso_failed'],
    limit: 3,
    after: meta.after,
  });
  const ids = [...events(first.structured), ...events(second.structured)].map((e) => e.id);
  expect(new Set(ids).size).toBe(6);
});

test('list_events — narrows by organization and time range', async () => {
  const now = Date.now();
  const recent = await call(client, 'list_events', {
    events: ['authentication.sso_failed'],
    organization_id: orgs.get('Stark Industries'),
    range_start: new Date(now - 3 * HOUR_MS).toISOString(),
    range_end: new Date(now + HOUR_MS).toISOString(),
  });
  expect(recent.isError).toBe(false);
  expect(events(recent.structured)).toHaveLength(3);

  const acme = await call(client, 'list_events', {
    events: ['authentication.sso_failed'],
    organization_id: orgs.get('Acme Corp'),
  });
  expect(events(acme.structured)).toHaveLength(0);
  expect(acme.text).toContain('No authentication.sso_failed events');

  const succeeded = await call(client, 'list_events', {
    events: ['authentication.sso_succeeded', 'connection.deactivated'],
    organization_id: orgs.get('Acme Corp'),
  });
  expect(events(succeeded.structured).map((e) => e.event)).toEqual([
    'authentication.sso_succeeded',
    'authentication.sso_succeeded',
    'authentication.sso_succeeded',
  ]);
});

test('list_events — paging a range with after: WorkOS takes the cursor without range_start, and the start still bounds the pages', async () => {
  const args = {
    events: ['authentication.sso_failed'],
    range_start: new Date(Date.now() - 3 * HOUR_MS).toISOString(),
    limit: 2,
    order: 'desc',
  };
  const first = await call(client, 'list_events', args);
  expect(first.isError).toBe(false);
  const meta = first.structured!.list_metadata as { after: string; next_page: string | null };
  expect(events(first.structured)).toHaveLength(2);
  expect(meta.next_page).toContain('same filters');
  const second = await call(client, 'list_events', { ...args, after: meta.after });
  expect(second.isError).toBe(false);
  // Three failures in the last three hours: the third, then the stream runs past range_start.
  expect(events(second.structured)).toHaveLength(1);
  expect(second.structured!.list_metadata).toMatchObject({ after: null, next_page: null });
});

test('list_events — WorkOS keeps 30 days, and never returns user-level events under organization_id: the answer says so', async () => {
  const old = await call(client, 'list_events', {
    events: ['authentication.sso_failed'],
    range_start: new Date(Date.now() - 40 * 24 * HOUR_MS).toISOString(),
  });
  expect(old.isError).toBe(false);
  expect(old.text).toContain('WorkOS keeps events for 30 days: only events since');
  const gone = await call(client, 'list_events', {
    events: ['authentication.sso_failed'],
    range_start: new Date(Date.now() - 50 * 24 * HOUR_MS).toISOString(),
    range_end: new Date(Date.now() - 40 * 24 * HOUR_MS).toISOString(),
  });
  expect(gone.text).toContain('the whole range ends before');
  const users = await call(client, 'list_events', {
    events: ['user.created', 'organization.updated'],
    organization_id: orgs.get('Acme Corp'),
  });
  expect(users.text).toContain(
    'user.created is a user-level event: WorkOS never returns it under organization_id.',
  );
});

test('list_events — refuses a reversed range, a malformed date, no event types and an unknown field', async () => {
  const reversed = await call(client, 'list_events', {
    events: ['authentication.sso_failed'],
    range_start: '2026-02-01',
    range_end: '2026-01-01',
  });
  expect(reversed.isError).toBe(true);
  expect(reversed.text).toContain('range_start');
  expect(reversed.text).toContain('before range_end');

  const malformed = await call(client, 'list_events', {
    events: ['authentication.sso_failed'],
    range_start: 'yesterday',
  });
  expect(malformed.isError).toBe(true);
  expect(malformed.text).toContain('range_start');

  const none = await call(client, 'list_events', { events: [] });
  expect(none.isError).toBe(true);
  expect(none.text).toContain('events');

  const badName = await call(client, 'list_events', { events: ['SSO FAILED'] });
  expect(badName.isError).toBe(true);
  expect(badName.text).toContain('authentication.sso_failed');

  const extra = await call(client, 'list_events', {
    events: ['authentication.sso_failed'],
    before: 'event_1',
  });
  expect(extra.isError).toBe(true);
  expect(extra.text).toContain('unknown field(s) before');
});

test('list_events — works over the v2 client, legacy and 2026-07-28 (auto)', async () => {
  for (const mode of ['legacy', 'auto'] as const) {
    const v2 = await connectV2(gh.url, viewer.access_token, mode);
    try {
      const r = await call(v2, 'list_events', {
        events: ['authentication.password_failed'],
        environment: 'sandbox',
      });
      expect(r.isError).toBe(false);
      const list = events(r.structured);
      expect(list).toHaveLength(1);
      expect(list[0]!.summary).toContain('viewer@demo.test');
      expect(list[0]!.summary).toContain('invalid_credentials');
    } finally {
      await v2.close();
    }
  }
});
