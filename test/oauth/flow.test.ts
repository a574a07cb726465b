/**
 * The happy paths over real HTTP: what an MCP client does from its first /authorize to a
 * working /mcp call, for public, confidential and metadata-document clients.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { CLIENT_METADATA_CACHE_TTL_MS } from '../../src/config/constants.ts';
import { sha256 } from '../../src/crypto/random.ts';
import { schema } from '../../src/db/client.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { call, connectV1 } from '../support/mcp.ts';
import {
  authorizeUrl,
  consent,
  pkce,
  type RegisteredClient,
  standardParams,
  tokenRequest,
} from '../support/oauth.ts';
import { dumpTables } from '../support/pg.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';
import {
  capabilitiesFor,
  capabilityItems,
  exchange,
  type Harness,
  mcpStatus,
  REDIRECT_URI,
  refresh,
  register,
  registerRaw,
  type TokenPair,
  tokensFor,
} from './support.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const CIMD_URL = 'https://agent.example/oauth/client.json';
const CIMD_NO_REFRESH_URL = 'https://agent.example/oauth/no-refresh.json';
let documentFetches = 0;

let gh: TestGatehouse;
let base: string;
let clock: ManualClock;
let h: Harness;

beforeAll(async () => {
  clock = new ManualClock();
  gh = await startTestGatehouse({
    clock,
    testHooks: {
      fetchClientMetadata: async (url) => {
        documentFetches++;
        if (url !== CIMD_URL && url !== CIMD_NO_REFRESH_URL)
          return { status: 404, headers: new Headers(), text: () => '' };
        return {
          status: 200,
          headers: new Headers({ 'content-type': 'application/json' }),
          text: () =>
            JSON.stringify({
              client_id: url,
              client_name: 'Document Agent',
              client_uri: 'https://agent.example/',
              redirect_uris: [REDIRECT_URI],
              // The second document leaves grant_types out: RFC 7591 §2's default, authorization_code.
              ...(url === CIMD_URL ? { grant_types: ['authorization_code', 'refresh_token'] } : {}),
              token_endpoint_auth_method: 'none',
            }),
        };
      },
    },
  });
  base = gh.url;
  h = { base, clock };
});
afterAll(() => gh.stop());

interface Whoami {
  user: { email: string; name: string };
  team: { name: string; organization_id: string };
  role: string;
  permissions: string[];
  client: { id: string | null; name: string; kind: string };
  scopes: string[];
}

async function whoami(token: string): Promise<Whoami> {
  const mcp = await connectV1(base, token);
  try {
    const r = await call(mcp, 'whoami');
    expect(r.isError).toBe(false);
    return r.structured as unknown as Whoami;
  } finally {
    await mcp.close();
  }
}

/** Every value stored in the database, as one string: proof of what is and is not kept. */
function databaseDump(): string {
  return dumpTables(gh.ctx.db.$client);
}

