import { CookieClient } from '../test/support/http.ts';
import { obtainTokens, registerClient } from '../test/support/oauth.ts';

/**
 * An access token for a human on a live-mode Gatehouse (pointed at the embedded WorkOS):
 * AuthKit sign-in with login_hint, dynamic client registration, consent, code exchange.
 */
export async function liveTokens(base: string, email: string): Promise<string> {
  const browser = new CookieClient();
  const start = await browser.fetch(`${base}/login?login_hint=${encodeURIComponent(email)}`);
  const { url } = await browser.follow(start, `${base}/login`);
  if (new URL(url).pathname !== '/') throw new Error(`sign-in did not land on the console: ${url}`);
  const client = await registerClient(base);
  const tokens = await obtainTokens(base, browser, client);
  return tokens.access_token;
}
