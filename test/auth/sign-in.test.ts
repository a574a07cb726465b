import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let base: string;

beforeAll(async () => {
  gh = await startTestGatehouse();
  base = gh.url;
});
afterAll(() => gh.stop());

/** Starts a sign-in and returns the /callback URL AuthKit redirected to (not yet visited). */
async function callbackUrlFor(client: CookieClient, email: string): Promise<string> {
  const login = await client.fetch(`${base}/login`);
  const csrf = hiddenInput(await login.text(), '_csrf')!;
  const start = await client.post(`${base}/login`, { _csrf: csrf, login_hint: email, return_to: '/' });
  expect(start.status).toBe(303);
  const authorize = start.headers.get('location')!;
  expect(authorize).toContain('/user_management/authorize');
  expect(authorize).toContain('code_challenge_method=S256');
  expect(authorize).toContain(`login_hint=${encodeURIComponent(email)}`);
  const authkit = await client.fetch(authorize);
  expect(authkit.status).toBe(302);
  const cb = authkit.headers.get('location')!;
  expect(cb.startsWith(`${base}/callback?`)).toBe(true);
  return cb;
}

describe('sign-in', () => {
  test('login page — lists every seeded account with a button naming its email', async () => {
    const res = await fetch(`${base}/login`);
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const email of ['admin@demo.test', 'member@demo.test', 'viewer@demo.test'])
      expect(html).toContain(`Sign in as ${email}`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  test('sign-in — a member lands on the console showing email, team and role', async () => {
    const client = await signIn(base, 'member@demo.test');
    const home = await client.fetch(`${base}/`);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('member@demo.test');
    expect(html).toContain('Gatehouse Demo Team');
    expect(html).toMatch(/data-testid="role">\s*member\s*</);
    expect(html).toContain('workos:write');
    expect(html).not.toContain('gatehouse:admin');
  });

  test("sign-in — a human with two teams chooses one and gets that team's role", async () => {
    const client = new CookieClient();
    const cb = await callbackUrlFor(client, 'admin@demo.test');
    const res = await client.fetch(cb);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/teams?return_to=%2F');
    const picker = await client.fetch(`${base}/teams?return_to=%2F`);
    const page = await picker.text();
    expect(page).toContain('Gatehouse Demo Team');
    expect(page).toContain('Gatehouse Labs');
    const labs = /value="([^"]+)"[^>]*>\s*<span class="name">Gatehouse Labs/.exec(page)![1]!;
    const chosen = await client.post(`${base}/teams/select`, {
      _csrf: hiddenInput(page, '_csrf')!,
      organization_id: labs,
      return_to: '/',
    });
    expect(chosen.status).toBe(303);
    const html = await (await client.fetch(`${base}/`)).text();
    expect(html).toContain('Gatehouse Labs');
    expect(html).toMatch(/data-testid="role">\s*member\s*</);
  });

  test('sign-in — the admin in the demo team holds gatehouse:admin', async () => {
    const client = await signIn(base, 'admin@demo.test', 'Gatehouse Demo Team');
    const html = await (await client.fetch(`${base}/`)).text();
    expect(html).toMatch(/data-testid="role">\s*admin\s*</);
    expect(html).toContain('gatehouse:admin');
  });

  test('team picker — choosing a team the human does not belong to is refused', async () => {
    const client = new CookieClient();
    await client.fetch(await callbackUrlFor(client, 'admin@demo.test'));
    const page = await (await client.fetch(`${base}/teams`)).text();
    const res = await client.post(`${base}/teams/select`, {
      _csrf: hiddenInput(page, '_csrf')!,
      organization_id: 'org_not_mine',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('not a Gatehouse team');
  });

  test('console — without a session redirects to sign-in and back', async () => {
    const res = await fetch(`${base}/`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?return_to=%2F');
  });

  test('callback — replaying the same callback is refused with a clear page', async () => {
    const client = new CookieClient();
    const cb = await callbackUrlFor(client, 'member@demo.test');
    expect((await client.fetch(cb)).status).toBe(303);
    const again = await client.fetch(cb);
    expect(again.status).toBe(400);
    const html = await again.text();
    expect(html).toContain('already used');
    expect(html).not.toMatch(/at .+\.(ts|js):\d+/);
  });

  test('callback — a tampered state is refused and signs nobody in', async () => {
    const client = new CookieClient();
    const cb = new URL(await callbackUrlFor(client, 'member@demo.test'));
    cb.searchParams.set('state', `${cb.searchParams.get('state')}x`);
    const res = await client.fetch(cb.toString());
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('invalid state');
    expect((await client.fetch(`${base}/`)).status).toBe(303);
  });

  test('callback — a state started in another browser is refused', async () => {
    const attacker = new CookieClient();
    const cb = await callbackUrlFor(attacker, 'member@demo.test');
    const victim = new CookieClient();
    const res = await victim.fetch(cb);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('another browser');
  });

  test('callback — an AuthKit error is shown, not a stack trace', async () => {
    const res = await fetch(`${base}/callback?error=access_denied&state=x`);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('access_denied');
  });

  test('callback — missing code and state is a 400', async () => {
    const res = await fetch(`${base}/callback`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('missing its code or state');
  });

  test('login — a form without the CSRF token is refused', async () => {
    const client = new CookieClient();
    await client.fetch(`${base}/login`);
    const res = await client.post(`${base}/login`, { login_hint: 'member@demo.test' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('CSRF');
  });

  test('login — a malformed login_hint is refused', async () => {
    const client = new CookieClient();
    const csrf = hiddenInput(await (await client.fetch(`${base}/login`)).text(), '_csrf')!;
    const res = await client.post(`${base}/login`, { _csrf: csrf, login_hint: 'not-an-email' });
    expect(res.status).toBe(400);
  });

  test('login — return_to cannot send the human to another site', async () => {
    const client = new CookieClient();
    const csrf = hiddenInput(
      await (await client.fetch(`${base}/login?return_to=//evil.example`)).text(),
      '_csrf',
    )!;
    const start = await client.post(`${base}/login`, {
      _csrf: csrf,
      login_hint: 'member@demo.test',
      return_to: '//evil.example/x',
    });
    const { url } = await client.follow(start, `${base}/login`);
    expect(new URL(url).origin).toBe(base);
    expect(new URL(url).pathname).toBe('/');
  });

  test('logout — ends the session; the old cookie no longer signs in', async () => {
    const client = await signIn(base, 'viewer@demo.test');
    const cookie = [...client.cookies(base)].map(([k, v]) => `${k}=${v}`).join('; ');
    const page = await (await client.fetch(`${base}/logout`)).text();
    const res = await client.post(`${base}/logout`, { _csrf: hiddenInput(page, '_csrf')! });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?signed_out=1');
    const replay = await fetch(`${base}/`, { headers: { cookie }, redirect: 'manual' });
    expect(replay.status).toBe(303);
  });

  test('logout — without CSRF token keeps the session', async () => {
    const client = await signIn(base, 'viewer@demo.test');
    const res = await client.post(`${base}/logout`, {});
    expect(res.status).toBe(403);
    expect((await client.fetch(`${base}/`)).status).toBe(200);
  });

  test('host header — a foreign host is refused (DNS rebinding)', async () => {
    const res = await fetch(`${base}/login`, { headers: { host: 'evil.example' } });
    expect(res.status).toBe(403);
  });

  test('health — healthz is up; readyz checks the database, identity and every team’s environments', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as {
      checks: Record<string, string>;
      details: { teams: Record<string, Record<string, string>>; identity_shared?: string[] };
    };
    const teams = gh.ctx.teams.admitted();
    expect(Object.keys(body.checks).sort()).toEqual(
      [
        'database',
        'workos_identity',
        ...teams.flatMap((t) => [
          `workos_${t.organizationId}_sandbox`,
          `workos_${t.organizationId}_production`,
        ]),
      ].sort(),
    );
    expect(Object.values(body.checks).every((v) => v === 'ok')).toBe(true);
    for (const t of teams)
      expect(body.details.teams[t.organizationId]).toEqual({ sandbox: 'linked', production: 'linked' });
    expect(body.details.identity_shared).toBeUndefined();
  });

  test('assets — htmx is served from the installed package', async () => {
    const res = await fetch(`${base}/assets/htmx.min.js`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('htmx');
  });

  test('unknown page — a clear 404 page', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Nothing lives at /nope');
  });
});
