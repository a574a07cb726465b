import type { Elysia } from 'elysia';
import { AUDIT_RECORD_FIELDS, type AuditRecordField } from '../../db/schema/audit.ts';
import { AUDIT_OUTCOMES } from '../../db/schema/enums.ts';
import {
  AuditPage,
  type AuditRowView,
  VerifyResult,
  type VerifyView,
  type WholeRecordLink,
} from '../../views/pages/audit.tsx';
import { AuditRecordPage } from '../../views/pages/audit-record.tsx';
import type { AppContext } from '../app/context.ts';
import { EXPORT_FORMATS, type ExportFormat, exportEntries } from '../audit/export.ts';
import { describeResult, verifyChain } from '../audit/verify.ts';
import { snapshotWitness } from '../audit/witness.ts';
import { requireTeamSession, shellUser } from '../auth/console-session.ts';
import { AppError } from '../errors/app-error.ts';
import { page } from '../http/app.ts';
import { readForm } from '../http/forms.ts';
import { renderPage } from '../http/page.ts';
import { fragmentResponse, withSecurityHeaders } from '../http/responses.ts';
import {
  type AuditQuery,
  auditEntries,
  clientChoices,
  filterQuery,
  KNOWN_EVENTS,
  parseAuditQuery,
  parseTime,
  prettyJson,
  userChoices,
  wholeRecord,
} from './audit-service.ts';
import { actorEmails, readableJson } from './audit-view.ts';
import { isTeamAdmin, type TeamSession } from './connections-service.ts';

const isHtmx = (request: Request) => request.headers.get('hx-request') === 'true';

function teamSession(ctx: AppContext, request: Request): TeamSession | Response {
  const s = requireTeamSession(ctx, request);
  if (s instanceof Response) return s;
  return s as TeamSession;
}

/** Verifying and exporting cover the whole trail's structure: team admins only. */
function requireAuditAdmin(s: TeamSession): void {
  if (!isTeamAdmin(s))
    throw new AppError(
      'forbidden',
      'Only team admins (gatehouse:admin) can verify or export the audit trail.',
    );
}

