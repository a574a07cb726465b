import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import { DATABASE_FILE, type Db, openDatabase } from './client.ts';
import { openPostgres } from './pg/open.ts';

/** The database the configuration names: PostgreSQL at DATABASE_URL, else SQLite in the data dir. */
export function openConfiguredDatabase(config: Pick<Config, 'dataDir' | 'database'>): Db {
  return config.database ? openPostgres(config.database) : openDatabase(join(config.dataDir, DATABASE_FILE));
}
