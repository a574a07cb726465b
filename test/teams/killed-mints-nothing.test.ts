/**
 * While a team's kill switch is pulled, nothing new is minted for it (issue 18): no connection
 * token, no OAuth consent, no authorization code. Each refusal says why (a console page; the
 * OAuth error `access_denied` with a description, RFC 6749 §4.1.2.1). Admins keep the console so
 * they can re-enable, and when they do, nothing from before or during the kill comes back.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type CookieClient, hiddenInput } from '../support/http.ts';
import { tokensFor } from '../support/mcp.ts';
import {
  authorizeUrl,
  consent,
  errorLinkOf,
  pkce,
  REDIRECT_URI,
  type RegisteredClient,
  registerClient,
  standardParams,
  tokenRequest,
} from '../support/oauth.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

const TEAM = 'Gatehouse Demo Team';
const LABS = 'Gatehouse Labs';

let gh: TestGatehouse;
let teamId: string;
let admin: CookieClient;
let member: CookieClient;
let client: RegisteredClient;
/** Tokens that existed when the kill switch was pulled. */
let before: { oauth: { access_token: string; refresh_token: string }; connection: string };
/** A consent form rendered before the kill, submitted during it. */
let staleForm: { csrf: string; request: string; organizationId: string };
let killedAt: number;

const q = <T>(sql: string, ...params: (string | number)[]) =>
  gh.ctx.db.$client.query<T, (string | number)[]>(sql).get(...params);
const mintedSince = (at: number) => ({
  families: q<{ n: number }>(
    'SELECT COUNT(*) AS n FROM token_families WHERE team_id = ? AND created_at >= ?',
    teamId,
    at,
  )!.n,
  codes: q<{ n: number }>(
    'SELECT COUNT(*) AS n FROM oauth_codes WHERE team_id = ? AND created_at >= ?',
    teamId,
    at,
  )!.n,
  consents: q<{ n: number }>(
    'SELECT COUNT(*) AS n FROM oauth_consents WHERE team_id = ? AND revoked_at IS NULL',
    teamId,
  )!.n,
});

