/** @jsxImportSource @kitajs/html */
import { Layout, type ShellUser } from '../components/layout.tsx';

export interface ErrorPageProps {
  status: number;
  title: string;
  message: string;
  hint?: string;
  user?: ShellUser;
  csrfToken?: string;
}

/** A clear error page: what went wrong and what to do, never a stack trace. */
export function ErrorPage({ status, title, message, hint, user, csrfToken }: ErrorPageProps) {
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
        <p>
          <a href="/">Back to Gatehouse</a>
        </p>
      </section>
    </Layout>
  );
}
