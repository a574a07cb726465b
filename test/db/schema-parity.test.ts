/**
 * One description, two dialects (docs/postgresql.md, "Schema: one description, two dialects"):
 * db/schema-pg is derived from db/schema, and db/migrations-pg must say what it says.
 */
import { afterAll, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Column, is, SQL } from 'drizzle-orm';
import { type PgColumn, PgDialect, type PgTable, getTableConfig as pgConfig } from 'drizzle-orm/pg-core';
import {
  numeric,
  type SQLiteColumn,
  SQLiteSyncDialect,
  type SQLiteTable,
  getTableConfig as sqliteConfig,
  sqliteTable,
  text,
} from 'drizzle-orm/sqlite-core';
import { migrations as pgMigrations } from '../../db/migrations-pg/index.ts';
import { derivePgTable } from '../../db/schema-pg/derive.ts';
import * as pgSchema from '../../db/schema-pg/index.ts';

const ROOT = join(import.meta.dir, '..', '..');
const PG_DIR = join(ROOT, 'db', 'migrations-pg');
const SQLITE_DIR = join(ROOT, 'db', 'migrations');
const BREAKPOINT = '--> statement-breakpoint';

/** The PostgreSQL type each SQLite column type is carried over as (db/schema-pg/derive.ts). */
const PG_TYPE: Record<string, string> = {
  SQLiteInteger: 'bigint',
  SQLiteTimestamp: 'bigint',
  SQLiteBoolean: 'boolean',
  SQLiteText: 'text',
  SQLiteTextJson: 'text',
  SQLiteReal: 'double precision',
  SQLiteBlobBuffer: 'bytea',
};

const sqliteDialect = new SQLiteSyncDialect();
const pgDialect = new PgDialect();
/** A fragment as text, values inlined (wrapped, so the schema's own SQL object is left as it is). */
const render = (d: SQLiteSyncDialect | PgDialect, q: SQL) =>
  d.sqlToQuery(new SQL([q]).inlineParams(), 'indexes').sql;
const names = (cols: readonly unknown[]) =>
  cols.map((c) => (is(c, SQL) ? `(${String(c)})` : (c as Column).name));
const byName = <T extends { name: string | undefined }>(list: T[]) =>
  list.sort((a, b) => String(a.name).localeCompare(String(b.name)));

function sqliteShape(table: SQLiteTable) {
  const c = sqliteConfig(table);
  return {
    name: c.name,
    columns: c.columns.map((col: SQLiteColumn) => {
      const autoIncrement = (col as SQLiteColumn & { autoIncrement?: boolean }).autoIncrement;
      const d = col.default;
      return {
        name: col.name,
        type: PG_TYPE[col.columnType] ?? `unmapped ${col.columnType}`,
        notNull: col.notNull,
        primaryKey: col.primary,
        identity: autoIncrement ? 'byDefault' : undefined,
        default: is(d, SQL)
          ? render(sqliteDialect, d)
          : d === undefined || col.columnType === 'SQLiteBoolean'
            ? d
            : col.mapToDriverValue(d),
        unique: col.isUnique ? col.uniqueName : undefined,
        enumValues: col.enumValues,
      };
    }),
    indexes: byName(
      c.indexes.map((ix) => ({
        name: ix.config.name,
        columns: names(ix.config.columns),
        unique: ix.config.unique,
        where: ix.config.where ? render(sqliteDialect, ix.config.where) : undefined,
      })),
    ),
    primaryKeys: byName(c.primaryKeys.map((pk) => ({ name: pk.getName(), columns: names(pk.columns) }))),
    foreignKeys: byName(
      c.foreignKeys.map((fk) => {
        const ref = fk.reference();
        return {
          name: fk.getName(),
          columns: names(ref.columns),
          foreignTable: sqliteConfig(ref.foreignTable).name,
          foreignColumns: names(ref.foreignColumns),
          onDelete: fk.onDelete ?? 'no action',
          onUpdate: fk.onUpdate ?? 'no action',
        };
      }),
    ),
    unique: byName(c.uniqueConstraints.map((u) => ({ name: u.getName(), columns: names(u.columns) }))),
    checks: byName(c.checks.map((k) => ({ name: k.name, sql: render(sqliteDialect, k.value) }))),
  };
}

