/**
 * Connection tokens per person (issue 18 "Fair limits"): each human holds at most
 * MAX_CONNECTION_TOKENS_PER_USER live connection tokens in a team. One more is refused on the
 * Connections page with what to do (409, the list and the form kept); revoking one makes room;
 * nobody else is affected.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MAX_CONNECTION_TOKENS_PER_USER } from '../../src/config/constants.ts';
import { type CookieClient, hiddenInput } from '../support/http.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;

beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(() => gh.stop());

async function csrfOf(browser: CookieClient): Promise<string> {
  return hiddenInput(await (await browser.fetch(`${gh.url}/connections`)).text(), '_csrf')!;
}

function create(browser: CookieClient, csrf: string, name: string) {
  return browser.post(`${gh.url}/connections`, { _csrf: csrf, name, expiry: 'never', access: 'mcp' });
}

describe('connection tokens per person', () => {
  test('quota — the next token past it is refused with a clear message; revoking one makes room; others unaffected', async () => {
    const member = await signIn(gh.url, 'member@demo.test');
    const csrf = await csrfOf(member);
    for (let i = 0; i < MAX_CONNECTION_TOKENS_PER_USER; i++) {
      const res = await create(member, csrf, `agent ${i}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/gatehouse_ct_/);
    }

    const refused = await create(member, csrf, 'one too many');
    expect(refused.status).toBe(409);
    const html = await refused.text();
    expect(html).toContain(
      `You already have ${MAX_CONNECTION_TOKENS_PER_USER} live connection tokens in this team, the most one person may hold (${MAX_CONNECTION_TOKENS_PER_USER}). Revoke one you no longer use below, then create the new one.`,
    );
    expect(html).not.toMatch(/gatehouse_ct_/);
    // The page still lists what can be revoked, and keeps what was typed.
    expect(html).toContain('agent 0');
    expect(html).toContain('value="one too many"');
    // Nothing was minted, and the refusal names no token.
    const families = gh.ctx.oauth.tokens
      .listFamilies({ teamId: seededTeamId(gh) })
      .filter((f) => f.kind === 'connection');
    expect(families.length).toBe(MAX_CONNECTION_TOKENS_PER_USER);
    expect(families.some((f) => f.name === 'one too many')).toBe(false);

    // Someone else in the team is not held back.
    const viewer = await signIn(gh.url, 'viewer@demo.test');
    const theirs = await create(viewer, await csrfOf(viewer), 'viewer agent');
    expect(theirs.status).toBe(200);

    // Revoking one of the member's own makes room for exactly one more.
    const familyId = /action="\/connections\/(fam_[A-Za-z0-9_-]+)\/revoke"/.exec(html)![1]!;
    const revoked = await member.post(`${gh.url}/connections/${familyId}/revoke`, { _csrf: csrf });
    expect(revoked.status).toBe(303);
    expect((await create(member, csrf, 'after revoking')).status).toBe(200);
    expect((await create(member, csrf, 'and one more')).status).toBe(409);
  });
});
