/**
 * Reading an invitation list, such as an employee export: the CSV must be well formed (or the
 * whole call is refused with the line at fault); each data row then becomes a candidate the tool
 * judges on its own.
 */
import { AppError } from '../../errors/app-error.ts';
import { parseCsv } from './csv.ts';

export const BULK_MAX_BYTES = 200 * 1024;
export const BULK_MAX_ROWS = 1000;

/** One data row as written: its line, email and role cells (role undefined without a role column). */
export interface InviteRow {
  line: number;
  email: string;
  role: string | undefined;
}

/** A read invitation list: its rows, and the header's columns that were not used. */
export interface InviteCsv {
  rows: InviteRow[];
  /** Columns of the header other than email and role, as written (an HR export's name, team…). */
  ignoredColumns: string[];
  /** The headers the email and role were read from, as written. */
  emailColumn: string;
  roleColumn: string | null;
}

/**
 * Header names read as the email or the role column, compared lower-cased with spaces, `_` and
 * `-` folded to one space: an HR export's "Work Email" or "E-mail Address" is the email column.
 */
const EMAIL_NAMES = new Set([
  'email',
  'e mail',
  'email address',
  'e mail address',
  'work email',
  'work email address',
]);
const ROLE_NAMES = new Set(['role', 'role slug', 'workos role']);
const LOOKS_LIKE_EMAIL = /@/;

const fold = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
const quoteList = (names: string[]) => names.map((n) => `"${n.slice(0, 40)}"`).join(', ');

const malformed = (line: number | null, message: string) =>
  new AppError(
    'invalid_input',
    line === null ? `Invalid CSV: ${message}` : `Invalid CSV, line ${line}: ${message}`,
    {
      fields: [{ field: 'csv', message: line === null ? message : `line ${line}: ${message}` }],
      hint: 'Fix the CSV and call again: nothing was invited. The first line is the header; it needs an "email" column (an optional "role" column; other columns are ignored).',
    },
  );

/** The one column of the header whose name is in `names`; throws when two are. */
function columnOf(names: string[], wanted: Set<string>, what: string, line: number): number {
  const at = names.flatMap((n, i) => (wanted.has(fold(n)) ? [i] : []));
  if (at.length > 1)
    throw malformed(
      line,
      `${at.length} columns could be the ${what} (${quoteList(at.map((i) => names[i]!))}): keep one`,
    );
  return at[0] ?? -1;
}

/**
 * Parses an invitation CSV, such as an employee export: the header names the columns in any
 * order; `email` is required, `role` optional, every other column is ignored (and named).
 * Throws AppError('invalid_input') naming the line for a CSV that cannot be read safely.
 */
export function readInviteCsv(csv: string): InviteCsv {
  const bytes = new TextEncoder().encode(csv).length;
  if (bytes > BULK_MAX_BYTES) {
    throw malformed(
      null,
      `the CSV is ${Math.ceil(bytes / 1024)} KB; at most ${BULK_MAX_BYTES / 1024} KB per call: split it`,
    );
  }
  const parsed = parseCsv(csv);
  if (!parsed.ok) throw malformed(parsed.line, parsed.reason);
  const [header, ...data] = parsed.records;
  if (!header)
    throw malformed(1, 'the CSV is empty; it needs a header line with an "email" column, and data rows');

  const names = header.fields.map((f) => f.trim());
  const emailAt = columnOf(names, EMAIL_NAMES, 'email', header.line);
  if (emailAt < 0) {
    if (header.fields.some((f) => LOOKS_LIKE_EMAIL.test(f))) {
      throw malformed(
        header.line,
        `no header: this line looks like data ("${header.fields.join(',').slice(0, 80)}"); add a header line such as "email,role" above it`,
      );
    }
    const found = names.filter((n) => n !== '');
    throw malformed(
      header.line,
      `no "email" column: the header has ${found.length ? quoteList(found.slice(0, 20)) : 'no named columns'}${found.length > 20 ? ` and ${found.length - 20} more` : ''}; rename the column holding the addresses to "email"`,
    );
  }
  const roleAt = columnOf(names, ROLE_NAMES, 'role', header.line);
  if (data.length === 0) throw malformed(header.line, 'the CSV has a header but no data rows');
  if (data.length > BULK_MAX_ROWS) {
    throw malformed(
      data[BULK_MAX_ROWS]!.line,
      `the CSV has ${data.length} data rows; at most ${BULK_MAX_ROWS} per call (this line is row ${BULK_MAX_ROWS + 1}): split it`,
    );
  }
  const rows = data.map((r) => {
    // More cells than the header names: a comma inside an unquoted value shifted the columns.
    if (r.fields.length > names.length) {
      throw malformed(
        r.line,
        `${r.fields.length} columns but the header has ${names.length} (quote a value that contains a comma)`,
      );
    }
    return {
      line: r.line,
      email: (r.fields[emailAt] ?? '').trim(),
      role: roleAt >= 0 ? (r.fields[roleAt] ?? '').trim() : undefined,
    };
  });
  return {
    rows,
    ignoredColumns: names
      .map((n, i) => (n === '' ? `(unnamed column ${i + 1})` : n.slice(0, 80)))
      .filter((_, i) => i !== emailAt && i !== roleAt),
    emailColumn: names[emailAt]!,
    roleColumn: roleAt >= 0 ? names[roleAt]! : null,
  };
}
