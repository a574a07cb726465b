/** @jsxImportSource @kitajs/html */
import { Layout, type ShellUser } from '../components/layout.tsx';
import { Ident } from '../components/text.tsx';

export interface AuditRowView {
  seq: number;
  when: string;
  event: string;
  actorEmail: string | null;
  client: string | null;
  tool: string | null;
  environment: string | null;
  outcome: string;
  reason: string | null;
  latency: string | null;
  /** Pretty-printed JSON (escaped when rendered); a preview when the value is kept out of line. */
  args: string | undefined;
  details: string | undefined;
  /** Set when `args` / `details` is a preview of a larger value kept whole out of line. */
  argsWhole?: WholeRecordLink | undefined;
  detailsWhole?: WholeRecordLink | undefined;
}

/** A value kept whole out of line: its size and hash (in the signed entry) and, for admins, a link. */
export interface WholeRecordLink {
  sha256: string;
  bytes: number;
  href: string | undefined;
}

export interface AuditFilterValues {
  user: string;
  client: string;
  tool: string;
  outcome: string;
  event: string;
  from: string;
  to: string;
}

export interface VerifyView {
  ok: boolean;
  message: string;
}

export interface AuditPageProps {
  user: ShellUser;
  csrfToken: string;
  admin: boolean;
  filter: AuditFilterValues;
  problems: string[];
  rows: AuditRowView[];
  olderHref: string | undefined;
  newerHref: string | undefined;
  newestHref: string | undefined;
  choices: {
    users: string[];
    clients: { id: string; name: string }[];
    tools: string[];
    outcomes: readonly string[];
    events: readonly string[];
  };
  /** Export links for the filter's time range (admins). */
  /** The filter's time range, sent with the export form (admins only). */
  exports: { since?: string; until?: string } | undefined;
  verify: VerifyView | undefined;
}

/** The Verify result: green when the chain holds, red with the first broken entry otherwise. */
export function VerifyResult({ v }: { v: VerifyView | undefined }) {
  if (!v)
    return (
      <div id="verify-result" data-testid="verify-result" aria-live="polite">
        <p class="muted">Not verified yet on this page.</p>
      </div>
    );
  return (
    <div id="verify-result" data-testid="verify-result" aria-live="polite">
      <p
        class={v.ok ? 'verify ok' : 'verify broken'}
        role={v.ok ? 'status' : 'alert'}
        data-ok={String(v.ok)}
        safe
      >
        {v.message}
      </p>
    </div>
  );
}

function Options({
  values,
  selected,
  empty,
}: {
  values: readonly string[];
  selected: string;
  empty: string;
}) {
  return (
    <>
      <option value="" selected={selected === ''} safe>
        {empty}
      </option>
      {values.map((v) => (
        <option value={v} selected={v === selected} safe>
          {v}
        </option>
      ))}
    </>
  );
}

