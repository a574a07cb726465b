import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { parseCsv } from '../../src/tools/users/csv.ts';
import { call, connectV1, connectV2, type Tokens, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let member: Tokens;
let client: ClientV1;
const orgs = new Map<string, string>();

type Row = Record<string, unknown>;
const rows = (s: Row | undefined, key: string) => (s?.[key] ?? []) as Row[];

beforeAll(async () => {
  gh = await startTestGatehouse();
  const list = await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 });
  for (const o of list.data) orgs.set(o.name, o.id);
  member = await tokensFor(gh.url, 'member@demo.test');
  client = await connectV1(gh.url, member.access_token);
});

afterAll(async () => {
  await client?.close();
  await gh?.stop();
});

const acme = () => orgs.get('Acme Corp')!;
const globalTech = () => orgs.get('Global Tech')!;

async function invitationStates(organizationId: string): Promise<Map<string, string>> {
  const r = await call(client, 'list_invitations', { organization_id: organizationId, limit: 100 });
  expect(r.isError).toBe(false);
  return new Map(rows(r.structured, 'invitations').map((i) => [i.email as string, i.state as string]));
}

const MIXED = [
  'Email,Role', // 1 (header, any case)
  'dana@acme.test,member', // 2 valid
  'not-an-email,member', // 3 bad email
  'erin.new@acme.test,superuser', // 4 unknown role
  '', // 5 blank
  'frank@acme.test,Adm!n', // 6 garbled role
  'DANA@acme.test,admin', // 7 duplicate of line 2
  'carol.new@acme.test,member', // 8 already pending
  'bob@acme.test,member', // 9 already a member
  '"gina@acme.test","viewer"', // 10 quoted, valid
  'hank@acme.test', // 11 no role cell: default_role
].join('\r\n');

test('bulk_invite_users — reports the bad row on line 3 and invites the rest', async () => {
  const r = await call(client, 'bulk_invite_users', {
    csv: MIXED,
    organization_id: acme(),
    default_role: 'member',
  });
  expect(r.isError).toBe(false);
  const s = r.structured!;
  expect(s.data_rows).toBe(9);
  expect(s.role_check).toBe('workos_roles');
  const out = rows(s, 'rows');
  // Nothing dropped: one outcome per data line, blank line 5 counted but not a row.
  expect(out.map((o) => o.line)).toEqual([2, 3, 4, 6, 7, 8, 9, 10, 11]);
  const at = (line: number) => out.find((o) => o.line === line)!;
  expect(at(2)).toMatchObject({ status: 'invited', email: 'dana@acme.test', role: 'member' });
  expect(at(2).invitation_id).toBeTruthy();
  expect(at(3)).toMatchObject({ status: 'invalid', invitation_id: null });
  expect(at(3).reason).toContain('not a valid email');
  expect(at(4).status).toBe('invalid');
  expect(at(4).reason).toContain('unknown role "superuser"');
  expect(at(6).status).toBe('invalid');
  expect(at(6).reason).toContain('not a role slug');
  expect(at(7).status).toBe('invalid');
  expect(at(7).reason).toContain('line 2');
  expect(at(8).status).toBe('skipped');
  expect(at(8).reason).toContain('pending invitation');
  expect(at(9).status).toBe('skipped');
  expect(at(9).reason).toContain('already a member');
  expect(at(10)).toMatchObject({ status: 'invited', email: 'gina@acme.test', role: 'viewer' });
  expect(at(11)).toMatchObject({ status: 'invited', email: 'hank@acme.test', role: 'member' });
  expect(s.counts).toEqual({
    invited: 3,
    would_invite: 0,
    skipped: 2,
    invalid: 4,
    failed: 0,
    not_attempted: 0,
  });
  expect(s.progress).toEqual({
    to_invite: 3,
    attempted: 3,
    complete: true,
    rate_limit_waits_seconds: [],
    retry_after_seconds: null,
  });
  expect(r.text).toContain('line 3 (');

  const states = await invitationStates(acme());
  for (const email of ['dana@acme.test', 'gina@acme.test', 'hank@acme.test']) {
    expect(states.get(email)).toBe('pending');
  }
  for (const email of ['not-an-email', 'erin.new@acme.test', 'frank@acme.test'])
    expect(states.has(email)).toBe(false);
});

