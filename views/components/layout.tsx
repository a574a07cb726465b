/** @jsxImportSource @kitajs/html */
import type { Children } from '@kitajs/html';

export interface ShellUser {
  email: string;
  name: string;
  teamName: string | null;
  role: string | null;
  /** Team admin (gatehouse:admin): only they see Settings in the navigation (anyone else gets a 403 there). */
  admin?: boolean;
}

export interface LayoutProps {
  title: string;
  /** Signed-in human; omitted on sign-in and error pages. */
  user?: ShellUser;
  /** CSRF token sent by htmx on every request from this page. */
  csrfToken?: string;
  active?: NavKey;
  /** False on pages a signed-in human sees before choosing a team (the team picker): no navigation. */
  nav?: boolean;
  children?: Children;
}

export type NavKey = 'home' | 'approvals' | 'connections' | 'settings' | 'audit' | 'dashboard';

const NAV = [
  { key: 'home', href: '/', label: 'Overview' },
  { key: 'approvals', href: '/approvals', label: 'Approvals' },
  { key: 'connections', href: '/connections', label: 'Connections' },
  { key: 'settings', href: '/settings', label: 'Settings', adminOnly: true },
  { key: 'audit', href: '/audit', label: 'Audit' },
  { key: 'dashboard', href: '/dashboard', label: 'Dashboard' },
] as const satisfies readonly { key: NavKey; href: string; label: string; adminOnly?: boolean }[];

/**
 * Shown at the top of every page when local mode is deliberately public (GATEHOUSE_DEMO_PUBLIC=1):
 * its sign-in is a demo picker, so nothing behind it is protected.
 */
export function DemoPublicNotice() {
  return (
    <div class="flash error demo-public" role="alert" data-testid="demo-public">
      <strong>Public demo.</strong> This Gatehouse runs in local mode and is reachable from the network:
      anyone can sign in as any demo account, admins included. Nothing here is protected; do not put real data
      in it.
    </div>
  );
}

/** A rendered page with the public-demo notice first in its body. */
export function withDemoPublicNotice(page: string): string {
  const notice = DemoPublicNotice() as string;
  const body = /<body\b[^>]*>/.exec(page);
  if (!body) return `${notice}${page}`;
  const at = body.index + body[0].length;
  return `${page.slice(0, at)}${notice}${page.slice(at)}`;
}

/** The page shell: head (local assets only, no CDN), header with identity, navigation. */
export function Layout({ title, user, csrfToken, active, nav = true, children }: LayoutProps) {
  const links = NAV.filter((n) => !('adminOnly' in n) || user?.admin === true);
  const hxHeaders = csrfToken ? JSON.stringify({ 'X-CSRF-Token': csrfToken }) : undefined;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"includeIndicatorCSS":false}' />
        <title safe>{`${title} · Gatehouse`}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/htmx.min.js" defer></script>
        <script src="/assets/app.js" defer></script>
      </head>
      <body hx-headers:inherited={hxHeaders}>
        <header class="top">
          <a class="brand" href="/">
            Gatehouse
          </a>
          {user && nav ? (
            <nav class="nav" aria-label="Main">
              {links.map((n) => (
                <a
                  href={n.href}
                  class={n.key === active ? 'active' : undefined}
                  aria-current={n.key === active ? 'page' : undefined}
                >
                  {n.label}
                </a>
              ))}
            </nav>
          ) : (
            ''
          )}
          {user ? (
            <div class="who">
              <span class="email" safe>
                {user.email}
              </span>
              {user.teamName ? (
                <span class="team" safe>
                  {user.teamName}
                </span>
              ) : (
                ''
              )}
              {user.role ? (
                <span class="badge" safe>
                  {user.role}
                </span>
              ) : (
                ''
              )}
              <form method="post" action="/logout" class="inline">
                <input type="hidden" name="_csrf" value={csrfToken ?? ''} />
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            </div>
          ) : (
            ''
          )}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
