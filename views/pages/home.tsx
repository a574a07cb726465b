/** @jsxImportSource @kitajs/html */
import { Copyable } from '../components/copy.tsx';
import { Layout, type ShellUser } from '../components/layout.tsx';

export interface HomePageProps {
  user: ShellUser & { name: string };
  csrfToken: string;
  permissions: string[];
  mode: 'local' | 'live';
  mcpUrl: string;
}

/** The console shell after sign-in: who you are, your team and role, where to go next. */
export function HomePage({ user, csrfToken, permissions, mode, mcpUrl }: HomePageProps) {
  return (
    <Layout title="Overview" user={user} csrfToken={csrfToken} active="home">
      <section class="card">
        <h1 safe>{`Signed in as ${user.name}`}</h1>
        <dl class="facts">
          <dt>Email</dt>
          <dd data-testid="email" safe>
            {user.email}
          </dd>
          <dt>Team</dt>
          <dd data-testid="team" safe>
            {user.teamName ?? ''}
          </dd>
          <dt>Role</dt>
          <dd data-testid="role" safe>
            {user.role ?? ''}
          </dd>
          <dt>Permissions</dt>
          <dd data-testid="permissions">
            {permissions.map((p) => (
              <code class="perm" safe>
                {p}
              </code>
            ))}
          </dd>
          <dt>Mode</dt>
          <dd>{mode === 'local' ? 'local (embedded WorkOS emulator)' : 'live (WorkOS API)'}</dd>
        </dl>
        <p>
          <a href="/teams">Switch team</a>
        </p>
      </section>
      <section class="card">
        <h2>Connect an agent</h2>
        <p>Point any MCP client at this URL; it signs you in and asks for your consent.</p>
        <Copyable id="mcp-url" text={mcpUrl} label="the MCP URL" />
      </section>
    </Layout>
  );
}