const when = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)}`;

/** Where the whole record of an entry's field is (team admins), for the preview's link. */
const recordHref = (seq: number, field: AuditRecordField) => `/audit/entries/${seq}/${field}`;

/** The note under a preview of an out-of-line value: its size, hash and (admins) a link. */
function wholeLink(
  admin: boolean,
  seq: number,
  field: AuditRecordField,
  sha: string | null,
  bytes: number | null,
): WholeRecordLink | undefined {
  if (sha === null) return undefined;
  return { sha256: sha, bytes: bytes ?? 0, href: admin ? recordHref(seq, field) : undefined };
}

function renderAudit(ctx: AppContext, s: TeamSession, q: AuditQuery, verify?: VerifyView): Response {
  const admin = isTeamAdmin(s);
  const data = auditEntries(ctx, s, q);
  const actors = actorEmails(ctx, data.rows);
  const rows: AuditRowView[] = data.rows.map((r, i) => ({
    seq: r.seq,
    when: when(r.at),
    event: r.event,
    actorEmail: actors[i] ?? null,
    client: r.clientName ?? r.clientId,
    tool: r.tool,
    environment: r.environment,
    outcome: r.outcome,
    reason: r.reason,
    latency: r.latencyMs === null ? null : `${r.latencyMs} ms`,
    // An out-of-line value's column is a preview (cut JSON): shown as it is, with the link.
    args: r.argsSha256 === null ? prettyJson(r.args) : (r.args ?? ''),
    details: r.detailsSha256 === null ? readableJson(r.details) : (r.details ?? ''),
    argsWhole: wholeLink(admin, r.seq, 'args', r.argsSha256, r.argsBytes),
    detailsWhole: wholeLink(admin, r.seq, 'details', r.detailsSha256, r.detailsBytes),
  }));
  const range: Record<string, string> = {};
  if (q.filter.from !== undefined) range.since = new Date(q.filter.from).toISOString();
  if (q.filter.to !== undefined) range.until = new Date(q.filter.to).toISOString();
  return renderPage(
    ctx,
    AuditPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      admin,
      filter: q.input,
      problems: q.problems,
      rows,
      olderHref: data.older ? `/audit${filterQuery(q.input, { before: String(data.older) })}` : undefined,
      newerHref: data.newer ? `/audit${filterQuery(q.input, { after: String(data.newer) })}` : undefined,
      newestHref: data.newer ? `/audit${filterQuery(q.input)}` : undefined,
      choices: {
        users: userChoices(ctx, s),
        clients: clientChoices(ctx, s),
        tools: ctx.tools
          .all()
          .map((t) => t.name)
          .sort(),
        outcomes: AUDIT_OUTCOMES,
        events: KNOWN_EVENTS,
      },
      exports: admin ? range : undefined,
      verify,
    }) as string,
  );
}

/** GET /audit — filters `user` (admins), `client`, `tool`, `outcome`, `event`, `from`, `to`; cursor `before`/`after`. */
export function auditPage(ctx: AppContext, request: Request): Response {
  const s = teamSession(ctx, request);
  if (s instanceof Response) return s;
  const q = parseAuditQuery(new URL(request.url).searchParams, ctx.clock.now(), isTeamAdmin(s));
  return renderAudit(ctx, s, q);
}

/**
 * POST /audit/verify — walks the whole chain (read-only) and shows the result. htmx gets the
 * result fragment; a plain form gets the audit page with it.
 */
export async function auditVerify(ctx: AppContext, request: Request): Promise<Response> {
  const s = teamSession(ctx, request);
  if (s instanceof Response) return s;
  requireAuditAdmin(s);
  const form = await readForm(request);
  ctx.csrf.verify(request, form.get('_csrf'), s);
  ctx.auditHead.flush();
  // The witness first, then the head: heads written meanwhile are in neither, or in the head only.
  const witness = ctx.auditHead.witnessPath ? snapshotWitness(ctx.auditHead.witnessPath) : undefined;
  const result = verifyChain(ctx.db.$client, ctx.auditKey, ctx.auditHead.read(), witness);
  const v: VerifyView = { ok: result.ok, message: describeResult(result) };
  if (isHtmx(request)) return fragmentResponse(VerifyResult({ v }) as string);
  return renderAudit(ctx, s, parseAuditQuery(new URLSearchParams(), ctx.clock.now(), true), v);
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/** Lines per chunk pulled from the export generator. */
const CHUNK_LINES = 200;

/**
 * POST /audit/export — fields `_csrf`, `format` (jsonl|csv), `since`, `until`: the team's
 * entries in the range, oldest first, streamed as a download. `since`/`until` take what the
 * filter takes (ISO, `24h`…); `until` defaults to now, so the file ends at the moment it was
 * asked for. A POST with the CSRF token, because an export is itself audited: another site must
 * not be able to write entries into the trail by embedding a link.
 */
export async function auditExport(ctx: AppContext, request: Request): Promise<Response> {
  const s = teamSession(ctx, request);
  if (s instanceof Response) return s;
  requireAuditAdmin(s);
  const params = await readForm(request);
  ctx.csrf.verify(request, params.get('_csrf'), s);
  const format = params.get('format') ?? 'jsonl';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new AppError('invalid_input', 'format must be jsonl or csv.');
  const now = ctx.clock.now();
  const time = (name: string) => {
    const raw = params.get(name);
    if (raw === undefined || raw.trim() === '') return undefined;
    const t = parseTime(raw.slice(0, 100), now);
    if (t === undefined)
      throw new AppError('invalid_input', `${name} is not a time (ISO, or 30m / 24h / 7d).`);
    return t;
  };
  const since = time('since');
  const until = time('until') ?? now;
  const fmt = format as ExportFormat;
  ctx.audit.append({
    event: 'audit.exported',
    outcome: 'ok',
    teamId: s.teamId,
    userId: s.userId,
    actorEmail: s.email,
    details: {
      format: fmt,
      since: since === undefined ? null : new Date(since).toISOString(),
      until: new Date(until).toISOString(),
    },
  });
  const lines = exportEntries(ctx.db.$client, fmt, {
    teamId: s.teamId,
    ...(since !== undefined ? { since } : {}),
    until,
  });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      let chunk = '';
      for (let i = 0; i < CHUNK_LINES; i++) {
        const next = lines.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += next.value;
      }
      controller.enqueue(encoder.encode(chunk));
    },
    cancel() {
      lines.return(undefined);
    },
  });
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15);
  const headers = withSecurityHeaders(
    new Headers({
      'Content-Type': CONTENT_TYPES[fmt],
      'Content-Disposition': `attachment; filename="gatehouse-audit-${stamp}.${fmt}"`,
    }),
  );
  return new Response(body, { status: 200, headers });
}

function recordParams(params: Record<string, string>): { seq: number; field: AuditRecordField } {
  const seq = /^\d{1,15}$/.test(params.seq ?? '') ? Number(params.seq) : 0;
  const field = params.field as AuditRecordField;
  if (seq <= 0 || !(AUDIT_RECORD_FIELDS as readonly string[]).includes(field))
    throw new AppError('not_found', 'There is no such audit record.');
  return { seq, field };
}

function loadWhole(ctx: AppContext, s: TeamSession, params: Record<string, string>) {
  requireWholeRecordAdmin(s);
  const { seq, field } = recordParams(params);
  const whole = wholeRecord(ctx, s, seq, field);
  if (!whole) throw new AppError('not_found', `Your team has no audit entry #${seq}.`);
  return whole;
}

