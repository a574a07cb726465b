/** @jsxImportSource @kitajs/html */
import type { Environment } from '../../db/schema/enums.ts';
import type { EnvironmentSource, EnvironmentStatus } from '../../src/teams/environments.ts';

/** The most characters the key field takes (the server refuses more, whatever the browser sends). */
export const MAX_API_KEY_CHARS = 300;

/** Fixed notices after a change, keyed by the `saved` query value (never text from the query). */
export const ENVIRONMENT_NOTICES: Record<string, string> = {
  environment_linked: 'Linked. Your agents use this key from their next WorkOS call.',
  environment_unlinked: 'Removed. Your agents no longer use that key, from their next WorkOS call.',
};

/** What the card shows besides the environments themselves: a notice, or a refusal. */
export interface EnvironmentsCardState {
  notice?: string;
  /** A refusal: shown next to the key field of `environment`, or above the rows when it names none. */
  error?: { environment?: Environment; message: string };
}

export interface EnvironmentsCardView extends EnvironmentsCardState {
  /** The team's environments (ctx.environments.status): never the key, only its last four. */
  statuses: EnvironmentStatus[];
}

const TITLES: Record<Environment, string> = { sandbox: 'Sandbox', production: 'Production' };

const SOURCES: Record<EnvironmentSource, string> = {
  linked: 'Linked by a team admin',
  deployment: 'Deployment keys from the server configuration',
  embedded: 'Embedded demo environment (local mode)',
  none: 'Not linked',
};

const SHARES_IDENTITY =
  'This key opens the identity environment itself — where your staff sign in. Staff organizations are hidden from tools, but link a separate environment.';

/** A UTC timestamp, to the minute. */
function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function keyLine(s: EnvironmentStatus): string {
  if (!s.keyLast4) return '—';
  return s.keyKind ? `…${s.keyLast4} (${s.keyKind} key)` : `…${s.keyLast4}`;
}

function Row({
  s,
  csrfToken,
  error,
}: {
  s: EnvironmentStatus;
  csrfToken: string;
  error: string | undefined;
}) {
  const id = `env-${s.environment}`;
  const available = s.source !== 'none';
  return (
    <div class="env-row" id={id} data-testid={id} data-environment={s.environment} data-source={s.source}>
      <h3>
        <span safe>{TITLES[s.environment]}</span>{' '}
        <span class={available ? 'badge ok' : 'badge warn'} data-testid={`${id}-state`}>
          {available ? 'linked' : 'not linked'}
        </span>
      </h3>
      <dl class="facts">
        <dt>Source</dt>
        <dd data-testid={`${id}-source`} safe>
          {SOURCES[s.source]}
        </dd>
        <dt>Key</dt>
        <dd data-testid={`${id}-key`} safe>
          {keyLine(s)}
        </dd>
        {s.source === 'linked' ? (
          <>
            <dt>Linked</dt>
            <dd data-testid={`${id}-linked`} safe>
              {`by ${s.linkedBy ?? 'a former member'}${s.linkedAt !== null ? `, ${utc(s.linkedAt)}` : ''}`}
            </dd>
          </>
        ) : (
          ''
        )}
      </dl>
      {s.sharesIdentity ? (
        <p class="flash error" data-testid={`${id}-shares-identity`}>
          {SHARES_IDENTITY}
        </p>
      ) : (
        ''
      )}
      {s.sharedWith.length > 0 ? (
        <p class="flash warn" data-testid={`${id}-shared`} safe>
          {`The same key is linked by ${s.sharedWith.join(', ')}: they see and change the same customers.`}
        </p>
      ) : (
        ''
      )}
      <form
        method="post"
        action="/settings/environments/link"
        class="stack"
        hx-post="/settings/environments/link"
        hx-target="#environments"
        hx-swap="outerHTML"
        data-testid={`${id}-link-form`}
      >
        <input type="hidden" name="_csrf" value={csrfToken} />
        <input type="hidden" name="environment" value={s.environment} />
        <label for={`${id}-key-input`} safe>
          {`${s.source === 'linked' ? 'Replace the' : 'Link a'} ${s.environment} API key`}
        </label>
        <div class="row">
          <input
            type="password"
            id={`${id}-key-input`}
            name="api_key"
            class="grow"
            autocomplete="off"
            spellcheck="false"
            autocapitalize="off"
            maxlength={String(MAX_API_KEY_CHARS)}
            placeholder="sk_test_… or sk_live_…"
            required
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? `${id}-error` : `${id}-help`}
          />
          <button type="submit" class="primary" data-testid={`${id}-link`}>
            {s.source === 'linked' ? 'Replace key' : 'Link key'}
          </button>
        </div>
        {error ? (
          <p class="flash error field-error" id={`${id}-error`} role="alert" data-testid={`${id}-error`} safe>
            {error}
          </p>
        ) : (
          <p class="muted" id={`${id}-help`}>
            The key is checked with one WorkOS call before it is saved, then stored encrypted: it is never
            shown again, only its last four characters.
          </p>
        )}
      </form>
      {s.source === 'linked' ? (
        <form
          method="post"
          action="/settings/environments/unlink"
          class="inline"
          hx-post="/settings/environments/unlink"
          hx-target="#environments"
          hx-swap="outerHTML"
          hx-confirm={`Remove the linked ${s.environment} key? Your agents stop using it on their next WorkOS call.`}
        >
          <input type="hidden" name="_csrf" value={csrfToken} />
          <input type="hidden" name="environment" value={s.environment} />
          <button type="submit" class="danger" data-testid={`${id}-unlink`}>
            Remove key
          </button>
        </form>
      ) : (
        ''
      )}
    </div>
  );
}

/**
 * Settings → WorkOS environments: the team's sandbox and production, where each comes from, the
 * key's last four only, and a form to link, replace or remove a key. Also the unit htmx swaps
 * after a change (`#environments`, outerHTML).
 */
export function EnvironmentsCard({ v, csrfToken }: { v: EnvironmentsCardView; csrfToken: string }) {
  const rowError = v.error?.environment;
  const noneLinked = v.statuses.every((s) => s.source === 'none');
  return (
    <section class="card" id="environments" data-testid="environments-card">
      <h2>WorkOS environments</h2>
      <p class="muted">
        Your agents' WorkOS tools act on these environments, and on nothing else: each team has its own.
      </p>
      <div aria-live="polite">
        {v.notice ? (
          <p class="flash" role="status" data-testid="environments-notice" safe>
            {v.notice}
          </p>
        ) : (
          ''
        )}
        {v.error && !rowError ? (
          <p class="flash error" role="alert" data-testid="environments-error" safe>
            {v.error.message}
          </p>
        ) : (
          ''
        )}
      </div>
      {noneLinked ? (
        <p class="flash error" data-testid="environments-none">
          No WorkOS environment is linked: your agents' WorkOS tools refuse until you link one.
        </p>
      ) : (
        ''
      )}
      {v.statuses.map((s) => (
        <Row s={s} csrfToken={csrfToken} error={rowError === s.environment ? v.error?.message : undefined} />
      ))}
    </section>
  );
}
