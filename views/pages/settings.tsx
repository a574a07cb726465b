/** @jsxImportSource @kitajs/html */
import { EnvironmentsCard, type EnvironmentsCardView } from '../components/environments-card.tsx';
import { Layout, type ShellUser } from '../components/layout.tsx';
import { Toggle } from '../components/toggle.tsx';

export interface ToggleView {
  key: string;
  label: string;
  description: string;
  checked: boolean;
  disabled: boolean;
  lastChange: string | undefined;
}

export interface ChangeView {
  seq: number;
  when: string;
  actorEmail: string;
  kill: boolean;
  reason: string | null;
  changes: { label: string; from: string; to: string }[];
}

export interface SettingsView {
  teamName: string;
  /** The settings row's version (bumped by every change). */
  version: number;
  toggles: ToggleView[];
  authorityTtlMinutes: string;
  sessionIdleTtlMinutes: string;
  /** Tool calls one token may make per minute. */
  toolCallsPerMinute: string;
  bounds: {
    authorityTtl: { min: number; max: number };
    sessionIdleTtl: { min: number; max: number };
    toolCallsPerMinute: { min: number; max: number };
  };
  durationsLastChange: string[];
  /** "Kill switch pulled …" while the team is still off after a pull. */
  killed: string | undefined;
  history: ChangeView[];
  /** The team's WorkOS environments card (views/components/environments-card.tsx). */
  environments: EnvironmentsCardView;
}

export interface SettingsLiveProps {
  v: SettingsView;
  csrfToken: string;
  notice?: string;
  error?: string;
  /** The durations form's values after an error. */
  durations?: { authority: string; idle: string; toolCalls: string };
}

const LIVE = '#settings-live';

