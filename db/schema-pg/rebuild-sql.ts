/**
 * Re-homes a drizzle `sql` fragment written against a SQLite table (a partial index's condition, a
 * check, a column's SQL default) onto the derived PostgreSQL table (db/schema-pg/derive.ts): the
 * text and the values are kept, every column of the SQLite table becomes the PostgreSQL column of
 * the same name. A chunk of any other kind is refused, so a fragment is never carried over half.
 */
import { is, Param, SQL, StringChunk } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';

export interface RebuildContext {
  /** Names the fragment in error messages, e.g. `index audit_pages_team_outcome_at`. */
  where: string;
  /** The SQLite table whose columns the fragment may name. */
  source: SQLiteTable;
  /** Its PostgreSQL columns by SQL name; undefined where no column may appear (a default). */
  columns: Map<string, PgColumn> | undefined;
}

export function rebuildSql(fragment: SQL, ctx: RebuildContext): SQL {
  const chunks = fragment.queryChunks.map((chunk): unknown => {
    if (is(chunk, StringChunk)) return new StringChunk(chunk.value);
    if (is(chunk, SQL)) return rebuildSql(chunk, ctx);
    if (is(chunk, SQLiteColumn)) {
      const column = chunk.table === ctx.source ? ctx.columns?.get(chunk.name) : undefined;
      if (column === undefined)
        throw new Error(`${ctx.where}: cannot carry column ${chunk.name} over to PostgreSQL`);
      return column;
    }
    if (is(chunk, Param)) {
      if (chunk.encoder !== undefined) throw new Error(`${ctx.where}: a parameter encoded by a column`);
      return new Param(chunk.value);
    }
    if (chunk === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof chunk)) return chunk;
    throw new Error(`${ctx.where}: a SQL fragment holds a part the PostgreSQL mapper does not know`);
  });
  const out = new SQL(chunks as SQL['queryChunks']);
  const inline = (fragment as unknown as { shouldInlineParams: boolean }).shouldInlineParams;
  return inline ? out.inlineParams() : out;
}
