/**
 * Copies of a data dir's database, for tests that tamper with a copy or restore an older one
 * (audit verify, rollback) on either engine. On SQLite a data dir is files, and the tests copy
 * them as they always did; on the PostgreSQL pass the data dir's database lives elsewhere
 * (test/support/pg.ts postgresFor), so the copy's own database is filled with the source's rows.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEAD_FILE, readStoredHead, type SignedHead } from '../../src/audit/head.ts';
import { onPostgres, openStore } from './pg.ts';

/**
 * Every row of `fromDir`'s PostgreSQL database into `toDir`'s (whatever `toDir`'s held is
 * replaced), read in one snapshot so a copy of a running server's database is consistent.
 * Triggers and foreign keys are off while it is written (session_replication_role), so tables
 * go in any order and the cache epoch's triggers do not move it; identities continue from the
 * copied rows.
 */
export async function copyPgDatabase(fromDir: string, toDir: string): Promise<void> {
  const src = await openStore(fromDir);
  const dst = await openStore(toDir);
  try {
    src.exec('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    dst.exec('BEGIN; SET LOCAL session_replication_role = replica');
    const tables = src.query("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      dst.exec(`DELETE FROM "${name}"`);
      for (const row of src.query(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        const cols = Object.keys(row);
        dst
          .query(
            `INSERT INTO "${name}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
          )
          .run(...(Object.values(row) as never[]));
      }
    }
    const identities = dst
      .query(
        "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND is_identity = 'YES'",
      )
      .all() as { t: string; c: string }[];
    for (const { t, c } of identities)
      dst
        .query(
          `SELECT setval(pg_get_serial_sequence('"${t}"', '${c}'), coalesce(max("${c}"), 0) + 1, false) FROM "${t}"`,
        )
        .get();
    dst.exec('COMMIT');
    src.exec('COMMIT');
  } finally {
    src.close();
    dst.close();
  }
}

/**
 * A copy of a stopped server's data dir at `toDir`: its files, and on PostgreSQL its database.
 * Both are what an operator restores from an older copy.
 */
export async function copyDataDir(fromDir: string, toDir: string): Promise<void> {
  cpSync(fromDir, toDir, { recursive: true });
  if (onPostgres) await copyPgDatabase(fromDir, toDir);
}

/**
 * The signed audit head where the engine keeps it (src/audit/head.ts): the data dir's
 * audit-head.json on SQLite, the row of audit_heads on PostgreSQL.
 */
export async function storedHead(dataDir: string): Promise<SignedHead> {
  const db = await openStore(dataDir);
  try {
    const read = readStoredHead(db, dataDir);
    if (read.kind !== 'ok') throw new Error(`no signed head for ${dataDir}: ${read.kind}`);
    return read.head;
  } finally {
    db.close();
  }
}

/** Replaces the stored signed head of `dataDir` (the file, or the row) with `head`. */
export async function writeStoredHead(dataDir: string, head: SignedHead): Promise<void> {
  if (!onPostgres) return writeFileSync(join(dataDir, HEAD_FILE), JSON.stringify(head));
  const db = await openStore(dataDir);
  try {
    db.query('UPDATE audit_heads SET seq = ?, hash = ?, at = ?, counter = ?, signature = ? WHERE id = 1').run(
      head.seq,
      head.hash,
      head.at,
      head.counter!,
      head.signature,
    );
  } finally {
    db.close();
  }
}

/** Removes the stored signed head of `dataDir` (the file, or the row). */
export async function removeStoredHead(dataDir: string): Promise<void> {
  if (!onPostgres) return rmSync(join(dataDir, HEAD_FILE));
  const db = await openStore(dataDir);
  try {
    db.query('DELETE FROM audit_heads').run();
  } finally {
    db.close();
  }
}
