/** @jsxImportSource @kitajs/html */
import { Layout, type ShellUser } from '../components/layout.tsx';

/** GET /logout confirms before signing out, so a link alone cannot sign anyone out. */
export function LogoutPage({ user, csrfToken }: { user: ShellUser; csrfToken: string }) {
  return (
    <Layout title="Sign out" user={user} csrfToken={csrfToken}>
      <section class="card narrow">
        <h1>Sign out of Gatehouse?</h1>
        <p class="muted">
          This ends your console session and your AuthKit session. Agents you connected keep their own tokens.
        </p>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value={csrfToken} />
          <button type="submit" class="primary">
            Sign out
          </button>
        </form>
      </section>
    </Layout>
  );
}
