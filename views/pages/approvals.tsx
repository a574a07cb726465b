/** @jsxImportSource @kitajs/html */
import type { GrantView, TeamApprovals } from '../../src/approvals/console-service.ts';
import { GrantCard, StatusBadge, scopeLine } from '../components/approvals-card.tsx';
import { ConfirmationCard } from '../components/confirmation-card.tsx';
import { Layout, type ShellUser } from '../components/layout.tsx';
import { duration, when } from '../components/time.ts';

/** How often the list asks for changes (htmx polling). */
export const POLL_EVERY = 'every 3s';

function Who({ v }: { v: GrantView }) {
  return (
    <>
      <div safe>{v.requesterEmail}</div>
      <div class="muted" safe>
        {`via ${v.client.name}`}
      </div>
    </>
  );
}

function RevokeForm({ v, csrfToken }: { v: GrantView; csrfToken: string }) {
  const action = `/approvals/${v.id}/revoke`;
  if (!v.can.revoke.allowed) {
    return (
      <button type="button" class="secondary" disabled title={v.can.revoke.reason ?? ''}>
        Revoke
      </button>
    );
  }
  return (
    <form
      method="post"
      action={action}
      class="inline"
      hx-post={action}
      hx-target={`#active-${v.id}`}
      hx-swap="outerHTML"
      hx-confirm="Revoke this grant? The agent loses it at once."
    >
      <input type="hidden" name="_csrf" value={csrfToken} />
      <button type="submit" class="danger" data-testid="revoke">
        Revoke
      </button>
    </form>
  );
}

/** A row of the active grants table; also the unit htmx swaps after a revoke. */
export function ActiveRow({ v, csrfToken, error }: { v: GrantView; csrfToken: string; error?: string }) {
  return (
    <tr id={`active-${v.id}`} data-grant={v.id} data-status={v.status}>
      <td data-label="Who">
        <Who v={v} />
      </td>
      <td data-label="What">
        <code safe>{scopeLine(v)}</code>
        {v.notes ? (
          <div class="muted" safe>
            {`Notes: ${v.notes}`}
          </div>
        ) : (
          ''
        )}
      </td>
      <td data-label="Time left" data-testid="time-left">
        {v.status === 'approved'
          ? v.kind === 'broad'
            ? `${duration(v.secondsLeft)} left`
            : `once, within ${duration(v.secondsLeft)}`
          : ''}
      </td>
      <td>
        {v.status === 'approved' ? <RevokeForm v={v} csrfToken={csrfToken} /> : <StatusBadge v={v} />}
        {error ? (
          <p class="flash error" role="alert" data-testid="row-error" safe>
            {error}
          </p>
        ) : (
          ''
        )}
      </td>
    </tr>
  );
}

function outcomeDetail(v: GrantView): string {
  switch (v.status) {
    case 'approved':
    case 'consumed':
      return v.notes ? `Notes: ${v.notes}` : '';
    case 'denied':
      return v.denyReason ?? '';
    case 'revoked':
      return v.revokedByEmail ? `by ${v.revokedByEmail}` : '';
    case 'superseded':
      return 'replaced by a newer request';
    default:
      return '';
  }
}

function decidedAt(v: GrantView): number | null {
  return v.revokedAt ?? v.consumedAt ?? v.decidedAt ?? v.expiresAt ?? v.requestExpiresAt;
}

