import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { SECRET_CANARIES } from '../../src/emulator/seed/index.ts';
import { exportUrlAllowed, readExportCsv, readExportFile } from '../../src/tools/audit/export-file.ts';
import { call, connectV1, connectV2, type Tokens, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let member: Tokens;
let viewer: Tokens;
let client: ClientV1;
const orgs = new Map<string, string>();

type Row = Record<string, unknown>;
const list = (s: Row | undefined, key: string) => (s?.[key] ?? []) as Row[];
const DAY_MS = 24 * 60 * 60 * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  gh = await startTestGatehouse();
  const all = await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 });
  for (const o of all.data) orgs.set(o.name, o.id);
  [member, viewer] = await Promise.all([
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
  client = await connectV1(gh.url, member.access_token);
});

afterAll(async () => {
  await client?.close();
  await gh?.stop();
});

const lastDays = (days: number) => ({
  range_start: iso(Date.now() - days * DAY_MS),
  range_end: iso(Date.now() + 60_000),
});

test('get_audit_log_events — returns Acme’s events in the range, newest first, without secrets', async () => {
  const r = await call(client, 'get_audit_log_events', {
    organization_id: orgs.get('Acme Corp'),
    ...lastDays(30),
  });
  expect(r.isError).toBe(false);
  const s = r.structured!;
  expect(s).toMatchObject({
    state: 'ready',
    organization_name: 'Acme Corp',
    total_events: 5,
    truncated: false,
  });
  const events = list(s, 'events');
  // The 40-day-old settings change is outside the range.
  expect(events.map((e) => e.action)).toEqual([
    'user.signed_in',
    'document.updated',
    'user.invited',
    'api_key.created',
    'document.deleted',
  ]);
  expect(events[1]).toMatchObject({
    actor: { id: 'acme_user_bob', name: 'Bob Brown', type: 'user' },
    targets: [{ id: 'doc_q3_forecast', name: 'Q3 forecast', type: 'document' }],
    location: '198.51.100.24',
  });
  for (const canary of SECRET_CANARIES) expect(r.text).not.toContain(canary);
  expect(r.text).toContain('5 audit log events for Acme Corp');
});

test('get_audit_log_events — filters by action and honours limit', async () => {
  const acme = orgs.get('Acme Corp');
  const deleted = await call(client, 'get_audit_log_events', {
    organization_id: acme,
    ...lastDays(60),
    actions: ['document.deleted', 'settings.updated'],
  });
  expect(list(deleted.structured, 'events').map((e) => e.action)).toEqual([
    'document.deleted',
    'settings.updated',
  ]);
  expect(list(deleted.structured, 'events')[1]!.metadata).toEqual({
    setting: 'session_timeout',
    from: '8h',
    to: '12h',
  });

  const limited = await call(client, 'get_audit_log_events', {
    organization_id: acme,
    ...lastDays(60),
    limit: 2,
  });
  expect(limited.structured).toMatchObject({ total_events: 6, truncated: true });
  expect(list(limited.structured, 'events')).toHaveLength(2);
  expect(limited.text).toContain('the newest 2 are shown');
});

test('get_audit_log_events — says clearly when Initech has no events in the range', async () => {
  const range = lastDays(30);
  const r = await call(client, 'get_audit_log_events', { organization_id: orgs.get('Initech'), ...range });
  expect(r.isError).toBe(false);
  expect(r.structured).toMatchObject({ state: 'ready', total_events: 0, events: [] });
  expect(r.text).toContain(
    `No audit log events for Initech between ${range.range_start} and ${range.range_end}`,
  );
});

