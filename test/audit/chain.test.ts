import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { forgetPostgres, onPostgres, openStore, PG_ADMIN_URL, postgresFor } from '../support/pg.ts';
import { startTestGatehouse } from '../support/server.ts';
import { copyDataDir, removeStoredHead, storedHead, writeStoredHead } from '../support/stores.ts';
import { MAIN, runCli } from '../support/subprocess.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let pristine: string;
const copies: string[] = [];
let toolCalls = 0;

/** `gatehouse audit …` on a data dir (on PostgreSQL, with that data dir's database). */
const cli = (dataDir: string, ...args: string[]) => runCli(dataDir, 'audit', ...args);

/** A private copy of the recorded data dir (on PostgreSQL, of its database too) to tamper with. */
async function copy(): Promise<{ dir: string; db: Database }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-'));
  copies.push(dir);
  await copyDataDir(pristine, dir);
  return { dir, db: await openStore(dir) };
}

/** The recorded trail, read the way an operator's query would (read-only on SQLite). */
const pristineStore = () =>
  onPostgres
    ? openStore(pristine)
    : Promise.resolve(new Database(join(pristine, 'gatehouse.db'), { readonly: true }));

beforeAll(async () => {
  const gh = await startTestGatehouse({ keepDataDir: true });
  const t = await tokensFor(gh.url, 'member@demo.test');
  const client = await connectV1(gh.url, t.access_token);
  const calls: [string, Record<string, unknown>][] = [
    ['whoami', {}],
    ['list_workos_organizations', { limit: 3 }],
    ['whoami', { not_a_field: true }], // invalid arguments: denied, still audited
    ['switch_environment', { environment: 'production' }], // denied for a member
    ['no_such_tool', {}], // unknown tool: denied, still audited
    ['list_users', { limit: 2 }],
    ['get_organization_details', { organization_id: 'org_does_not_exist' }], // WorkOS 404: failed
  ];
  for (const [name, args] of calls) {
    await call(client, name, args);
    toolCalls++;
  }
  await client.close();
  await gh.stop();
  pristine = gh.dataDir;
});
afterAll(async () => {
  for (const d of [pristine, ...copies]) {
    rmSync(d, { recursive: true, force: true });
    await forgetPostgres(d);
  }
});