describe('public client', () => {
  test('end to end — signed out, sign in, consent, code, tokens, and whoami returns the human', async () => {
    const client = await register(h, { client_name: 'Claude Code' });
    expect(client.client_secret).toBeUndefined();
    expect(client.token_endpoint_auth_method).toBe('none');
    const { verifier, challenge } = pkce();
    const browser = new CookieClient();
    const start = authorizeUrl(base, standardParams(base, client.client_id, challenge, { state: 'xyz-42' }));

    // Not signed in: off to sign-in, carrying the authorization request back.
    const first = await browser.fetch(start);
    expect(first.status).toBe(303);
    const login = new URL(first.headers.get('location')!, base);
    expect(login.pathname).toBe('/login');
    const returnTo = login.searchParams.get('return_to')!;
    expect(returnTo.startsWith('/authorize?')).toBe(true);
    const loginPage = await (await browser.fetch(login.toString())).text();
    expect(hiddenInput(loginPage, 'return_to')).toBe(returnTo);
    const posted = await browser.post(`${base}/login`, {
      _csrf: hiddenInput(loginPage, '_csrf')!,
      login_hint: 'member@demo.test',
      return_to: returnTo,
    });
    const { res: consentPage, url } = await browser.follow(posted, `${base}/login`);
    expect(new URL(url).pathname).toBe('/authorize');
    expect(consentPage.status).toBe(200);
    const html = await consentPage.text();
    expect(html).toContain('Claude Code wants to act as you');
    expect(html).toMatch(/data-testid="redirect-host"[^>]*>\s*127\.0\.0\.1:9999\s*</);
    expect(html).toContain('dynamic registration on');
    expect(html).toContain('Create, update and invite in WorkOS');

    const decided = await browser.post(`${base}/authorize`, {
      _csrf: hiddenInput(html, '_csrf')!,
      request: hiddenInput(html, 'request')!,
      organization_id: hiddenInput(html, 'organization_id')!,
      decision: 'allow',
    });
    expect(decided.status).toBe(303);
    const back = new URL(decided.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get('state')).toBe('xyz-42');
    expect(back.searchParams.get('iss')).toBe(base);
    const code = back.searchParams.get('code')!;
    expect(code.length).toBeGreaterThanOrEqual(43);

    const t = await exchange(base, client, { code, verifier });
    expect(t.status).toBe(200);
    expect(t.headers.get('cache-control')).toBe('no-store');
    expect(t.headers.get('pragma')).toBe('no-cache');
    expect(t.body.token_type).toBe('Bearer');
    expect(Number(t.body.expires_in)).toBe(3600);
    expect(t.body.scope).toBe('mcp offline_access');
    expect(t.body.access_token!.startsWith('gatehouse_at_')).toBe(true);
    expect(t.body.refresh_token!.startsWith('gatehouse_rt_')).toBe(true);

    const me = await whoami(t.body.access_token!);
    expect(me.user.email).toBe('member@demo.test');
    expect(me.team.name).toBe('Gatehouse Demo Team');
    expect(me.role).toBe('member');
    expect(me.client).toEqual({ id: client.client_id, name: 'Claude Code', kind: 'oauth' });
    expect(me.scopes).toEqual(['mcp', 'offline_access']);
  });

  test('tokens — opaque, and stored only as their SHA-256 (never the value, never logged)', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h);
    const t = await tokensFor(browser, base, client);
    // Opaque: not a JWT, nothing to decode.
    expect(t.access_token.split('.')).toHaveLength(1);
    const rows = gh.ctx.db.select().from(schema.tokens).all();
    expect(rows.some((r) => r.hash === sha256(t.access_token) && r.kind === 'access')).toBe(true);
    expect(rows.some((r) => r.hash === sha256(t.refresh_token) && r.kind === 'refresh')).toBe(true);
    const dump = databaseDump();
    expect(dump).not.toContain(t.access_token);
    expect(dump).not.toContain(t.refresh_token);
    expect(gh.logLines.join('\n')).not.toContain(t.access_token);
  });

  test('consent remembered — the second authorization of the same client skips the page', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h);
    await tokensFor(browser, base, client);
    const { challenge } = pkce();
    const again = await browser.fetch(
      authorizeUrl(base, standardParams(base, client.client_id, challenge, { state: 'second' })),
    );
    expect(again.status).toBe(302);
    const loc = new URL(again.headers.get('location')!);
    expect(loc.searchParams.get('code')).toBeTruthy();
    expect(loc.searchParams.get('state')).toBe('second');
    expect(loc.searchParams.get('iss')).toBe(base);
  });

  test('consent remembered — asking for more than was approved shows the page again', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h);
    await tokensFor(browser, base, client, { scope: 'mcp:read' });
    const { challenge } = pkce();
    const wider = await browser.fetch(
      authorizeUrl(base, standardParams(base, client.client_id, challenge, { scope: 'mcp' })),
    );
    expect(wider.status).toBe(200);
    expect(await wider.text()).toContain('wants to act as you');
  });

  test('consent remembered — approvals add up: after mcp:read and then the default, neither is asked again', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h);
    const ask = (scope: string) =>
      browser.fetch(authorizeUrl(base, standardParams(base, client.client_id, pkce().challenge, { scope })));
    await tokensFor(browser, base, client, { scope: 'mcp:read' });
    // The default asks for scopes not approved yet: the page again.
    expect((await ask('mcp offline_access')).status).toBe(200);
    await tokensFor(browser, base, client, { scope: 'mcp offline_access' });
    // Both approvals are remembered: none of these asks again.
    for (const scope of ['mcp:read', 'mcp offline_access', 'mcp mcp:read offline_access', 'mcp']) {
      const res = await ask(scope);
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    }
    const row = gh.ctx.db
      .select()
      .from(schema.oauthConsents)
      .where(eq(schema.oauthConsents.clientId, client.client_id))
      .get()!;
    expect([...row.scopes].sort()).toEqual(['mcp', 'mcp:read', 'offline_access']);
  });

  test('consent remembered per user — another human is asked for the same client', async () => {
    const member = await signIn(base, 'member@demo.test');
    const client = await register(h);
    await tokensFor(member, base, client);
    const viewer = await signIn(base, 'viewer@demo.test');
    const { challenge } = pkce();
    const res = await viewer.fetch(authorizeUrl(base, standardParams(base, client.client_id, challenge)));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('wants to act as you');
  });

  test('deny — access_denied sent back with state and iss, no code, and nothing remembered', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h);
    const { challenge } = pkce();
    const page = await browser.fetch(
      authorizeUrl(base, standardParams(base, client.client_id, challenge, { state: 'deny-me' })),
    );
    const html = await page.text();
    const res = await browser.post(`${base}/authorize`, {
      _csrf: hiddenInput(html, '_csrf')!,
      request: hiddenInput(html, 'request')!,
      organization_id: hiddenInput(html, 'organization_id')!,
      decision: 'deny',
    });
    expect(res.status).toBe(303);
    const loc = new URL(res.headers.get('location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT_URI);
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('state')).toBe('deny-me');
    expect(loc.searchParams.get('iss')).toBe(base);
    expect(loc.searchParams.has('code')).toBe(false);
    const again = await browser.fetch(
      authorizeUrl(base, standardParams(base, client.client_id, pkce().challenge)),
    );
    expect(again.status).toBe(200);
  });
});

