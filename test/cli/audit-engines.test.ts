/**
 * `gatehouse audit verify` / `export` against the configured database, on whichever engine the
 * suite runs on (docs/postgresql.md, "Audit on PostgreSQL"): with DATABASE_URL the data dir holds
 * neither the key nor the head (GATEHOUSE_AUDIT_SIGNING_KEY and `audit_heads` stand in); and
 * `gatehouse backup` / `restore`, which copy a SQLite file, refuse PostgreSQL with the tools to use.
 */
import { afterAll, expect, setDefaultTimeout, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditHeadWriter } from '../../src/audit/head.ts';
import { configuredAuditKey, signHash } from '../../src/audit/keys.ts';
import { AuditService } from '../../src/audit/service.ts';
import { loadConfig } from '../../src/config/index.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { openConfiguredDatabase } from '../../src/db/open.ts';
import { freshPostgres, onPostgres } from '../support/pg.ts';
import { gatehouse, tempDir } from './run.ts';

setDefaultTimeout(60_000);

const dirs: string[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const signingKey = () =>
  generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');

/** A data dir, and on PostgreSQL a database of its own with the secrets DATABASE_URL requires. */
async function deployment(): Promise<Record<string, string>> {
  const dir = tempDir('gatehouse-audit-engines-');
  dirs.push(dir);
  if (!onPostgres) return { GATEHOUSE_DATA_DIR: dir };
  const pg = await freshPostgres();
  drops.push(pg.drop);
  return {
    GATEHOUSE_DATA_DIR: dir,
    DATABASE_URL: pg.url,
    WORKOS_COOKIE_PASSWORD: 'test-cookie-password-for-postgres-runs-0123456789',
    GATEHOUSE_AUDIT_SIGNING_KEY: signingKey(),
  };
}

/** Appends `n` entries and writes the signed head, as a server of this deployment would. */
function appendEntries(env: Record<string, string>, n: number): void {
  const config = loadConfig(env);
  const db = openConfiguredDatabase(config);
  try {
    applyMigrations(db);
    const key = configuredAuditKey(config);
    const audit = new AuditService(db, { now: () => 1_800_000_000_000 }, (h) => signHash(key, h));
    const head = new AuditHeadWriter(db.$client, key, config.dataDir, () => 1_800_000_000_000);
    for (let i = 0; i < n; i++)
      audit.append({ event: 'tool.call', outcome: 'allowed', teamId: 'team_1', tool: `tool_${i}` });
    head.close();
  } finally {
    db.$client.close();
  }
}

test('audit verify — checks the configured database with the configured key and its stored head', async () => {
  const env = await deployment();
  appendEntries(env, 3);
  if (onPostgres) expect(readdirSync(env.GATEHOUSE_DATA_DIR!)).toEqual([]);

  const ok = await gatehouse(['audit', 'verify'], { env });
  expect(ok.stderr).toBe('');
  expect(ok.stdout).toContain('Audit trail intact: 3 entries verified');
  expect(ok.stdout).toContain('signed head at #3');
  expect(ok.code).toBe(0);

  // Entry #3 removed while no server runs: the stored head still names it.
  const config = loadConfig(env);
  const db = openConfiguredDatabase(config);
  db.$client.run('DELETE FROM audit_entries WHERE seq = ?', [3]);
  db.$client.close();
  const cut = await gatehouse(['audit', 'verify'], { env });
  expect(cut.stdout).toContain('the trail ends at entry #2, but the signed head');
  expect(cut.stdout).toContain('entries were removed from the end');
  expect(cut.code).toBe(1);
});

test('audit export — streams the configured database as JSON Lines', async () => {
  const env = await deployment();
  appendEntries(env, 4);
  const r = await gatehouse(['audit', 'export', '--format', 'jsonl'], { env });
  expect(r.code).toBe(0);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { seq: number; tool: string });
  expect(lines.map((l) => l.tool)).toEqual(['tool_0', 'tool_1', 'tool_2', 'tool_3']);
});

test.skipIf(!existsSync('/dev/full'))(
  'audit export > /dev/full — exit 1, one line naming ENOSPC as every command says it',
  async () => {
    const env = await deployment();
    appendEntries(env, 4);
    const r = await gatehouse(['audit', 'export'], { env, stdoutFile: '/dev/full' });
    expect(r.stderr).toBe(
      'gatehouse: cannot write to standard output: ENOSPC: no space left on device, write\n',
    );
    expect(r.code).toBe(1);
  },
);

test('audit verify — a --public-key that is not a key is a usage error that names the file', async () => {
  const env = await deployment();
  appendEntries(env, 1);
  const bogus = join(env.GATEHOUSE_DATA_DIR!, 'bogus.pem');
  writeFileSync(bogus, 'not a key\n');
  const r = await gatehouse(['audit', 'verify', '--public-key', bogus], { env });
  expect(r.stderr).toContain(`${bogus} is not an audit public key (PEM)`);
  expect(r.code).toBe(2);
});

// DATABASE_URL needs no server here: both refuse before connecting, on either engine's suite.
const onPostgresEnv = (dir: string) => ({
  GATEHOUSE_DATA_DIR: dir,
  DATABASE_URL: 'postgres://gatehouse:secret@127.0.0.1:1/gatehouse',
  WORKOS_COOKIE_PASSWORD: 'test-cookie-password-for-postgres-runs-0123456789',
  GATEHOUSE_AUDIT_SIGNING_KEY: signingKey(),
});

test('backup — with DATABASE_URL it refuses, names pg_dump and writes nothing', async () => {
  const dir = tempDir('gatehouse-audit-engines-');
  dirs.push(dir);
  const target = join(dir, 'backup.tar.gz');
  const r = await gatehouse(['backup', target], { env: onPostgresEnv(dir) });
  expect(r.stderr).toContain('DATABASE_URL');
  expect(r.stderr).toContain('pg_dump');
  expect(r.stderr).not.toContain('secret@');
  expect(r.code).toBe(2);
  expect(existsSync(target)).toBe(false);
});

test('restore — with DATABASE_URL it refuses and names pg_restore', async () => {
  const dir = tempDir('gatehouse-audit-engines-');
  const elsewhere = tempDir('gatehouse-audit-engines-');
  dirs.push(dir, elsewhere);
  const archive = join(elsewhere, 'backup.tar.gz');
  writeFileSync(archive, 'not read');
  const r = await gatehouse(['restore', archive], { env: onPostgresEnv(dir) });
  expect(r.stderr).toContain('pg_restore');
  expect(r.code).toBe(2);
  expect(readdirSync(dir)).toEqual([]);
});