function RecentTable({ recent }: { recent: GrantView[] }) {
  if (recent.length === 0) return <p class="muted">No decisions yet.</p>;
  return (
    <table class="cards" data-testid="recent">
      <thead>
        <tr>
          <th>When</th>
          <th>Who asks</th>
          <th>What</th>
          <th>Outcome</th>
          <th>Decided by</th>
        </tr>
      </thead>
      <tbody>
        {recent.map((v) => (
          <tr id={`recent-${v.id}`} data-decision={v.id} data-status={v.status}>
            <td data-label="When" safe>
              {when(decidedAt(v))}
            </td>
            <td data-label="Who asks">
              <Who v={v} />
            </td>
            <td data-label="What">
              <code safe>{scopeLine(v)}</code>
              <div class="muted" safe>
                {v.reason}
              </div>
            </td>
            <td data-label="Outcome">
              <StatusBadge v={v} />
              <div class="muted" safe>
                {outcomeDetail(v)}
              </div>
            </td>
            <td data-label="Decided by" data-testid="decided-by" safe>
              {v.approverEmail ?? ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The part of /approvals that updates itself: pending requests, active grants, recent decisions.
 * Served alone by GET /approvals/pending and morphed in place every few seconds.
 */
export function ApprovalsLive({ data, csrfToken }: { data: TeamApprovals; csrfToken: string }) {
  return (
    <>
      {data.confirmations.total > 0 ? (
        <section class="card" id="confirmations">
          <h2 safe>{`Waiting for your confirmation (${data.confirmations.total})`}</h2>
          <p class="muted">
            Your team requires a person to confirm deletions and sign-in changes. These come from your own
            agents, whose clients could not ask you directly.
          </p>
        </section>
      ) : (
        ''
      )}
      {data.confirmations.total > data.confirmations.shown.length ? (
        <p class="muted" safe>
          {`The ${data.confirmations.shown.length} oldest are shown; answer them to see the others.`}
        </p>
      ) : (
        ''
      )}
      {data.confirmations.shown.map((c) => (
        <ConfirmationCard c={c} csrfToken={csrfToken} />
      ))}
      <section class="card" id="pending">
        <h2 safe>{`Pending requests (${data.pending.length})`}</h2>
        {data.pending.length === 0 ? (
          <p class="muted" data-testid="no-pending">
            Nothing is waiting for a decision. Requests from agents appear here as they arrive.
          </p>
        ) : (
          ''
        )}
      </section>
      {data.pending.map((v) => (
        <GrantCard v={v} csrfToken={csrfToken} />
      ))}
      <section class="card" id="active">
        <h2>Active grants</h2>
        {data.active.length === 0 ? (
          <p class="muted">No grant is active.</p>
        ) : (
          <table class="cards" data-testid="active">
            <thead>
              <tr>
                <th>Who</th>
                <th>What</th>
                <th>Time left</th>
                <th>
                  <span class="muted">Revoke</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.active.map((v) => (
                <ActiveRow v={v} csrfToken={csrfToken} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card" id="recent">
        <h2>Recent decisions</h2>
        <RecentTable recent={data.recent} />
      </section>
    </>
  );
}

export interface ApprovalsPageProps {
  user: ShellUser;
  csrfToken: string;
  data: TeamApprovals;
  notice?: string;
}

/** /approvals: what agents ask for, what is active, what was decided. */
export function ApprovalsPage(p: ApprovalsPageProps) {
  return (
    <Layout title="Approvals" user={p.user} csrfToken={p.csrfToken} active="approvals">
      <div id="flash" aria-live="polite">
        {p.notice ? (
          <p class="flash" role="status" safe>
            {p.notice}
          </p>
        ) : (
          ''
        )}
      </div>
      <section class="card">
        <h1>Approvals</h1>
        <p class="muted">
          Agents ask here before they call Linear, Notion, Snowflake, GitHub or Slack as someone in your team:
          either for a while (session access) or for one exact request. Check who asks, through which client,
          and exactly what, then approve, narrow or deny.
        </p>
        <p class="muted" data-testid="policy">
          {p.data.requireDifferent
            ? 'Team policy: someone other than the requester, with the approvals:approve permission, must approve.'
            : 'Team policy: the requester or anyone with the approvals:approve permission may approve.'}
        </p>
      </section>
      <div
        id="approvals-live"
        class="stack"
        hx-get="/approvals/pending"
        hx-trigger={POLL_EVERY}
        hx-swap="innerMorph"
      >
        <ApprovalsLive data={p.data} csrfToken={p.csrfToken} />
      </div>
    </Layout>
  );
}

export interface ApprovalDetailPageProps {
  user: ShellUser;
  csrfToken: string;
  v: GrantView;
  /** The link's secret, sent back with the decision. */
  linkToken: string | undefined;
}

/** /approvals/:id?t=…: the page an agent's approval link opens. */
export function ApprovalDetailPage(p: ApprovalDetailPageProps) {
  return (
    <Layout title="Approve access?" user={p.user} csrfToken={p.csrfToken} active="approvals">
      <GrantCard v={p.v} csrfToken={p.csrfToken} linkToken={p.linkToken} />
      <p>
        <a href="/approvals">All approvals</a>
      </p>
    </Layout>
  );
}
