import { expect } from 'bun:test';
import { CookieClient, hiddenInput } from './http.ts';

/**
 * Signs in over real HTTP exactly as a browser would: /login → POST the chosen account →
 * the embedded AuthKit authorize → /callback → (team picker) → the console.
 * Returns the client holding the session cookie.
 */
export async function signIn(
  baseUrl: string,
  email: string,
  teamName?: string,
  client = new CookieClient(),
): Promise<CookieClient> {
  const login = await client.fetch(`${baseUrl}/login?login_hint=${encodeURIComponent(email)}`);
  let res: Response;
  if (login.status === 303) {
    // Live mode: /login goes straight to AuthKit with the hint.
    res = login;
  } else {
    expect(login.status).toBe(200);
    const html = await login.text();
    const csrf = hiddenInput(html, '_csrf')!;
    res = await client.post(`${baseUrl}/login`, { _csrf: csrf, login_hint: email, return_to: '/' });
    expect(res.status).toBe(303);
  }
  const { res: landed, url } = await client.follow(res, `${baseUrl}/login`);
  res = landed;
  if (new URL(url).pathname === '/teams') {
    const page = await res.text();
    const options = [
      ...page.matchAll(/name="organization_id" value="([^"]+)"[^>]*>\s*<span class="name">([^<]+)<\/span>/g),
    ];
    const chosen = teamName ? options.find((o) => o[2] === teamName) : options[0];
    if (!chosen) throw new Error(`team ${teamName} not offered: ${options.map((o) => o[2]).join(', ')}`);
    const select = await client.post(`${baseUrl}/teams/select`, {
      _csrf: hiddenInput(page, '_csrf')!,
      organization_id: chosen[1]!,
      return_to: '/',
    });
    expect(select.status).toBe(303);
  }
  return client;
}
