import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import { restrictDataDir } from '../crypto/secret-files.ts';
import type { Logger } from '../log/logger.ts';
import { DATABASE_FILE, type Db, openDatabase } from './client.ts';
import { applyMigrations } from './migrate.ts';
import { openPostgres } from './pg/open.ts';

/** The database the configuration names: PostgreSQL at DATABASE_URL, else SQLite in the data dir. */
export function openConfiguredDatabase(config: Pick<Config, 'dataDir' | 'database'>): Db {
  return config.database ? openPostgres(config.database) : openDatabase(join(config.dataDir, DATABASE_FILE));
}

/**
 * The configured database, migrated (the server's start): the data dir tightened first, and the
 * connection closed again when migrating fails, so a failed start leaves nothing open.
 */
export function openMigratedDatabase(config: Pick<Config, 'dataDir' | 'database'>, log: Logger): Db {
  const db = openConfiguredDatabase(config);
  try {
    // 0700 directory, 0600 files, also for a data dir an older version made readable to all.
    restrictDataDir(config.dataDir);
    const { applied, backup } = applyMigrations(db);
    if (applied > 0)
      log.info('database migrated', { applied, ...(backup ? { backupBeforeMigration: backup } : {}) });
    return db;
  } catch (e) {
    db.$client.close();
    throw e;
  }
}
