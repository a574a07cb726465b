/**
 * Admission: only organizations the operator admits are teams. A customer's admin who can sign in
 * to the identity environment gets a clear refusal, no session and an audit entry; tokens and
 * console sessions of an organization that is no longer admitted stop working.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

/** Seeded in the identity environment: the admin of a customer organization, not of a team. */
const CUSTOMER_ADMIN = 'alice@acme.test';

let gh: TestGatehouse;

beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(async () => {
  await gh?.stop();
});

/** Signs in as `email` through the local picker and AuthKit, returning where it ended. */
async function attemptSignIn(email: string) {
  const client = new CookieClient();
  const login = await client.fetch(`${gh.url}/login`);
  const res = await client.post(`${gh.url}/login`, {
    _csrf: hiddenInput(await login.text(), '_csrf')!,
    login_hint: email,
    return_to: '/',
  });
  const landed = await client.follow(res, `${gh.url}/login`);
  return { client, ...landed };
}

describe('admission — only admitted organizations are teams', () => {
  test('local mode — admits exactly its two seeded staff teams', () => {
    expect(
      gh.ctx.teams
        .admitted()
        .map((t) => t.name)
        .sort(),
    ).toEqual(['Gatehouse Demo Team', 'Gatehouse Labs']);
  });

  test('a customer organization’s admin — refused with a clear page, no session, audited', async () => {
    const { client, res, url } = await attemptSignIn(CUSTOMER_ADMIN);
    expect(new URL(url).pathname).toBe('/callback');
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('Your organization is not a Gatehouse team');
    expect(html).toContain('Ask the operator');
    // No session: the console sends them to sign in.
    const home = await client.fetch(`${gh.url}/`);
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toContain('/login');
    const refused = gh.ctx.db.$client
      .query<{ actor_email: string; outcome: string }, []>(
        "SELECT actor_email, outcome FROM audit_entries WHERE event = 'signin.refused'",
      )
      .all();
    expect(refused).toEqual([{ actor_email: CUSTOMER_ADMIN, outcome: 'denied' }]);
    const sessions = gh.ctx.db.$client
      .query<{ n: number }, [string]>(
        'SELECT count(*) AS n FROM browser_sessions JOIN users ON users.id = browser_sessions.user_id WHERE users.email = ?',
      )
      .get(CUSTOMER_ADMIN)!.n;
    expect(sessions).toBe(0);
  });

  test('the team picker — lists admitted teams only', async () => {
    const client = new CookieClient();
    const login = await client.fetch(`${gh.url}/login`);
    const res = await client.post(`${gh.url}/login`, {
      _csrf: hiddenInput(await login.text(), '_csrf')!,
      login_hint: 'admin@demo.test',
      return_to: '/',
    });
    const { res: picker, url } = await client.follow(res, `${gh.url}/login`);
    expect(new URL(url).pathname).toBe('/teams');
    const html = await picker.text();
    expect(html).toContain('Gatehouse Demo Team');
    expect(html).toContain('Gatehouse Labs');
    expect(html).not.toContain('Acme Corp');
  });

  test('an organization no longer admitted — its tokens and console sessions stop at once', async () => {
    const labs = gh.ctx.teams.admitted().find((t) => t.name === 'Gatehouse Labs')!;
    const tokens = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Labs' });
    const browser = await signIn(gh.url, 'admin@demo.test', 'Gatehouse Labs');
    const client = await connectV1(gh.url, tokens.access_token);
    expect((await call(client, 'whoami')).isError).toBe(false);
    gh.ctx.db.$client.run('UPDATE teams SET admitted_at = NULL WHERE id = ?', [labs.id]);
    try {
      const r = await fetch(`${gh.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.access_token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 't', version: '1' },
          },
        }),
      });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain('not a Gatehouse team');
      const home = await browser.fetch(`${gh.url}/settings`);
      expect(home.status).toBe(303);
    } finally {
      gh.ctx.db.$client.run('UPDATE teams SET admitted_at = ? WHERE id = ?', [labs.admittedAt, labs.id]);
      await client.close().catch(() => {});
    }
  });
});
