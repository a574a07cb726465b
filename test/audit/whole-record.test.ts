/**
 * The signed audit entry commits to the whole request: arguments larger than an entry holds are
 * kept whole out of line, the entry carries their SHA-256 and byte length (covered by the chain
 * and the signature), `audit verify` checks them, the console shows a preview with a link to the
 * whole record (admins), and exports carry it. For integration calls the entry also records the
 * method, URL, header names and body hash that went out.
 */
import type { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/crypto/random.ts';
import { HTML_ORG_NAME } from '../../src/emulator/seed/index.ts';
import {
  agentFor,
  Console,
  type FakeLinear,
  LINEAR_URL,
  ok,
  requestAccess,
  sessionRequest,
  startFakeLinear,
} from '../approvals/support.ts';
import { type AnyClient, call } from '../support/mcp.ts';
import { forgetPostgres, onPostgres, openStore } from '../support/pg.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';
import { copyPgDatabase } from '../support/stores.ts';
import { runCli } from '../support/subprocess.ts';

// Each file starts real servers: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const TEAM = 'Gatehouse Demo Team';

/** 20 KiB+ of comment in front of the query that matters, with markup to prove escaping. */
const PADDING = Array.from({ length: 700 }, (_, i) => `pad ${i} <script>alert(${i})</script>`).join(' ');
const PADDED_QUERY = `# ${PADDING}\nquery { viewer { id name } }`;
/** A long bulk-invite CSV: the last lines must not be lost. */
const CSV = [
  'email,role',
  ...Array.from({ length: 900 }, (_, i) => `person${i}@bulk-audit.example,member`),
].join('\n');

let gh: TestGatehouse;
let fake: FakeLinear;
let agent: AnyClient;
let admin: Console;
let member: Console;
let linearArgs: Record<string, unknown>;
let csvArgs: Record<string, unknown>;
let linearSeq: number;
let csvSeq: number;
const dirs: string[] = [];

interface EntryRow {
  seq: number;
  id: string;
  args: string | null;
  details: string | null;
  args_sha256: string | null;
  args_bytes: number | null;
}

const entry = (seq: number) =>
  gh.ctx.db.$client
    .query<EntryRow, [number]>(
      'SELECT seq, id, args, details, args_sha256, args_bytes FROM audit_entries WHERE seq = ?',
    )
    .get(seq)!;

const lastToolCall = (tool: string) =>
  gh.ctx.db.$client
    .query<{ seq: number }, [string]>(
      "SELECT seq FROM audit_entries WHERE event = 'tool.call' AND tool = ? ORDER BY seq DESC LIMIT 1",
    )
    .get(tool)!.seq;

const wholeArgs = (id: string) =>
  gh.ctx.db.$client
    .query<{ content: string }, [string]>(
      "SELECT content FROM audit_records WHERE entry_id = ? AND field = 'args'",
    )
    .get(id)?.content;

/** `gatehouse audit …` on a data dir (on PostgreSQL, with that data dir's database). */
const cli = (dataDir: string, ...args: string[]) => runCli(dataDir, 'audit', ...args);

/**
 * A consistent copy of the running server's data dir (database, key, head), to tamper with: on
 * PostgreSQL a database of its own holding the same rows (the head is one of them, the key is
 * the shared GATEHOUSE_AUDIT_SIGNING_KEY).
 */
async function snapshot(): Promise<{ dir: string; db: Database }> {
  gh.ctx.auditHead.flush();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-whole-'));
  dirs.push(dir);
  if (onPostgres) await copyPgDatabase(gh.dataDir, dir);
  else {
    gh.ctx.db.$client.run(`VACUUM INTO '${join(dir, 'gatehouse.db')}'`);
    for (const f of ['audit-ed25519.pub', 'audit-head.json']) copyFileSync(join(gh.dataDir, f), join(dir, f));
  }
  return { dir, db: await openStore(dir) };
}

beforeAll(async () => {
  fake = startFakeLinear();
  gh = await startTestGatehouse({ testHooks: { outboundHostMap: { 'api.linear.app': fake.origin } } });
  [agent, admin, member] = await Promise.all([
    agentFor(gh, 'member@demo.test'),
    Console.signIn(gh.url, 'admin@demo.test', TEAM),
    Console.signIn(gh.url, 'member@demo.test'),
  ]);
  const grant = await requestAccess(agent, sessionRequest(['linear'], 'read'));
  expect((await member.approve(grant.id, { providers: ['linear'], level: 'read' })).status).toBe(303);

  linearArgs = { method: 'POST', url: LINEAR_URL, body: { query: PADDED_QUERY } };
  await ok(agent, 'call_integration_api', linearArgs);
  linearSeq = lastToolCall('call_integration_api');

  const org = (await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 })).data.find(
    (o) => o.name !== HTML_ORG_NAME,
  )!;
  csvArgs = { csv: CSV, organization_id: org.id, dry_run: true };
  await ok(agent, 'bulk_invite_users', csvArgs);
  csvSeq = lastToolCall('bulk_invite_users');
});
afterAll(async () => {
  await agent?.close();
  await gh?.stop();
  fake?.stop();
  for (const d of dirs) {
    rmSync(d, { recursive: true, force: true });
    await forgetPostgres(d);
  }
});

