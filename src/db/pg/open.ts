import { drizzle } from 'drizzle-orm/bun-sqlite';
import * as schema from '../../../db/schema/index.ts';
import type { DatabaseConfig } from '../../config/database.ts';
import { ConfigError } from '../../config/index.ts';
import type { Db } from '../client.ts';
import { PgClient, PostgresError } from './bridge.ts';

/**
 * Opens PostgreSQL at DATABASE_URL through the synchronous bridge (bridge.ts) and wraps it in
 * the same drizzle database the services use on SQLite (docs/postgresql.md, "The bridge"). An
 * unreachable server, a refused login or a missing database is a ConfigError that says which,
 * with the URL's password masked; missing privileges surface when migrations run (migrate.ts).
 */
export function openPostgres(database: DatabaseConfig): Db {
  const client = new PgClient(database.url);
  try {
    client.query('SELECT 1', []);
  } catch (e) {
    client.close();
    throw new ConfigError([`DATABASE_URL ${database.display}: ${reachProblem(e)}`]);
  }
  return drizzle({ client: client as never, schema }) as unknown as Db;
}

/** What a failed first statement says about the server, in an operator's words. */
export function reachProblem(e: unknown): string {
  const code = e instanceof PostgresError ? e.code : '';
  const message = e instanceof Error ? e.message : String(e);
  if (code === '28P01' || code === '28000') return `the server refused the login (${message})`;
  if (code === '3D000') return `the database does not exist (${message}); create it first (createdb)`;
  if (code === '42501') return `permission denied (${message})`;
  return `cannot connect to the PostgreSQL server (${message})`;
}
