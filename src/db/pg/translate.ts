/**
 * SQLite statement text → PostgreSQL (docs/postgresql.md, "The bridge"). Drizzle's SQLite
 * dialect writes what both engines read — double-quoted identifiers, `returning`, `on conflict`,
 * `limit`/`offset` — except its placeholders: `?` (and `?NNN`) become `$1`, `$2`…, and an upsert's
 * conflict columns lose their table name (unqualifyConflictTarget). Quoted text,
 * quoted identifiers and comments are copied untouched. Statements that mean something else on
 * PostgreSQL are not rewritten here: they are written per dialect where they live (dialectOf).
 */
const cache = new Map<string, string>();

export function toPostgres(source: string): string {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const end = closing(source, i, c);
      // A backtick-quoted identifier is SQLite's; PostgreSQL quotes identifiers with ".
      out += c === '`' ? `"${source.slice(i + 1, end - 1).replaceAll('"', '""')}"` : source.slice(i, end);
      i = end;
    } else if (c === '-' && source[i + 1] === '-') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      out += source.slice(i, stop);
      i = stop;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      let j = i + 1;
      while (j < source.length && source[j]! >= '0' && source[j]! <= '9') j++;
      out += j > i + 1 ? `$${source.slice(i + 1, j)}` : `$${++n}`;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  out = unqualifyConflictTarget(out);
  if (cache.size < 5_000) cache.set(source, out);
  return out;
}

/**
 * Drizzle's SQLite dialect names an upsert's conflict columns with their table
 * (`on conflict ("t"."a", "t"."b")`), which SQLite accepts and PostgreSQL does not: the
 * conflict target is a list of bare column names there.
 */
function unqualifyConflictTarget(sql: string): string {
  return sql.replace(/\bon conflict \(([^()]*)\)/gi, (_m, cols: string) =>
    `on conflict (${cols.replace(/"(?:[^"]|"")*"\./g, '')})`,
  );
}

/** The index just past the quote that closes the one at `start` (a doubled quote is escaped). */
function closing(s: string, start: number, q: string): number {
  let i = start + 1;
  while (i < s.length) {
    if (s[i] === q) {
      if (s[i + 1] === q) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return s.length;
}