test('get_audit_log_events — refuses a reversed range, a range over 365 days, a malformed date and an unknown organization', async () => {
  const acme = orgs.get('Acme Corp');
  const reversed = await call(client, 'get_audit_log_events', {
    organization_id: acme,
    range_start: '2026-03-01',
    range_end: '2026-02-01',
  });
  expect(reversed.isError).toBe(true);
  expect(reversed.text).toContain('must be before range_end');

  const long = await call(client, 'get_audit_log_events', {
    organization_id: acme,
    range_start: '2024-01-01',
    range_end: '2026-01-01',
  });
  expect(long.isError).toBe(true);
  expect(long.text).toContain('365 days');

  const malformed = await call(client, 'get_audit_log_events', {
    organization_id: acme,
    range_start: '01/02/2026',
    range_end: '2026-03-01',
  });
  expect(malformed.isError).toBe(true);
  expect(malformed.text).toContain('range_start');

  const missing = await call(client, 'get_audit_log_events', { organization_id: acme });
  expect(missing.isError).toBe(true);
  expect(missing.text).toContain('range_start');

  const tooMany = await call(client, 'get_audit_log_events', {
    organization_id: acme,
    ...lastDays(1),
    limit: 5000,
  });
  expect(tooMany.isError).toBe(true);
  expect(tooMany.text).toContain('limit');

  const unknown = await call(client, 'get_audit_log_events', {
    organization_id: 'org_01NOSUCHORG0000000000000000',
    ...lastDays(1),
  });
  expect(unknown.isError).toBe(true);
  expect(unknown.text).toContain('not_found');
});

test('get_audit_log_events — the export file is only fetched from https or the WorkOS API origin, and read by column name', () => {
  const api = 'http://127.0.0.1:4010';
  expect(exportUrlAllowed('https://workos-exports.s3.amazonaws.com/x.csv?sig=1', api)).toBe(true);
  expect(exportUrlAllowed('http://127.0.0.1:4010/audit_logs/exports/x/download', api)).toBe(true);
  expect(exportUrlAllowed('http://127.0.0.1:4011/audit_logs/exports/x/download', api)).toBe(false);
  expect(exportUrlAllowed('http://169.254.169.254/latest/meta-data', api)).toBe(false);
  expect(exportUrlAllowed('file:///etc/passwd', api)).toBe(false);
  expect(exportUrlAllowed('https://user:pw@example.com/x', api)).toBe(false);

  const csv =
    'action,id,occurred_at,actor_name,actor_id,actor_type,targets,metadata,extra\r\n' +
    'user.signed_in,ev_1,2026-01-01T00:00:00.000Z,"Doe, Jane",u_1,user,"[{""id"":""t1"",""type"":""doc""}]","{""a"":1}",x\r\n';
  expect(readExportCsv(csv)).toEqual([
    {
      id: 'ev_1',
      action: 'user.signed_in',
      occurred_at: '2026-01-01T00:00:00.000Z',
      actor: { id: 'u_1', name: 'Doe, Jane', type: 'user' },
      targets: [{ id: 't1', name: null, type: 'doc' }],
      location: null,
      user_agent: null,
      metadata: { a: 1 },
      // An unknown column is kept, under its header name.
      extra: { extra: 'x' },
    },
  ]);
});

test('get_audit_log_events — the CSV reader is header-driven and tolerant: any order and spelling, unknown columns kept, missing ones null', () => {
  // WorkOS publishes no CSV layout: another plausible one, with a column the reader has never seen.
  const csv =
    'Occurred At,Action,Actor.Name,Actor ID,Context Location,Risk Score\r\n' +
    '2026-01-02T00:00:00.000Z,document.deleted,Bob,u_2,198.51.100.7,high\r\n';
  const { events, columns } = readExportFile(csv);
  expect(events).toEqual([
    {
      id: null,
      action: 'document.deleted',
      occurred_at: '2026-01-02T00:00:00.000Z',
      actor: { id: 'u_2', name: 'Bob', type: null },
      targets: [],
      location: '198.51.100.7',
      user_agent: null,
      metadata: {},
      extra: { 'Risk Score': 'high' },
    },
  ]);
  expect(columns).toEqual({
    read: ['Occurred At', 'Action', 'Actor.Name', 'Actor ID', 'Context Location'],
    missing: ['id', 'actor_type', 'targets'],
    extra: ['Risk Score'],
  });
  // A header alone: nothing happened in the range.
  expect(readExportFile('id,action,occurred_at\r\n').events).toEqual([]);
});

