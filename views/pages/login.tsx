/** @jsxImportSource @kitajs/html */
import { Layout } from '../components/layout.tsx';

export interface LoginAccount {
  email: string;
  name: string;
  role: string;
  teams: string[];
}

export interface LoginPageProps {
  csrfToken: string;
  returnTo: string;
  /** Local mode lists the seeded accounts; live mode sends straight to AuthKit. */
  accounts: LoginAccount[];
  /** Just signed out (`/login?signed_out=1`): say so, and what it did and did not end. */
  signedOut?: boolean;
  /** Live mode (only after sign-out): no picker, a link back to AuthKit's sign-in. */
  live?: boolean;
}

/** Local mode's "sign in as" picker: one button per seeded user, passed to AuthKit as login_hint. */
export function LoginPage({
  csrfToken,
  returnTo,
  accounts,
  signedOut = false,
  live = false,
}: LoginPageProps) {
  return (
    <Layout title={signedOut ? 'Signed out' : 'Sign in'}>
      {signedOut ? (
        <p class="flash signed-out" role="status" data-testid="signed-out">
          You are signed out of Gatehouse: your console session and your AuthKit session have ended. Agents
          you connected keep their own tokens (revoke them under Connections).
        </p>
      ) : (
        ''
      )}
      {live ? (
        <section class="card narrow">
          <h1>Sign in to Gatehouse</h1>
          <p>
            <a
              class="button primary"
              href={`/login?return_to=${encodeURIComponent(returnTo)}`}
              data-testid="sign-in-again"
            >
              Sign in again
            </a>
          </p>
        </section>
      ) : (
        <section class="card narrow">
          <h1>Sign in to Gatehouse</h1>
          <p class="muted">
            Local mode: Gatehouse runs on an embedded WorkOS with a demo team. Choose who to sign in as;
            AuthKit signs you in with that account.
          </p>
          <ul class="accounts">
            {accounts.map((a) => (
              <li>
                <form method="post" action="/login">
                  <input type="hidden" name="_csrf" value={csrfToken} />
                  <input type="hidden" name="login_hint" value={a.email} />
                  <input type="hidden" name="return_to" value={returnTo} />
                  <button type="submit" class="account" data-email={a.email}>
                    <span class="name" safe>
                      {a.name}
                    </span>
                    <span class="email" safe>
                      {`Sign in as ${a.email}`}
                    </span>
                    <span class="muted" safe>
                      {`${a.role} · ${a.teams.join(', ')}`}
                    </span>
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </section>
      )}
    </Layout>
  );
}
