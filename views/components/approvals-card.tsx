/** @jsxImportSource @kitajs/html */
import type { GrantView, PermitView } from '../../src/approvals/console-service.ts';
import { DEMO_PROVIDER_LABEL } from '../../src/approvals/providers/demo.ts';
import { Outcome } from './grant-outcome.tsx';
import { lapses, when } from './time.ts';

const STATUS_TEXT: Record<GrantView['status'], string> = {
  pending: 'pending',
  approved: 'approved',
  denied: 'denied',
  expired: 'expired',
  consumed: 'used',
  revoked: 'revoked',
  superseded: 'superseded',
};

const STATUS_CLASS: Record<GrantView['status'], string> = {
  pending: 'badge warn',
  approved: 'badge ok',
  denied: 'badge danger',
  expired: 'badge',
  consumed: 'badge',
  revoked: 'badge danger',
  superseded: 'badge',
};

export function StatusBadge({ v }: { v: GrantView }) {
  return (
    <span class={STATUS_CLASS[v.status]} data-testid="status" safe>
      {STATUS_TEXT[v.status]}
    </span>
  );
}

/** What the grant covers, in one line. */
export function scopeLine(v: GrantView): string {
  const names = v.providers.map((p) => p.name).join(', ');
  return v.kind === 'broad' ? `${v.level ?? 'read'} access to ${names}` : `${v.method} ${v.url}`;
}

function clientNote(v: GrantView): string {
  if (v.client.kind === 'connection') return 'connection token';
  if (v.client.kind === 'oauth') return `registered OAuth client ${v.client.clientId ?? ''}`.trim();
  return 'client not found';
}

/** Who asked and through what; the client name is the registered one, never the client's claim. */
function Origin({ v }: { v: GrantView }) {
  return (
    <>
      <dt>Who asks</dt>
      <dd data-testid="requester" safe>
        {v.own ? `${v.requesterEmail} (you)` : v.requesterEmail}
      </dd>
      <dt>Client</dt>
      <dd data-testid="client">
        <strong safe>{v.client.name}</strong>{' '}
        <span class="muted" safe>
          {`(${clientNote(v)})`}
        </span>
      </dd>
      <dt>Reason</dt>
      <dd data-testid="reason" safe>
        {v.reason}
      </dd>
    </>
  );
}

/** Local mode: the call reaches Gatehouse's embedded fake of the provider, with demo data. */
function DemoNote({ v }: { v: GrantView }) {
  return v.demo ? (
    <>
      <dt>Provider</dt>
      <dd data-testid="demo-provider">
        <span class="badge">{DEMO_PROVIDER_LABEL}</span>{' '}
        <span class="muted">
          Gatehouse's embedded stand-in for this API, with demo data: nothing real is read or changed.
        </span>
      </dd>
    </>
  ) : (
    ''
  );
}

/** Exactly what was asked for: providers and level, or the exact method, URL and body. */
function Scope({ v }: { v: GrantView }) {
  if (v.kind === 'broad') {
    return (
      <>
        <DemoNote v={v} />
        <dt>Asks for</dt>
        <dd data-testid="scope" safe>
          {v.status === 'pending'
            ? `${v.level ?? 'read'} access to ${v.providers.map((p) => p.name).join(', ')}, for ${v.authorityMinutes} minute${v.authorityMinutes === 1 ? '' : 's'} after approval`
            : scopeLine(v)}
        </dd>
      </>
    );
  }
  return (
    <>
      <DemoNote v={v} />
      <dt>Exact request</dt>
      <dd>
        <pre class="copy" data-testid="request-line" safe>
          {`${v.method} ${v.url}`}
        </pre>
        {v.body === null ? (
          <p class="muted" data-testid="request-body-none">
            No body: the call may not send one.
          </p>
        ) : (
          <pre class="copy" data-testid="request-body" safe>
            {v.body}
          </pre>
        )}
        {v.headers.length === 0 ? (
          <p class="muted" data-testid="request-headers-none">
            No extra headers: the call may send none.
          </p>
        ) : (
          <ul class="plain" data-testid="request-headers">
            {v.headers.map((h) => (
              <li>
                <code safe>{h.name}</code>: <span safe>{h.value}</span>
              </li>
            ))}
          </ul>
        )}
        {v.write ? (
          <p class="write-note" data-testid="write-note">
            <span class="badge warn">changes data</span>{' '}
            <span class="muted" safe>
              {v.writeWhy ?? ''}
            </span>
          </p>
        ) : (
          <p>
            <span class="badge ok">read-only</span>
          </p>
        )}
      </dd>
    </>
  );
}

const FINAL_TEXT: Record<GrantView['status'], string> = {
  pending: '',
  approved: 'Approved. The agent can use it now; this link cannot be used again.',
  denied: 'Denied. This link cannot be used again.',
  expired: 'Expired: nobody decided in time, or the grant ran out. Ask the agent to request again if needed.',
  consumed: 'Used: the approved call was made. This link cannot be used again.',
  revoked: 'Revoked: the agent can no longer use this grant.',
  superseded: 'Superseded: the agent sent a newer request, which replaced this one. This link is dead.',
};

/** The refusal text under a disabled button. */
function Refusal({ permit, testId }: { permit: PermitView; testId: string }) {
  return permit.allowed || !permit.reason ? (
    ''
  ) : (
    <p class="muted refusal" data-testid={testId} safe>
      {permit.reason}
    </p>
  );
}

/** The deny refusal, unless it says the same as the approve refusal shown just above it. */
function denyRefusal(v: GrantView): PermitView {
  const same = !v.can.approve.allowed && v.can.approve.reason === v.can.deny.reason;
  return same ? { allowed: true } : v.can.deny;
}

