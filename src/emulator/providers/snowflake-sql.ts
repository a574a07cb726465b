/**
 * The demo Snowflake's tiny SQL engine: one read-only role (ANALYST) over one seeded table.
 * It runs `SELECT <columns | * | COUNT(*)> FROM <table> [WHERE col op literal [AND …]]
 * [ORDER BY col [ASC|DESC]] [LIMIT n]` and `SHOW TABLES`; any statement that writes is refused
 * the way Snowflake refuses a role without the privilege (SQL access control error 003001,
 * SQLSTATE 42501); anything else is a compilation error (https://docs.snowflake.com/en/sql-reference/sql-ddl-summary,
 * https://docs.snowflake.com/en/developer-guide/sql-api/handling-responses).
 */

export interface Column {
  name: string;
  type: 'fixed' | 'text' | 'date';
  scale?: number;
}

export interface Table {
  database: string;
  schema: string;
  name: string;
  columns: Column[];
  /** Values as Snowflake's jsonv2 format sends them: strings, DATE as days since the epoch. */
  rows: (string | null)[][];
}

export class SqlError extends Error {
  constructor(
    readonly code: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ResultSet {
  columns: (Column & { table: Table | undefined })[];
  rows: (string | null)[][];
}

const WRITES =
  /^(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|CREATE|DROP|ALTER|GRANT|REVOKE|COPY|PUT|REMOVE|CALL|UNDROP|COMMENT|USE)\b/i;

const syntaxError = (near: string) =>
  new SqlError(
    '001003',
    '42000',
    `SQL compilation error:\nsyntax error line 1 at position 0 unexpected '${near.slice(0, 30)}'.`,
  );

/** Statement text without comments and the trailing semicolon; more than one statement is refused. */
function single(sql: string): string {
  const text = sql
    .replace(/--[^\n]*|\/\/[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .trim()
    .replace(/;\s*$/, '');
  const outsideStrings = text.replace(/'(?:[^']|'')*'/g, "''");
  const count = outsideStrings.split(';').filter((s) => s.trim() !== '').length;
  if (count > 1)
    throw new SqlError(
      '000008',
      '0A000',
      `Actual statement count ${count} did not match the desired statement count 1.`,
    );
  return text;
}

function literal(raw: string): string | number {
  const s = raw.trim();
  if (/^'(?:[^']|'')*'$/.test(s)) return s.slice(1, -1).replaceAll("''", "'");
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  throw syntaxError(s);
}

export function runSql(sql: string, tables: Table[]): ResultSet {
  const text = single(sql);
  const first = /^\(*\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? '';
  const lookup = (name: string) => {
    const parts = name.replaceAll('"', '').toUpperCase().split('.');
    const t = tables.find(
      (x) =>
        x.name === parts.at(-1) &&
        (parts.length < 2 || x.schema === parts.at(-2)) &&
        (parts.length < 3 || x.database === parts.at(-3)),
    );
    if (!t)
      throw new SqlError(
        '002003',
        '42S02',
        `SQL compilation error:\nObject '${name.toUpperCase()}' does not exist or not authorized.`,
      );
    return t;
  };
  if (WRITES.test(text)) {
    const target = /\b(?:INTO|UPDATE|FROM|TABLE|MERGE\s+INTO)\s+([\w."$]+)/i.exec(text)?.[1];
    const what = target
      ? `table '${target.replaceAll('"', '').toUpperCase().split('.').at(-1)}'`
      : "schema 'PUBLIC'";
    throw new SqlError(
      '003001',
      '42501',
      `SQL access control error:\nInsufficient privileges to operate on ${what}`,
    );
  }
  if (/^SHOW\s+TABLES\b/i.test(text)) {
    return {
      columns: [
        { name: 'name', type: 'text', table: undefined },
        { name: 'database_name', type: 'text', table: undefined },
        { name: 'schema_name', type: 'text', table: undefined },
        { name: 'rows', type: 'fixed', table: undefined },
      ],
      rows: tables.map((t) => [t.name, t.database, t.schema, String(t.rows.length)]),
    };
  }
  if (first !== 'SELECT') throw syntaxError(first || text);
  const m =
    /^SELECT\s+(.+?)\s+FROM\s+([\w."$]+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+([\w"]+)(?:\s+(ASC|DESC))?)?(?:\s+LIMIT\s+(\d+))?$/is.exec(
      text,
    );
  if (!m) throw syntaxError(text.split(/\s+/).slice(1, 3).join(' '));
  const table = lookup(m[2]!);
  const colIndex = (raw: string) => {
    const name = raw.trim().replaceAll('"', '').toUpperCase().split('.').at(-1)!;
    const i = table.columns.findIndex((c) => c.name === name);
    if (i === -1)
      throw new SqlError(
        '000904',
        '42000',
        `SQL compilation error: error line 1 at position 7\ninvalid identifier '${name}'`,
      );
    return i;
  };
  let rows = table.rows;
  if (m[3]) {
    for (const cond of m[3].split(/\s+AND\s+/i)) {
      const c = /^\s*([\w."]+)\s*(=|!=|<>|<=|>=|<|>)\s*(.+?)\s*$/.exec(cond);
      if (!c) throw syntaxError(cond);
      const i = colIndex(c[1]!);
      const want = literal(c[3]!);
      const op = c[2]!;
      rows = rows.filter((r) => {
        const v = r[i] ?? null;
        if (v === null) return false;
        const a: string | number = typeof want === 'number' ? Number(v) : v;
        switch (op) {
          case '=':
            return a === want;
          case '!=':
          case '<>':
            return a !== want;
          case '<':
            return a < want;
          case '<=':
            return a <= want;
          case '>':
            return a > want;
          default:
            return a >= want;
        }
      });
    }
  }
  if (m[4]) {
    const i = colIndex(m[4]);
    const numeric = table.columns[i]!.type !== 'text';
    const dir = m[5]?.toUpperCase() === 'DESC' ? -1 : 1;
    rows = [...rows].sort((x, y) => {
      const a = x[i] ?? '';
      const b = y[i] ?? '';
      return dir * (numeric ? Number(a) - Number(b) : a.localeCompare(b));
    });
  }
  if (m[6]) rows = rows.slice(0, Number(m[6]));
  const select = m[1]!.trim();
  if (/^COUNT\s*\(\s*\*\s*\)$/i.test(select))
    return {
      columns: [{ name: 'COUNT(*)', type: 'fixed', scale: 0, table: undefined }],
      rows: [[String(rows.length)]],
    };
  const indexes = select === '*' ? table.columns.map((_, i) => i) : select.split(',').map(colIndex);
  return {
    columns: indexes.map((i) => ({ ...table.columns[i]!, table })),
    rows: rows.map((r) => indexes.map((i) => r[i] ?? null)),
  };
}