describe('the trail keeps the whole request', () => {
  test('a 20 KiB+ padded integration call: whole args out of line, hash and length in the signed entry', () => {
    const e = entry(linearSeq);
    const whole = wholeArgs(e.id)!;
    expect(whole.length).toBeGreaterThan(20 * 1024);
    expect(JSON.parse(whole)).toEqual(linearArgs);
    // The end of the query — what actually ran — is in the trail, not just the padding.
    expect(whole).toContain('query { viewer { id name } }');
    expect(e.args_sha256).toBe(sha256(whole));
    expect(e.args_bytes).toBe(Buffer.byteLength(whole, 'utf8'));
    // The entry itself holds a preview: the start of the same JSON.
    expect(whole.startsWith(e.args!)).toBe(true);
    expect(e.args!.length).toBeLessThan(whole.length);
  });

  test('call_integration_api: the method, URL, header names and body hash that went out are signed', () => {
    const sent = fake.requests.at(-1)!;
    const details = JSON.parse(entry(linearSeq).details!) as {
      requests: {
        method: string;
        url: string;
        url_sha256: string;
        header_names: string[];
        body_sha256: string;
        body_bytes: number;
        status: number;
      }[];
    };
    expect(details.requests).toHaveLength(1);
    const r = details.requests[0]!;
    expect(r).toMatchObject({ method: 'POST', url: LINEAR_URL, url_sha256: sha256(LINEAR_URL), status: 200 });
    // The body as the provider received it, byte for byte.
    expect(r.body_sha256).toBe(sha256(sent.body));
    expect(r.body_bytes).toBe(Buffer.byteLength(sent.body, 'utf8'));
    expect(sent.body).toContain('query { viewer { id name } }');
    // Header names, never values: the injected credential is named, not recorded.
    expect(r.header_names).toContain('authorization');
    for (const name of r.header_names) expect(Object.keys(sent.headers)).toContain(name);
    expect(entry(linearSeq).details).not.toContain(sent.headers.authorization!);
  });

  test('a long bulk-invite CSV: every line recoverable from the trail', () => {
    const e = entry(csvSeq);
    const whole = wholeArgs(e.id)!;
    expect(JSON.parse(whole)).toEqual(csvArgs);
    expect(whole).toContain('person899@bulk-audit.example');
    expect(e.args).not.toContain('person899@bulk-audit.example');
    expect(e.args_sha256).toBe(sha256(whole));
  });

  test('an unknown tool with a 20 KiB name: the whole name is in the trail', async () => {
    const name = `no_such_tool_${'x'.repeat(20 * 1024)}_END`;
    const r = await call(agent, name, { a: 1 });
    expect(r.isError).toBe(true);
    const e = gh.ctx.db.$client
      .query<{ id: string; tool: string; details_sha256: string | null }, []>(
        "SELECT id, tool, details_sha256 FROM audit_entries WHERE event = 'tool.call' ORDER BY seq DESC LIMIT 1",
      )
      .get()!;
    expect(e.tool).toBe(name.slice(0, 100));
    const whole = gh.ctx.db.$client
      .query<{ content: string }, [string]>(
        "SELECT content FROM audit_records WHERE entry_id = ? AND field = 'details'",
      )
      .get(e.id)!.content;
    expect((JSON.parse(whole) as { requested_tool: string }).requested_tool).toBe(name);
    expect(e.details_sha256).toBe(sha256(whole));
  });

  test('verify — out-of-line records checked: intact, then an altered one fails, naming its entry', async () => {
    const { dir, db } = await snapshot();
    const intact = await cli(dir, 'verify');
    expect(intact.stdout).toContain('Audit trail intact');
    expect(intact.stdout).toContain('out-of-line records');
    expect(intact.code).toBe(0);
    const id = entry(csvSeq).id;
    db.run(
      "UPDATE audit_records SET content = replace(content, 'person899@bulk-audit.example', 'someone@else.example') WHERE entry_id = ?",
      [id],
    );
    db.close();
    const r = await cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`BROKEN at entry #${csvSeq} (${id}`);
    expect(r.stdout).toContain('does not match the SHA-256 and length in the signed entry');
  });

  test('verify — a removed out-of-line record fails, naming its entry', async () => {
    const { dir, db } = await snapshot();
    db.run('DELETE FROM audit_records WHERE entry_id = ?', [entry(linearSeq).id]);
    db.close();
    const r = await cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`BROKEN at entry #${linearSeq}`);
    expect(r.stdout).toContain('its whole args (kept out of line) is missing');
  });

  test('verify — dropping the hash from the entry (to hide the record) breaks the chain', async () => {
    const { dir, db } = await snapshot();
    db.run('UPDATE audit_entries SET args_sha256 = NULL, args_bytes = NULL WHERE seq = ?', [linearSeq]);
    db.close();
    const r = await cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`BROKEN at entry #${linearSeq}`);
    expect(r.stdout).toContain('the entry was altered');
  });

  test('export (CLI) — JSON Lines and CSV carry the whole arguments', async () => {
    const { dir, db } = await snapshot();
    db.close();
    const jsonl = await cli(dir, 'export');
    expect(jsonl.code).toBe(0);
    const lines = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; args: unknown; args_sha256: string | null });
    const linear = lines.find((l) => l.seq === linearSeq)!;
    expect(linear.args).toEqual(linearArgs);
    expect(linear.args_sha256).toBe(entry(linearSeq).args_sha256);
    expect(lines.find((l) => l.seq === csvSeq)!.args).toEqual(csvArgs);
    const csv = await cli(dir, 'export', '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.stdout).toContain('person899@bulk-audit.example');
  });
});