test('get_audit_log_events — WorkOS exports three months: an older start is moved up and said; a range ending before is refused', async () => {
  const acme = orgs.get('Acme Corp');
  // An event 100 days ago, recorded through the real SDK: outside what an export can reach.
  await teamWorkOS(gh).auditLogs.createEvent(acme!, {
    action: 'legacy.event',
    occurredAt: new Date(Date.now() - 100 * DAY_MS),
    actor: { id: 'u_old', type: 'user', name: 'Old' },
    targets: [{ id: 't_old', type: 'document' }],
    context: { location: '198.51.100.1' },
  });
  const r = await call(client, 'get_audit_log_events', { organization_id: acme, ...lastDays(120) });
  expect(r.isError).toBe(false);
  expect(list(r.structured, 'events').map((e) => e.action)).not.toContain('legacy.event');
  expect(Date.parse(String(r.structured!.exported_from))).toBeGreaterThan(Date.now() - 93 * DAY_MS);
  expect(r.text).toContain('WorkOS exports only the past 3 months: events before');

  const tooOld = await call(client, 'get_audit_log_events', {
    organization_id: acme,
    range_start: iso(Date.now() - 200 * DAY_MS),
    range_end: iso(Date.now() - 100 * DAY_MS),
  });
  expect(tooOld.isError).toBe(true);
  expect(tooOld.text).toContain('WorkOS exports only the past 3 months of audit log events');
});

test('audit_configuration — finds the draft and inactive connections, stale and unlinked directories and pending domains', async () => {
  const v1Viewer = await connectV1(gh.url, viewer.access_token);
  try {
    const r = await call(v1Viewer, 'audit_configuration', {});
    expect(r.isError).toBe(false);
    const s = r.structured!;
    expect(s.truncated).toBe(false);
    // The Demo team's own sandbox: its seven customers (the staff teams live in identity).
    expect(s.organizations_checked).toBe(7);

    const sso = s.sso_connections as { count: number; summary: string; findings: Row[] };
    expect(sso.findings.map((f) => [f.connection_name, f.organization_name, f.state]).sort()).toEqual(
      [
        ['Acme Google Workspace', 'Acme Corp', 'inactive'],
        ['Evil <script>alert(1)</script> Corp SAML', 'Evil <script>alert(1)</script> Corp', 'draft'],
        ['Initech Entra ID OIDC', 'Initech', 'draft'],
        ['Umbrella PingFederate', 'Umbrella Health', 'draft'],
        ['Wayne ADFS', 'Wayne Enterprises', 'inactive'],
      ].sort(),
    );
    expect(sso.count).toBe(5);

    const dirs = s.directories as { count: number; summary: string; findings: Row[] };
    expect(dirs.findings.map((f) => [f.directory_name, f.organization_name, f.problem]).sort()).toEqual([
      ['Global Tech Entra ID', 'Global Tech', 'no_recent_activity'],
      ['Wayne Workday', 'Wayne Enterprises', 'unlinked'],
    ]);
    const stale = dirs.findings.find((f) => f.directory_name === 'Global Tech Entra ID')!;
    // From its newest dsync event four days ago, not from updated_at (renamed two hours ago).
    expect(stale.hours_since_activity as number).toBeGreaterThanOrEqual(99);
    expect(stale.last_activity_at).toEqual(expect.any(String));
    expect(dirs.summary).toContain('Global Tech Entra ID (Global Tech): no provisioning activity for 99 h');
    expect((s.directories as { sync_signal: string }).sync_signal).toStartWith('dsync_events');

    const domains = s.domains as { count: number; summary: string; findings: Row[] };
    expect(domains.findings.map((f) => [f.domain, f.organization_name, f.state]).sort()).toEqual([
      ['acme-corp.test', 'Acme Corp', 'pending'],
      ['evil.test', 'Evil <script>alert(1)</script> Corp', 'pending'],
      ['initech.test', 'Initech', 'pending'],
      ['starkindustries.test', 'Stark Industries', 'pending'],
    ]);
    expect(domains.summary).toContain('4 domains not verified');
  } finally {
    await v1Viewer.close();
  }
});

