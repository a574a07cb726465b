import type { Database } from 'bun:sqlite';

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const COLUMNS = [
  'seq',
  'id',
  'at',
  'event',
  'team_id',
  'user_id',
  'actor_email',
  'client_id',
  'family_id',
  'session_id',
  'tool',
  'environment',
  'outcome',
  'reason',
  'latency_ms',
  'args',
  'details',
  'args_sha256',
  'args_bytes',
  'details_sha256',
  'details_bytes',
  'prev_hash',
  'hash',
  'signature',
] as const;

type Row = Record<(typeof COLUMNS)[number], string | number | null>;

export interface ExportFilter {
  since?: number;
  until?: number;
  /** Only entries after this seq: seqs follow commit order, so resuming by seq misses nothing. */
  afterSeq?: number;
  teamId?: string;
}

/**
 * One CSV cell: RFC 4180 quoting, and a leading = + - @ (or tab, CR) prefixed with ' so
 * spreadsheets do not run it as a formula. A cell holding a semicolon or a tab is quoted too: a
 * spreadsheet set to a locale whose list separator is `;` splits an unquoted `x;=cmd` there, and
 * the second cell would start with `=`; quoted, it stays one cell.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",;\t\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * Streams audit entries (oldest first) as JSON Lines or CSV, one line at a time, so an export
 * of any size never sits in memory. `args` and `details` are always whole: a value kept out of
 * line is exported in place of the entry's preview (its SHA-256 and byte length beside it).
 */
export function* exportEntries(
  sqlite: Database,
  format: ExportFormat,
  filter: ExportFilter = {},
): Generator<string> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.since !== undefined) {
    where.push('e.at >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    where.push('e.at < ?');
    params.push(filter.until);
  }
  if (filter.afterSeq !== undefined) {
    where.push('e.seq > ?');
    params.push(filter.afterSeq);
  }
  if (filter.teamId !== undefined) {
    where.push('e.team_id = ?');
    params.push(filter.teamId);
  }
  const columns = COLUMNS.map((c) =>
    c === 'args' || c === 'details'
      ? `CASE WHEN e.${c}_sha256 IS NULL THEN e.${c} ELSE r_${c}.content END AS ${c}`
      : `e.${c}`,
  );
  const sql = `SELECT ${columns.join(', ')} FROM audit_entries e
    LEFT JOIN audit_records r_args ON e.args_sha256 IS NOT NULL AND r_args.entry_id = e.id AND r_args.field = 'args'
    LEFT JOIN audit_records r_details ON e.details_sha256 IS NOT NULL AND r_details.entry_id = e.id AND r_details.field = 'details'
    ${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY e.seq`;
  if (format === 'csv') yield `${COLUMNS.join(',')}\r\n`;
  for (const row of sqlite.query<Row, (string | number)[]>(sql).iterate(...params)) {
    if (format === 'csv') {
      yield `${COLUMNS.map((c) => csvCell(c === 'at' ? new Date(row.at as number).toISOString() : row[c])).join(',')}\r\n`;
    } else {
      const parsed: Record<string, unknown> = { ...row, at: new Date(row.at as number).toISOString() };
      for (const k of ['args', 'details'] as const) {
        if (typeof row[k] === 'string') {
          try {
            parsed[k] = JSON.parse(row[k] as string);
          } catch {
            parsed[k] = row[k];
          }
        }
      }
      yield `${JSON.stringify(parsed)}\n`;
    }
  }
}

/**
 * Parses `--since`: an ISO date/time, or a duration back from now (`30m`, `24h`, `7d`).
 * Returns undefined for anything else, a date or time no calendar has (2026-02-30) included.
 */
export function parseSince(value: string, now: number): number | undefined {
  const rel = /^(\d{1,6})([mhd])$/.exec(value.trim());
  if (rel)
    return now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd'];
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) || !onTheCalendar(value.trim()) ? undefined : t;
}

/**
 * Whether the date and time written are the ones they name: Date.parse rolls 2026-02-30 over to
 * March 2 and 24:00 to the next day, so a mistyped bound would select other entries silently.
 */
function onTheCalendar(iso: string): boolean {
  const [, date, hm = '00:00', s = ':00'] =
    /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2})?)?/.exec(iso) ?? [];
  const fields = `${date}T${hm}${s}`;
  const t = Date.parse(`${fields}Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 19) === fields;
}
