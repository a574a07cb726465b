import type { Db } from './client.ts';
import { PgClient } from './pg/bridge.ts';

export type Dialect = 'sqlite' | 'postgresql';

/**
 * Which engine a database runs on (docs/postgresql.md). Services are written once against
 * drizzle's SQLite dialect; the few statements that must differ ask this where they are written.
 */
export function dialectOf(db: Db | Db['$client']): Dialect {
  const client = '$client' in db ? db.$client : db;
  return (client as unknown) instanceof PgClient ? 'postgresql' : 'sqlite';
}

/** The bridge client of a PostgreSQL database, or undefined on SQLite. */
export function pgClientOf(db: Db | Db['$client']): PgClient | undefined {
  const client = ('$client' in db ? db.$client : db) as unknown;
  return client instanceof PgClient ? client : undefined;
}