describe('team choice on consent', () => {
  test('admin with two teams — the consent page offers both; choosing Gatehouse Labs acts as member there', async () => {
    const browser = await signIn(base, 'admin@demo.test', 'Gatehouse Demo Team');
    const client = await register(h);
    const { verifier, challenge } = pkce();
    const page = await browser.fetch(authorizeUrl(base, standardParams(base, client.client_id, challenge)));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-testid="team-select"');
    expect(html).toContain('Gatehouse Demo Team (admin)');
    expect(html).toContain('Gatehouse Labs (member)');
    const labs = /<option value="([^"]+)"[^>]*>\s*Gatehouse Labs \(member\)/.exec(html)![1]!;

    const res = await browser.post(`${base}/authorize`, {
      _csrf: hiddenInput(html, '_csrf')!,
      request: hiddenInput(html, 'request')!,
      organization_id: labs,
      decision: 'allow',
    });
    expect(res.status).toBe(303);
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const t = await exchange(base, client, { code, verifier });
    expect(t.status).toBe(200);

    const me = await whoami(t.body.access_token!);
    expect(me.user.email).toBe('admin@demo.test');
    expect(me.team).toEqual({ name: 'Gatehouse Labs', organization_id: labs });
    expect(me.role).toBe('member');
    expect(me.permissions).not.toContain('gatehouse:admin');
  });

  test('capabilities follow the team picked — the admin team’s list first, Gatehouse Labs’ (member) from the htmx fragment', async () => {
    const browser = await signIn(base, 'admin@demo.test', 'Gatehouse Demo Team');
    const client = await register(h);
    const page = await browser.fetch(
      authorizeUrl(base, standardParams(base, client.client_id, pkce().challenge)),
    );
    const html = await page.text();
    const demo = /<option value="([^"]+)" selected[^>]*>\s*Gatehouse Demo Team \(admin\)/.exec(html)![1]!;
    const labs = /<option value="([^"]+)"[^>]*>\s*Gatehouse Labs \(member\)/.exec(html)![1]!;
    // The picker asks for the list of the team it is switched to, and replaces the list with it.
    expect(html).toContain('hx-get="/authorize/capabilities"');
    expect(html).toContain('hx-target="#capabilities"');
    const asAdmin = capabilityItems(html);
    expect(asAdmin.some((c) => c.startsWith('Switch to the production environment'))).toBe(true);
    expect(asAdmin.some((c) => c.startsWith('Work in sandbox only'))).toBe(false);

    const form = { csrf: hiddenInput(html, '_csrf'), request: hiddenInput(html, 'request') };
    const res = await capabilitiesFor(browser, base, form, labs);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const fragment = await res.text();
    expect(fragment.startsWith('<ul')).toBe(true);
    const asMember = capabilityItems(fragment);
    expect(asMember).toContain('Work in sandbox only (your role has no production access)');
    expect(asMember.some((c) => c.startsWith('Create, update and invite in WorkOS'))).toBe(true);
    expect(asMember.some((c) => c.startsWith('Switch to the production environment'))).toBe(false);

    // And back: the admin team’s list again, exactly as first rendered.
    expect(capabilityItems(await (await capabilitiesFor(browser, base, form, demo)).text())).toEqual(asAdmin);
  });

  test('capabilities — narrowed by the requested scope in the team picked (mcp:read: nothing that changes WorkOS)', async () => {
    const browser = await signIn(base, 'admin@demo.test', 'Gatehouse Demo Team');
    const client = await register(h);
    const page = await browser.fetch(
      authorizeUrl(base, standardParams(base, client.client_id, pkce().challenge, { scope: 'mcp:read' })),
    );
    const html = await page.text();
    const labs = /<option value="([^"]+)"[^>]*>\s*Gatehouse Labs \(member\)/.exec(html)![1]!;
    const form = { csrf: hiddenInput(html, '_csrf'), request: hiddenInput(html, 'request') };
    const items = capabilityItems(await (await capabilitiesFor(browser, base, form, labs)).text());
    expect(items).toContain('Nothing that changes WorkOS (your role is read-only there)');
    expect(items.some((c) => c.startsWith('Create, update and invite'))).toBe(false);
  });

  test('initial list — the role WorkOS lists now in the selected team, not the one the session signed in with', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const identity = gh.ctx.workos.identity.client.userManagement;
    const [user] = (await identity.listUsers({ email: 'member@demo.test' })).data;
    const [membership] = (await identity.listOrganizationMemberships({ userId: user!.id })).data;
    await identity.updateOrganizationMembership(membership!.id, { roleSlug: 'viewer' });
    try {
      const client = await register(h);
      const page = await browser.fetch(
        authorizeUrl(base, standardParams(base, client.client_id, pkce().challenge)),
      );
      expect(page.status).toBe(200);
      const items = capabilityItems(await page.text());
      expect(items).toContain('Nothing that changes WorkOS (your role is read-only there)');
      expect(items.some((c) => c.startsWith('Create, update and invite'))).toBe(false);
    } finally {
      await identity.updateOrganizationMembership(membership!.id, { roleSlug: 'member' });
      gh.ctx.oauth.principals.invalidate(user!.id);
    }
  });

  test('admin choosing the demo team — acts as admin there', async () => {
    const browser = await signIn(base, 'admin@demo.test', 'Gatehouse Demo Team');
    const client = await register(h);
    const t = await tokensFor(browser, base, client);
    const me = await whoami(t.access_token);
    expect(me.team.name).toBe('Gatehouse Demo Team');
    expect(me.role).toBe('admin');
    expect(me.permissions).toContain('gatehouse:admin');
  });
});

