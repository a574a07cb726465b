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
      // Only when missing: CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database, which a
      // least-privilege runtime user of a migrated database does not have.
      const known = client
        .query<{ t: string | null }>("SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t")
        .get();
      if (!known?.t)
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
  refuseMissingPrivileges(client);
  return { applied };
}

/**
 * A user who may read the tables but not write them (a read-only role, a schema owned by someone
 * else) would start and then fail every sign-in and tool call: refused at start instead, naming
 * the tables and what to grant.
 */
function refuseMissingPrivileges(client: PgClient): void {
  const missing = client
    .query<{ name: string }>(
      // One privilege per call: with several listed, has_table_privilege is true if any is held.
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()
         AND NOT (has_table_privilege(format('%I.%I', schemaname, tablename), 'SELECT')
              AND has_table_privilege(format('%I.%I', schemaname, tablename), 'INSERT')
              AND has_table_privilege(format('%I.%I', schemaname, tablename), 'UPDATE')
              AND has_table_privilege(format('%I.%I', schemaname, tablename), 'DELETE'))
       UNION ALL
       SELECT sequencename || ' (sequence: USAGE)' FROM pg_sequences WHERE schemaname = current_schema()
         AND NOT has_sequence_privilege(format('%I.%I', schemaname, sequencename), 'USAGE')
       ORDER BY 1`,
    )
    .all()
    .map((r) => r.name);
  if (missing.length > 0)
    throw new ConfigError([
      `DATABASE_URL: the user may not read and write every table Gatehouse keeps (missing SELECT, INSERT, UPDATE or DELETE on ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}). Grant them, e.g. GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO <user>; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO <user>`,
    ]);
}
