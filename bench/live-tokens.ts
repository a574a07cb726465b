import { CookieClient, hiddenInput } from '../test/support/http.ts';
import { obtainTokens, registerClient } from '../test/support/oauth.ts';

/**
 * An access token for a human on a live-mode Gatehouse (pointed at the embedded WorkOS):
 * AuthKit sign-in with login_hint, dynamic client registration, consent, code exchange.
 */
export async function liveTokens(base: string, email: string): Promise<string> {
  const browser = await liveSignIn(base, email);
  const client = await registerClient(base);
  const tokens = await obtainTokens(base, browser, client);
  return tokens.access_token;
}

/** The team both servers act for: a person in several teams picks it after signing in. */
const BENCH_TEAM = 'Gatehouse Demo Team';

async function liveSignIn(base: string, email: string): Promise<CookieClient> {
  const browser = new CookieClient();
  const start = await browser.fetch(`${base}/login?login_hint=${encodeURIComponent(email)}`);
  const { res, url } = await browser.follow(start, `${base}/login`);
  if (new URL(url).pathname === '/teams') {
    const page = await res.text();
    const option = [
      ...page.matchAll(/name="organization_id" value="([^"]+)"[^>]*>\s*<span class="name">([^<]+)<\/span>/g),
    ].find((o) => o[2] === BENCH_TEAM);
    if (!option) throw new Error(`${email} is not offered ${BENCH_TEAM} after signing in`);
    const chosen = await browser.post(`${base}/teams/select`, {
      _csrf: hiddenInput(page, '_csrf') ?? '',
      organization_id: option[1] ?? '',
      return_to: '/',
    });
    if (chosen.status !== 303) throw new Error(`choosing ${BENCH_TEAM} answered ${chosen.status}`);
    return browser;
  }
  if (new URL(url).pathname !== '/') throw new Error(`sign-in did not land on the console: ${url}`);
  return browser;
}

/**
 * The bench drives one token far past the default per-token tool-call rate: a team admin raises
 * the team's "Tool calls per minute" to its maximum on the Settings page first.
 */
export async function raiseToolCallRate(base: string, adminEmail: string): Promise<void> {
  const admin = await liveSignIn(base, adminEmail);
  const page = await (await admin.fetch(`${base}/settings`)).text();
  const res = await admin.post(`${base}/settings/durations`, {
    _csrf: hiddenInput(page, '_csrf') ?? '',
    tool_calls_per_minute: '100000',
  });
  if (res.status !== 303) throw new Error(`raising the tool-call rate answered ${res.status}`);
}
