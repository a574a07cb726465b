/**
 * What an outside attack on the tenancy change broke, each proved closed: consent given while
 * impersonating, tokens minted for a team no longer admitted, and an impersonated admin acting on
 * other people's connections and requests.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { impersonate as impersonateAs } from '../support/impersonate.ts';
import { call, connectV1 } from '../support/mcp.ts';
import {
  authorizeUrl,
  consent,
  obtainTokens,
  pkce,
  REDIRECT_URI,
  registerClient,
  standardParams,
  tokenRequest,
} from '../support/oauth.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;

const impersonate = (email: string) => impersonateAs(gh, email, 'support@workos.test', 'ticket 42');

beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(async () => {
  await gh?.stop();
});

describe('review fixes', () => {
  test('consent given while impersonating — never remembered: the human is asked again, their token is their own', async () => {
    const client = await registerClient(gh.url);
    await impersonate('admin@demo.test');
    const impostor = await signIn(gh.url, 'admin@demo.test', 'Gatehouse Demo Team');
    const marked = await obtainTokens(gh.url, impostor, client);
    const c1 = await connectV1(gh.url, marked.access_token);
    expect((await call(c1, 'whoami')).structured?.impersonated_by).toBe('support@workos.test');
    await c1.close();

    // The real admin, later, merely lands on the same client's authorize URL.
    const real = await signIn(gh.url, 'admin@demo.test', 'Gatehouse Demo Team', new CookieClient());
    const { challenge } = pkce();
    const page = await real.fetch(authorizeUrl(gh.url, standardParams(gh.url, client.client_id, challenge)));
    // No silent code: the consent page asks the human.
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Allow');
  });

  test('a team no longer admitted — its codes and refresh tokens mint nothing', async () => {
    const labs = gh.ctx.teams.admitted().find((t) => t.seedKey === 'gatehouse-labs')!;
    const browser = await signIn(gh.url, 'admin@demo.test', 'Gatehouse Labs', new CookieClient());
    const client = await registerClient(gh.url);
    const tokens = await obtainTokens(gh.url, browser, client);
    const { verifier, challenge } = pkce();
    const redirect = await consent(
      browser,
      authorizeUrl(gh.url, standardParams(gh.url, client.client_id, challenge)),
    );
    const code = redirect.searchParams.get('code')!;
    gh.ctx.db.$client.run('UPDATE teams SET admitted_at = NULL WHERE id = ?', [labs.id]);
    try {
      const exchanged = await tokenRequest(gh.url, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
        client_id: client.client_id,
        resource: `${gh.url}/mcp`,
      });
      expect(exchanged.status).toBe(400);
      expect(exchanged.body.error).toBe('invalid_grant');
      expect(exchanged.body.error_description).toContain('no longer a Gatehouse team');
      const refreshed = await tokenRequest(gh.url, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: client.client_id,
      });
      expect(refreshed.status).toBe(400);
      expect(refreshed.body.error_description).toContain('no longer a Gatehouse team');
    } finally {
      gh.ctx.db.$client.run('UPDATE teams SET admitted_at = ? WHERE id = ?', [labs.admittedAt, labs.id]);
    }
  });

  test('an impersonated admin — revokes no one else’s connection and decides no one’s request', async () => {
    // Max's own connection, and a pending request of his.
    const maxBrowser = await signIn(gh.url, 'member@demo.test', undefined, new CookieClient());
    const maxTokens = await obtainTokens(gh.url, maxBrowser, await registerClient(gh.url));
    const maxAgent = await connectV1(gh.url, maxTokens.access_token);
    const asked = await call(maxAgent, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
      reason: 'read tickets',
    });
    expect(asked.isError).toBe(false);
    const requestId = asked.structured?.request_id as string;

    await impersonate('admin@demo.test');
    const impostor = await signIn(gh.url, 'admin@demo.test', 'Gatehouse Demo Team', new CookieClient());
    const connections = await (await impostor.fetch(`${gh.url}/connections`)).text();
    const csrf = hiddenInput(connections, '_csrf')!;
    const family = gh.ctx.db.$client
      .query<{ id: string }, []>(
        "SELECT f.id FROM token_families f JOIN users u ON u.id = f.user_id WHERE u.email = 'member@demo.test' AND f.revoked_at IS NULL LIMIT 1",
      )
      .get()!.id;
    const revoke = await impostor.post(`${gh.url}/connections/${family}/revoke`, { _csrf: csrf });
    expect(revoke.status).toBe(403);
    expect((await call(maxAgent, 'whoami')).isError).toBe(false);
    const deny = await impostor.post(`${gh.url}/approvals/${requestId}/deny`, { _csrf: csrf, reason: 'no' });
    expect(deny.status).toBe(403);
    expect(gh.ctx.grants.store.get(requestId)?.status).toBe('pending');
    await maxAgent.close();
  });
});
