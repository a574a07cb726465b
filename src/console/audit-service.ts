import { and, desc, eq, gt, gte, inArray, lt, lte, ne, or, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { AuditRecordField } from '../../db/schema/audit.ts';
import { AUDIT_OUTCOMES, type AuditOutcome } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import { AUDIT_EVENTS } from '../audit/events.ts';
import { parseSince } from '../audit/export.ts';
import { sha256 } from '../crypto/random.ts';
import { schema } from '../db/client.ts';
import { isTeamAdmin, type TeamSession } from './connections-service.ts';

/** Rows per page. */
export const AUDIT_PAGE_SIZE = 50;

/** Events offered as suggestions in the filter (any event name can be typed). */
export const KNOWN_EVENTS = AUDIT_EVENTS;

/** The filter as typed in the form (echoed back into it). */
export interface AuditFilterInput {
  user: string;
  client: string;
  tool: string;
  outcome: string;
  event: string;
  from: string;
  to: string;
}

/** The filter as applied. */
export interface AuditFilter {
  user?: string;
  client?: string;
  tool?: string;
  outcome?: AuditOutcome;
  event?: string;
  from?: number;
  to?: number;
}

export interface AuditQuery {
  input: AuditFilterInput;
  filter: AuditFilter;
  /** Older than this seq (the "Older" link), or newer than this seq ("Newer"). */
  before?: number;
  after?: number;
  /** Problems with the filter (the offending part is ignored). */
  problems: string[];
}

const FIELD_MAX = 200;

/**
 * A time as the filter takes it: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` (UTC unless a zone is
 * given), a full ISO time, or a duration back from now (`30m`, `24h`, `7d`).
 */
export function parseTime(value: string, now: number): number | undefined {
  let v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) v = `${v.replace(' ', 'T')}Z`;
  return parseSince(v, now);
}

