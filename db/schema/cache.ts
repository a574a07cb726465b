import { integer, sqliteTable } from 'drizzle-orm/sqlite-core';

/**
 * One row whose counter moves whenever data that authorizes a call changes (tokens, families,
 * clients, users, teams, settings, environments, grants): SQLite triggers bump it on every such
 * write, from whichever process makes it (the server, or the CLI on the same file). In-memory
 * caches on the call path keep an entry only while the counter is where it was when the entry
 * was read (docs/architecture.md, "Storage and audit", caching).
 */
export const cacheEpoch = sqliteTable('cache_epoch', {
  id: integer('id').primaryKey(),
  n: integer('n').notNull().default(0),
});
