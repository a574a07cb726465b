/** @jsxImportSource @kitajs/html */
import { Copyable } from '../components/copy.tsx';
import { Layout, type ShellUser } from '../components/layout.tsx';

/** One live authorization (OAuth client) or connection token. */
export interface ConnectionView {
  familyId: string;
  kind: 'oauth' | 'connection';
  name: string;
  clientId: string | null;
  userEmail: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  requestCount: number;
}

export interface TokenFormValues {
  name: string;
  expiry: string;
  access: string;
}

export interface ConnectionsPageProps {
  user: ShellUser;
  csrfToken: string;
  /** Team admins see (and may revoke) everyone's connections in the team. */
  admin: boolean;
  entries: ConnectionView[];
  /** Per table, the family its "Older" link starts after (when older ones exist). */
  older?: { oauth?: string; connection?: string };
  /** A later page is shown: offer the way back to the newest. */
  paged?: boolean;
  /** A problem with the create form, shown above it. */
  error?: string;
  /** The create form's values after an error. */
  form?: TokenFormValues;
  notice?: string;
}

export const EXPIRY_CHOICES = [
  { value: 'never', label: 'Never' },
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
] as const;

export const ACCESS_CHOICES = [
  { value: 'mcp', label: 'Full: every tool your role allows (mcp)' },
  { value: 'mcp:read', label: 'Read-only tools (mcp:read)' },
] as const;

/** A UTC timestamp, to the minute. */
function when(ms: number | null, empty: string): string {
  return ms === null ? empty : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function access(scopes: string[]): string {
  if (scopes.includes('mcp')) return 'full';
  if (scopes.includes('mcp:read')) return 'read-only';
  return 'none';
}

function RevokeForm({ entry, csrfToken }: { entry: ConnectionView; csrfToken: string }) {
  const action = `/connections/${entry.familyId}/revoke`;
  return (
    <form
      method="post"
      action={action}
      class="inline"
      hx-post={action}
      hx-target="closest tr"
      hx-swap="outerHTML"
      hx-confirm="Revoke this connection? Agents using it lose access at once."
    >
      <input type="hidden" name="_csrf" value={csrfToken} />
      <button type="submit" class="danger" data-testid="revoke">
        Revoke
      </button>
    </form>
  );
}

/** A table row; also the unit htmx swaps after a revoke. */
export function ConnectionRow({
  entry,
  admin,
  csrfToken,
}: {
  entry: ConnectionView;
  admin: boolean;
  csrfToken: string;
}) {
  return (
    <tr id={`family-${entry.familyId}`} data-family={entry.familyId}>
      <td data-label={entry.kind === 'oauth' ? 'Client' : 'Name'}>
        <strong safe>{entry.name}</strong>
        {entry.kind === 'oauth' && entry.clientId ? (
          <div class="muted">
            <code safe>{entry.clientId}</code>
          </div>
        ) : (
          ''
        )}
      </td>
      {admin ? (
        <td data-label="User" safe>
          {entry.userEmail}
        </td>
      ) : (
        ''
      )}
      <td data-label="Access" safe>
        {access(entry.scopes)}
      </td>
      <td data-label="Created" safe>
        {when(entry.createdAt, '')}
      </td>
      {entry.kind === 'connection' ? (
        <td data-label="Expires" safe>
          {when(entry.expiresAt, 'never')}
        </td>
      ) : (
        ''
      )}
      <td data-label="Last used" safe>
        {when(entry.lastUsedAt, 'never')}
      </td>
      <td data-label="Requests" data-testid="requests" safe>
        {String(entry.requestCount)}
      </td>
      <td>
        <RevokeForm entry={entry} csrfToken={csrfToken} />
      </td>
    </tr>
  );
}

/** What replaces a row once it was revoked (htmx). */
export function RevokedRow({ entry, admin }: { entry: ConnectionView; admin: boolean }) {
  const columns = (entry.kind === 'connection' ? 7 : 6) + (admin ? 1 : 0);
  return (
    <tr class="revoked" data-family={entry.familyId}>
      <td colspan={String(columns)} class="muted" safe>
        {`Revoked ${entry.name}. Agents using it have lost access.`}
      </td>
    </tr>
  );
}

/** A status or error line at the top of the page (also what htmx shows when a revoke fails). */
export function FlashMessage({ message, error }: { message: string; error: boolean }) {
  return (
    <p class={error ? 'flash error' : 'flash'} role={error ? 'alert' : 'status'} safe>
      {message}
    </p>
  );
}

/** "Older" (the next page of this table) and "Newest" (back to the first pages). */
function Pager({ kind, older, paged }: { kind: 'oauth' | 'connection'; older?: string; paged: boolean }) {
  if (!older && !paged) return '';
  const param = kind === 'oauth' ? 'oauth_before' : 'tokens_before';
  return (
    <p class="pager" data-testid={`${kind}-pager`}>
      {paged ? <a href="/connections">Newest</a> : ''}
      {older ? (
        <a
          href={`/connections?${param}=${encodeURIComponent(older)}`}
          rel="next"
          data-testid={`${kind}-older`}
        >
          Older
        </a>
      ) : (
        ''
      )}
    </p>
  );
}

function ConnectionTable({
  entries,
  kind,
  admin,
  csrfToken,
  older,
  paged = false,
}: {
  entries: ConnectionView[];
  kind: 'oauth' | 'connection';
  admin: boolean;
  csrfToken: string;
  older?: string | undefined;
  paged?: boolean;
}) {
  const rows = entries.filter((e) => e.kind === kind);
  if (rows.length === 0) {
    return (
      <p class="muted">
        {kind === 'oauth'
          ? 'No client is connected. Point an MCP client at this server: it signs you in and asks for your consent.'
          : 'No connection token yet.'}
      </p>
    );
  }
  return (
    <>
      <table class="cards" data-testid={kind === 'oauth' ? 'clients' : 'tokens'}>
        <thead>
          <tr>
            <th>{kind === 'oauth' ? 'Client' : 'Name'}</th>
            {admin ? <th>User</th> : ''}
            <th>Access</th>
            <th>Created</th>
            {kind === 'connection' ? <th>Expires</th> : ''}
            <th>Last used</th>
            <th>Requests</th>
            <th>
              <span class="muted">Revoke</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <ConnectionRow entry={e} admin={admin} csrfToken={csrfToken} />
          ))}
        </tbody>
      </table>
      <Pager kind={kind} older={older} paged={paged} />
    </>
  );
}