describe('console', () => {
  const recordHref = (seq: number) => `/audit/entries/${seq}/args`;

  test('/audit shows a preview with a link to the whole record (admin), escaped', async () => {
    const { status, html } = await admin.get('/audit?tool=call_integration_api');
    expect(status).toBe(200);
    const row = new RegExp(`<tr data-seq="${linearSeq}"[\\s\\S]*?</tr>`).exec(html)![0];
    expect(row).toContain('data-testid="preview-args"');
    expect(row).toContain(`<a href="${recordHref(linearSeq)}" data-testid="whole-args">`);
    expect(row).toContain('&lt;script&gt;alert(0)&lt;/script&gt;');
    expect(row).not.toContain('<script>');
    // Only a preview on the list: the end of the query is behind the link.
    expect(row).not.toContain('query { viewer { id name } }');
  });

  test('the link returns the whole record, escaped, and its exact JSON', async () => {
    const page = await admin.get(recordHref(linearSeq));
    expect(page.status).toBe(200);
    expect(page.html).toContain('data-testid="record-content"');
    expect(page.html).toContain('query { viewer { id name } }');
    expect(page.html).toContain('&lt;script&gt;alert(699)&lt;/script&gt;');
    expect(page.html).not.toContain('<script>alert(');
    expect(page.html).toContain(entry(linearSeq).args_sha256!);
    expect(page.html).toContain('the ones the signed entry commits to');

    const raw = await admin.get(`${recordHref(linearSeq)}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(raw.res.headers.get('content-disposition')).toStartWith('attachment;');
    expect(raw.res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(sha256(raw.html)).toBe(entry(linearSeq).args_sha256!);
    expect(JSON.parse(raw.html)).toEqual(linearArgs);

    // No such entry, field or number: 404.
    expect((await admin.get('/audit/entries/999999/args')).status).toBe(404);
    expect((await admin.get(`/audit/entries/${linearSeq}/signature`)).status).toBe(404);
    expect((await admin.get('/audit/entries/0x1/args')).status).toBe(404);
  });

  test('admins only: a member sees the preview of their own call but no link, and is refused the record', async () => {
    const { html } = await member.get('/audit?tool=call_integration_api');
    const row = new RegExp(`<tr data-seq="${linearSeq}"[\\s\\S]*?</tr>`).exec(html)![0];
    expect(row).toContain('data-testid="preview-args"');
    expect(row).not.toContain('data-testid="whole-args"');
    expect(row).toContain('Team admins can open the whole record.');
    expect((await member.get(recordHref(linearSeq))).status).toBe(403);
    expect((await member.get(`${recordHref(linearSeq)}/raw`)).status).toBe(403);
  });

  test('export (console) — the whole arguments are in the download', async () => {
    const csrf = await admin.csrf();
    const res = await admin.post('/audit/export', { _csrf: csrf, format: 'jsonl' });
    expect(res.status).toBe(200);
    const lines = res.html
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; args: unknown });
    expect(lines.find((l) => l.seq === linearSeq)!.args).toEqual(linearArgs);
    expect(lines.find((l) => l.seq === csvSeq)!.args).toEqual(csvArgs);
  });

  test('the console Verify checks the out-of-line records too', async () => {
    const csrf = await admin.csrf();
    const ok1 = await admin.post('/audit/verify', { _csrf: csrf }, { 'hx-request': 'true' });
    expect(ok1.html).toContain('class="verify ok"');
    const id = entry(linearSeq).id;
    const before = wholeArgs(id)!;
    gh.ctx.db.$client.run(
      "UPDATE audit_records SET content = replace(content, 'viewer', 'VIEWER') WHERE entry_id = ?",
      [id],
    );
    try {
      const broken = await admin.post('/audit/verify', { _csrf: csrf }, { 'hx-request': 'true' });
      expect(broken.html).toContain(`Audit trail BROKEN at entry #${linearSeq}`);
      const page = await admin.get(recordHref(linearSeq));
      expect(page.html).toContain('does not match the SHA-256 and length the signed entry commits to');
    } finally {
      gh.ctx.db.$client.run("UPDATE audit_records SET content = ? WHERE entry_id = ? AND field = 'args'", [
        before,
        id,
      ]);
    }
  });
});
