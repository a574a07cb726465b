/** @jsxImportSource @kitajs/html */
import { Layout, type ShellUser } from '../components/layout.tsx';

export interface ConsentTeam {
  organizationId: string;
  name: string;
  role: string;
}

export interface ConsentPageProps {
  user: ShellUser;
  csrfToken: string;
  clientName: string;
  /** Where the code goes: the host of the redirect URI (or the scheme of a native app). */
  redirectTarget: string;
  /** How the client is known: registered here, or by the URL of its metadata document. */
  clientIdentity: { kind: 'dcr'; registeredAt: string } | { kind: 'cimd'; url: string };
  teams: ConsentTeam[];
  currentOrganizationId: string | null;
  capabilities: string[];
  sealedRequest: string;
}

/** The consent screen: who asks, where the code goes, in which team, and what it could do. */
export function ConsentPage(p: ConsentPageProps) {
  return (
    <Layout title="Allow access?" user={p.user} csrfToken={p.csrfToken}>
      <section class="card narrow consent">
        <h1 safe>{`${p.clientName} wants to act as you`}</h1>
        <p class="muted">
          It will connect to Gatehouse's MCP endpoint with your identity and your current role. It never gets
          more than you have, and you can revoke it any time under Connections.
        </p>
        <dl class="facts">
          <dt>Client</dt>
          <dd data-testid="client-name" safe>
            {p.clientName}
          </dd>
          <dt>Sends you back to</dt>
          <dd data-testid="redirect-host" safe>
            {p.redirectTarget}
          </dd>
          <dt>Identified by</dt>
          {p.clientIdentity.kind === 'cimd' ? (
            <dd safe>{`its metadata document at ${p.clientIdentity.url}`}</dd>
          ) : (
            <dd
              safe
            >{`dynamic registration on ${p.clientIdentity.registeredAt} (the name is the client's own claim)`}</dd>
          )}
        </dl>
        <form method="post" action="/authorize" class="stack">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="request" value={p.sealedRequest} />
          {p.teams.length > 1 ? (
            <label class="stack">
              <span>Act in team</span>
              {/* Choosing another team swaps in what the client could do there (htmx; the
                  signed request comes along so the list is narrowed by the same scopes). */}
              <select
                name="organization_id"
                data-testid="team-select"
                hx-get="/authorize/capabilities"
                hx-trigger="change"
                hx-include="[name='request']"
                hx-target="#capabilities"
                hx-swap="outerHTML"
              >
                {p.teams.map((t) => (
                  <option
                    value={t.organizationId}
                    selected={t.organizationId === p.currentOrganizationId}
                    safe
                  >
                    {`${t.name} (${t.role})`}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <input type="hidden" name="organization_id" value={p.teams[0]?.organizationId ?? ''} />
          )}
          <div>
            <h2>It will be able to</h2>
            <CapabilityList capabilities={p.capabilities} />
            <p class="muted">
              It can never impersonate users, mint or rotate credentials, change Gatehouse's access settings,
              or delete your team.
            </p>
          </div>
          <div class="row">
            <button type="submit" name="decision" value="allow" class="primary">
              Allow
            </button>
            <button type="submit" name="decision" value="deny" class="secondary">
              Deny
            </button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

export interface CapabilityListProps {
  capabilities: string[];
  /** Why the list could not be computed (shown in its place). */
  error?: string;
}

/** What the client could do in the chosen team; also the htmx fragment the team picker swaps in. */
export function CapabilityList(p: CapabilityListProps) {
  return (
    <ul id="capabilities" data-testid="capabilities" aria-live="polite">
      {p.error ? (
        <li class="error" role="alert" safe>
          {p.error}
        </li>
      ) : (
        p.capabilities.map((c) => <li safe>{c}</li>)
      )}
    </ul>
  );
}
