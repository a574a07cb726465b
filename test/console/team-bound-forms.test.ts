/**
 * A console page acts only in the team it was shown in: its forms' CSRF token is bound to the
 * session and its team, so after the session switched teams (another tab) the page is refused.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { hiddenInput } from '../support/http.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(async () => {
  await gh?.stop();
});

test('team-bound forms — a page from the team before a switch acts in neither team', async () => {
  const browser = await signIn(gh.url, 'admin@demo.test', 'Gatehouse Demo Team');
  const demoPage = await (await browser.fetch(`${gh.url}/connections`)).text();
  const demoCsrf = hiddenInput(demoPage, '_csrf')!;
  // Another tab switches the session to Labs.
  const picker = await (await browser.fetch(`${gh.url}/teams`)).text();
  const labs = /value="([^"]+)"[^>]*>\s*<span class="name">Gatehouse Labs/.exec(picker)![1]!;
  const chosen = await browser.post(`${gh.url}/teams/select`, {
    _csrf: hiddenInput(picker, '_csrf')!,
    organization_id: labs,
    return_to: '/',
  });
  expect(chosen.status).toBe(303);
  const labsTeam = gh.ctx.teams.admitted().find((t) => t.organizationId === labs)!;
  const before = gh.ctx.db.$client
    .query<{ n: number }, [string]>('SELECT count(*) AS n FROM token_families WHERE team_id = ?')
    .get(labsTeam.id)!.n;
  const stale = await browser.post(`${gh.url}/connections`, {
    _csrf: demoCsrf,
    name: 'from the Demo page',
    expiry: 'never',
    access: 'mcp',
  });
  expect(stale.status).toBe(403);
  expect(await stale.text()).toContain('switched teams');
  const after = gh.ctx.db.$client
    .query<{ n: number }, [string]>('SELECT count(*) AS n FROM token_families WHERE team_id = ?')
    .get(labsTeam.id)!.n;
  expect(after).toBe(before);
  // The page shown in Labs works.
  const labsPage = await (await browser.fetch(`${gh.url}/connections`)).text();
  const fresh = await browser.post(`${gh.url}/connections`, {
    _csrf: hiddenInput(labsPage, '_csrf')!,
    name: 'from the Labs page',
    expiry: 'never',
    access: 'mcp',
  });
  expect(fresh.status).toBe(200);
});
