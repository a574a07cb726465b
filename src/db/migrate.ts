import { migrations } from '../../db/migrations/index.ts';
import { sha256 } from '../crypto/random.ts';
import type { Db } from './client.ts';

const BREAKPOINT = '--> statement-breakpoint';

/**
 * Applies the drizzle-kit migrations committed under db/migrations, in one transaction,
 * skipping those already applied (idempotent). `upTo` stops after that many (an older release's
 * schema, to prove an upgrade keeps its data). The SQL is bundled into the build, so the
 * compiled binary needs no migrations folder next to it.
 */
export function applyMigrations(db: Db, upTo = migrations.length): { applied: number } {
  const meta = migrations.slice(0, upTo).map((m) => ({
    sql: m.sql.split(BREAKPOINT),
    bps: m.breakpoints,
    folderMillis: m.when,
    hash: sha256(m.sql),
  }));
  const before = countApplied(db);
  // drizzle's own migrator, fed from the bundle instead of the filesystem.
  (
    db as unknown as { dialect: { migrate(m: unknown, s: unknown, c: unknown): void }; session: unknown }
  ).dialect.migrate(meta, (db as unknown as { session: unknown }).session, {});
  return { applied: countApplied(db) - before };
}

function countApplied(db: Db): number {
  const row = db.$client
    .query<{ n: number }, []>(
      "SELECT count(*) AS n FROM sqlite_master WHERE type='table' AND name='__drizzle_migrations'",
    )
    .get();
  if (!row || row.n === 0) return 0;
  return db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM __drizzle_migrations').get()?.n ?? 0;
}