function pgShape(table: PgTable) {
  const c = pgConfig(table);
  return {
    name: c.name,
    columns: c.columns.map((col: PgColumn) => ({
      name: col.name,
      type: col.getSQLType(),
      notNull: col.notNull,
      primaryKey: col.primary,
      identity: col.generatedIdentity?.type,
      default: is(col.default, SQL) ? render(pgDialect, col.default) : col.default,
      unique: col.isUnique ? col.uniqueName : undefined,
      enumValues: col.enumValues,
    })),
    indexes: byName(
      c.indexes.map((ix) => ({
        name: ix.config.name!,
        columns: names(ix.config.columns),
        unique: ix.config.unique,
        where: ix.config.where ? render(pgDialect, ix.config.where) : undefined,
      })),
    ),
    primaryKeys: byName(c.primaryKeys.map((pk) => ({ name: pk.getName(), columns: names(pk.columns) }))),
    foreignKeys: byName(
      c.foreignKeys.map((fk) => {
        const ref = fk.reference();
        return {
          name: fk.getName(),
          columns: names(ref.columns),
          foreignTable: pgConfig(ref.foreignTable).name,
          foreignColumns: names(ref.foreignColumns),
          onDelete: fk.onDelete ?? 'no action',
          onUpdate: fk.onUpdate ?? 'no action',
        };
      }),
    ),
    unique: byName(c.uniqueConstraints.map((u) => ({ name: u.getName(), columns: names(u.columns) }))),
    checks: byName(c.checks.map((k) => ({ name: k.name, sql: render(pgDialect, k.value) }))),
  };
}

const pgTables = pgSchema as unknown as Record<string, PgTable>;

test('schema parity — every SQLite table has a PostgreSQL table with the same columns, nullability, defaults and indexes', () => {
  const keys = Object.keys(pgSchema.sqliteTables);
  expect(keys.length).toBeGreaterThan(15);
  for (const key of keys) {
    const pg = pgTables[key];
    if (!pg) throw new Error(`db/schema-pg exports no ${key}`);
    const expected: unknown = { key, ...sqliteShape(pgSchema.sqliteTables[key]!) };
    expect({ key, ...pgShape(pg) }).toEqual(expected as ReturnType<typeof pgShape> & { key: string });
  }
  // Spot checks of the mapping itself, beyond "both sides agree".
  const seq = pgShape(pgSchema.auditEntries).columns.find((c) => c.name === 'seq');
  expect(seq).toMatchObject({ type: 'bigint', primaryKey: true, identity: 'byDefault' });
  const enabled = pgShape(pgSchema.teamSettings).columns.find((c) => c.name === 'enabled');
  expect(enabled).toMatchObject({ type: 'boolean', default: true, notNull: true });
  const outcome = pgShape(pgSchema.auditPages).indexes.find((i) => i.name === 'audit_pages_team_outcome_at');
  expect(outcome?.where).toBe(`"outcome" <> 'allowed'`);
  expect(pgShape(pgSchema.auditRecords).primaryKeys).toEqual([
    { name: 'audit_records_entry_id_field_pk', columns: ['entry_id', 'field'] },
  ]);
});

test('schema parity — a SQLite column type the mapper does not know fails at import, naming table and column', () => {
  const odd = sqliteTable('parity_odd', { id: text('id').primaryKey(), amount: numeric('amount') });
  expect(() => derivePgTable(odd)).toThrow(/parity_odd\.amount/);
  const lonely = sqliteTable('parity_lonely', { id: text('id').primaryKey() });
  const orphan = derivePgTable(
    sqliteTable('parity_orphan', { ref: text('ref').references(() => lonely.id) }),
  );
  expect(() => pgConfig(orphan)).toThrow(/parity_orphan .*parity_lonely is not derived/);
});

