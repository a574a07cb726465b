import { migrations } from '../../../db/migrations-pg/index.ts';
import { ConfigError } from '../../config/index.ts';
import { sha256 } from '../../crypto/random.ts';
import type { PgClient } from './bridge.ts';
import { PostgresError } from './bridge.ts';

const BREAKPOINT = '--> statement-breakpoint';

/** Held while migrating, so replicas starting together migrate once (the others wait, then skip). */
export const MIGRATION_LOCK = 0x6d69_6772; // "migr"

/**
 * Applies the drizzle-kit migrations for PostgreSQL (db/migrations-pg, generated from the same
 * tables as SQLite's: docs/postgresql.md "Schema") that this database has not applied yet, in one
 * transaction under an advisory lock: replicas starting at once migrate once. Recorded in
 * drizzle.__drizzle_migrations, as drizzle's own PostgreSQL migrator records them. A database
 * migrated by a newer Gatehouse is refused. No copy is taken first: back PostgreSQL up with
 * pg_dump before an upgrade (docs/postgresql.md, "Upgrades").
 */
export function applyPgMigrations(client: PgClient, upTo = migrations.length): { applied: number } {
  let applied = 0;
  try {
    client.transaction(() => {
      client.exec(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      client.exec(
        'CREATE SCHEMA IF NOT EXISTS drizzle; CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)',
      );
      const newest = client
        .query<{ at: number | null }>('SELECT max(created_at) AS at FROM drizzle.__drizzle_migrations')
        .get()?.at;
      const latest = migrations[migrations.length - 1]!;
      if (newest != null && Number(newest) > latest.when)
        throw new ConfigError([
          `DATABASE_URL holds a database migrated by a newer Gatehouse (its last migration is from ${new Date(Number(newest)).toISOString()}; this version's last, ${latest.tag}, is older). Migrations are forward-only: run the newer version, or restore the pg_dump taken before the upgrade`,
        ]);
      for (const m of migrations.slice(0, upTo)) {
        if (newest != null && m.when <= Number(newest)) continue;
        for (const statement of m.sql.split(BREAKPOINT)) if (statement.trim()) client.exec(statement);
        client
          .query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (?, ?)')
          .run(sha256(m.sql), m.when);
        applied++;
      }
    })();
  } catch (e) {
    if (e instanceof PostgresError && e.code === '42501')
      throw new ConfigError([
        `DATABASE_URL: the user may not change the schema (${e.message}). Gatehouse creates and migrates its tables at start: grant it CREATE on the database and its schema (or run one replica once as the owner)`,
      ]);
    throw e;
  }
  return { applied };
}
