import { drizzle } from 'drizzle-orm/bun-sqlite';
import * as schema from '../../../db/schema/index.ts';
import type { DatabaseConfig } from '../../config/database.ts';
import { ConfigError } from '../../config/index.ts';
import type { Db } from '../client.ts';
import { PgClient, PostgresError } from './bridge.ts';
import { POOL_OPTIONS } from './protocol.ts';

/**
 * Opens PostgreSQL at DATABASE_URL through the synchronous bridge (bridge.ts) and wraps it in
 * the same drizzle database the services use on SQLite (docs/postgresql.md, "The bridge"). An
 * unreachable server, a refused login or a missing database is a ConfigError that says which,
 * with the URL's password masked; missing privileges surface when migrations run (migrate.ts).
 */
export function openPostgres(database: DatabaseConfig): Db {
  const refused = parameterProblem(database.url);
  if (refused) throw new ConfigError([`DATABASE_URL ${database.display}: ${refused}`]);
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

/**
 * What Bun.SQL makes of the URL's parameters, checked by building (and closing) a pool with the
 * worker's options: building one connects to nothing. `sslmode`, `connect_timeout`, `idle_timeout`
 * and the like are read there and a bad value is refused (its message names the parameter and the
 * values allowed), where in the worker it would end the thread before any answer.
 */
export function parameterProblem(url: string): string | undefined {
  try {
    void new Bun.SQL(url, POOL_OPTIONS).close();
    return undefined;
  } catch (e) {
    let message = e instanceof Error ? e.message : String(e);
    // The message quotes the value refused: never a password, whichever parameter it was put in.
    const u = new URL(url);
    const secrets = [
      u.password,
      safeDecode(u.password),
      ...[...u.searchParams].filter(([k]) => /password/i.test(k)).map(([, v]) => v),
    ];
    for (const secret of secrets) if (secret) message = message.replaceAll(secret, '****');
    return `a parameter of the URL is not valid: ${message}`;
  }
}

/** A URL part decoded, or as it is when it cannot be (databaseFrom refuses such a URL first). */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