const kib = (bytes: number) => (bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB`);

/** One args/details cell part: the whole JSON, or a preview with the whole record's size, hash and link. */
function JsonField({
  name,
  text,
  whole,
}: {
  name: string;
  text: string | undefined;
  whole: WholeRecordLink | undefined;
}) {
  if (text === undefined) return '';
  if (!whole)
    return (
      <details>
        <summary safe>{name}</summary>
        <pre safe>{text}</pre>
      </details>
    );
  return (
    <details data-testid={`preview-${name}`}>
      <summary safe>{`${name} (preview of ${kib(whole.bytes)})`}</summary>
      <pre safe>{`${text}…`}</pre>
      <p class="muted">
        <span
          safe
        >{`The first ${text.length} characters. The whole ${name} (${whole.bytes} bytes, SHA-256 `}</span>
        <code safe>{whole.sha256.slice(0, 16)}</code>
        {'…) is kept apart; the signed entry commits to its hash. '}
        {whole.href ? (
          <a href={whole.href} data-testid={`whole-${name}`}>
            Open the whole record
          </a>
        ) : (
          'Team admins can open the whole record.'
        )}
      </p>
    </details>
  );
}

function Row({ r }: { r: AuditRowView }) {
  return (
    <tr data-seq={String(r.seq)} data-testid="audit-row">
      <td class="when" data-label="Time (UTC)" safe>
        {r.when}
      </td>
      <td class="nowrap" data-label="Event" data-testid="event">
        <Ident text={r.event} code />
      </td>
      <td data-label="Actor" data-testid="actor">
        {r.actorEmail ? <Ident text={r.actorEmail} /> : ''}
      </td>
      <td data-label="Client">{r.client ? <Ident text={r.client} /> : ''}</td>
      <td data-label="Tool">{r.tool ? <Ident text={r.tool} code /> : ''}</td>
      <td class="nowrap" data-label="Env" safe>
        {r.environment ?? ''}
      </td>
      <td data-label="Outcome">
        <span
          class={r.outcome === 'denied' ? 'badge warn' : r.outcome === 'failed' ? 'badge danger' : 'badge ok'}
          data-testid="outcome"
          safe
        >
          {r.outcome}
        </span>
      </td>
      <td class="reason" data-label="Reason" safe>
        {r.reason ?? ''}
      </td>
      <td class="nowrap" data-label="Latency" safe>
        {r.latency ?? ''}
      </td>
      <td class="json">
        <JsonField name="args" text={r.args} whole={r.argsWhole} />
        <JsonField name="details" text={r.details} whole={r.detailsWhole} />
      </td>
    </tr>
  );
}

/** /audit: the team's audit trail (filter, pages, verify, export). */
export function AuditPage(p: AuditPageProps) {
  const f = p.filter;
  return (
    <Layout title="Audit" user={p.user} csrfToken={p.csrfToken} active="audit">
      <section class="card">
        <h1>Audit trail</h1>
        <p class="muted">
          {p.admin
            ? 'Every entry of your team: tool calls (allowed, denied, failed), settings, approvals, connections. Entries are hash-chained and signed (Ed25519).'
            : 'The entries you are the actor of in this team. Team admins see everyone’s.'}
        </p>
        <form method="get" action="/audit" class="filters" data-testid="filters">
          {p.admin ? (
            <label class="stack">
              <span>User</span>
              <input type="text" name="user" value={f.user} list="audit-users" placeholder="email" />
              <datalist id="audit-users">
                {p.choices.users.map((u) => (
                  <option value={u} />
                ))}
              </datalist>
            </label>
          ) : (
            ''
          )}
          <label class="stack wide">
            <span>Client</span>
            <select name="client">
              <option value="" selected={f.client === ''}>
                any
              </option>
              {p.choices.clients.map((c) => (
                <option value={c.id} selected={c.id === f.client} safe>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <label class="stack wide">
            <span>Tool</span>
            <select name="tool">
              <Options values={p.choices.tools} selected={f.tool} empty="any" />
            </select>
          </label>
          <label class="stack">
            <span>Outcome</span>
            <select name="outcome">
              <Options values={p.choices.outcomes} selected={f.outcome} empty="any" />
            </select>
          </label>
          <label class="stack">
            <span>Event</span>
            <input type="text" name="event" value={f.event} list="audit-events" placeholder="any" />
            <datalist id="audit-events">
              {p.choices.events.map((e) => (
                <option value={e} />
              ))}
            </datalist>
          </label>
          <label class="stack">
            <span>From (UTC)</span>
            <input
              type="text"
              name="from"
              value={f.from}
              placeholder="2026-01-31 09:00"
              aria-describedby="time-hint"
            />
          </label>
          <label class="stack">
            <span>To (UTC)</span>
            <input
              type="text"
              name="to"
              value={f.to}
              placeholder="2026-01-31 18:00"
              aria-describedby="time-hint"
            />
          </label>
          <div class="row">
            <button type="submit" class="primary">
              Filter
            </button>
            <a href="/audit">Clear</a>
          </div>
          <p class="field-hint" id="time-hint">
            Times: YYYY-MM-DD HH:MM in UTC, an ISO time, or a span back from now (30m, 24h, 7d).
          </p>
        </form>
        {p.problems.map((m) => (
          <p class="flash error" role="alert" data-testid="filter-problem" safe>
            {m}
          </p>
        ))}
      </section>
      {p.admin ? (
        <section class="card row" data-testid="tools-card">
          <form
            method="post"
            action="/audit/verify"
            class="inline"
            hx-post="/audit/verify"
            hx-target="#verify-result"
            hx-swap="outerHTML"
          >
            <input type="hidden" name="_csrf" value={p.csrfToken} />
            <button type="submit" class="secondary" data-testid="verify">
              Verify the chain
            </button>
          </form>
          <div class="grow">
            <VerifyResult v={p.verify} />
          </div>
          {p.exports ? (
            <form method="post" action="/audit/export" class="exports inline" data-testid="export-form">
              <span class="muted">Export (time range of the filter): </span>
              <input type="hidden" name="_csrf" value={p.csrfToken} />
              {p.exports.since ? <input type="hidden" name="since" value={p.exports.since} /> : ''}
              {p.exports.until ? <input type="hidden" name="until" value={p.exports.until} /> : ''}
              <button type="submit" name="format" value="jsonl" class="secondary" data-testid="export-jsonl">
                JSONL
              </button>{' '}
              <button type="submit" name="format" value="csv" class="secondary" data-testid="export-csv">
                CSV
              </button>
            </form>
          ) : (
            ''
          )}
        </section>
      ) : (
        ''
      )}
      <section class="card">
        {p.rows.length === 0 ? (
          <p class="muted" data-testid="no-entries">
            No entry matches.
          </p>
        ) : (
          <div class="scroll">
            <table class="audit cards" data-testid="audit-table">
              <thead>
                <tr>
                  <th>Time (UTC)</th>
                  <th>Event</th>
                  <th>Actor</th>
                  <th>Client</th>
                  <th>Tool</th>
                  <th>Env</th>
                  <th>Outcome</th>
                  <th>Reason</th>
                  <th>Latency</th>
                  <th>Args / details</th>
                </tr>
              </thead>
              <tbody>
                {p.rows.map((r) => (
                  <Row r={r} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav class="pager row" aria-label="Pages">
          {p.newerHref ? (
            <a href={p.newerHref} rel="prev" data-testid="newer">
              ← Newer
            </a>
          ) : (
            ''
          )}
          {p.newestHref ? (
            <a href={p.newestHref} data-testid="newest">
              Newest
            </a>
          ) : (
            ''
          )}
          <span class="grow"></span>
          {p.olderHref ? (
            <a href={p.olderHref} rel="next" data-testid="older">
              Older →
            </a>
          ) : (
            ''
          )}
        </nav>
      </section>
    </Layout>
  );
}
