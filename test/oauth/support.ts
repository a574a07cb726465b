/**
 * Helpers shared by the OAuth suites: registration that never trips the per-address rate limit
 * (the ManualClock is moved on so the bucket refills), the authorization-code dance, the token
 * endpoint, and a bare /mcp probe that shows exactly what the resource server answers.
 */
import { expect } from 'bun:test';
import type { ManualClock } from '../../src/kernel/clock.ts';
import type { CookieClient } from '../support/http.ts';
import {
  authorizeUrl,
  consent,
  pkce,
  REDIRECT_URI,
  type RegisteredClient,
  standardParams,
  tokenRequest,
} from '../support/oauth.ts';

export { REDIRECT_URI };

/** One registration token refills every 6 s (10 per minute). */
const REFILL_ONE_MS = 6_000;

export interface Harness {
  base: string;
  clock: ManualClock;
}

/** POST /register with any body; moves the clock so earlier registrations do not rate-limit this one. */
export async function registerRaw(
  h: Harness,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Response> {
  h.clock.advance(REFILL_ONE_MS);
  return fetch(`${h.base}/register`, { method: 'POST', headers, body });
}

/** Registers a client (public unless `meta` says otherwise) and asserts it was created. */
export async function register(h: Harness, meta: Record<string, unknown> = {}): Promise<RegisteredClient> {
  const res = await registerRaw(
    h,
    JSON.stringify({
      client_name: 'Test Agent',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      ...meta,
    }),
  );
  expect(res.status).toBe(201);
  return (await res.json()) as RegisteredClient;
}

/** Client authentication fields for the token endpoint, by the client's registered method. */
export function clientAuth(client: RegisteredClient): {
  fields: Record<string, string>;
  headers: Record<string, string>;
} {
  const method = client.token_endpoint_auth_method;
  if (method === 'client_secret_basic') {
    const basic = Buffer.from(
      `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret!)}`,
    ).toString('base64');
    return { fields: {}, headers: { authorization: `Basic ${basic}` } };
  }
  if (method === 'client_secret_post')
    return { fields: { client_id: client.client_id, client_secret: client.client_secret! }, headers: {} };
  return { fields: { client_id: client.client_id }, headers: {} };
}

export interface Authorized {
  code: string;
  verifier: string;
  redirect: URL;
}

/** GET /authorize (consenting if asked) and returns the code the client receives. */
export async function authorize(
  browser: CookieClient,
  base: string,
  client: RegisteredClient,
  opts: { scope?: string; organizationId?: string; extra?: Record<string, string | undefined> } = {},
): Promise<Authorized> {
  const { verifier, challenge } = pkce();
  const redirect = await consent(
    browser,
    authorizeUrl(
      base,
      standardParams(base, client.client_id, challenge, {
        ...(opts.scope ? { scope: opts.scope } : {}),
        ...opts.extra,
      }),
    ),
    'allow',
    opts.organizationId,
  );
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect}`);
  return { code, verifier, redirect };
}

/** POST /token with the authorization_code grant, authenticated as the client registered. */
export function exchange(
  base: string,
  client: RegisteredClient,
  a: { code: string; verifier: string },
  extra: Record<string, string | undefined> = {},
) {
  const auth = clientAuth(client);
  return tokenRequest(
    base,
    {
      grant_type: 'authorization_code',
      code: a.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: a.verifier,
      resource: `${base}/mcp`,
      ...auth.fields,
      ...extra,
    },
    auth.headers,
  );
}

/** POST /token with the refresh_token grant. */
export function refresh(
  base: string,
  client: RegisteredClient,
  refreshToken: string,
  extra: Record<string, string | undefined> = {},
) {
  const auth = clientAuth(client);
  return tokenRequest(
    base,
    { grant_type: 'refresh_token', refresh_token: refreshToken, ...auth.fields, ...extra },
    auth.headers,
  );
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

/** Authorize + exchange, asserting success. */
export async function tokensFor(
  browser: CookieClient,
  base: string,
  client: RegisteredClient,
  opts: { scope?: string; organizationId?: string } = {},
): Promise<TokenPair> {
  const a = await authorize(browser, base, client, opts);
  const t = await exchange(base, client, a);
  expect(t.status).toBe(200);
  return t.body as unknown as TokenPair;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'gatehouse-probe', version: '1.0.0' },
  },
});

/**
 * A raw MCP `initialize` POST to /mcp (or /mcp plus a query string) with whatever Authorization
 * header is given; the body is drained so the server-side stream ends.
 */
export async function mcpProbe(
  base: string,
  authorization: string | undefined,
  query = '',
): Promise<{ status: number; headers: Headers; body: string }> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await fetch(`${base}/mcp${query}`, { method: 'POST', headers, body: INITIALIZE });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** The status /mcp gives a bearer token. */
export async function mcpStatus(base: string, token: string): Promise<number> {
  return (await mcpProbe(base, `Bearer ${token}`)).status;
}

/** Parses `Bearer k="v", k2="v2"` into its attributes. */
export function challengeParams(header: string | null): Record<string, string> {
  expect(header).toBeTruthy();
  expect(header!.startsWith('Bearer ')).toBe(true);
  const out: Record<string, string> = {};
  for (const m of header!.slice(7).matchAll(/([a-z_]+)="([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/** The items of the consent page's capability list (a whole page or the htmx fragment). */
export function capabilityItems(html: string): string[] {
  const list = /<ul[^>]*data-testid="capabilities"[^>]*>([\s\S]*?)<\/ul>/.exec(html)?.[1];
  expect(list).toBeDefined();
  return [...list!.matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g)].map((m) => m[1]!.trim());
}

/**
 * What the consent page's team picker asks for when it changes: GET /authorize/capabilities with
 * the chosen team and the page's sealed request, sent as htmx sends it (X-CSRF-Token header).
 */
export function capabilitiesFor(
  browser: CookieClient,
  base: string,
  page: { csrf: string | undefined; request: string | undefined },
  organizationId: string | undefined,
  extra: { headers?: Record<string, string>; query?: string } = {},
): Promise<Response> {
  const u = new URL(`${base}/authorize/capabilities`);
  if (organizationId !== undefined) u.searchParams.set('organization_id', organizationId);
  if (page.request !== undefined) u.searchParams.set('request', page.request);
  const headers: Record<string, string> = { 'hx-request': 'true', ...extra.headers };
  if (page.csrf !== undefined) headers['x-csrf-token'] = page.csrf;
  return browser.fetch(`${u}${extra.query ?? ''}`, { headers });
}
