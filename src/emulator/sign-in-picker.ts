/**
 * `gatehouse emulator`'s AuthKit sign-in page: WorkOS's emulator signs in its first user (the
 * admin) whenever an authorization request names no `login_hint`, which is what a live-mode
 * Gatehouse sends when someone just opens its console. Hosted AuthKit asks who is signing in
 * (https://workos.com/docs/authkit/hosted-ui), so the key router does too: a page listing every
 * seeded account, each a link to the same authorization request with that account's
 * `login_hint`. Local mode never sees it (its own "sign in as" page always sends a hint).
 */
import { CUSTOMER_ADMIN, SEEDED_ACCOUNTS } from './seed/accounts.ts';

/** The picker for an authorization request without `login_hint`; undefined for every other request. */
export function signInPicker(req: Request, url: URL): Response | undefined {
  if (req.method !== 'GET' || url.pathname !== '/user_management/authorize') return undefined;
  if (url.searchParams.get('login_hint')) return undefined;
  const link = (email: string) => {
    const u = new URL(url);
    u.searchParams.set('login_hint', email);
    return `${u.pathname}${u.search}`;
  };
  const accounts = [
    ...SEEDED_ACCOUNTS.map((a) => ({
      email: a.email,
      label: `${a.name} — ${a.role}, ${a.teams.join(', ')}`,
    })),
    {
      email: CUSTOMER_ADMIN.email,
      label: `${CUSTOMER_ADMIN.name} — ${CUSTOMER_ADMIN.role} of ${CUSTOMER_ADMIN.organization}, a customer (Gatehouse refuses)`,
    },
  ];
  const items = accounts
    .map(
      (a) =>
        `<li><a href="${Bun.escapeHTML(link(a.email))}">${Bun.escapeHTML(a.email)}</a> <span>${Bun.escapeHTML(a.label)}</span></li>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — embedded WorkOS</title></head>
<body><main><h1>Sign in as</h1>
<p>The embedded WorkOS (gatehouse emulator) signs in any seeded account without a password.</p>
<ul>
${items}
</ul></main></body></html>`;
  return new Response(html, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'",
      'referrer-policy': 'no-referrer',
    },
  });
}