function seqParam(v: string | null): number | undefined {
  if (!v || !/^\d{1,15}$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

/** Reads the filter and cursor from the query string; for non-admins the user filter is ignored. */
export function parseAuditQuery(params: URLSearchParams, now: number, admin: boolean): AuditQuery {
  const get = (k: string) => (params.get(k) ?? '').trim().slice(0, FIELD_MAX);
  const input: AuditFilterInput = {
    user: admin ? get('user') : '',
    client: get('client'),
    tool: get('tool'),
    outcome: get('outcome'),
    event: get('event'),
    from: get('from'),
    to: get('to'),
  };
  const filter: AuditFilter = {};
  const problems: string[] = [];
  if (input.user) filter.user = input.user.toLowerCase();
  if (input.client) filter.client = input.client;
  if (input.tool) filter.tool = input.tool;
  if (input.event) filter.event = input.event;
  if (input.outcome) {
    if ((AUDIT_OUTCOMES as readonly string[]).includes(input.outcome))
      filter.outcome = input.outcome as AuditOutcome;
    else problems.push(`Outcome must be one of ${AUDIT_OUTCOMES.join(', ')}.`);
  }
  for (const k of ['from', 'to'] as const) {
    if (!input[k]) continue;
    const t = parseTime(input[k], now);
    if (t === undefined)
      problems.push(
        `“${k === 'from' ? 'From' : 'To'}” is not a time: use YYYY-MM-DD HH:MM (UTC), an ISO time, or 24h / 7d.`,
      );
    else filter[k] = t;
  }
  return {
    input,
    filter,
    before: seqParam(params.get('before')),
    after: seqParam(params.get('after')),
    problems,
  };
}

/** The query string of a filter (for links that keep it), plus extra parameters. */
export function filterQuery(input: AuditFilterInput, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(input)) if (v) p.set(k, v);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * Who sees what: a team admin (gatehouse:admin) sees every entry of the team; anyone else on
 * the team sees only the entries they are the actor of. Entries without a team (sign-ins
 * before a team was chosen) are not shown here; they are in `gatehouse audit export`.
 */
function scope(
  s: TeamSession,
  a: typeof schema.auditEntries | typeof schema.auditPages = schema.auditPages,
): SQL {
  return isTeamAdmin(s) ? eq(a.teamId, s.teamId) : and(eq(a.teamId, s.teamId), eq(a.userId, s.userId))!;
}

/** A page's conditions, on the page index (audit_pages: the actor's email is stored lower-cased). */
function conditions(s: TeamSession, f: AuditFilter): SQL[] {
  const a = schema.auditPages;
  const c: SQL[] = [scope(s)];
  if (f.user) c.push(eq(a.actorEmail, f.user));
  if (f.client) c.push(eq(a.clientId, f.client));
  if (f.tool) c.push(eq(a.tool, f.tool));
  if (f.outcome) c.push(eq(a.outcome, f.outcome));
  if (f.event) c.push(eq(a.event, f.event));
  // The outcome and event indexes leave out the most common value (db/schema/audit.ts): their
  // condition, repeated word for word, lets SQLite use them for every other value.
  if (f.outcome && f.outcome !== 'allowed') c.push(ne(a.outcome, 'allowed'));
  if (f.event && f.event !== 'tool.call') c.push(ne(a.event, 'tool.call'));
  return c;
}

/**
 * The time bounds of a query: the filter's, narrowed by a cursor's. One lower and one upper
 * bound at most: given two, SQLite bounds the index range by one and filters by the other.
 */
function timeRange(f: AuditFilter, cursor: { lo?: number; hi?: number } = {}): SQL[] {
  const a = schema.auditPages;
  const pick = (x: number | undefined, y: number | undefined, m: (a: number, b: number) => number) =>
    x === undefined ? y : y === undefined ? x : m(x, y);
  // `to` is exclusive; times are whole milliseconds.
  const lo = pick(f.from, cursor.lo, Math.max);
  const hi = pick(f.to === undefined ? undefined : f.to - 1, cursor.hi, Math.min);
  const c: SQL[] = [];
  if (lo !== undefined) c.push(gte(a.at, lo));
  if (hi !== undefined) c.push(lte(a.at, hi));
  return c;
}

export type AuditRow = typeof schema.auditEntries.$inferSelect & { clientName: string | null };

export interface AuditPageData {
  rows: AuditRow[];
  /** Cursor for the "Older" link (the oldest seq shown), when older entries exist. */
  older?: number;
  /** Cursor for the "Newer" link (the newest seq shown), when newer entries exist. */
  newer?: number;
}

/**
 * One page of entries, newest first by (at, seq), keyset: the cursor is the seq of the entry
 * the page starts after, and its time is read by primary key. Every filter has an index that
 * starts with the team and ends with the time (db/schema/audit.ts), so the page reads its own
 * rows and one more (whether older or newer entries exist), whatever the trail's size: no count.
 */
export function auditEntries(ctx: AppContext, s: TeamSession, q: AuditQuery): AuditPageData {
  ctx.audit.settlePages();
  const a = schema.auditPages;
  const e = schema.auditEntries;
  const base = conditions(s, q.filter);
  const atOf = (seq: number) => ctx.db.select({ at: e.at }).from(e).where(eq(e.seq, seq)).get()?.at;
  /** Entries older than (at, seq) in the page's order (the index bounds `at`; seq breaks ties). */
  const olderThan = (at: number, seq: number) => [
    ...timeRange(q.filter, { hi: at }),
    or(lt(a.at, at), lt(a.seq, seq))!,
  ];
  const newerThan = (at: number, seq: number) => [
    ...timeRange(q.filter, { lo: at }),
    or(gt(a.at, at), gt(a.seq, seq))!,
  ];
  const afterAt = q.after !== undefined && q.before === undefined ? atOf(q.after) : undefined;
  const beforeAt = q.before !== undefined ? atOf(q.before) : undefined;
  // The index finds the page's seqs; each entry is then read by its primary key.
  const page = (where: SQL | undefined, order: (SQL | SQLiteColumn)[]) =>
    ctx.db
      .select({ entry: e })
      .from(a)
      .innerJoin(e, eq(e.seq, a.seq))
      .where(where)
      .orderBy(...order)
      .limit(AUDIT_PAGE_SIZE)
      .all()
      .map((r) => r.entry);
  let rows: (typeof e.$inferSelect)[];
  if (afterAt !== undefined) {
    rows = page(and(...base, ...newerThan(afterAt, q.after!)), [a.at, a.seq]).reverse();
  } else {
    rows = page(
      and(...base, ...(beforeAt !== undefined ? olderThan(beforeAt, q.before!) : timeRange(q.filter))),
      [desc(a.at), desc(a.seq)],
    );
  }
  const exists = (cond: SQL[]) =>
    ctx.db
      .select({ seq: a.seq })
      .from(a)
      .where(and(...base, ...cond))
      .limit(1)
      .get() !== undefined;
  const newest = rows[0];
  const oldest = rows.at(-1);
  const names = clientNames(
    ctx,
    rows.map((r) => r.clientId).filter((c): c is string => c !== null),
  );
  return {
    rows: rows.map((r) => ({ ...r, clientName: r.clientId ? (names.get(r.clientId) ?? null) : null })),
    older: oldest && exists(olderThan(oldest.at, oldest.seq)) ? oldest.seq : undefined,
    newer: newest && exists(newerThan(newest.at, newest.seq)) ? newest.seq : undefined,
  };
}

function clientNames(ctx: AppContext, ids: string[]): Map<string, string> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const c = schema.oauthClients;
  return new Map(
    ctx.db
      .select({ id: c.id, name: c.clientName })
      .from(c)
      .where(inArray(c.id, unique))
      .all()
      .map((r) => [r.id, r.name]),
  );
}

/**
 * The OAuth clients the human can filter by: those authorized in the team (their own, unless
 * admin). For an admin, a loose scan of the (team, client) index: one step per distinct client,
 * however many token families the team has; a member's own families are few (by user).
 */
export function clientChoices(ctx: AppContext, s: TeamSession): { id: string; name: string }[] {
  const sqlite = ctx.db.$client;
  const ids = isTeamAdmin(s)
    ? sqlite
        .query<{ id: string }, [string, string]>(
          `WITH RECURSIVE c(id) AS (
             SELECT (SELECT min(client_id) FROM token_families WHERE team_id = ?1)
             UNION ALL
             SELECT (SELECT min(client_id) FROM token_families WHERE team_id = ?2 AND client_id > c.id)
             FROM c WHERE c.id IS NOT NULL
           )
           SELECT id FROM c WHERE id IS NOT NULL`,
        )
        .all(s.teamId, s.teamId)
    : sqlite
        .query<{ id: string }, [string, string]>(
          `SELECT DISTINCT client_id AS id FROM token_families
           WHERE user_id = ? AND team_id = ? AND client_id IS NOT NULL`,
        )
        .all(s.userId, s.teamId);
  if (ids.length === 0) return [];
  const c = schema.oauthClients;
  return ctx.db
    .select({ id: c.id, name: c.clientName })
    .from(c)
    .where(
      inArray(
        c.id,
        ids.map((r) => r.id),
      ),
    )
    .orderBy(c.clientName)
    .all();
}

/** Team members' emails (admins filter by user). */
export function userChoices(ctx: AppContext, s: TeamSession): string[] {
  if (!isTeamAdmin(s)) return [];
  const m = schema.teamMembers;
  const u = schema.users;
  return ctx.db
    .select({ email: u.email })
    .from(m)
    .innerJoin(u, eq(u.id, m.userId))
    .where(eq(m.teamId, s.teamId))
    .orderBy(u.email)
    .all()
    .map((r) => r.email);
}

/** Pretty JSON of a stored args/details column (left as it is when it does not parse). */
export function prettyJson(stored: string | null): string | undefined {
  if (stored === null) return undefined;
  try {
    return JSON.stringify(JSON.parse(stored), null, 2);
  } catch {
    return stored;
  }
}

/** The whole `args` or `details` of one entry, as the record page shows it. */
export interface WholeRecord {
  entry: typeof schema.auditEntries.$inferSelect;
  field: AuditRecordField;
  /** The exact stored JSON (null when the entry has none, or its out-of-line record is missing). */
  content: string | null;
  /** Kept out of line: the entry holds a preview and commits to `sha256` and `bytes`. */
  outOfLine: boolean;
  sha256: string | null;
  bytes: number | null;
  /** The record's SHA-256 and length are the ones the signed entry commits to (inline: always). */
  matches: boolean;
}

/**
 * One entry's whole `args` or `details`, when the entry is in the human's view of the team
 * (team admins: every entry of the team). Undefined when there is no such entry.
 */
export function wholeRecord(
  ctx: AppContext,
  s: TeamSession,
  seq: number,
  field: AuditRecordField,
): WholeRecord | undefined {
  const a = schema.auditEntries;
  const entry = ctx.db
    .select()
    .from(a)
    .where(and(scope(s, a), eq(a.seq, seq)))
    .get();
  if (!entry) return undefined;
  const sha = field === 'args' ? entry.argsSha256 : entry.detailsSha256;
  const bytes = field === 'args' ? entry.argsBytes : entry.detailsBytes;
  if (sha === null && bytes === null) {
    const content = field === 'args' ? entry.args : entry.details;
    const size = content === null ? null : Buffer.byteLength(content, 'utf8');
    return {
      entry,
      field,
      content,
      outOfLine: false,
      sha256: content === null ? null : sha256(content),
      bytes: size,
      matches: true,
    };
  }
  const r = schema.auditRecords;
  const content =
    ctx.db
      .select({ content: r.content })
      .from(r)
      .where(and(eq(r.entryId, entry.id), eq(r.field, field)))
      .get()?.content ?? null;
  return {
    entry,
    field,
    content,
    outOfLine: true,
    sha256: sha,
    bytes,
    matches: content !== null && sha256(content) === sha && Buffer.byteLength(content, 'utf8') === bytes,
  };
}
