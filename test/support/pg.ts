/**
 * The suite's second engine (docs/postgresql.md, "Tests"): with DATABASE_URL set (an admin URL of
 * a throwaway cluster, e.g. postgres://postgres@127.0.0.1:54329/postgres), every Gatehouse a test
 * starts gets a database of its own, cloned from a template migrated once per test run
 * (CREATE DATABASE … TEMPLATE is a file copy: a few milliseconds). Unset: SQLite, as always.
 */
import { Database } from 'bun:sqlite';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { DATABASE_FILE } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { PgClient } from '../../src/db/pg/bridge.ts';
import { openPostgres } from '../../src/db/pg/open.ts';

/** The admin URL the suite runs against, or undefined for SQLite. */
export const PG_ADMIN_URL = process.env.DATABASE_URL || undefined;
export const onPostgres = PG_ADMIN_URL !== undefined;

const prefix = `gh_t${process.pid}`;
let template: Promise<string> | undefined;
let next = 0;

function urlOf(database: string): string {
  const u = new URL(PG_ADMIN_URL!);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs `fn` on one connection to `url` (the admin database unless given), then closes it. */
export async function withSql<T>(fn: (sql: Bun.SQL) => Promise<T>, url = PG_ADMIN_URL!): Promise<T> {
  const sql = new Bun.SQL(url, { max: 1 });
  try {
    return await fn(sql);
  } finally {
    await sql.close();
  }
}

/** Drops what earlier runs (their processes gone) left behind, then migrates this run's template. */
async function makeTemplate(): Promise<string> {
  const name = `${prefix}_template`;
  await withSql(async (sql) => {
    const rows = (await sql.unsafe("SELECT datname FROM pg_database WHERE datname LIKE 'gh\\_t%'")) as {
      datname: string;
    }[];
    for (const { datname } of rows) {
      const pid = Number(/^gh_t(\d+)_/.exec(datname)?.[1]);
      if (pid === process.pid || (Number.isFinite(pid) && alive(pid))) continue;
      await sql.unsafe(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await sql.unsafe(`CREATE DATABASE "${name}"`);
  });
  const db = openPostgres({ url: urlOf(name), display: name });
  try {
    applyMigrations(db);
  } finally {
    db.$client.close();
  }
  return name;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A fresh, migrated database for one Gatehouse (or one unit test): its URL and how to drop it. */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  template ??= makeTemplate();
  const tpl = await template;
  const name = `${prefix}_${++next}`;
  await withSql((sql) => sql.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${tpl}"`));
  return {
    url: urlOf(name),
    drop: () => withSql((sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

const sharedKey = generateKeyPairSync('ed25519')
  .privateKey.export({ type: 'pkcs8', format: 'der' })
  .toString('base64');

/**
 * The environment a Gatehouse on PostgreSQL needs on top of a test's own: a database of its own
 * and the secrets DATABASE_URL requires (a test that sets them keeps its own).
 */
export async function postgresEnv(
  env: Record<string, string> = {},
): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (!onPostgres || env.DATABASE_URL !== undefined) return { env, drop: async () => {} };
  const db = await freshPostgres();
  return {
    env: {
      DATABASE_URL: db.url,
      WORKOS_COOKIE_PASSWORD: 'test-cookie-password-for-postgres-runs-0123456789',
      GATEHOUSE_AUDIT_SIGNING_KEY: sharedKey,
      ...env,
    },
    drop: db.drop,
  };
}

/**
 * The database that goes with a data dir: a restart or a CLI command on the same data dir finds
 * the same database (dropped by forgetPostgres when the data dir is removed).
 */
const databases = new Map<string, ReturnType<typeof postgresEnv>>();
export function postgresFor(
  dataDir: string,
  env?: Record<string, string>,
): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (!onPostgres || env?.DATABASE_URL !== undefined) return postgresEnv(env);
  let db = databases.get(dataDir);
  if (!db) {
    db = postgresEnv();
    databases.set(dataDir, db);
  }
  return db.then((d) => ({ env: { ...d.env, ...env }, drop: () => forgetPostgres(dataDir) }));
}

export async function forgetPostgres(dataDir: string): Promise<void> {
  const db = databases.get(dataDir);
  databases.delete(dataDir);
  if (db) await (await db).drop();
}

/**
 * The database of a data dir, opened the way a second process would (the CLI, an operator's
 * query, a tampering attacker): SQLite's file, or on the PostgreSQL pass that data dir's database.
 * Both answer `query(sql).get/all/run(...)`, `exec` and `close`; SQL written for SQLite runs on
 * both where it is common SQL (src/db/pg/translate.ts).
 */
export async function openStore(dataDir: string): Promise<Database> {
  if (!onPostgres) return new Database(join(dataDir, DATABASE_FILE));
  const { env } = await postgresFor(dataDir);
  return new PgClient(env.DATABASE_URL!) as unknown as Database;
}

/** Every table's rows as one string: proof of what is and is not kept, on either engine. */
export function dumpTables(db: Database): string {
  const tables = db
    .query(
      onPostgres
        ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        : "SELECT name FROM sqlite_master WHERE type = 'table'",
    )
    .all() as { name: string }[];
  return tables.map((t) => JSON.stringify(db.query(`SELECT * FROM "${t.name}"`).all())).join('\n');
}