function ApproveForm({ v, csrfToken, linkToken }: CardProps & { v: GrantView }) {
  const action = `/approvals/${v.id}/approve`;
  const disabled = !v.can.approve.allowed;
  return (
    <form
      method="post"
      action={action}
      class="stack"
      hx-post={action}
      hx-target={`#grant-${v.id}`}
      hx-swap="outerHTML"
      data-testid="approve-form"
    >
      <input type="hidden" name="_csrf" value={csrfToken} />
      {linkToken ? <input type="hidden" name="t" value={linkToken} /> : ''}
      {v.kind === 'broad' ? (
        <>
          <fieldset class="stack">
            <legend>Providers to allow</legend>
            {v.providers.map((p) => (
              <label class="choice">
                <input type="checkbox" name="providers" value={p.id} checked disabled={disabled} />
                <span class="name" safe>
                  {p.name}
                </span>
              </label>
            ))}
          </fieldset>
          <label class="stack">
            <span>Access level</span>
            <select name="level" disabled={disabled}>
              {v.level === 'write' ? <option value="write">write (changes data)</option> : ''}
              <option value="read" selected={v.level !== 'write'}>
                read only
              </option>
            </select>
          </label>
        </>
      ) : (
        ''
      )}
      <label class="stack">
        <span>Notes: instructions the agent must follow</span>
        <textarea name="notes" maxlength="2000" disabled={disabled}></textarea>
      </label>
      <div class="row">
        <button type="submit" class="primary" disabled={disabled}>
          Approve
        </button>
      </div>
      <Refusal permit={v.can.approve} testId="approve-refusal" />
    </form>
  );
}

function DenyForm({ v, csrfToken, linkToken }: CardProps & { v: GrantView }) {
  const action = `/approvals/${v.id}/deny`;
  const disabled = !v.can.deny.allowed;
  return (
    <form
      method="post"
      action={action}
      class="row"
      hx-post={action}
      hx-target={`#grant-${v.id}`}
      hx-swap="outerHTML"
      data-testid="deny-form"
    >
      <input type="hidden" name="_csrf" value={csrfToken} />
      {linkToken ? <input type="hidden" name="t" value={linkToken} /> : ''}
      <input
        type="text"
        name="reason"
        class="grow"
        maxlength="2000"
        placeholder="Reason (optional)"
        aria-label="Reason for denying"
        disabled={disabled}
      />
      <button type="submit" class="danger" disabled={disabled}>
        {v.own ? 'Deny (withdraw)' : 'Deny'}
      </button>
      <Refusal permit={denyRefusal(v)} testId="deny-refusal" />
    </form>
  );
}

export interface CardProps {
  csrfToken: string;
  /** The approval link's secret, when the card is shown on the link's page (sent back with decisions). */
  linkToken?: string;
  /** A message about the last action on this card (e.g. a conflict). */
  error?: string;
}

/**
 * One request: who asks, through which registered client, why, exactly what; and, while it is
 * pending, the decision forms. Also the unit htmx swaps after a decision. Polling morphs leave a
 * pending card alone (hx-morph-skip) so a half-filled form is never reset.
 */
export function GrantCard(p: CardProps & { v: GrantView }) {
  const { v } = p;
  const pending = v.status === 'pending';
  return (
    <section
      class="card grant"
      id={`grant-${v.id}`}
      data-grant={v.id}
      data-status={v.status}
      hx-morph-skip={pending}
    >
      <div class="row">
        <h2 class="grow">{v.kind === 'broad' ? 'Session access request' : 'Exact-call request'}</h2>
        <StatusBadge v={v} />
      </div>
      <dl class="facts">
        <Origin v={v} />
        <Scope v={v} />
        {pending ? (
          <>
            <dt>Asked</dt>
            <dd data-testid="asked" safe>
              {`${when(v.createdAt)}. If nobody decides, it lapses ${lapses(v.requestExpiresAt, v.requestSecondsLeft)}.`}
            </dd>
          </>
        ) : (
          <Outcome v={v} />
        )}
      </dl>
      {pending ? <PipesNote v={v} /> : ''}
      <div id={`error-${v.id}`} aria-live="polite">
        {p.error ? (
          <p class="flash error" role="alert" data-testid="card-error" safe>
            {p.error}
          </p>
        ) : (
          ''
        )}
      </div>
      {pending ? (
        <div class="stack">
          <ApproveForm {...p} v={v} />
          <DenyForm {...p} v={v} />
        </div>
      ) : (
        <p class="flash" role="status" data-testid="final-state" safe>
          {FINAL_TEXT[v.status]}
        </p>
      )}
    </section>
  );
}

/**
 * What the approver should know about the requester's Pipes connections. Not yet looked up (a
 * card the poll brought in): a placeholder that asks for it once, as soon as it is shown.
 */
export function PipesNote({ v }: { v: GrantView }) {
  if (v.pipesNotes === undefined)
    return (
      <div
        hx-get={`/approvals/${v.id}/pipes`}
        hx-trigger="load"
        hx-swap="outerHTML"
        data-testid="pipes-loading"
      ></div>
    );
  if (v.pipesNotes.length === 0) return '';
  return (
    <div class="flash warn" role="note" data-testid="pipes-note">
      {v.pipesNotes.map((n) => (
        <p class="refusal" safe>
          {n}
        </p>
      ))}
    </div>
  );
}

/** An error line for one card (htmx retargets refusals here, leaving the form as the human left it). */
export function CardError({ message }: { message: string }) {
  return (
    <p class="flash error" role="alert" data-testid="card-error" safe>
      {message}
    </p>
  );
}