test('audit_configuration — stale_after_hours widens the window; unknown fields are refused', async () => {
  const r = await call(client, 'audit_configuration', { stale_after_hours: 24 * 7 });
  const dirs = r.structured!.directories as { findings: Row[] };
  expect(dirs.findings.map((f) => f.directory_name)).toEqual(['Wayne Workday']);

  // Events are kept 30 days: a longer window could not be answered.
  const tooLong = await call(client, 'audit_configuration', { stale_after_hours: 24 * 31 });
  expect(tooLong.isError).toBe(true);
  expect(tooLong.text).toContain('stale_after_hours');

  const extra = await call(client, 'audit_configuration', { organization_id: orgs.get('Acme Corp') });
  expect(extra.isError).toBe(true);
  expect(extra.text).toContain('organization_id');
});

test('generate_admin_portal_link — returns a link for Acme’s Directory Sync setup that expires in 5 minutes', async () => {
  const r = await call(client, 'generate_admin_portal_link', {
    organization_id: orgs.get('Acme Corp'),
    intent: 'dsync',
  });
  expect(r.isError).toBe(false);
  const s = r.structured!;
  expect(s).toMatchObject({ organization_name: 'Acme Corp', intent: 'dsync', expires_in_seconds: 300 });
  expect(String(s.link)).toContain(orgs.get('Acme Corp')!);
  expect(r.text).toContain('expires in 5 minutes');
});

test('generate_admin_portal_link — refuses an unknown intent, a non-https return_url, an unknown organization and a viewer', async () => {
  const acme = orgs.get('Acme Corp');
  const intent = await call(client, 'generate_admin_portal_link', {
    organization_id: acme,
    intent: 'everything',
  });
  expect(intent.isError).toBe(true);
  expect(intent.text).toContain('intent');

  const url = await call(client, 'generate_admin_portal_link', {
    organization_id: acme,
    intent: 'dsync',
    return_url: 'http://example.com/back',
  });
  expect(url.isError).toBe(true);
  expect(url.text).toContain('return_url');

  const extra = await call(client, 'generate_admin_portal_link', {
    organization_id: acme,
    intent: 'sso',
    ttl: 60,
  });
  expect(extra.isError).toBe(true);
  expect(extra.text).toContain('unknown field(s) ttl');

  const unknown = await call(client, 'generate_admin_portal_link', {
    organization_id: 'org_01NOSUCHORG0000000000000000',
    intent: 'dsync',
  });
  expect(unknown.isError).toBe(true);
  expect(unknown.text).toContain('not_found');

  const v1Viewer = await connectV1(gh.url, viewer.access_token);
  try {
    const denied = await call(v1Viewer, 'generate_admin_portal_link', {
      organization_id: acme,
      intent: 'sso',
    });
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain('workos:write');
  } finally {
    await v1Viewer.close();
  }
});

test('audit tools — work over the v2 client, legacy and 2026-07-28 (auto)', async () => {
  for (const mode of ['legacy', 'auto'] as const) {
    const v2 = await connectV2(gh.url, member.access_token, mode);
    try {
      const events = await call(v2, 'get_audit_log_events', {
        organization_id: orgs.get('Global Tech'),
        ...lastDays(7),
        environment: 'sandbox',
      });
      expect(events.isError).toBe(false);
      expect(list(events.structured, 'events').map((e) => e.action)).toEqual([
        'user.signed_in',
        'report.exported',
      ]);
      const link = await call(v2, 'generate_admin_portal_link', {
        organization_id: orgs.get('Global Tech'),
        intent: 'audit_logs',
      });
      expect(link.isError).toBe(false);
    } finally {
      await v2.close();
    }
  }
});