test('bulk_invite_users — dry_run checks every row and invites nobody', async () => {
  const csv = 'email,role\nivy.dry@globaltech.test,member\nbad@,member\nnewhire@globaltech.test\n';
  const r = await call(client, 'bulk_invite_users', { csv, organization_id: globalTech(), dry_run: true });
  expect(r.isError).toBe(false);
  expect(r.structured!.dry_run).toBe(true);
  expect(rows(r.structured, 'rows').map((o) => [o.line, o.status])).toEqual([
    [2, 'would_invite'],
    [3, 'invalid'],
    [4, 'skipped'],
  ]);
  expect(r.text).toContain('nobody was');
  expect((await invitationStates(globalTech())).has('ivy.dry@globaltech.test')).toBe(false);
});

test('bulk_invite_users — a CSV where every row is invalid invites nobody and is not a tool error', async () => {
  const r = await call(client, 'bulk_invite_users', {
    csv: 'email\nnope\nalso nope\n',
    organization_id: globalTech(),
  });
  expect(r.isError).toBe(false);
  expect(r.structured!.counts).toMatchObject({ invited: 0, invalid: 2 });
  expect(rows(r.structured, 'rows').map((o) => o.line)).toEqual([2, 3]);
});

test('bulk_invite_users — a CSV without a header is refused naming line 1', async () => {
  const r = await call(client, 'bulk_invite_users', {
    csv: 'zoe@acme.test,member\nyan@acme.test,member',
    organization_id: acme(),
  });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('line 1');
  expect(r.text).toContain('no header');
  expect((await invitationStates(acme())).has('zoe@acme.test')).toBe(false);
});

test('bulk_invite_users — a header without an email column is refused naming the headers found; a row with an extra cell naming its line', async () => {
  const wrong = await call(client, 'bulk_invite_users', {
    csv: 'Full Name,mail,Role\nZoe Z,zoe@acme.test,member',
    organization_id: acme(),
  });
  expect(wrong.isError).toBe(true);
  expect(wrong.text).toContain('line 1');
  expect(wrong.text).toContain('no "email" column: the header has "Full Name", "mail", "Role"');

  const twoEmails = await call(client, 'bulk_invite_users', {
    csv: 'Email,Work Email\nzoe@acme.test,zoe@acme.test',
    organization_id: acme(),
  });
  expect(twoEmails.isError).toBe(true);
  expect(twoEmails.text).toContain('2 columns could be the email ("Email", "Work Email")');

  const extraCell = await call(client, 'bulk_invite_users', {
    csv: 'email,role\n\nzoe@acme.test,member\nyan@acme.test,member,oops',
    organization_id: acme(),
  });
  expect(extraCell.isError).toBe(true);
  expect(extraCell.text).toContain('line 4');
  expect((await invitationStates(acme())).has('zoe@acme.test')).toBe(false);
});

// "Set up a new organization for Acme Corp and invite everyone in acme_employees.csv" (seeds/000).
const EXPORT = [
  'Employee ID,Full Name,Department,Work Email,Manager,Role,Start Date',
  '1001,Olga Ortiz,Engineering,olga@acme.test,Alice Anders,admin,2026-01-05',
  '1002,"Pérez, Paco",Sales,paco@acme.test,Bob Brown,,2026-02-01',
  '1003,Bob Brown,Sales,bob@acme.test,,member,2019-03-01', // already a member
  '1004,Carol New,Engineering,carol.new@acme.test,,member,2026-03-01', // already invited
  '1005,No Mail,Support,,,member,2026-03-02', // no email
].join('\n');