/** The whole arguments of any call (other people's included) are for team admins. */
function requireWholeRecordAdmin(s: TeamSession): void {
  if (!isTeamAdmin(s))
    throw new AppError('forbidden', 'Only team admins (gatehouse:admin) can open whole audit records.');
}

/**
 * GET /audit/entries/:seq/:field — the whole `args` or `details` of one entry of the team (team
 * admins), pretty-printed and escaped, with its SHA-256 and length and whether they are the ones
 * the signed entry commits to.
 */
export function auditRecordPage(ctx: AppContext, request: Request, params: Record<string, string>): Response {
  const s = teamSession(ctx, request);
  if (s instanceof Response) return s;
  const w = loadWhole(ctx, s, params);
  return renderPage(
    ctx,
    AuditRecordPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      seq: w.entry.seq,
      field: w.field,
      when: when(w.entry.at),
      event: w.entry.event,
      tool: w.entry.tool,
      actorEmail: w.entry.actorEmail,
      outOfLine: w.outOfLine,
      present: w.content !== null,
      matches: w.matches,
      sha256: w.sha256,
      bytes: w.bytes,
      content: prettyJson(w.content),
      rawHref: w.content === null ? undefined : `${recordHref(w.entry.seq, w.field)}/raw`,
    }) as string,
  );
}

/**
 * GET /audit/entries/:seq/:field/raw — the exact stored JSON (the bytes its SHA-256 is over), as a
 * download (team admins).
 */
export function auditRecordRaw(ctx: AppContext, request: Request, params: Record<string, string>): Response {
  const s = teamSession(ctx, request);
  if (s instanceof Response) return s;
  const w = loadWhole(ctx, s, params);
  if (w.content === null) throw new AppError('not_found', `Entry #${w.entry.seq} has no ${w.field} record.`);
  const headers = withSecurityHeaders(
    new Headers({
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="gatehouse-audit-${w.entry.seq}-${w.field}.json"`,
      'Content-Security-Policy': "default-src 'none'; sandbox",
    }),
  );
  return new Response(w.content, { status: 200, headers });
}

/** The /audit routes (docs/architecture.md "Console", §6). */
export function auditRoutes(app: Elysia, ctx: AppContext): void {
  app
    .get('/audit', page(ctx, auditPage))
    .get('/audit/entries/:seq/:field', page(ctx, auditRecordPage))
    .get('/audit/entries/:seq/:field/raw', page(ctx, auditRecordRaw))
    .post('/audit/verify', page(ctx, auditVerify))
    .post('/audit/export', page(ctx, auditExport));
}
