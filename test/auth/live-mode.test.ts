import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import {
  type EmbeddedWorkOS,
  LOCAL_API_KEYS,
  LOCAL_CLIENT_ID,
  startEmbeddedWorkOS,
} from '../../src/emulator/index.ts';
import { CookieClient } from '../support/http.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let workos: EmbeddedWorkOS;
let gh: TestGatehouse;

beforeAll(async () => {
  // Live mode, pointed at a WorkOS API that happens to be the embedded one (WORKOS_API_URL).
  workos = await startEmbeddedWorkOS('sandbox');
  gh = await startTestGatehouse({
    env: {
      WORKOS_API_KEY: LOCAL_API_KEYS.sandbox,
      WORKOS_CLIENT_ID: LOCAL_CLIENT_ID,
      WORKOS_API_URL: workos.url,
      // The emulator signs its access tokens with its own (inner) address as the issuer.
      WORKOS_ISSUER: workos.tokenIssuer,
    },
  });
});
afterAll(async () => {
  await gh?.stop();
  await workos?.close();
});

test('live mode — /login goes straight to AuthKit (no picker), passing a login_hint through', async () => {
  expect(gh.ctx.config.mode).toBe('live');
  const client = new CookieClient();
  const res = await client.fetch(`${gh.url}/login?login_hint=member%40demo.test`);
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get('location')!);
  expect(location.origin).toBe(workos.url);
  expect(location.searchParams.get('login_hint')).toBe('member@demo.test');
  const { url } = await client.follow(res, `${gh.url}/login`);
  expect(new URL(url).pathname).toBe('/');
  expect(await (await client.fetch(`${gh.url}/`)).text()).toContain('member@demo.test');
});

test('live mode — production is unavailable without WORKOS_PRODUCTION_API_KEY', () => {
  expect(Object.keys(gh.ctx.workos.clients)).toEqual(['sandbox']);
});

test('live mode — an access token from another issuer is refused, and nobody is signed in', async () => {
  const strict = await startTestGatehouse({
    env: {
      WORKOS_API_KEY: LOCAL_API_KEYS.sandbox,
      WORKOS_CLIENT_ID: LOCAL_CLIENT_ID,
      WORKOS_API_URL: workos.url,
      WORKOS_ISSUER: 'https://auth.someone-else.example',
    },
  });
  try {
    const client = new CookieClient();
    const res = await client.fetch(`${strict.url}/login?login_hint=member%40demo.test`);
    const { url, res: response } = await client.follow(res, `${strict.url}/login`);
    expect(new URL(url).pathname).toBe('/callback');
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('failed verification (signature or issuer)');
    const home = await client.fetch(`${strict.url}/`);
    expect(home.status).toBe(303);
  } finally {
    await strict.stop();
  }
});