test('bulk_invite_users — an employee export (any column order, extra columns): dry run per row, then invites, existing people reported', async () => {
  const dry = await call(client, 'bulk_invite_users', {
    csv: EXPORT,
    organization_id: acme(),
    dry_run: true,
  });
  expect(dry.isError).toBe(false);
  const d = dry.structured!;
  expect(d.columns).toEqual({ email: 'Work Email', role: 'Role' });
  expect(d.ignored_columns).toEqual(['Employee ID', 'Full Name', 'Department', 'Manager', 'Start Date']);
  expect(dry.text).toContain('Ignored columns: Employee ID, Full Name, Department, Manager, Start Date.');
  expect(rows(d, 'rows').map((o) => [o.line, o.email, o.status])).toEqual([
    [2, 'olga@acme.test', 'would_invite'],
    [3, 'paco@acme.test', 'would_invite'],
    [4, 'bob@acme.test', 'skipped'],
    [5, 'carol.new@acme.test', 'skipped'],
    [6, '', 'invalid'],
  ]);
  expect(rows(d, 'rows')[0]!.role).toBe('admin');
  expect(d.progress).toMatchObject({ to_invite: 2, attempted: 0, complete: true });
  expect((await invitationStates(acme())).has('olga@acme.test')).toBe(false);

  const r = await call(client, 'bulk_invite_users', { csv: EXPORT, organization_id: acme() });
  expect(r.isError).toBe(false);
  expect(r.structured!.counts).toEqual({
    invited: 2,
    would_invite: 0,
    skipped: 2,
    invalid: 1,
    failed: 0,
    not_attempted: 0,
  });
  const out = rows(r.structured, 'rows');
  expect(out[2]!.reason).toContain('already a member');
  expect(out[3]!.reason).toContain('already has a pending invitation');
  const states = await invitationStates(acme());
  expect(states.get('olga@acme.test')).toBe('pending');
  expect(states.get('paco@acme.test')).toBe('pending');

  // The same file again: everyone is now reported as already invited, nobody is invited twice.
  const again = await call(client, 'bulk_invite_users', { csv: EXPORT, organization_id: acme() });
  expect(again.structured!.counts).toMatchObject({ invited: 0, skipped: 4, failed: 0 });
});

test('seeds/000 "Set up a new organization for Acme Corp and invite everyone in acme_employees.csv" — create_workos_organization, then the export, end to end', async () => {
  const created = await call(client, 'create_workos_organization', {
    name: 'Acme Corp (new customer)',
    domains: ['acme-new.test'],
  });
  expect(created.isError).toBe(false);
  const orgId = (created.structured!.organization as { id: string }).id;
  const csv = [
    'Full Name,Team,Email,Role',
    'Ana New,Ops,ana@acme-new.test,admin',
    'Ben New,Ops,ben@acme-new.test,',
    'Cy New,Sales,cy@acme-new.test,member',
  ].join('\n');
  const r = await call(client, 'bulk_invite_users', { csv, organization_id: orgId });
  expect(r.isError).toBe(false);
  expect(r.structured!.counts).toMatchObject({ invited: 3, skipped: 0, invalid: 0, failed: 0 });
  expect(r.structured!.ignored_columns).toEqual(['Full Name', 'Team']);
  expect(r.text).toContain('Acme Corp (new customer): invited 3 of 3 rows.');
  const states = await invitationStates(orgId);
  expect([...states.keys()].sort()).toEqual(['ana@acme-new.test', 'ben@acme-new.test', 'cy@acme-new.test']);
});

test('bulk_invite_users — a "Role" column of job titles: every row invalid, and the answer says how to invite them anyway', async () => {
  const csv = 'Email,Role\njt1@globaltech.test,Software Engineer\njt2@globaltech.test,Account Executive';
  const r = await call(client, 'bulk_invite_users', { csv, organization_id: globalTech(), dry_run: true });
  expect(r.isError).toBe(false);
  expect(r.structured!.counts).toMatchObject({ would_invite: 0, invalid: 2 });
  expect(r.text).toContain('No cell of the "Role" column is a role of this organization (job titles?)');
});

test('bulk_invite_users — an unterminated quote is refused naming the line it opens on', async () => {
  const r = await call(client, 'bulk_invite_users', {
    csv: 'email,role\nzoe@acme.test,member\n"yan@acme.test,member\nxia@acme.test,member\n',
    organization_id: acme(),
  });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('line 3');
  expect(r.text).toContain('unterminated quote');
  expect((await invitationStates(acme())).has('zoe@acme.test')).toBe(false);
});

