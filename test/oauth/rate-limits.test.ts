/**
 * Rate limits of the authorization server (issue 18 "Fair limits"): POST /token and /authorize
 * per client and per address, POST /register per address — 429 with Retry-After and the
 * RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) on the refusal, RateLimit on
 * every answer. Behind a reverse proxy the address comes from X-Forwarded-For only when the peer
 * is in TRUSTED_PROXIES. Time is a ManualClock: windows pass without sleeping.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  AUTHORIZE_REQUESTS_PER_MINUTE,
  REGISTRATIONS_PER_ADDRESS,
  TOKEN_REQUESTS_PER_MINUTE,
} from '../../src/config/constants.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { REDIRECT_URI } from '../support/oauth.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let clock: ManualClock;
let proxied: TestGatehouse;
let proxiedClock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock();
  proxiedClock = new ManualClock();
  [gh, proxied] = await Promise.all([
    startTestGatehouse({ clock }),
    // The test talks to it over loopback: loopback is the "reverse proxy".
    startTestGatehouse({ clock: proxiedClock, env: { TRUSTED_PROXIES: '127.0.0.1/32, ::1' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([gh?.stop(), proxied?.stop()]);
});
// Every test starts with full buckets: an hour passes between tests.
beforeEach(() => {
  clock.advance(60 * 60 * 1000);
  proxiedClock.advance(60 * 60 * 1000);
});

function register(base: string, headers: Record<string, string> = {}) {
  return fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      client_name: 'Rate Limit Probe',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    }),
  });
}

/** A token request that fails on its merits (an unknown code): only its limit matters here. */
function tokenAttempt(base: string, clientId: string) {
  return fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: 'not-a-code',
      redirect_uri: REDIRECT_URI,
      code_verifier: 'v'.repeat(43),
      client_id: clientId,
    }),
  });
}

function authorizeAttempt(base: string, clientId: string) {
  return fetch(`${base}/authorize?response_type=code&client_id=${encodeURIComponent(clientId)}`, {
    redirect: 'manual',
  });
}

/** Sends `n` requests one after another; returns the statuses. */
async function times(n: number, send: (i: number) => Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await send(i);
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

/** The refusal carries Retry-After and both RateLimit fields naming `policy` with nothing left. */
function expectRefusal(res: Response, policy: string) {
  expect(res.status).toBe(429);
  const retry = Number(res.headers.get('retry-after'));
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(60);
  expect(res.headers.get('ratelimit-policy')).toContain(`"${policy}";q=`);
  expect(res.headers.get('ratelimit')).toContain(`"${policy}";r=0;t=`);
  return retry;
}

describe('token endpoint', () => {
  test('/token — per client: past its quota a client gets 429 + Retry-After + RateLimit; another client does not', async () => {
    const quota = TOKEN_REQUESTS_PER_MINUTE.perClient;
    const statuses = await times(quota, () => tokenAttempt(gh.url, 'client-a'));
    // Refused on their merits (unknown client), never for the rate.
    expect(statuses.every((s) => s !== 429)).toBe(true);
    const last = await tokenAttempt(gh.url, 'client-b');
    expect(last.headers.get('ratelimit')).toContain('"token-client";r=');
    await last.arrayBuffer();

    const refused = await tokenAttempt(gh.url, 'client-a');
    const retry = expectRefusal(refused, 'token-client');
    const body = (await refused.json()) as { error: string; error_description: string };
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_description).toBe(
      `Too many token requests from this client; retry in ${retry} seconds.`,
    );
    // Browser-based clients may read the fields (CORS).
    expect(refused.headers.get('access-control-expose-headers')).toContain('Retry-After');

    // The same address, another client: still served.
    const other = await tokenAttempt(gh.url, 'client-b');
    expect(other.status).not.toBe(429);
    await other.arrayBuffer();

    // Once Retry-After has passed, the client is served again.
    clock.advance(retry * 1000);
    const again = await tokenAttempt(gh.url, 'client-a');
    expect(again.status).not.toBe(429);
    await again.arrayBuffer();
  });

  test("/revoke — shares /token's per-client quota: guessing a secret there is rated too", async () => {
    const quota = TOKEN_REQUESTS_PER_MINUTE.perClient;
    const revokeAttempt = () =>
      fetch(`${gh.url}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: 'x', client_id: 'client-r', client_secret: 'guess' }),
      });
    const statuses = await times(quota, revokeAttempt);
    expect(statuses.every((s) => s === 401)).toBe(true);
    expectRefusal(await revokeAttempt(), 'token-client');
    // The same bucket as /token: that client is refused there too.
    expectRefusal(await tokenAttempt(gh.url, 'client-r'), 'token-client');
    clock.advance(60_000);
  });

  test('/token and /authorize — one address flooding a client’s id never locks that client out for other addresses', async () => {
    const victim = 'https://agent.example/oauth/client.json';
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const tokenFrom = (address: string) =>
      fetch(`${proxied.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...from(address) },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: 'garbage',
          client_id: victim,
        }),
      });
    const flood = await times(TOKEN_REQUESTS_PER_MINUTE.perClient + 1, () => tokenFrom('203.0.113.66'));
    expect(flood.at(-1)).toBe(429);
    const honest = await tokenFrom('198.51.100.7');
    expect(honest.status).not.toBe(429);
    await honest.arrayBuffer();
    const authorizeFrom = (address: string) =>
      fetch(`${proxied.url}/authorize?client_id=${encodeURIComponent(victim)}`, {
        redirect: 'manual',
        headers: from(address),
      });
    const aflood = await times(TOKEN_REQUESTS_PER_MINUTE.perClient + 1, () => authorizeFrom('203.0.113.67'));
    expect(aflood.at(-1)).toBe(429);
    const ahonest = await authorizeFrom('198.51.100.8');
    expect(ahonest.status).not.toBe(429);
    await ahonest.arrayBuffer();
  });

  test('/token — per address: many clients from one address share its quota', async () => {
    const quota = TOKEN_REQUESTS_PER_MINUTE.perAddress;
    const perClient = TOKEN_REQUESTS_PER_MINUTE.perClient;
    // Each client stays under its own quota; the address does not.
    const statuses = await times(quota, (i) =>
      tokenAttempt(gh.url, `spread-${Math.floor(i / (perClient / 2))}`),
    );
    expect(statuses.every((s) => s !== 429)).toBe(true);
    const refused = await tokenAttempt(gh.url, 'a-fresh-client');
    expectRefusal(refused, 'token-address');
    expect(((await refused.json()) as { error_description: string }).error_description).toContain(
      'from this address',
    );
  });
});

