/**
 * Fetching and reading an Audit Logs export file. The URL comes from WorkOS: a presigned https
 * URL in live mode, the embedded WorkOS's own front in local mode. Nothing else is fetched, the
 * API key is never sent with it, and the file is bounded in time and size.
 */
import { AppError } from '../../errors/app-error.ts';
import { parseCsv } from '../users/csv.ts';

export const EXPORT_MAX_BYTES = 5 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 30_000;

/** Whether Gatehouse may fetch `url`: https, or the very origin the WorkOS client talks to. */
export function exportUrlAllowed(url: string, apiBaseUrl: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol === 'https:') return true;
  try {
    return u.origin === new URL(apiBaseUrl).origin;
  } catch {
    return false;
  }
}

/** Downloads the export file as text, refusing other URLs, redirects and anything over 5 MB. */
export async function downloadExport(url: string, apiBaseUrl: string, signal: AbortSignal): Promise<string> {
  if (!exportUrlAllowed(url, apiBaseUrl)) {
    throw new AppError(
      'upstream_failed',
      'WorkOS returned an export URL Gatehouse will not fetch (neither https nor the WorkOS API host).',
      { hint: 'Open the export in the WorkOS dashboard instead.' },
    );
  }
  let res: Response;
  try {
    res = await fetch(url, {
      redirect: 'error',
      headers: { accept: 'text/csv' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)]),
    });
  } catch (e) {
    throw new AppError('upstream_failed', 'Could not download the audit log export file.', {
      hint: 'Try again in a moment.',
      cause: e,
    });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new AppError('upstream_failed', `Downloading the audit log export failed (HTTP ${res.status}).`, {
      hint: 'Export links expire after 10 minutes: call get_audit_log_events again.',
    });
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > EXPORT_MAX_BYTES) {
    await res.body?.cancel();
    throw tooBig();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > EXPORT_MAX_BYTES) {
        await reader.cancel();
        throw tooBig();
      }
      chunks.push(value);
    }
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

const tooBig = () =>
  new AppError(
    'payload_too_large',
    `The audit log export is larger than ${EXPORT_MAX_BYTES / 1024 / 1024} MB.`,
    {
      hint: 'Narrow the range, or filter by actions, actor_names or targets.',
    },
  );

export interface AuditEventOut {
  id: string | null;
  action: string | null;
  occurred_at: string | null;
  actor: { id: string | null; name: string | null; type: string | null };
  targets: { id: string; name: string | null; type: string }[];
  location: string | null;
  user_agent: string | null;
  metadata: Record<string, unknown>;
  /** Columns the reader does not know, kept under their header names. */
  extra: Record<string, string>;
}

/** Which of the file's columns were read, which expected ones it lacks, which were kept as extra. */
export interface ExportColumns {
  read: string[];
  missing: string[];
  extra: string[];
}

function json(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toTargets(value: unknown): AuditEventOut['targets'] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((t): t is Record<string, unknown> => !!t && typeof t === 'object')
    .map((t) => ({
      id: String(t.id ?? ''),
      name: typeof t.name === 'string' ? t.name : null,
      type: String(t.type ?? ''),
    }));
}

/** "Actor ID", "actor.id", "actorId" and "actor_id" name the same column. */
export function columnKey(header: string): string {
  return header
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

/**
 * The fields an export row may carry, each with the column names it goes by. WorkOS documents
 * the export (https://workos.com/docs/audit-logs/exporting-events) but not its CSV layout, so
 * the reader assumes no order and no exact spelling: a field is found under any of its names,
 * a field the file lacks is null, and a column it does not know is kept in `extra`.
 */
const FIELDS = {
  id: ['id', 'event_id'],
  action: ['action', 'action_name', 'event'],
  occurred_at: ['occurred_at', 'timestamp', 'date', 'time'],
  actor_id: ['actor_id'],
  actor_name: ['actor_name', 'actor'],
  actor_type: ['actor_type'],
  targets: ['targets'],
  location: ['context_location', 'location', 'ip_address'],
  user_agent: ['context_user_agent', 'user_agent'],
  metadata: ['metadata', 'event_metadata'],
} as const;
type Field = keyof typeof FIELDS;
/** Fields every event has (https://workos.com/docs/reference/audit-logs/event): worth naming when absent. */
const EXPECTED: Field[] = ['id', 'action', 'occurred_at', 'actor_id', 'actor_type', 'targets'];

/**
 * Reads the export CSV into events, header-driven and tolerant (see FIELDS); nested values are
 * JSON cells. Also says which columns were read, missing or kept as extra.
 */
export function readExportFile(text: string): { events: AuditEventOut[]; columns: ExportColumns } {
  const parsed = parseCsv(text);
  if (!parsed.ok) {
    throw new AppError(
      'upstream_failed',
      `The audit log export file is not valid CSV (line ${parsed.line}: ${parsed.reason}).`,
      { hint: 'Call get_audit_log_events again without export_id to produce a new export.' },
    );
  }
  const [header, ...rows] = parsed.records;
  if (!header) return { events: [], columns: { read: [], missing: [...EXPECTED], extra: [] } };
  const keys = header.fields.map(columnKey);
  const position = new Map<Field, number>();
  const known = new Set<number>();
  for (const field of Object.keys(FIELDS) as Field[]) {
    const i = keys.findIndex((k) => (FIELDS[field] as readonly string[]).includes(k));
    if (i !== -1) {
      position.set(field, i);
      known.add(i);
    }
  }
  const extraColumns = header.fields
    .map((name, i) => ({ name: name.trim(), i }))
    .filter(({ i }) => !known.has(i));
  const columns: ExportColumns = {
    read: [...known].sort((a, b) => a - b).map((i) => header.fields[i]?.trim() ?? ''),
    missing: EXPECTED.filter((f) => !position.has(f)),
    extra: extraColumns.map((c) => c.name),
  };
  const events = rows.map((r) => {
    const cell = (field: Field) => {
      const i = position.get(field);
      const v = i === undefined ? undefined : r.fields[i];
      return v === undefined || v === '' ? null : v;
    };
    const metadata = json(cell('metadata') ?? undefined);
    return {
      id: cell('id'),
      action: cell('action'),
      occurred_at: cell('occurred_at'),
      actor: { id: cell('actor_id'), name: cell('actor_name'), type: cell('actor_type') },
      targets: toTargets(json(cell('targets') ?? undefined)),
      location: cell('location'),
      user_agent: cell('user_agent'),
      metadata:
        metadata && typeof metadata === 'object' && !Array.isArray(metadata)
          ? (metadata as Record<string, unknown>)
          : metadata === undefined
            ? {}
            : { value: metadata },
      extra: Object.fromEntries(extraColumns.map(({ name, i }) => [name, r.fields[i] ?? ''])),
    };
  });
  return { events, columns };
}

/** The events of an export file (see readExportFile). */
export function readExportCsv(text: string): AuditEventOut[] {
  return readExportFile(text).events;
}