test('schema parity — db/migrations-pg is up to date with db/schema (else run `bun run db:generate:pg`)', async () => {
  const { generateDrizzleJson } = await import('drizzle-kit/api');
  const journal = JSON.parse(readFileSync(join(PG_DIR, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number }[];
  };
  const last = journal.entries.at(-1)!.idx;
  const file = join(PG_DIR, 'meta', `${String(last).padStart(4, '0')}_snapshot.json`);
  const committed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const current = generateDrizzleJson(pgSchema as unknown as Record<string, unknown>) as Record<
    string,
    unknown
  >;
  const strip = ({ id: _id, prevId: _prev, ...rest }: Record<string, unknown>) => rest;
  expect(strip(current)).toEqual(strip(committed));
});

test('schema parity — the PostgreSQL migrations bundle matches its journal and SQL files', () => {
  const journal = JSON.parse(readFileSync(join(PG_DIR, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  expect(pgMigrations.map((m) => [m.tag, m.when])).toEqual(journal.entries.map((e) => [e.tag, e.when]));
  for (const m of pgMigrations) expect(m.sql).toBe(readFileSync(join(PG_DIR, `${m.tag}.sql`), 'utf8'));
  expect(readdirSync(PG_DIR).filter((f) => f.endsWith('.sql')).length).toBe(pgMigrations.length);
});

/** Per table: the events that move the epoch, and the columns an UPDATE must touch ('*': any). */
type EpochTriggers = Record<string, { events: string[]; updateOf: string }>;

function sqliteEpochTriggers(): EpochTriggers {
  const byTrigger = new Map<string, { table: string; event: string; cols: string }>();
  for (const f of readdirSync(SQLITE_DIR)
    .filter((n) => n.endsWith('.sql'))
    .sort()) {
    const source = readFileSync(join(SQLITE_DIR, f), 'utf8');
    for (const m of source.matchAll(
      /CREATE TRIGGER `(\w+)` AFTER (INSERT|DELETE|UPDATE)(?: OF (.+?))? ON `(\w+)`/g,
    )) {
      byTrigger.set(m[1]!, { event: m[2]!, cols: m[3]?.replaceAll('`', '') ?? '*', table: m[4]! });
    }
    for (const m of source.matchAll(/DROP TRIGGER (?:IF EXISTS )?`(\w+)`/g)) byTrigger.delete(m[1]!);
  }
  const out: EpochTriggers = {};
  for (const t of byTrigger.values()) {
    const entry = out[t.table] ?? { events: [], updateOf: '*' };
    out[t.table] = entry;
    entry.events.push(t.event);
    if (t.event === 'UPDATE') entry.updateOf = t.cols.split(/,\s*/).sort().join(',');
  }
  for (const e of Object.values(out)) e.events.sort();
  return out;
}

function pgEpochTriggers(): EpochTriggers {
  const out: EpochTriggers = {};
  for (const m of pgMigrations) {
    for (const t of m.sql.matchAll(/CREATE TRIGGER "\w+" AFTER (.+?) ON "(\w+)" FOR EACH STATEMENT/g)) {
      const events = t[1]!.split(/ OR (?=INSERT|UPDATE|DELETE|TRUNCATE)/);
      const update = events.find((e) => e.startsWith('UPDATE'));
      const cols = update?.match(/^UPDATE OF (.+)$/)?.[1];
      out[t[2]!] = {
        events: events
          .map((e) => e.split(' ')[0]!)
          .filter((e) => e !== 'TRUNCATE')
          .sort(),
        updateOf: cols ? cols.replaceAll('"', '').split(/,\s*/).sort().join(',') : '*',
      };
    }
  }
  return out;
}

test('schema parity — PostgreSQL moves the authority epoch on the same tables and columns as SQLite', () => {
  const sqlite = sqliteEpochTriggers();
  expect(Object.keys(sqlite).length).toBeGreaterThan(5);
  expect(pgEpochTriggers()).toEqual(sqlite);
  expect(
    pgMigrations.some((m) => m.sql.includes('INSERT INTO "cache_epoch" ("id", "n") VALUES (1, 0);')),
  ).toBe(true);
});

// The suite's PostgreSQL pass (DATABASE_URL, an admin URL: test/support/pg.ts), or this test alone.
const PG_URL = process.env.GATEHOUSE_TEST_PG_URL ?? process.env.DATABASE_URL;
const dbName = `${process.env.GATEHOUSE_TEST_PG_PREFIX ?? 'gatehouse_parity'}_${process.pid}_${Date.now()}`;
let created = false;

function urlOf(database: string): string {
  const u = new URL(PG_URL!);
  u.pathname = `/${database}`;
  return u.toString();
}

afterAll(async () => {
  if (!created) return;
  const admin = new Bun.SQL(PG_URL!, { max: 1 });
  await admin.unsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.close();
});

test.skipIf(!PG_URL)(
  'schema parity — the PostgreSQL migrations, applied to a fresh database, create every table and column of db/schema-pg',
  async () => {
    const admin = new Bun.SQL(PG_URL!, { max: 1 });
    await admin.unsafe(`CREATE DATABASE "${dbName}"`);
    created = true;
    await admin.close();
    const sql = new Bun.SQL(urlOf(dbName), { max: 1 });
    try {
      await sql.begin(async (tx) => {
        for (const m of pgMigrations) {
          for (const statement of m.sql.split(BREAKPOINT)) if (statement.trim()) await tx.unsafe(statement);
        }
      });
      const rows = (await sql.unsafe(
        `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
         WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
      )) as { table_name: string; column_name: string; data_type: string; is_nullable: string }[];
      const found = new Map<string, string[]>();
      for (const r of rows) {
        const list = found.get(r.table_name) ?? [];
        list.push(`${r.column_name} ${r.data_type}${r.is_nullable === 'NO' ? ' not null' : ''}`);
        found.set(r.table_name, list);
      }
      const indexes = new Set(
        (
          (await sql.unsafe(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`)) as {
            indexname: string;
          }[]
        ).map((r) => r.indexname),
      );
      const expected = new Map<string, string[]>();
      for (const key of Object.keys(pgSchema.sqliteTables)) {
        const c = pgConfig(pgTables[key]!);
        expected.set(
          c.name,
          c.columns.map((col) => `${col.name} ${col.getSQLType()}${col.notNull ? ' not null' : ''}`),
        );
        for (const ix of c.indexes) expect(indexes).toContain(ix.config.name!);
      }
      expect(Object.fromEntries(found)).toEqual(Object.fromEntries(expected));

      // The seeded epoch row, and a write to an authorizing table moves it.
      expect(await sql.unsafe('SELECT id::int, n::int FROM cache_epoch')).toEqual([{ id: 1, n: 0 }]);
      await sql.unsafe(
        `INSERT INTO teams (id, organization_id, name, created_at, updated_at) VALUES ('t', 'o', 'T', 1, 1)`,
      );
      expect(await sql.unsafe('SELECT n::int FROM cache_epoch')).toEqual([{ n: 1 }]);
    } finally {
      await sql.close();
    }
  },
);