describe('confidential clients', () => {
  for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
    test(`${method} — secret shown once, stored hashed, and the flow works end to end`, async () => {
      const client = await register(h, {
        client_name: `Server Agent (${method})`,
        token_endpoint_auth_method: method,
      });
      expect(client.client_secret!.startsWith('gatehouse_cs_')).toBe(true);
      expect(client.client_secret_expires_at).toBe(0);
      const row = gh.ctx.db
        .select()
        .from(schema.oauthClients)
        .where(eq(schema.oauthClients.id, client.client_id))
        .get()!;
      expect(row.clientSecretHash).toBe(sha256(client.client_secret!));
      expect(JSON.stringify(row)).not.toContain(client.client_secret!);
      expect(databaseDump()).not.toContain(client.client_secret!);

      const browser = await signIn(base, 'member@demo.test');
      const t = await tokensFor(browser, base, client);
      expect((await whoami(t.access_token)).client.name).toBe(`Server Agent (${method})`);
      const r = await refresh(base, client, t.refresh_token);
      expect(r.status).toBe(200);
    });
  }

  test('DCR — accepts https, loopback http (any port) and native app schemes, echoing the metadata', async () => {
    const uris = [
      'https://app.example.com/oauth/callback',
      'http://localhost:33418/callback',
      'http://127.0.0.1:51234/callback',
      'http://[::1]:8080/callback',
      'cursor://anysphere.cursor-retrieval/oauth/user-gatehouse/callback',
    ];
    const client = await register(h, {
      client_name: 'Many URIs',
      redirect_uris: uris,
      application_type: 'native',
    });
    expect(client.redirect_uris).toEqual(uris);
    expect(client.application_type).toBe('native');
    expect(client.client_name).toBe('Many URIs');
    expect(typeof client.client_id_issued_at).toBe('number');
  });

  test('DCR without token_endpoint_auth_method — a confidential client_secret_basic client', async () => {
    const res = await registerRaw(
      h,
      JSON.stringify({ client_name: 'Default Agent', redirect_uris: [REDIRECT_URI] }),
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as RegisteredClient;
    expect(body.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(body.client_secret).toBeTruthy();
  });
});

describe('refresh rotation', () => {
  let client: RegisteredClient;
  let first: TokenPair;

  beforeAll(async () => {
    const browser = await signIn(base, 'member@demo.test');
    client = await register(h);
    first = await tokensFor(browser, base, client);
  });

  test('refresh — a new pair every time; the new access token works; the old refresh token is dead', async () => {
    const r = await refresh(base, client, first.refresh_token);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body.access_token).not.toBe(first.access_token);
    expect(r.body.refresh_token).not.toBe(first.refresh_token);
    expect(r.body.scope).toBe('mcp offline_access');
    expect((await whoami(r.body.access_token!)).user.email).toBe('member@demo.test');

    const old = await refresh(base, client, first.refresh_token);
    expect(old.status).toBe(400);
    expect(old.body.error).toBe('invalid_grant');
  });

  test('refresh — may narrow the granted scope (down to mcp:read: read permissions only)', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const c = await register(h);
    const t = await tokensFor(browser, base, c, { scope: 'mcp mcp:read offline_access' });
    expect((await whoami(t.access_token)).permissions).toContain('workos:write');
    const r = await refresh(base, c, t.refresh_token, { scope: 'mcp:read' });
    expect(r.status).toBe(200);
    expect(r.body.scope).toBe('mcp:read');
    const me = await whoami(r.body.access_token!);
    expect(me.permissions).toContain('workos:read');
    expect(me.permissions).not.toContain('workos:write');
    // The access token issued before the narrowing is the same family's: a call with it is
    // authorized by the family's scopes, narrowed now, not by what its cached lookup last saw.
    const earlier = await whoami(t.access_token);
    expect(earlier.permissions).toContain('workos:read');
    expect(earlier.permissions).not.toContain('workos:write');
    // The narrowing sticks: the rotated refresh token cannot widen the scope again.
    const widen = await refresh(base, c, r.body.refresh_token!, { scope: 'mcp' });
    expect(widen.status).toBe(400);
    expect(widen.body.error).toBe('invalid_scope');
    // A scope of spaces alone names no scope: the same as leaving it out, the granted one kept.
    const blank = await refresh(base, c, r.body.refresh_token!, { scope: '   ' });
    expect(blank.status).toBe(200);
    expect(blank.body.scope).toBe('mcp:read');
    // A no-break space is no delimiter: a scope of it is unknown.
    const nbsp = await refresh(base, c, blank.body.refresh_token!, { scope: '\u00a0' });
    expect(nbsp.status).toBe(400);
    expect(nbsp.body.error).toBe('invalid_scope');
  });
});

