/**
 * Derives a PostgreSQL table from a SQLite table of db/schema (docs/postgresql.md, "Schema: one
 * description, two dialects"). db/schema stays the one description of the tables; this reads it
 * back through drizzle's getTableConfig and writes the same table with pg-core, so the two
 * dialects cannot drift. Whatever it does not know how to carry over (a column type, a generated
 * column, a foreign key to a table that is not derived) throws while db/schema-pg is imported,
 * naming the table and the column: drizzle-kit then refuses to generate rather than drop it.
 *
 * Column types: integer → bigint (numbers), integer boolean mode → boolean, text (enum values
 * kept) → text, text json mode → text holding the JSON, integer timestamp modes → bigint holding
 * the same number, real → double precision, blob buffer mode → bytea.
 */
import { type Column, getTableColumns, is, SQL } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  type PgColumn,
  type PgColumnBuilderBase,
  type PgTableWithColumns,
  pgTable,
  primaryKey,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { getTableConfig, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { rebuildSql } from './rebuild-sql.ts';

/** A derived column: the SQLite column's TypeScript shape (data, nullability, enum) on pg-core. */
type PgColumnOf<C extends Column> = PgColumn<{
  name: C['_']['name'];
  tableName: C['_']['tableName'];
  dataType: C['_']['dataType'];
  columnType: string;
  data: C['_']['data'];
  driverParam: unknown;
  notNull: C['_']['notNull'];
  hasDefault: C['_']['hasDefault'];
  isPrimaryKey: C['_']['isPrimaryKey'];
  isAutoincrement: C['_']['isAutoincrement'];
  hasRuntimeDefault: C['_']['hasRuntimeDefault'];
  enumValues: C['_']['enumValues'];
  baseColumn: never;
  identity: undefined;
  generated: undefined;
}>;

/** The derived table: same SQL name, same column keys as the SQLite table. */
export type PgTableOf<T extends SQLiteTable> = PgTableWithColumns<{
  name: T['_']['name'];
  schema: undefined;
  dialect: 'pg';
  columns: { [K in keyof T['_']['columns']]: PgColumnOf<T['_']['columns'][K]> };
}>;

/** The column-builder methods the mapper calls (each sets the builder's config and returns it). */
interface Builder {
  notNull(): unknown;
  primaryKey(): unknown;
  default(value: unknown): unknown;
  unique(name?: string): unknown;
  $defaultFn(fn: () => unknown): unknown;
  $onUpdateFn(fn: () => unknown): unknown;
}

/** Every derived table, by the SQLite table it came from: foreign keys are resolved through it. */
const derived = new Map<SQLiteTable, PgTableWithColumns<never>>();

/** A column whose values pass through the SQLite column's own mapping (JSON text, Date as number). */
function mirrored(column: SQLiteColumn, sqlType: 'text' | 'bigint') {
  const fromPg = sqlType === 'bigint' ? (v: unknown) => (v === null ? v : Number(v)) : (v: unknown) => v;
  return customType<{ data: unknown; driverData: unknown }>({
    dataType: () => sqlType,
    toDriver: (value) => column.mapToDriverValue(value),
    fromDriver: (value) => column.mapFromDriverValue(fromPg(value)),
  })(column.name);
}

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

function baseBuilder(table: string, column: SQLiteColumn): Builder {
  const where = `db/schema-pg: ${table}.${column.name}`;
  if (column.generated !== undefined) throw new Error(`${where}: generated columns are not mapped`);
  switch (column.columnType) {
    case 'SQLiteInteger': {
      const b = bigint(column.name, { mode: 'number' });
      if ((column as SQLiteColumn & { autoIncrement?: boolean }).autoIncrement) {
        if (!column.primary) throw new Error(`${where}: autoIncrement outside a primary key`);
        b.primaryKey().generatedByDefaultAsIdentity();
      }
      return b as unknown as Builder;
    }
    case 'SQLiteTimestamp':
      return mirrored(column, 'bigint') as unknown as Builder;
    case 'SQLiteBoolean':
      return boolean(column.name) as unknown as Builder;
    case 'SQLiteText': {
      const values = column.enumValues as [string, ...string[]] | undefined;
      return (values?.length ? text(column.name, { enum: values }) : text(column.name)) as unknown as Builder;
    }
    case 'SQLiteTextJson':
      return mirrored(column, 'text') as unknown as Builder;
    case 'SQLiteReal':
      return doublePrecision(column.name) as unknown as Builder;
    case 'SQLiteBlobBuffer':
      return bytea(column.name) as unknown as Builder;
    default:
      throw new Error(
        `${where}: no PostgreSQL mapping for column type ${column.columnType} (${column.getSQLType()})`,
      );
  }
}

function columnBuilder(source: SQLiteTable, table: string, column: SQLiteColumn): Builder {
  const b = baseBuilder(table, column);
  const where = `db/schema-pg: ${table}.${column.name}`;
  if (column.notNull) b.notNull();
  const autoIncrement = (column as SQLiteColumn & { autoIncrement?: boolean }).autoIncrement;
  if (column.primary && !autoIncrement) b.primaryKey();
  if (column.default !== undefined) {
    if (is(column.default, SQL)) {
      b.default(rebuildSql(column.default, { where: `${where} default`, source, columns: undefined }));
    } else if (column.columnType === 'SQLiteBoolean') {
      if (typeof column.default !== 'boolean')
        throw new Error(`${where}: a boolean default must be true or false`);
      b.default(column.default);
    } else {
      // The value as SQLite stores it (JSON text, a timestamp's number): the same DDL literal.
      b.default(column.mapToDriverValue(column.default));
    }
  }
  if (column.isUnique) b.unique(column.uniqueName);
  if (column.defaultFn) b.$defaultFn(column.defaultFn);
  if (column.onUpdateFn) b.$onUpdateFn(column.onUpdateFn);
  return b;
}

/** Builds the PostgreSQL table for `source` and records it for the foreign keys that name it. */
export function derivePgTable<T extends SQLiteTable>(source: T): PgTableOf<T> {
  const config = getTableConfig(source);
  const name = config.name;
  const keys = Object.entries(getTableColumns(source) as Record<string, SQLiteColumn>);
  const builders: Record<string, PgColumnBuilderBase> = {};
  for (const [key, column] of keys) {
    builders[key] = columnBuilder(source, name, column) as unknown as PgColumnBuilderBase;
  }

  const table = pgTable(name, builders, (t) => {
    const byName = new Map<string, PgColumn>(Object.values(t).map((c) => [c.name, c]));
    const col = (c: SQLiteColumn, what: string): PgColumn => {
      const found = c.table === source ? byName.get(c.name) : undefined;
      if (!found) throw new Error(`db/schema-pg: ${name} ${what}: column ${c.name} is not this table's`);
      return found;
    };
    const cols = (list: SQLiteColumn[], what: string) =>
      list.map((c) => col(c, what)) as [PgColumn, ...PgColumn[]];
    const fragment = (q: SQL, what: string) =>
      rebuildSql(q, { where: `db/schema-pg: ${name} ${what}`, source, columns: byName });
    const extras: unknown[] = [];

    for (const ix of config.indexes) {
      const what = `index ${ix.config.name}`;
      const on = ix.config.columns.map((c) =>
        is(c, SQL) ? fragment(c, what) : col(c as SQLiteColumn, what),
      );
      const built = (ix.config.unique ? uniqueIndex(ix.config.name) : index(ix.config.name)).on(
        ...(on as [PgColumn, ...PgColumn[]]),
      );
      extras.push(ix.config.where ? built.where(fragment(ix.config.where, what)) : built);
    }
    for (const pk of config.primaryKeys) {
      const what = `primary key ${pk.getName()}`;
      const columns = cols(pk.columns, what);
      extras.push(pk.name === undefined ? primaryKey({ columns }) : primaryKey({ name: pk.name, columns }));
    }
    for (const fk of config.foreignKeys) {
      const ref = fk.reference();
      const what = `foreign key ${fk.getName()}`;
      const target = derived.get(ref.foreignTable);
      if (!target) {
        throw new Error(
          `db/schema-pg: ${name} ${what}: its table ${getTableConfig(ref.foreignTable).name} is not derived`,
        );
      }
      const targetCols = new Map<string, PgColumn>(
        Object.values(getTableColumns(target) as Record<string, PgColumn>).map((c) => [c.name, c]),
      );
      const foreignColumns = ref.foreignColumns.map((c) => {
        const found = targetCols.get(c.name);
        if (!found) throw new Error(`db/schema-pg: ${name} ${what}: no column ${c.name} on the target`);
        return found;
      }) as [PgColumn, ...PgColumn[]];
      let built = foreignKey({ name: fk.getName(), columns: cols(ref.columns, what), foreignColumns });
      if (fk.onDelete) built = built.onDelete(fk.onDelete);
      if (fk.onUpdate) built = built.onUpdate(fk.onUpdate);
      extras.push(built);
    }
    for (const u of config.uniqueConstraints) {
      extras.push(unique(u.getName()).on(...cols(u.columns, `unique ${u.getName()}`)));
    }
    for (const c of config.checks) extras.push(check(c.name, fragment(c.value, `check ${c.name}`)));
    return extras as ReturnType<typeof index>[];
  });

  derived.set(source, table as unknown as PgTableWithColumns<never>);
  return table as unknown as PgTableOf<T>;
}