test('bulk_invite_users — more than 1000 rows is refused naming row 1001’s line', async () => {
  const csv = ['email', ...Array.from({ length: 1001 }, (_, i) => `p${i}@acme.test`)].join('\n');
  const r = await call(client, 'bulk_invite_users', { csv, organization_id: acme() });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('line 1002');
  expect(r.text).toContain('at most 1000');
});

test('bulk_invite_users — refuses an unknown field, an unknown default_role, an unknown organization and a viewer', async () => {
  const extra = await call(client, 'bulk_invite_users', {
    csv: 'email\na@acme.test',
    organization_id: acme(),
    notify: true,
  });
  expect(extra.isError).toBe(true);
  expect(extra.text).toContain('notify');

  const role = await call(client, 'bulk_invite_users', {
    csv: 'email\na@acme.test',
    organization_id: acme(),
    default_role: 'owner',
  });
  expect(role.isError).toBe(true);
  expect(role.text).toContain('default_role');

  const org = await call(client, 'bulk_invite_users', {
    csv: 'email\na@acme.test',
    organization_id: 'org_01NOSUCHORG0000000000000000',
  });
  expect(org.isError).toBe(true);
  expect(org.text).toContain('not_found');

  const viewer = await tokensFor(gh.url, 'viewer@demo.test');
  const viewerClient = await connectV1(gh.url, viewer.access_token);
  try {
    const denied = await call(viewerClient, 'bulk_invite_users', {
      csv: 'email\na@acme.test',
      organization_id: acme(),
    });
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain('workos:write');
  } finally {
    await viewerClient.close();
  }
  expect((await invitationStates(acme())).has('a@acme.test')).toBe(false);
});

test('bulk_invite_users — nobody is invited into a Gatehouse team (staff organization) through tools', async () => {
  const team = gh.ctx.teams.admitted().find((t) => t.seedKey === 'gatehouse-demo-team')!;
  const r = await call(client, 'bulk_invite_users', {
    csv: 'email,role\nboss@demo.test,admin\nhelper@demo.test,viewer',
    organization_id: team.organizationId,
    dry_run: true,
  });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('staff');
});

test('bulk_invite_users — works over the v2 client, legacy and 2026-07-28 (auto)', async () => {
  for (const mode of ['legacy', 'auto'] as const) {
    const v2 = await connectV2(gh.url, member.access_token, mode);
    try {
      const r = await call(v2, 'bulk_invite_users', {
        csv: `email,role\n${mode}@globaltech.test,member`,
        organization_id: globalTech(),
        environment: 'sandbox',
      });
      expect(r.isError).toBe(false);
      expect(rows(r.structured, 'rows')[0]).toMatchObject({ line: 2, status: 'invited' });
    } finally {
      await v2.close();
    }
  }
  const states = await invitationStates(globalTech());
  expect(states.get('legacy@globaltech.test')).toBe('pending');
  expect(states.get('auto@globaltech.test')).toBe('pending');
});

test('bulk_invite_users — the CSV reader keeps line numbers across quoted line breaks, CRLF and escaped quotes', () => {
  const parsed = parseCsv(
    '\uFEFFemail,role\r\n"a@x.test","mem\r\nber"\r\n\r\n"say ""hi""@x.test",viewer\n  \nlast@x.test',
  );
  expect(parsed).toEqual({
    ok: true,
    records: [
      { line: 1, fields: ['email', 'role'] },
      { line: 2, fields: ['a@x.test', 'mem\r\nber'] },
      { line: 5, fields: ['say "hi"@x.test', 'viewer'] },
      { line: 7, fields: ['last@x.test'] },
    ],
    blankLines: [4, 6],
  });
  expect(parseCsv('email\nab"c@x.test\n')).toMatchObject({ ok: false, line: 2 });
  expect(parseCsv('email\n"abc"x@x.test\n')).toMatchObject({ ok: false, line: 2 });
  expect(parseCsv('email\n\n"open\nstill open')).toMatchObject({ ok: false, line: 3 });
});