/** Everything a settings change re-renders: the access card, durations and the change history. */
export function SettingsLive({ v, csrfToken, notice, error, durations }: SettingsLiveProps) {
  const d = durations ?? {
    authority: v.authorityTtlMinutes,
    idle: v.sessionIdleTtlMinutes,
    toolCalls: v.toolCallsPerMinute,
  };
  return (
    <div id="settings-live" class="stack" data-version={String(v.version)}>
      <div aria-live="polite">
        {notice ? (
          <p class="flash" role="status" data-testid="notice" safe>
            {notice}
          </p>
        ) : (
          ''
        )}
        {error ? (
          <p class="flash error" role="alert" data-testid="settings-error" safe>
            {error}
          </p>
        ) : (
          ''
        )}
      </div>
      <section class="card" data-testid="access-card">
        <h1>MCP access</h1>
        <p class="muted">
          These switches apply at once: every open agent session sees the change on its very next call.
        </p>
        {v.killed ? (
          <p class="flash error" role="status" data-testid="killed" safe>
            {v.killed}
          </p>
        ) : (
          ''
        )}
        <div class="toggles">
          {v.toggles.map((t) => (
            <Toggle
              name={t.key}
              label={t.label}
              description={t.description}
              checked={t.checked}
              disabled={t.disabled}
              disabledNote="Off while “Enable MCP access” is off."
              lastChange={t.lastChange}
              action="/settings/toggle"
              target={LIVE}
              csrfToken={csrfToken}
            />
          ))}
        </div>
      </section>
      <section class="card" data-testid="durations-card">
        <h2>Durations</h2>
        <form
          method="post"
          action="/settings/durations"
          class="stack"
          hx-post="/settings/durations"
          hx-target={LIVE}
          hx-swap="outerHTML"
        >
          <input type="hidden" name="_csrf" value={csrfToken} />
          {/* The values this form was shown with: only a field the admin changed is saved, so a
              page left open cannot put back a value another admin has changed since. */}
          <input type="hidden" name="authority_ttl_minutes_was" value={v.authorityTtlMinutes} />
          <input type="hidden" name="session_idle_ttl_minutes_was" value={v.sessionIdleTtlMinutes} />
          <input type="hidden" name="tool_calls_per_minute_was" value={v.toolCallsPerMinute} />
          <div class="row">
            <label class="stack grow">
              <span>Authority TTL (minutes)</span>
              <input
                type="number"
                name="authority_ttl_minutes"
                value={d.authority}
                min={String(v.bounds.authorityTtl.min)}
                max={String(v.bounds.authorityTtl.max)}
                step="any"
                required
              />
              <span class="muted" safe>
                {`How long an approved authority grant lasts (${v.bounds.authorityTtl.min}–${v.bounds.authorityTtl.max} minutes).`}
              </span>
            </label>
            <label class="stack grow">
              <span>Session idle TTL (minutes)</span>
              <input
                type="number"
                name="session_idle_ttl_minutes"
                value={d.idle}
                min={String(v.bounds.sessionIdleTtl.min)}
                max={String(v.bounds.sessionIdleTtl.max)}
                step="any"
                required
              />
              <span class="muted" safe>
                {`An MCP session unused this long is closed (${v.bounds.sessionIdleTtl.min}–${v.bounds.sessionIdleTtl.max} minutes).`}
              </span>
            </label>
            <label class="stack grow">
              <span>Tool calls per minute, per token</span>
              <input
                type="number"
                name="tool_calls_per_minute"
                value={d.toolCalls}
                min={String(v.bounds.toolCallsPerMinute.min)}
                max={String(v.bounds.toolCallsPerMinute.max)}
                step="1"
                required
              />
              <span class="muted" safe>
                {`Calls over it are refused (HTTP 429) until the minute's quota refills; the first refusal of each window is audited (${v.bounds.toolCallsPerMinute.min}–${v.bounds.toolCallsPerMinute.max}).`}
              </span>
            </label>
          </div>
          {v.durationsLastChange.map((line) => (
            <p class="muted last-change" safe>
              {line}
            </p>
          ))}
          <div>
            <button type="submit" class="primary">
              Save durations
            </button>
          </div>
        </form>
      </section>
      <section class="card" data-testid="history">
        <h2>Recent changes</h2>
        {v.history.length === 0 ? (
          <p class="muted">No change yet: every setting has its default value.</p>
        ) : (
          <table class="cards">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>Setting</th>
                <th>Old</th>
                <th>New</th>
              </tr>
            </thead>
            <tbody>
              {v.history.flatMap((c) =>
                c.changes.map((ch) => (
                  <tr data-seq={String(c.seq)}>
                    <td data-label="When" safe>
                      {c.when}
                    </td>
                    <td data-label="Who" safe>
                      {c.actorEmail}
                    </td>
                    <td data-label="Setting" safe>
                      {c.kill && c.reason ? `${ch.label} (reason: ${c.reason})` : ch.label}
                    </td>
                    <td data-label="Old" safe>
                      {ch.from}
                    </td>
                    <td data-label="New" safe>
                      {ch.to}
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

export interface SettingsPageProps extends SettingsLiveProps {
  user: ShellUser;
}

/** /settings: the team's MCP access switches, durations, history and the kill switch. */
export function SettingsPage(p: SettingsPageProps) {
  return (
    <Layout title="Settings" user={p.user} csrfToken={p.csrfToken} active="settings">
      <SettingsLive
        v={p.v}
        csrfToken={p.csrfToken}
        notice={p.notice}
        error={p.error}
        durations={p.durations}
      />
      <EnvironmentsCard v={p.v.environments} csrfToken={p.csrfToken} />
      <section class="card danger-zone" data-testid="danger-zone">
        <h2>Danger zone: kill switch</h2>
        <p>
          Stops every agent of <strong safe>{p.v.teamName}</strong> at once: MCP access is turned off, every
          token, connection token, authority grant and remembered consent of the team is revoked, and every
          open MCP session and stream is closed. Turning “Enable MCP access” back on later never revives an
          old token: clients must authorize again.
        </p>
        <p>
          <a class="button danger" href="/settings/kill-switch" data-testid="kill-switch-link">
            Pull the kill switch…
          </a>
        </p>
      </section>
    </Layout>
  );
}

export interface KillSwitchConfirmProps {
  user: ShellUser;
  csrfToken: string;
  teamName: string;
  /** Live authorizations and pending/active grants that would be revoked. */
  live: { families: number; grants: number; sessions: number };
  error?: string;
  form?: { teamName: string; reason: string };
}

/** The confirm step: type the team name and give a reason. */
export function KillSwitchConfirmPage(p: KillSwitchConfirmProps) {
  const f = p.form ?? { teamName: '', reason: '' };
  return (
    <Layout title="Pull the kill switch" user={p.user} csrfToken={p.csrfToken} active="settings">
      <section class="card danger-zone" data-testid="kill-confirm">
        <h1>Pull the kill switch?</h1>
        <p>This cannot be undone for existing connections. At once, for the whole team:</p>
        <ul>
          <li>“Enable MCP access”, production and write access are turned off;</li>
          <li safe>{`${p.live.families} live authorization(s) and connection token(s) are revoked;`}</li>
          <li safe>{`${p.live.grants} pending or active authority grant(s) are revoked;`}</li>
          <li safe>{`${p.live.sessions} open MCP session(s) and every open stream are closed;`}</li>
          <li>remembered consents are forgotten: clients must authorize again after re-enabling.</li>
        </ul>
        {p.error ? (
          <p class="flash error" role="alert" data-testid="kill-error" safe>
            {p.error}
          </p>
        ) : (
          ''
        )}
        <form method="post" action="/settings/kill-switch" class="stack">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <label class="stack">
            <span>
              Type the team name, <strong safe>{p.teamName}</strong>, to confirm
            </span>
            <input type="text" name="team_name" value={f.teamName} required autocomplete="off" />
          </label>
          <label class="stack">
            <span>Reason (kept in the audit trail)</span>
            <textarea name="reason" required maxlength="500" safe>
              {f.reason}
            </textarea>
          </label>
          <div class="row">
            <button type="submit" class="danger">
              Pull the kill switch
            </button>
            <a href="/settings">Cancel</a>
          </div>
        </form>
      </section>
    </Layout>
  );
}

export interface KillSwitchResultProps {
  user: ShellUser;
  csrfToken: string;
  teamName: string;
  result: {
    when: string;
    actorEmail: string;
    reason: string;
    familiesRevoked: number;
    grantsRevoked: number;
    consentsRevoked: number;
  };
  /** Whether MCP access is still off (it is, until someone turns Enable back on). */
  disabled: boolean;
}

/** After a pull: what was revoked, and that the team is off. */
export function KillSwitchResultPage(p: KillSwitchResultProps) {
  const r = p.result;
  return (
    <Layout title="Kill switch pulled" user={p.user} csrfToken={p.csrfToken} active="settings">
      <section class="card danger-zone" data-testid="kill-result">
        <h1>Kill switch pulled</h1>
        <p class={p.disabled ? 'flash error' : 'flash'} role="status" data-testid="team-status" safe>
          {p.disabled
            ? `MCP access for ${p.teamName} is disabled.`
            : `MCP access for ${p.teamName} has been turned back on since; old tokens stay revoked.`}
        </p>
        <dl class="facts">
          <dt>Authorizations revoked</dt>
          <dd data-testid="families-revoked" safe>
            {String(r.familiesRevoked)}
          </dd>
          <dt>Grants revoked</dt>
          <dd data-testid="grants-revoked" safe>
            {String(r.grantsRevoked)}
          </dd>
          <dt>Consents revoked</dt>
          <dd data-testid="consents-revoked" safe>
            {String(r.consentsRevoked)}
          </dd>
          <dt>By</dt>
          <dd safe>{r.actorEmail}</dd>
          <dt>When</dt>
          <dd safe>{r.when}</dd>
          <dt>Reason</dt>
          <dd safe>{r.reason}</dd>
        </dl>
        <p>
          Every open MCP session and stream of the team was closed. To re-enable, turn “Enable MCP access”
          back on in <a href="/settings">Settings</a>; every client must then authorize again.
        </p>
      </section>
    </Layout>
  );
}
