/** @jsxImportSource @kitajs/html */
import { Layout, type ShellUser } from '../components/layout.tsx';

export interface ErrorPageProps {
  status: number;
  title: string;
  message: string;
  hint?: string;
  user?: ShellUser;
  csrfToken?: string;
  /** A way on that the human may choose (e.g. back to the client that sent them). */
  action?: { href: string; label: string };
}

/** A clear error page: what went wrong and what to do, never a stack trace. */
export function ErrorPage({ status, title, message, hint, user, csrfToken, action }: ErrorPageProps) {
  return (
    <Layout title={title} user={user} csrfToken={csrfToken}>
      <section class="card error" data-status={String(status)}>
        <h1 safe>{title}</h1>
        <p class="message" safe>
          {message}
        </p>
        {hint ? (
          <p class="hint" safe>
            {hint}
          </p>
        ) : (
          ''
        )}
        {action ? (
          <p>
            {/* `&` in an attribute is escaped (patches/, docs/architecture.md "Console"): no
                character reference in the URL (`&commat;`) can change where the link goes. */}
            <a class="action" href={action.href} rel="noreferrer" safe>
              {action.label}
            </a>
          </p>
        ) : (
          ''
        )}
        <p>
          <a href="/">Back to Gatehouse</a>
        </p>
      </section>
    </Layout>
  );
}
