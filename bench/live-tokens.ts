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

async function liveSignIn(base: string, email: string): Promise<CookieClient> {
  const browser = new CookieClient();
  const start = await browser.fetch(`${base}/login?login_hint=${encodeURIComponent(email)}`);
  const { url } = await browser.follow(start, `${base}/login`);
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
