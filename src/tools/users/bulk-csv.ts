/**
 * Reading an invitation list: the CSV must be well formed (or the whole call is refused with the
 * line at fault); each data row then becomes a candidate the tool judges on its own.
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

const COLUMNS = ['email', 'role'] as const;
const LOOKS_LIKE_EMAIL = /@/;

const malformed = (line: number | null, message: string) =>
  new AppError(
    'invalid_input',
    line === null ? `Invalid CSV: ${message}` : `Invalid CSV, line ${line}: ${message}`,
    {
      fields: [{ field: 'csv', message: line === null ? message : `line ${line}: ${message}` }],
      hint: 'Fix the CSV and call again: nothing was invited. The first line must be the header "email" or "email,role".',
    },
  );

/** Parses and checks the shape of an invitation CSV; throws AppError('invalid_input') naming the line. */
export function readInviteCsv(csv: string): InviteRow[] {
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
    throw malformed(1, 'the CSV is empty; it needs a header line "email" or "email,role" and data rows');

  const names = header.fields.map((f) => f.trim().toLowerCase());
  if (!names.includes('email')) {
    if (header.fields.some((f) => LOOKS_LIKE_EMAIL.test(f))) {
      throw malformed(
        header.line,
        `no header: this line looks like data ("${header.fields.join(',').slice(0, 80)}"); add the header "email" or "email,role" above it`,
      );
    }
    throw malformed(
      header.line,
      `the header must be "email" or "email,role" (case-insensitive), got "${header.fields.join(',').slice(0, 80)}"`,
    );
  }
  for (const name of names) {
    if (name === '') {
      throw malformed(header.line, 'the header has an empty column name (a trailing or doubled comma?)');
    }
    if (!(COLUMNS as readonly string[]).includes(name)) {
      throw malformed(
        header.line,
        `unexpected column "${name.slice(0, 40)}": only email and role are accepted (the header must be "email" or "email,role")`,
      );
    }
  }
  if (new Set(names).size !== names.length)
    throw malformed(header.line, 'a column is named twice in the header');
  if (data.length === 0) throw malformed(header.line, 'the CSV has a header but no data rows');
  if (data.length > BULK_MAX_ROWS) {
    throw malformed(
      data[BULK_MAX_ROWS]!.line,
      `the CSV has ${data.length} data rows; at most ${BULK_MAX_ROWS} per call (this line is row ${BULK_MAX_ROWS + 1}): split it`,
    );
  }
  const emailAt = names.indexOf('email');
  const roleAt = names.indexOf('role');
  return data.map((r) => {
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
}
