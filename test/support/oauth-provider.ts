import type { Browser } from 'playwright-core';

/** What an MCP client's OAuth provider stores; shared by the v1 and v2 SDK interfaces. */
export class MemoryOAuthProvider {
  clientInfo: Record<string, unknown> | undefined;
  savedTokens: { access_token: string; refresh_token?: string; [k: string]: unknown } | undefined;
  verifier = '';
  lastAuthorizationUrl: URL | undefined;
  /** Set for Client ID Metadata Document clients: the URL is the client_id. */
  clientMetadataUrl?: string;
  private stored: Record<string, unknown> = {};

  constructor(
    readonly redirect: string,
    readonly name = 'SDK Test Agent',
    clientMetadataUrl?: string,
  ) {
    if (clientMetadataUrl) this.clientMetadataUrl = clientMetadataUrl;
  }

  get redirectUrl() {
    return this.redirect;
  }

  get clientMetadata() {
    return {
      client_name: this.name,
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.clientInfo as never;
  }
  saveClientInformation(info: Record<string, unknown>) {
    this.clientInfo = info;
  }
  tokens() {
    return this.savedTokens as never;
  }
  saveTokens(t: { access_token: string; refresh_token?: string }) {
    this.savedTokens = t;
  }
  redirectToAuthorization(url: URL) {
    this.lastAuthorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
  invalidateCredentials(scope: string) {
    if (scope === 'all' || scope === 'tokens') this.savedTokens = undefined;
    if (scope === 'all' || scope === 'client') this.clientInfo = undefined;
  }
  // v2 discovery caching hooks (optional in both SDKs).
  saveDiscoveryState(s: unknown) {
    this.stored.discovery = s;
  }
  discoveryState() {
    return this.stored.discovery as never;
  }
}

/**
 * The human's part of the OAuth dance, in headless Chromium: open the authorization URL, sign
 * in as `email` if asked, pick a team if asked, click Allow. Returns the callback parameters the
 * client receives (the redirect URI itself is intercepted, nothing listens there).
 */
export async function consentInBrowser(
  browser: Browser,
  authorizationUrl: URL,
  email: string,
  options: { team?: string; screenshot?: string; decision?: 'Allow' | 'Deny' } = {},
): Promise<URLSearchParams> {
  const context = await browser.newContext();
  const page = await context.newPage();
  let captured: URL | undefined;
  let arrived: () => void = () => {};
  const callback = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  await page.route(/^http:\/\/(127\.0\.0\.1|localhost):\d+\/oauth\/callback/, async (route) => {
    captured = new URL(route.request().url());
    arrived();
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'You can close this window.' });
  });
  await page.goto(authorizationUrl.toString());
  if (new URL(page.url()).pathname === '/login') {
    await page.getByRole('button', { name: new RegExp(email.replace(/[.@]/g, '\\$&')) }).click();
    await page.waitForLoadState();
  }
  if (new URL(page.url()).pathname === '/teams') {
    if (options.team) await page.getByLabel(new RegExp(options.team)).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState();
  }
  if (!captured) {
    if (options.team) {
      const select = page.getByTestId('team-select');
      if (await select.count()) {
        const labels = await select.locator('option').allTextContents();
        const label = labels.find((l) => l.includes(options.team!));
        if (!label)
          throw new Error(`team ${options.team} not offered on the consent page: ${labels.join(', ')}`);
        await select.selectOption({ label });
      }
    }
    if (options.screenshot) await page.screenshot({ path: options.screenshot });
    await page.getByRole('button', { name: options.decision ?? 'Allow' }).click();
    await callback;
  }
  await context.close();
  if (!captured) throw new Error('the browser never reached the client redirect URI');
  return captured.searchParams;
}