describe('audit trail', () => {
  test('tool calls — every call, allowed, failed or denied, has exactly one entry', async () => {
    const db = await pristineStore();
    const rows = db
      .query<{ tool: string; outcome: string; reason: string | null }, []>(
        "SELECT tool, outcome, reason FROM audit_entries WHERE event = 'tool.call' ORDER BY seq",
      )
      .all();
    db.close();
    expect(rows).toHaveLength(toolCalls);
    expect(rows.map((r) => [r.outcome, r.reason])).toEqual([
      ['allowed', null],
      ['allowed', null],
      ['denied', 'invalid_arguments'],
      ['denied', 'production_not_allowed'],
      ['denied', 'unknown_tool'],
      ['allowed', null],
      ['failed', 'not_found'],
    ]);
  });

  test('sign-ins, consents and token issue — also audited', async () => {
    const db = await pristineStore();
    const events = db
      .query<{ event: string }, []>('SELECT DISTINCT event FROM audit_entries')
      .all()
      .map((r) => r.event);
    db.close();
    for (const e of ['auth.sign_in', 'oauth.consent', 'oauth.token_issued', 'tool.call'])
      expect(events).toContain(e);
  });

  test('verify — an untouched trail verifies, exit 0', async () => {
    const { dir, db } = await copy();
    db.close();
    const r = await cli(dir, 'verify');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Audit trail intact: \d+ entries verified \(.*signed head at #\d+\)/);
  });

  test('verify — an altered entry is named as altered', async () => {
    const { dir, db } = await copy();
    db.run('UPDATE audit_entries SET args = \'{"limit":100}\' WHERE seq = 3');
    db.close();
    const r = await cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('BROKEN at entry #3');
    expect(r.stdout).toContain('the entry was altered');
  });

  test('verify — a deleted entry is found at the entry after the gap', async () => {
    const { dir, db } = await copy();
    db.run('DELETE FROM audit_entries WHERE seq = 4');
    db.close();
    const r = await cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('BROKEN at entry #5');
    expect(r.stdout).toContain('does not match entry #3');
  });

  test('verify — two reordered entries are caught at the first of them', async () => {
    const { dir, db } = await copy();
    const cols =
      'id, at, event, team_id, user_id, actor_email, client_id, family_id, session_id, tool, environment, outcome, reason, args, latency_ms, details, prev_hash, hash, signature';
    // `as select` in lower case: the PostgreSQL bridge quotes an `AS` followed by capitals as an alias.
    db.run(`CREATE TEMP TABLE t as select seq, ${cols} FROM audit_entries WHERE seq IN (3, 4)`);
    db.run("UPDATE audit_entries SET id = id || '-x' WHERE seq IN (3, 4)");
    for (const [to, from] of [
      [3, 4],
      [4, 3],
    ]) {
      const sets = cols
        .split(', ')
        .map((c) => `${c} = (SELECT ${c} FROM t WHERE seq = ${from})`)
        .join(', ');
      db.run(`UPDATE audit_entries SET ${sets} WHERE seq = ${to}`);
    }
    db.close();
    const r = await cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('BROKEN at entry #3');
    expect(r.stdout).toContain('reordered');
  });

  test('verify — a forged entry with a recomputed hash fails its signature', async () => {
    const { dir, db } = await copy();
    const { canonical } = await import('../../src/audit/chain.ts');
    const { sha256 } = await import('../../src/crypto/random.ts');
    // Rewrite the last entry and recompute its hash, as someone without the private key could.
    const row = db
      .query<Record<string, unknown>, []>(
        'SELECT seq, id, at, event, team_id AS teamId, user_id AS userId, actor_email AS actorEmail, client_id AS clientId, family_id AS familyId, session_id AS sessionId, tool, environment, outcome, reason, args, latency_ms AS latencyMs, details, prev_hash AS prevHash FROM audit_entries ORDER BY seq DESC LIMIT 1',
      )
      .get()!;
    const forged = { ...row, reason: 'forged' } as never;
    const hash = sha256(canonical(forged, row.prevHash as string));
    db.run("UPDATE audit_entries SET reason = 'forged', hash = ? WHERE seq = ?", [hash, row.seq as number]);
    db.close();
    const r = await cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`BROKEN at entry #${row.seq}`);
    expect(r.stdout).toContain('signature is invalid');
  });

  test('verify — entries cut off the end are caught by the signed head', async () => {
    const { dir, db } = await copy();
    const last = db.query<{ seq: number }, []>('SELECT max(seq) AS seq FROM audit_entries').get()!.seq;
    db.run('DELETE FROM audit_entries WHERE seq > ?', [last - 2]);
    db.close();
    const r = await cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`the trail ends at entry #${last - 2}`);
    expect(r.stdout).toContain(`records entry #${last}: entries were removed from the end`);
  });

  test('verify — a missing or forged signed head fails instead of vouching for the end', async () => {
    const { dir, db } = await copy();
    db.close();
    const head = await storedHead(dir);
    await writeStoredHead(dir, { ...head, seq: head.seq - 1 });
    const forged = await cli(dir, 'verify');
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('the signed head is not signed by the audit key');
    await removeStoredHead(dir);
    const missing = await cli(dir, 'verify');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('is missing, so entries removed from the end could not be detected');
  });

  test('export — JSON Lines, one parsable line per entry', async () => {
    const r = await cli(pristine, 'export');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; hash: string; at: string });
    expect(lines.length).toBeGreaterThan(toolCalls);
    expect(lines[0]!.seq).toBe(1);
    expect(lines[0]!.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  test('export — CSV with a header and quoted fields', async () => {
    const r = await cli(pristine, 'export', '--format', 'csv', '--since', '1d');
    expect(r.code).toBe(0);
    const [header] = r.stdout.split('\r\n');
    expect(header).toStartWith('seq,id,at,event');
  });

  test('export --after-seq — resumes after an entry: exactly the entries committed after it, none twice', async () => {
    const all = (await cli(pristine, 'export')).stdout.trim().split('\n');
    const cut = Math.floor(all.length / 2);
    const lastSeq = (JSON.parse(all[cut - 1]!) as { seq: number }).seq;
    const rest = await cli(pristine, 'export', '--after-seq', String(lastSeq));
    expect(rest.code).toBe(0);
    expect([...all.slice(0, cut), ...rest.stdout.trim().split('\n')]).toEqual(all);
    for (const bad of ['-1', '1.5', 'last']) {
      const r = await cli(pristine, 'export', `--after-seq=${bad}`);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--after-seq must be an entry's seq");
    }
  });

  test('export — a future --since exports nothing', async () => {
    const r = await cli(pristine, 'export', '--since', '2999-01-01');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  test('export — a bad --format or --since is refused with exit 2', async () => {
    expect((await cli(pristine, 'export', '--format', 'xml')).stderr).toContain(
      "--format must be one of jsonl, csv, got 'xml'",
    );
    const since = await cli(pristine, 'export', '--since', 'yesterday');
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since must be an ISO date');
  });

  test('verify — no database is a clear error', async () => {
    const nowhere = join(tmpdir(), 'gatehouse-nowhere-xyz');
    if (!onPostgres) {
      const r = await cli(nowhere, 'verify');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/No (audit public key|Gatehouse database)/);
      return;
    }
    // On PostgreSQL "no database" is a DATABASE_URL naming a database that does not exist.
    const url = new URL(PG_ADMIN_URL!);
    url.pathname = '/gatehouse_nowhere_xyz';
    const { env } = await postgresFor(pristine);
    const p = Bun.spawn([process.execPath, MAIN, 'audit', 'verify'], {
      env: { PATH: process.env.PATH!, ...env, GATEHOUSE_DATA_DIR: nowhere, DATABASE_URL: url.toString() },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    expect(code).toBe(2);
    expect(stderr).toContain('the database does not exist');
  });
});
