import { expect } from 'bun:test';
import { createHash, randomBytes } from 'node:crypto';
import { type CookieClient, hiddenInput } from './http.ts';

export const REDIRECT_URI = 'http://127.0.0.1:9999/callback';

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  [k: string]: unknown;
}

export async function registerClient(
  base: string,
  meta: Record<string, unknown> = {},
): Promise<RegisteredClient> {
  const res = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Test Agent',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      ...meta,
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as RegisteredClient;
}

export function authorizeUrl(base: string, params: Record<string, string | undefined>): string {
  const u = new URL(`${base}/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

export function standardParams(
  base: string,
  clientId: string,
  challenge: string,
  extra: Record<string, string | undefined> = {},
) {
  return {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st-123',
    resource: `${base}/mcp`,
    scope: 'mcp offline_access',
    ...extra,
  };
}

/** Drives GET /authorize → consent page → Allow, returning the redirect the client receives. */
export async function consent(
  browser: CookieClient,
  url: string,
  decision: 'allow' | 'deny' = 'allow',
  organizationId?: string,
): Promise<URL> {
  const page = await browser.fetch(url);
  if (page.status === 302) return new URL(page.headers.get('location')!);
  expect(page.status).toBe(200);
  const html = await page.text();
  const fields: Record<string, string> = {
    _csrf: hiddenInput(html, '_csrf')!,
    request: hiddenInput(html, 'request')!,
    decision,
  };
  const org =
    organizationId ??
    hiddenInput(html, 'organization_id') ??
    /<option value="([^"]+)" selected/.exec(html)?.[1];
  if (org) fields.organization_id = org;
  const res = await browser.post(new URL('/authorize', url).toString(), fields);
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!);
}

export async function tokenRequest(
  base: string,
  fields: Record<string, string | undefined>,
  headers: Record<string, string> = {},
) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body.set(k, v);
  const res = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, string> };
}

/** Full authorization-code flow for a signed-in browser; returns the token response. */
export async function obtainTokens(
  base: string,
  browser: CookieClient,
  client: RegisteredClient,
  scope = 'mcp offline_access',
) {
  const { verifier, challenge } = pkce();
  const redirect = await consent(
    browser,
    authorizeUrl(base, standardParams(base, client.client_id, challenge, { scope })),
  );
  const code = redirect.searchParams.get('code')!;
  expect(code).toBeTruthy();
  const t = await tokenRequest(base, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    client_id: client.client_id,
    resource: `${base}/mcp`,
  });
  expect(t.status).toBe(200);
  return t.body as unknown as {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    scope: string;
    token_type: string;
  };
}

/**
 * An authorization error shown to the human instead of redirected (RFC 9700 §4.11.2): a 400 page
 * with no Location, naming `error`; answers the way back to the client its link offers.
 */
export async function errorLinkOf(res: Response, error: string): Promise<URL> {
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  const html = await res.text();
  expect(html).toContain(`Error: ${error}.`);
  const href = /<a class="action" href="([^"]+)"/.exec(html)?.[1];
  expect(href).toBeDefined();
  return new URL(href!.replaceAll('&amp;', '&'));
}
