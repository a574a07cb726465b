/**
 * SQLite statement text → PostgreSQL (docs/postgresql.md, "The bridge"). Drizzle's SQLite
 * dialect writes what both engines read — double-quoted identifiers, `returning`, `on conflict`,
 * `limit`/`offset` — except its placeholders: `?` (and `?NNN`) become `$1`, `$2`…, and an upsert's
 * conflict columns lose their table name (unqualifyConflictTarget), and an alias keeps its capitals
 * (plain). Quoted text,
 * quoted identifiers and comments are copied untouched. Statements that mean something else on
 * PostgreSQL are not rewritten here: they are written per dialect where they live (dialectOf).
 */
const cache = new Map<string, string>();

export function toPostgres(source: string): string {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  let out = '';
  let code = '';
  const state = { n: 0 };
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    let end = -1;
    if (c === "'" || c === '"' || c === '`') end = closing(source, i, c);
    else if (c === '-' && source[i + 1] === '-') {
      const nl = source.indexOf('\n', i);
      end = nl === -1 ? source.length : nl;
    } else if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      end = close === -1 ? source.length : close + 2;
    }
    if (end === -1) {
      code += c;
      i++;
      continue;
    }
    out += plain(code, state);
    code = '';
    // A backtick-quoted identifier is SQLite's; PostgreSQL quotes identifiers with ".
    out += c === '`' ? `"${source.slice(i + 1, end - 1).replaceAll('"', '""')}"` : source.slice(i, end);
    i = end;
  }
  out = unqualifyConflictTarget(out + plain(code, state));
  if (cache.size < 5_000) cache.set(source, out);
  return out;
}

/**
 * SQL outside quotes and comments: placeholders numbered, and a mixed-case column alias
 * (`AS actorEmail`) quoted, since PostgreSQL folds an unquoted name to lower case and SQLite
 * keeps it as written.
 */
function plain(code: string, state: { n: number }): string {
  return (
    code
      // As SQLite numbers them: `?NNN` is that parameter, a bare `?` the one after the largest so far.
      .replace(/\?(\d*)/g, (_m, digits: string) => {
        if (!digits) return `$${++state.n}`;
        state.n = Math.max(state.n, Number(digits));
        return `$${digits}`;
      })
      .replace(/\bAS\s+([A-Za-z_][A-Za-z0-9_]*)\b/gi, (m, name: string) =>
        // Mixed case only: `AS TEXT` in a CAST or `AS SELECT` is a keyword, not an alias.
        /[A-Z]/.test(name) && /[a-z]/.test(name) ? `AS "${name}"` : m,
      )
  );
}

/**
 * Drizzle's SQLite dialect names an upsert's conflict columns with their table
 * (`on conflict ("t"."a", "t"."b")`), which SQLite accepts and PostgreSQL does not: the
 * conflict target is a list of bare column names there.
 */
function unqualifyConflictTarget(sql: string): string {
  return sql.replace(
    /\bon conflict \(([^()]*)\)/gi,
    (_m, cols: string) => `on conflict (${cols.replace(/"(?:[^"]|"")*"\./g, '')})`,
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
