/** @jsxImportSource @kitajs/html */
import { Layout, type ShellUser } from '../components/layout.tsx';

export interface TeamChoice {
  organizationId: string;
  name: string;
  role: string;
}

export interface TeamPickerProps {
  user: ShellUser;
  csrfToken: string;
  teams: TeamChoice[];
  returnTo: string;
}

/** Shown after sign-in when the human belongs to several teams. */
export function TeamPickerPage({ user, csrfToken, teams, returnTo }: TeamPickerProps) {
  return (
    <Layout
      title="Choose a team"
      user={{ ...user, teamName: null, role: null, admin: false }}
      csrfToken={csrfToken}
      nav={false}
    >
      <section class="card narrow">
        <h1>Choose a team</h1>
        <p class="muted">You belong to several teams. Gatehouse acts for you in one team at a time.</p>
        <form method="post" action="/teams/select" class="stack">
          <input type="hidden" name="_csrf" value={csrfToken} />
          <input type="hidden" name="return_to" value={returnTo} />
          {teams.map((t, i) => (
            <label class="choice">
              <input type="radio" name="organization_id" value={t.organizationId} checked={i === 0} />
              <span class="name" safe>
                {t.name}
              </span>
              <span class="badge" safe>
                {t.role}
              </span>
            </label>
          ))}
          <button type="submit" class="primary">
            Continue
          </button>
        </form>
      </section>
    </Layout>
  );
}