/** The HTTP status of an MCP initialize with this bearer token (200: it opens a session). */
async function mcpStatus(token: string): Promise<number> {
  const res = await fetch(`${gh.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
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
        clientInfo: { name: 'kill-test', version: '1' },
      },
    }),
  });
  await res.body?.cancel();
  return res.status;
}

async function createConnectionToken(browser: CookieClient, name: string): Promise<Response> {
  const page = await (await browser.fetch(`${gh.url}/connections`)).text();
  return browser.post(`${gh.url}/connections`, {
    _csrf: hiddenInput(page, '_csrf')!,
    name,
    expiry: '30',
    access: 'mcp',
  });
}

beforeAll(async () => {
  gh = await startTestGatehouse();
  teamId = gh.ctx.teams.admitted().find((t) => t.name === TEAM)!.id;
  [admin, member] = await Promise.all([
    signIn(gh.url, 'admin@demo.test', TEAM),
    signIn(gh.url, 'member@demo.test'),
  ]);
  client = await registerClient(gh.url);

  // Before the kill: an OAuth authorization and a connection token, both working.
  const oauth = await tokensFor(gh.url, 'member@demo.test');
  const created = await createConnectionToken(member, 'before the kill');
  expect(created.status).toBe(200);
  const connection = /(gatehouse_ct_[A-Za-z0-9_-]+)/.exec(await created.text())?.[1];
  expect(connection).toBeTruthy();
  before = { oauth, connection: connection! };
  expect(await mcpStatus(before.connection)).toBe(200);

  // A consent page for another client, open in the member's browser when the switch is pulled.
  const other = await registerClient(gh.url, { client_name: 'Opened Before The Kill' });
  const page = await member.fetch(
    authorizeUrl(gh.url, standardParams(gh.url, other.client_id, pkce().challenge)),
  );
  expect(page.status).toBe(200);
  const html = await page.text();
  staleForm = {
    csrf: hiddenInput(html, '_csrf')!,
    request: hiddenInput(html, 'request')!,
    organizationId:
      hiddenInput(html, 'organization_id') ?? /<option value="([^"]+)" selected/.exec(html)![1]!,
  };

  // The admin pulls the kill switch in the console.
  const settings = await (await admin.fetch(`${gh.url}/settings`)).text();
  const pulled = await admin.post(`${gh.url}/settings/kill-switch`, {
    _csrf: hiddenInput(settings, '_csrf')!,
    team_name: TEAM,
    reason: 'incident drill',
  });
  expect(pulled.status).toBe(303);
  killedAt = gh.ctx.teams.settings(teamId).killedAt!;
  expect(killedAt).not.toBeNull();
});
afterAll(() => gh?.stop());

describe('while the kill switch is pulled', () => {
  test('connection tokens — creating one is refused with a clear page, and nothing is minted', async () => {
    const res = await createConnectionToken(member, 'during the kill');
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain(`MCP access for ${TEAM} is switched off by its kill switch`);
    expect(html).toContain('no connection token can be created');
    expect(mintedSince(killedAt).families).toBe(0);
    const audit = q<{ outcome: string; reason: string }>(
      "SELECT outcome, reason FROM audit_entries WHERE event = 'connection_token.created' ORDER BY seq DESC LIMIT 1",
    );
    expect(audit).toEqual({ outcome: 'denied', reason: 'team_killed' });
  });

  test('OAuth — GET /authorize shows access_denied with a description and a link back (no consent page, no code)', async () => {
    const { challenge } = pkce();
    const res = await member.fetch(authorizeUrl(gh.url, standardParams(gh.url, client.client_id, challenge)));
    // The kill forgot every consent: no client is one the human approved, so no redirect at once
    // (RFC 9700 §4.11.2); the page says why and links back.
    const back = await errorLinkOf(res, 'access_denied');
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toContain('kill switch');
    expect(back.searchParams.get('state')).toBe('st-123');
    expect(back.searchParams.get('iss')).toBe(gh.url);
    expect(back.searchParams.get('code')).toBeNull();
    expect(mintedSince(killedAt)).toEqual({ families: 0, codes: 0, consents: 0 });
  });

  test('OAuth — a consent form shown before the kill and allowed during it gets access_denied; nothing is remembered', async () => {
    const res = await member.post(`${gh.url}/authorize`, {
      _csrf: staleForm.csrf,
      request: staleForm.request,
      decision: 'allow',
      organization_id: staleForm.organizationId,
    });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toContain(`MCP access for ${TEAM} is switched off`);
    expect(back.searchParams.get('code')).toBeNull();
    expect(mintedSince(killedAt)).toEqual({ families: 0, codes: 0, consents: 0 });
  });

  test('OAuth — a human in several teams is offered only the teams still on; forging the killed one is refused', async () => {
    // The admin's own console is in the killed team: nothing is authorized there.
    const { challenge } = pkce();
    const refused = await admin.fetch(
      authorizeUrl(gh.url, standardParams(gh.url, client.client_id, challenge)),
    );
    const denied = await errorLinkOf(refused, 'access_denied');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('error_description')).toContain('switch to it in the Gatehouse console');
    // In another browser, in Labs (not killed), the consent page offers Labs only.
    const inLabs = await signIn(gh.url, 'admin@demo.test', LABS);
    const page = await inLabs.fetch(
      authorizeUrl(gh.url, standardParams(gh.url, client.client_id, challenge)),
    );
    expect(page.status).toBe(200);
    const html = await page.text();
    const labsOrg = gh.ctx.teams.admitted().find((t) => t.name === LABS)!.organizationId;
    const demoOrg = gh.ctx.teams.get(teamId)!.organizationId;
    expect(hiddenInput(html, 'organization_id')).toBe(labsOrg);
    expect(html).not.toContain(demoOrg);
    const forged = await inLabs.post(`${gh.url}/authorize`, {
      _csrf: hiddenInput(html, '_csrf')!,
      request: hiddenInput(html, 'request')!,
      decision: 'allow',
      organization_id: demoOrg,
    });
    expect(forged.status).toBe(303);
    const back = new URL(forged.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('code')).toBeNull();
    expect(mintedSince(killedAt)).toEqual({ families: 0, codes: 0, consents: 0 });
    // The refusal entered no team: that browser's console is still in Labs.
    expect(await (await inLabs.fetch(`${gh.url}/`)).text()).toContain(`<span class="team">${LABS}</span>`);
  });

  test('the services themselves — no code and no consent for a killed team, whoever asks', () => {
    const userId = q<{ id: string }>("SELECT id FROM users WHERE email = 'member@demo.test'")!.id;
    expect(() =>
      gh.ctx.oauth.codes.issueCode({
        clientId: client.client_id,
        userId,
        teamId,
        redirectUri: REDIRECT_URI,
        codeChallenge: pkce().challenge,
        scopes: ['mcp'],
        resource: gh.ctx.oauth.resource,
      }),
    ).toThrow('kill switch');
    expect(() => gh.ctx.oauth.consents.grant(userId, teamId, client.client_id, ['mcp'])).toThrow(
      'kill switch',
    );
    expect(mintedSince(killedAt)).toEqual({ families: 0, codes: 0, consents: 0 });
  });
});

describe('re-enabled', () => {
  test('the admin re-enables from the console; nothing from before or during the kill comes back, a fresh authorization works', async () => {
    // Admins keep the console during the kill.
    const settings = await admin.fetch(`${gh.url}/settings`);
    expect(settings.status).toBe(200);
    const on = await admin.post(`${gh.url}/settings/toggle`, {
      _csrf: hiddenInput(await settings.text(), '_csrf')!,
      setting: 'enabled',
      value: 'on',
    });
    expect(on.status).toBe(303);
    expect(gh.ctx.teams.settings(teamId).killedAt).toBeNull();

    // Nothing was minted while the switch was pulled…
    expect(mintedSince(killedAt)).toEqual({ families: 0, codes: 0, consents: 0 });
    // …and what existed at the kill stays dead.
    expect(await mcpStatus(before.connection)).toBe(401);
    expect(await mcpStatus(before.oauth.access_token)).toBe(401);
    const refreshed = await tokenRequest(gh.url, {
      grant_type: 'refresh_token',
      refresh_token: before.oauth.refresh_token,
      client_id: client.client_id,
    });
    expect(refreshed.status).toBe(400);

    // The same human, authorizing again now, gets a working token.
    const { verifier, challenge } = pkce();
    const redirect = await consent(
      member,
      authorizeUrl(gh.url, standardParams(gh.url, client.client_id, challenge)),
    );
    const code = redirect.searchParams.get('code');
    expect(code).toBeTruthy();
    const fresh = await tokenRequest(gh.url, {
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: client.client_id,
    });
    expect(fresh.status).toBe(200);
    expect(await mcpStatus(fresh.body.access_token!)).toBe(200);
    const created = await createConnectionToken(member, 'after re-enabling');
    expect(created.status).toBe(200);
  });
});
