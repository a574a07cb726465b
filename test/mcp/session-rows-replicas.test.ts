/**
 * Several replicas on one PostgreSQL (docs/postgresql.md): a replica that starts closes the
 * session rows that replicas which are gone left open, never those of a replica still serving
 * them. Runs on the suite's PostgreSQL pass; on SQLite one process owns the database.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { drizzle } from 'drizzle-orm/bun-sqlite';
import * as schema from '../../db/schema/index.ts';
import type { Db } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { PgClient } from '../../src/db/pg/bridge.ts';
import { McpSessionRows } from '../../src/mcp/session-rows.ts';
import { freshPostgres, onPostgres } from '../support/pg.ts';

const clock = { now: () => 1_800_000_000_000 };

function replica(url: string): { db: Db; client: PgClient; rows: McpSessionRows } {
  const client = new PgClient(url);
  // The rows below name a family, user and team that this test does not create.
  client.exec('SET session_replication_role = replica');
  const db = drizzle({ client: client as never, schema }) as unknown as Db;
  return { db, client, rows: new McpSessionRows(db, clock) };
}

function open(db: Db): string[] {
  return (
    db.$client.query('SELECT id FROM mcp_sessions WHERE closed_at IS NULL ORDER BY id').all() as {
      id: string;
    }[]
  ).map((r) => r.id);
}

describe.skipIf(!onPostgres)('session rows with several replicas', () => {
  let url = '';
  let drop = async () => {};
  beforeAll(async () => {
    ({ url, drop } = await freshPostgres());
    const m = replica(url);
    applyMigrations(m.db);
    m.client.close();
  });
  afterAll(() => drop());

  test('closeLeftOpen — a starting replica leaves a live replica’s sessions open and closes a gone one’s', () => {
    const a = replica(url);
    const b = replica(url);
    const session = (id: string) => ({ id, familyId: 'fam_1', userId: 'usr_1', teamId: 'team_1' });
    a.rows.closeLeftOpen('server restarted');
    a.rows.create(session('s-a'), clock.now());
    b.rows.closeLeftOpen('server restarted');
    b.rows.create(session('s-b'), clock.now());
    // A restarts as C: B is alive, so only A's row is over.
    a.client.close();
    const c = replica(url);
    c.rows.closeLeftOpen('server restarted');
    expect(open(c.db)).toEqual(['s-b']);
    b.client.close();
    c.client.close();
  });
});