describe('authorization endpoint', () => {
  test('/authorize — per client: past its quota an HTML 429 with Retry-After + RateLimit; another client is served', async () => {
    const quota = AUTHORIZE_REQUESTS_PER_MINUTE.perClient;
    const statuses = await times(quota, () => authorizeAttempt(gh.url, 'probe-client'));
    expect(statuses.every((s) => s !== 429)).toBe(true);
    const refused = await authorizeAttempt(gh.url, 'probe-client');
    const retry = expectRefusal(refused, 'authorize-client');
    expect(refused.headers.get('content-type')).toStartWith('text/html');
    const html = await refused.text();
    expect(html).toContain('Too many authorization requests for this client.');
    expect(html).toContain(`Wait ${retry} seconds`);

    const other = await authorizeAttempt(gh.url, 'another-client');
    expect(other.status).not.toBe(429);
    expect(other.headers.get('ratelimit')).toContain('"authorize-client";r=');
    await other.arrayBuffer();
  });

  test('/authorize — per address: many clients from one address share its quota', async () => {
    const quota = AUTHORIZE_REQUESTS_PER_MINUTE.perAddress;
    const perClient = AUTHORIZE_REQUESTS_PER_MINUTE.perClient;
    const statuses = await times(quota, (i) =>
      authorizeAttempt(gh.url, `spread-${Math.floor(i / (perClient / 2))}`),
    );
    expect(statuses.every((s) => s !== 429)).toBe(true);
    const refused = await authorizeAttempt(gh.url, 'a-fresh-client');
    expectRefusal(refused, 'authorize-address');
    expect(await refused.text()).toContain('from your network address');
  });
});

describe('registration endpoint and the client address', () => {
  const burst = REGISTRATIONS_PER_ADDRESS.burst;

  test('/register — past the burst: 429 with Retry-After and RateLimit; answers before it carry RateLimit', async () => {
    const statuses = await times(burst, () => register(gh.url));
    expect(statuses.every((s) => s === 201)).toBe(true);
    const refused = await register(gh.url);
    const retry = expectRefusal(refused, 'register-address');
    expect(((await refused.json()) as { error_description: string }).error_description).toBe(
      `Too many client registrations from this address; retry in ${retry} seconds.`,
    );
    clock.advance(retry * 1000);
    const again = await register(gh.url);
    expect(again.status).toBe(201);
    expect(again.headers.get('ratelimit')).toBe('"register-address";r=0;t=180');
  });

  test('x-forwarded-for — ignored from a peer that is not a trusted proxy: spoofed addresses share one quota', async () => {
    const statuses = await times(burst, (i) => register(gh.url, { 'x-forwarded-for': `203.0.113.${i + 1}` }));
    expect(statuses.every((s) => s === 201)).toBe(true);
    const refused = await register(gh.url, { 'x-forwarded-for': '198.51.100.77' });
    expectRefusal(refused, 'register-address');
  });

  test('x-forwarded-for — honoured from a trusted proxy: each client address has its own quota', async () => {
    const statuses = await times(burst, () => register(proxied.url, { 'x-forwarded-for': '203.0.113.10' }));
    expect(statuses.every((s) => s === 201)).toBe(true);
    expectRefusal(await register(proxied.url, { 'x-forwarded-for': '203.0.113.10' }), 'register-address');
    // Another client behind the same proxy is not held back by the first one's flood…
    expect((await register(proxied.url, { 'x-forwarded-for': '203.0.113.11' })).status).toBe(201);
    // …and a client cannot pick an address by writing its own header first: the proxy's hop counts.
    expectRefusal(
      await register(proxied.url, { 'x-forwarded-for': '192.0.2.1, 203.0.113.10' }),
      'register-address',
    );
  });
});