/** /connections: connected clients and connection tokens, each revocable; create a token. */
export function ConnectionsPage(p: ConnectionsPageProps) {
  const form = p.form ?? { name: '', expiry: '30', access: 'mcp' };
  return (
    <Layout title="Connections" user={p.user} csrfToken={p.csrfToken} active="connections">
      <div id="flash" aria-live="polite">
        {p.notice ? <FlashMessage message={p.notice} error={false} /> : ''}
      </div>
      <section class="card">
        <h1>Connected clients</h1>
        <p class="muted">
          {p.admin
            ? 'Every MCP client anyone in your team has authorized. Revoking one ends its access at once and asks for consent again next time.'
            : 'The MCP clients you have authorized. Revoking one ends its access at once and asks for your consent again next time.'}
        </p>
        <ConnectionTable
          entries={p.entries}
          kind="oauth"
          admin={p.admin}
          csrfToken={p.csrfToken}
          older={p.older?.oauth}
          paged={p.paged ?? false}
        />
      </section>
      <section class="card">
        <h2>Connection tokens</h2>
        <p class="muted">
          For clients without OAuth: a named token sent as <code>Authorization: Bearer …</code>. It acts as
          you, never with more than your role allows.
        </p>
        <ConnectionTable
          entries={p.entries}
          kind="connection"
          admin={p.admin}
          csrfToken={p.csrfToken}
          older={p.older?.connection}
          paged={p.paged ?? false}
        />
      </section>
      <section class="card">
        <h2>Create a connection token</h2>
        {p.error ? (
          <p class="flash error" role="alert" data-testid="form-error" safe>
            {p.error}
          </p>
        ) : (
          ''
        )}
        <form method="post" action="/connections" class="stack">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <label class="stack">
            <span>Name</span>
            <input type="text" name="name" value={form.name} required maxlength="100" />
          </label>
          <label class="stack">
            <span>Expires after</span>
            <select name="expiry">
              {EXPIRY_CHOICES.map((c) => (
                <option value={c.value} selected={c.value === form.expiry}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <label class="stack">
            <span>Access</span>
            <select name="access">
              {ACCESS_CHOICES.map((c) => (
                <option value={c.value} selected={c.value === form.access}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <div>
            <button type="submit" class="primary">
              Create token
            </button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

export interface TokenCreatedPageProps {
  user: ShellUser;
  csrfToken: string;
  name: string;
  token: string;
  expiresAt: number | null;
  scopes: string[];
  mcpUrl: string;
}

/** Shown once, right after creation: the token and how to use it. It is never shown again. */
export function TokenCreatedPage(p: TokenCreatedPageProps) {
  const snippet = `claude mcp add --transport http gatehouse ${p.mcpUrl} --header "Authorization: Bearer ${p.token}"`;
  return (
    <Layout title="Connection token created" user={p.user} csrfToken={p.csrfToken} active="connections">
      <section class="card">
        <h1 safe>{`Connection token “${p.name}” created`}</h1>
        <p class="flash" role="status">
          Copy it now: Gatehouse stores only its hash and will never show it again.
        </p>
        <dl class="facts">
          <dt>Access</dt>
          <dd safe>{access(p.scopes)}</dd>
          <dt>Expires</dt>
          <dd safe>{when(p.expiresAt, 'never')}</dd>
        </dl>
        <h2>Token</h2>
        <Copyable id="token" text={p.token} label="the token" />
        <h2>Claude Code</h2>
        <Copyable id="snippet" text={snippet} label="the Claude Code command" />
        <p class="muted">
          Any MCP client that can send a header works the same way: point it at <code safe>{p.mcpUrl}</code>{' '}
          and send the token as <code>Authorization: Bearer</code>, followed by the token.
        </p>
        <p>
          <a href="/connections">Back to connections</a>
        </p>
      </section>
    </Layout>
  );
}
