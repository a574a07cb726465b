/** @jsxImportSource @kitajs/html */
import { Layout, type ShellUser } from '../components/layout.tsx';

export interface AuditRecordPageProps {
  user: ShellUser;
  csrfToken: string;
  seq: number;
  field: string;
  when: string;
  event: string;
  tool: string | null;
  actorEmail: string | null;
  /** Kept out of line (the entry holds a preview and commits to the hash and length). */
  outOfLine: boolean;
  present: boolean;
  matches: boolean;
  sha256: string | null;
  bytes: number | null;
  /** Pretty-printed JSON (escaped when rendered). */
  content: string | undefined;
  rawHref: string | undefined;
}

/** /audit/entries/:seq/:field — one entry's whole args or details (team admins). */
export function AuditRecordPage(p: AuditRecordPageProps) {
  return (
    <Layout title={`Audit entry #${p.seq}: ${p.field}`} user={p.user} csrfToken={p.csrfToken} active="audit">
      <section class="card" data-testid="audit-record">
        <p>
          <a href="/audit">← Audit trail</a>
        </p>
        <h1 safe>{`Entry #${p.seq}: whole ${p.field}`}</h1>
        <dl class="facts">
          <dt>Time (UTC)</dt>
          <dd safe>{p.when}</dd>
          <dt>Event</dt>
          <dd>
            <code safe>{p.event}</code>
          </dd>
          <dt>Tool</dt>
          <dd safe>{p.tool ?? ''}</dd>
          <dt>Actor</dt>
          <dd safe>{p.actorEmail ?? ''}</dd>
          <dt>Size</dt>
          <dd safe>{p.bytes === null ? '' : `${p.bytes} bytes`}</dd>
          <dt>SHA-256</dt>
          <dd>
            <code data-testid="record-sha256" safe>
              {p.sha256 ?? ''}
            </code>
          </dd>
        </dl>
        {!p.present ? (
          <p class="flash error" role="alert" data-testid="record-state">
            {p.outOfLine
              ? 'The record this entry commits to is missing: the trail was tampered with. Run Verify on the audit page.'
              : 'This entry has none.'}
          </p>
        ) : p.matches ? (
          <p class="muted" data-testid="record-state">
            {p.outOfLine
              ? 'Kept apart from the entry; its SHA-256 and length are the ones the signed entry commits to.'
              : 'Kept in the entry itself, covered by its hash.'}
          </p>
        ) : (
          <p class="flash error" role="alert" data-testid="record-state">
            This record does not match the SHA-256 and length the signed entry commits to: it was altered. Run
            Verify on the audit page.
          </p>
        )}
        {p.rawHref ? (
          <p>
            <a href={p.rawHref} data-testid="record-raw">
              Download the exact JSON
            </a>
          </p>
        ) : (
          ''
        )}
        {p.content !== undefined ? (
          <pre class="json" data-testid="record-content" safe>
            {p.content}
          </pre>
        ) : (
          ''
        )}
      </section>
    </Layout>
  );
}