describe('revocation (RFC 7009)', () => {
  test('revoking the refresh token — the open MCP session and the access token stop at once', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h);
    const t = await tokensFor(browser, base, client);
    const mcp = await connectV1(base, t.access_token);
    expect((await call(mcp, 'whoami')).isError).toBe(false);

    const res = await fetch(`${base}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: t.refresh_token,
        token_type_hint: 'refresh_token',
        client_id: client.client_id,
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({});

    expect(await mcpStatus(base, t.access_token)).toBe(401);
    await expect(call(mcp, 'whoami')).rejects.toThrow();
    await mcp.close().catch(() => {});
    expect((await refresh(base, client, t.refresh_token)).body.error).toBe('invalid_grant');
  });

  test('revoking an unknown token — 200 (RFC 7009 §2.2)', async () => {
    const client = await register(h);
    const res = await fetch(`${base}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'gatehouse_at_unknown', client_id: client.client_id }),
    });
    expect(res.status).toBe(200);
  });

  test('another client revoking my token — answered 200, but my token keeps working', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const mine = await register(h);
    const theirs = await register(h);
    const t = await tokensFor(browser, base, mine);
    const res = await fetch(`${base}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.access_token, client_id: theirs.client_id }),
    });
    expect(res.status).toBe(200);
    expect(await mcpStatus(base, t.access_token)).toBe(200);
  });

  test('a confidential client must authenticate to revoke — wrong secret is 401 invalid_client', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h, { token_endpoint_auth_method: 'client_secret_post' });
    const t = await tokensFor(browser, base, client);
    const res = await fetch(`${base}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: t.access_token,
        client_id: client.client_id,
        client_secret: 'gatehouse_cs_wrong',
      }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    expect(await mcpStatus(base, t.access_token)).toBe(200);
  });
});

