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
  id: string;
  action: string;
  occurred_at: string;
  actor: { id: string; name: string | null; type: string };
  targets: { id: string; name: string | null; type: string }[];
  location: string | null;
  user_agent: string | null;
  metadata: Record<string, unknown>;
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

/**
 * Reads the export CSV into events. Columns are found by name (the header), so a reordered or
 * extended file still reads; nested values are JSON cells.
 */
export function readExportCsv(text: string): AuditEventOut[] {
  const parsed = parseCsv(text);
  if (!parsed.ok) {
    throw new AppError(
      'upstream_failed',
      `The audit log export file is not valid CSV (line ${parsed.line}: ${parsed.reason}).`,
    );
  }
  const [header, ...rows] = parsed.records;
  if (!header) return [];
  const at = new Map(header.fields.map((name, i) => [name.trim().toLowerCase(), i]));
  return rows.map((r) => {
    const cell = (name: string) => {
      const i = at.get(name);
      return i === undefined ? undefined : r.fields[i];
    };
    const metadata = json(cell('metadata'));
    return {
      id: cell('id') ?? '',
      action: cell('action') ?? '',
      occurred_at: cell('occurred_at') ?? '',
      actor: { id: cell('actor_id') ?? '', name: cell('actor_name') || null, type: cell('actor_type') ?? '' },
      targets: toTargets(json(cell('targets'))),
      location: cell('context_location') || null,
      user_agent: cell('context_user_agent') || null,
      metadata:
        metadata && typeof metadata === 'object' && !Array.isArray(metadata)
          ? (metadata as Record<string, unknown>)
          : metadata === undefined
            ? {}
            : { value: metadata },
    };
  });
}
