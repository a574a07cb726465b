/** @jsxImportSource @kitajs/html */
import type { WaitingConfirmation } from '../../src/policy/person-confirmations.ts';
import { Ident } from './text.tsx';
import { when } from './time.ts';

/** The sentence the gate kept for the human (already filtered), or the tool's name. */
function summaryOf(c: WaitingConfirmation): string {
  return typeof c.summary.summary === 'string' ? c.summary.summary : `${c.tool} (no description)`;
}

/**
 * A deletion (or sign-in change) the signed-in human's agent is waiting for them to confirm,
 * because their team requires a person and the agent's client cannot ask them directly.
 */
export function ConfirmationCard({ c, csrfToken }: { c: WaitingConfirmation; csrfToken: string }) {
  const base = `/approvals/confirmations/${c.id}`;
  const target = `#confirmation-${c.id}`;
  return (
    <section class="card" id={`confirmation-${c.id}`} data-confirmation={c.id} data-testid="confirmation">
      <h3>
        Your agent asks to run <Ident text={c.tool} code /> in {c.environment}
      </h3>
      <p class="muted" safe>
        {`via ${c.client}`}
      </p>
      <p safe>{summaryOf(c)}</p>
      {c.summary.arguments !== undefined ? (
        <details open>
          <summary>The exact call</summary>
          <pre safe>{JSON.stringify(c.summary.arguments, null, 2)}</pre>
        </details>
      ) : (
        ''
      )}
      <p class="muted" safe>
        {`Asked ${when(c.createdAt)}; answer before ${when(c.expiresAt)}. Nothing happens until you confirm and the agent calls again with exactly the same request.`}
      </p>
      <div class="actions">
        <form
          method="post"
          action={`${base}/confirm`}
          class="inline"
          hx-post={`${base}/confirm`}
          hx-target={target}
          hx-swap="outerHTML"
        >
          <input type="hidden" name="_csrf" value={csrfToken} />
          <button type="submit" class="danger" data-testid="confirm">
            Confirm
          </button>
        </form>
        <form
          method="post"
          action={`${base}/decline`}
          class="inline"
          hx-post={`${base}/decline`}
          hx-target={target}
          hx-swap="outerHTML"
        >
          <input type="hidden" name="_csrf" value={csrfToken} />
          <button type="submit" class="secondary" data-testid="decline">
            Decline
          </button>
        </form>
      </div>
    </section>
  );
}

/** What replaces the card once answered (htmx), or the error shown in its place. */
export function ConfirmationAnswered({
  c,
  decision,
  error,
}: {
  c: { id: string; tool?: string };
  decision?: 'confirmed' | 'declined';
  error?: string;
}) {
  const text = error
    ? error
    : decision === 'confirmed'
      ? `Confirmed. Your agent's next call of ${c.tool ?? 'the tool'} with the same request goes ahead, once.`
      : 'Declined. Your agent will be told on its next call.';
  return (
    <section class="card" id={`confirmation-${c.id}`} data-testid="confirmation-answered">
      <p class={error ? 'flash error' : 'flash'} role={error ? 'alert' : 'status'} safe>
        {text}
      </p>
    </section>
  );
}