describe('client ID metadata document client', () => {
  test('end to end — consent names the document URL, tokens work, and whoami names the client', async () => {
    const before = documentFetches;
    const browser = await signIn(base, 'member@demo.test');
    const { verifier, challenge } = pkce();
    const page = await browser.fetch(authorizeUrl(base, standardParams(base, CIMD_URL, challenge)));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Document Agent wants to act as you');
    expect(html).toContain(`its metadata document at ${CIMD_URL}`);
    expect(documentFetches).toBe(before + 1);

    const res = await browser.post(`${base}/authorize`, {
      _csrf: hiddenInput(html, '_csrf')!,
      request: hiddenInput(html, 'request')!,
      organization_id: hiddenInput(html, 'organization_id')!,
      decision: 'allow',
    });
    expect(res.status).toBe(303);
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const t = await tokenRequest(base, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
      client_id: CIMD_URL,
      resource: `${base}/mcp`,
    });
    expect(t.status).toBe(200);
    // The document was cached: consent and token exchange fetched it once.
    expect(documentFetches).toBe(before + 1);
    const me = await whoami(t.body.access_token!);
    expect(me.client).toEqual({ id: CIMD_URL, name: 'Document Agent', kind: 'oauth' });
  });

  test('cache — the document is fetched again once the cache lifetime has passed', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const url = authorizeUrl(base, standardParams(base, CIMD_URL, pkce().challenge));
    await browser.fetch(url);
    const before = documentFetches;
    await browser.fetch(url);
    expect(documentFetches).toBe(before);
    clock.advance(CLIENT_METADATA_CACHE_TTL_MS + 1);
    await browser.fetch(url);
    expect(documentFetches).toBe(before + 1);
  });
});

