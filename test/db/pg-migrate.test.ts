/**
 * Migrations on PostgreSQL (src/db/pg/migrate.ts): replicas starting together migrate once, and
 * a database the user may not change, or that does not exist, is a clear configuration error.
 * Runs on the suite's PostgreSQL pass (test/support/pg.ts).
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../../db/migrations-pg/index.ts';
import { gatehouse } from '../cli/run.ts';
import { onPostgres, PG_ADMIN_URL, withSql } from '../support/pg.ts';

setDefaultTimeout(60_000);

const name = `gh_t${process.pid}_migrate`;
const role = `gh_t${process.pid}_ro`;
const dirs: string[] = [];
const KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ type: 'pkcs8', format: 'der' })
  .toString('base64');

function urlOf(database: string, user?: string): string {
  const u = new URL(PG_ADMIN_URL!);
  u.pathname = `/${database}`;
  if (user) u.username = user;
  return u.toString();
}

function admin(statements: string[]): Promise<void> {
  return withSql(async (sql) => {
    for (const s of statements) await sql.unsafe(s);
  });
}

async function migrate(url: string): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrate-'));
  dirs.push(dir);
  const { code, stdout, stderr } = await gatehouse(['migrate'], {
    env: {
      GATEHOUSE_DATA_DIR: dir,
      DATABASE_URL: url,
      WORKOS_COOKIE_PASSWORD: 'x'.repeat(40),
      GATEHOUSE_AUDIT_SIGNING_KEY: KEY,
      // What migrate says it applied is logged at info.
      LOG_LEVEL: 'info',
    },
  });
  return { code, out: stdout + stderr };
}

describe.skipIf(!onPostgres)('PostgreSQL migrations', () => {
  afterAll(async () => {
    await admin([`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, `DROP ROLE IF EXISTS "${role}"`]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('migrate — three replicas starting at once on an empty database: each succeeds, every migration applied once', async () => {
    await admin([`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, `CREATE DATABASE "${name}"`]);
    const runs = await Promise.all([1, 2, 3].map(() => migrate(urlOf(name))));
    for (const r of runs) expect(r.code).toBe(0);
    const applied = runs.map((r) => Number(/: (\d+) migration\(s\) applied/.exec(r.out)?.[1]));
    expect(applied.sort()).toEqual([0, 0, migrations.length]);
    const [row] = await withSql(
      (sql) => sql.unsafe('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations'),
      urlOf(name),
    );
    expect(row.n).toBe(migrations.length);
  });

  test('migrate — a user who may not create tables is told to grant CREATE, nothing half-applied', async () => {
    await admin([
      `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
      `CREATE DATABASE "${name}"`,
      `DROP ROLE IF EXISTS "${role}"`,
      `CREATE ROLE "${role}" LOGIN`,
    ]);
    const r = await migrate(urlOf(name, role));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('may not change the schema');
    expect(r.out).not.toContain('    at ');
  });

  test('migrate — a user who may read but not write the tables is refused at start, naming what to grant; with DML only, it starts', async () => {
    await admin([
      `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
      `CREATE DATABASE "${name}"`,
      `DROP ROLE IF EXISTS "${role}"`,
      `CREATE ROLE "${role}" LOGIN`,
    ]);
    expect((await migrate(urlOf(name))).code).toBe(0);
    await withSql(async (owner) => {
      await owner.unsafe(`GRANT USAGE ON SCHEMA public, drizzle TO "${role}"`);
      await owner.unsafe(`GRANT SELECT ON ALL TABLES IN SCHEMA public, drizzle TO "${role}"`);
    }, urlOf(name));
    const r = await migrate(urlOf(name, role));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('the user may not read and write every table');
    expect(r.out).toContain('GRANT SELECT, INSERT, UPDATE, DELETE');
    // Granted what it needs — and no more (no CREATE): a migrated database starts.
    await withSql(async (grant) => {
      await grant.unsafe(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${role}"`);
      await grant.unsafe(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "${role}"`);
    }, urlOf(name));
    const ok = await migrate(urlOf(name, role));
    expect(ok.out).toContain('0 migration(s) applied');
    expect(ok.code).toBe(0);
  });

  test('migrate — a database that does not exist is named, with what to do', async () => {
    const r = await migrate(urlOf(`${name}_missing`));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('the database does not exist');
    expect(r.out).toContain('createdb');
  });
});