describe('refresh tokens follow the registered grant types (RFC 7591 §2)', () => {
  test('DCR without grant_types — registered as authorization_code only; no refresh_token and no offline_access', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h, { grant_types: undefined });
    expect(client.grant_types).toEqual(['authorization_code']);
    // It asks for the default scope, offline_access included, and is granted what it can use.
    const t = await tokensFor(browser, base, client, { scope: 'mcp offline_access' });
    expect('refresh_token' in t).toBe(false);
    expect(t.scope).toBe('mcp');
    expect((await whoami(t.access_token)).scopes).toEqual(['mcp']);
    const familyId = gh.ctx.db
      .select()
      .from(schema.tokens)
      .where(eq(schema.tokens.hash, sha256(t.access_token)))
      .get()!.familyId;
    const kinds = gh.ctx.db
      .select({ kind: schema.tokens.kind })
      .from(schema.tokens)
      .where(eq(schema.tokens.familyId, familyId))
      .all();
    expect(kinds).toEqual([{ kind: 'access' }]);
  });

  test('DCR with refresh_token — the response carries a refresh token that works, and offline_access', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h, { grant_types: ['authorization_code', 'refresh_token'] });
    const t = await tokensFor(browser, base, client);
    expect(t.refresh_token.startsWith('gatehouse_rt_')).toBe(true);
    expect(t.scope).toBe('mcp offline_access');
    const r = await refresh(base, client, t.refresh_token);
    expect(r.status).toBe(200);
    expect(r.body.refresh_token!.startsWith('gatehouse_rt_')).toBe(true);
  });

  for (const [what, url, refreshes] of [
    ['listing refresh_token', CIMD_URL, true],
    ['without grant_types', CIMD_NO_REFRESH_URL, false],
  ] as const) {
    test(`metadata document ${what} — ${refreshes ? 'a refresh token' : 'no refresh token, no offline_access'}`, async () => {
      const browser = await signIn(base, 'member@demo.test');
      const { verifier, challenge } = pkce();
      const back = await consent(browser, authorizeUrl(base, standardParams(base, url, challenge)));
      const code = back.searchParams.get('code')!;
      const t = await tokenRequest(base, {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
        client_id: url,
        resource: `${base}/mcp`,
      });
      expect(t.status).toBe(200);
      expect('refresh_token' in t.body).toBe(refreshes);
      expect(t.body.scope).toBe(refreshes ? 'mcp offline_access' : 'mcp');
    });
  }
});

describe('registration rate limit', () => {
  test('DCR — a burst of registrations from one address ends in 429 with Retry-After, then recovers', async () => {
    clock.advance(10 * 60 * 1000); // a full bucket
    const body = JSON.stringify({
      client_name: 'Burst Agent',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
    });
    const post = () =>
      fetch(`${base}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    let created = 0;
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await post();
      if (res.status === 201) created++;
      else limited = res;
    }
    expect(created).toBe(30);
    expect(limited!.status).toBe(429);
    const retryAfter = Number(limited!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(limited!.headers.get('cache-control')).toBe('no-store');
    expect(((await limited!.json()) as { error: string }).error).toBe('temporarily_unavailable');

    clock.advance(retryAfter * 1000);
    expect((await post()).status).toBe(201);
  });
});
