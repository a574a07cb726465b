/**
 * Attacks and mistakes from RFC 9700 (OAuth 2.0 Security BCP), OAuth 2.1 and the MCP
 * authorization spec. Every case asserts the exact answer (status and RFC error code) and that
 * nothing was issued: no authorization code, no token family, no client.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { count } from 'drizzle-orm';
import { ACCESS_TOKEN_TTL_MS, AUTH_CODE_TTL_MS } from '../../src/config/constants.ts';
import { schema } from '../../src/db/client.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { type CookieClient, hiddenInput } from '../support/http.ts';
import {
  authorizeUrl,
  consent,
  errorLinkOf,
  pkce,
  type RegisteredClient,
  standardParams,
  tokenRequest,
} from '../support/oauth.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';
import {
  authorize,
  capabilitiesFor,
  capabilityItems,
  challengeParams,
  exchange,
  type Harness,
  mcpProbe,
  mcpStatus,
  REDIRECT_URI,
  refresh,
  register,
  registerRaw,
  tokensFor,
} from './support.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const HTTPS_REDIRECT = 'https://app.example.com/cb';

interface FakeDocument {
  status?: number;
  body: string;
  headers?: Record<string, string>;
}
const documents = new Map<string, FakeDocument>();

let gh: TestGatehouse;
let base: string;
let clock: ManualClock;
let h: Harness;
let member: CookieClient;
let viewer: CookieClient;
let client: RegisteredClient;
let other: RegisteredClient;
let basicClient: RegisteredClient;

beforeAll(async () => {
  clock = new ManualClock();
  gh = await startTestGatehouse({
    clock,
    testHooks: {
      fetchClientMetadata: async (url) => {
        const d = documents.get(url);
        if (!d) return { status: 404, headers: new Headers(), text: () => 'not found' };
        return { status: d.status ?? 200, headers: new Headers(d.headers), text: () => d.body };
      },
    },
  });
  base = gh.url;
  h = { base, clock };
  member = await signIn(base, 'member@demo.test');
  viewer = await signIn(base, 'viewer@demo.test');
  client = await register(h, { redirect_uris: [REDIRECT_URI, HTTPS_REDIRECT] });
  other = await register(h, { client_name: 'Other Agent' });
  basicClient = await register(h, {
    client_name: 'Confidential Agent',
    token_endpoint_auth_method: 'client_secret_basic',
  });
});
afterAll(() => gh.stop());

/** How many codes, token families, tokens and clients exist: proof that nothing was issued. */
function issued() {
  const db = gh.ctx.db;
  return {
    codes: db.select({ n: count() }).from(schema.oauthCodes).get()!.n,
    families: db.select({ n: count() }).from(schema.tokenFamilies).get()!.n,
    tokens: db.select({ n: count() }).from(schema.tokens).get()!.n,
    clients: db.select({ n: count() }).from(schema.oauthClients).get()!.n,
  };
}

/** Runs `act` and asserts that it issued nothing. */
async function nothingIssued<T>(act: () => Promise<T>): Promise<T> {
  const before = issued();
  const out = await act();
  expect(issued()).toEqual(before);
  return out;
}

/** GET /authorize for the member, with the standard parameters changed by `change`. */
async function authorizeWith(
  change: Record<string, string | undefined>,
  c: { client_id: string } = client,
  browser = member,
): Promise<Response> {
  const { challenge } = pkce();
  const params = { ...standardParams(base, c.client_id, challenge), ...change };
  return browser.fetch(authorizeUrl(base, params));
}

/** An authorization request that must render an error page and send nothing to any redirect URI. */
async function expectErrorPage(res: Response, error: string, message: string | RegExp) {
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toContain('text/html');
  const html = await res.text();
  expect(html).toContain(`Error: ${error}.`);
  if (typeof message === 'string') expect(html).toContain(message);
  else expect(html).toMatch(message);
  expect(html).not.toContain('code=');
}

/** Error, state and iss for the client at `loc`, never a code. */
function expectErrorFor(loc: URL, error: string, redirectUri: string, state: string) {
  expect(`${loc.origin}${loc.pathname}`).toBe(redirectUri);
  expect(loc.searchParams.get('error')).toBe(error);
  expect(loc.searchParams.get('error_description')).toBeTruthy();
  expect(loc.searchParams.get('state')).toBe(state);
  expect(loc.searchParams.get('iss')).toBe(base);
  expect(loc.searchParams.has('code')).toBe(false);
}

/** An authorization error sent back at once to a client the human approved before. */
function expectErrorRedirect(res: Response, error: string, redirectUri = REDIRECT_URI, state = 'st-123') {
  expect(res.status).toBe(302);
  expectErrorFor(new URL(res.headers.get('location')!), error, redirectUri, state);
}

/**
 * An authorization error for a client the human never approved (RFC 9700 §4.11.2): a page naming
 * it, and the way back to the client only as a link the human may follow; no Location.
 */
async function expectErrorLink(res: Response, error: string, redirectUri = REDIRECT_URI, state = 'st-123') {
  const loc = await errorLinkOf(res, error);
  expectErrorFor(loc, error, redirectUri, state);
  return loc;
}

/** A token-endpoint error: status, RFC 6749 §5.2 body, no-store, and no token in it. */
function expectTokenError(
  t: { status: number; headers: Headers; body: Record<string, string> },
  status: number,
  error: string,
) {
  expect(t.status).toBe(status);
  expect(t.body.error).toBe(error);
  expect(typeof t.body.error_description).toBe('string');
  expect(t.body.access_token).toBeUndefined();
  expect(t.body.refresh_token).toBeUndefined();
  expect(t.headers.get('cache-control')).toBe('no-store');
  expect(t.headers.get('content-type')).toContain('application/json');
}

describe('authorization endpoint — PKCE (OAuth 2.1 §4.1.1, RFC 9700 §2.1.1)', () => {
  test('missing code_challenge — redirected with invalid_request, state and iss; no code', async () => {
    const res = await nothingIssued(() => authorizeWith({ code_challenge: undefined }));
    expect((await expectErrorLink(res, 'invalid_request')).searchParams.get('error_description')).toContain(
      'PKCE',
    );
  });

  test('code_challenge_method=plain — refused with invalid_request; no code', async () => {
    const { verifier } = pkce();
    const res = await nothingIssued(() =>
      authorizeWith({ code_challenge: verifier, code_challenge_method: 'plain' }),
    );
    expect((await expectErrorLink(res, 'invalid_request')).searchParams.get('error_description')).toContain(
      'S256',
    );
  });

  test('missing code_challenge_method (would mean plain) — invalid_request; no code', async () => {
    const res = await nothingIssued(() => authorizeWith({ code_challenge_method: undefined }));
    await expectErrorLink(res, 'invalid_request');
  });

  test('malformed code_challenge (not 43 base64url characters) — invalid_request; no code', async () => {
    for (const bad of ['short', `${'a'.repeat(42)}+`, 'a'.repeat(44)]) {
      const res = await nothingIssued(() => authorizeWith({ code_challenge: bad }));
      await expectErrorLink(res, 'invalid_request');
    }
  });

  test('response_type=token (implicit grant) — unsupported_response_type; no code', async () => {
    const res = await nothingIssued(() => authorizeWith({ response_type: 'token' }));
    await expectErrorLink(res, 'unsupported_response_type');
  });
});

describe('authorization endpoint — exact redirect URI matching (RFC 9700 §4.1.3)', () => {
  const variants: [string, string][] = [
    ['path extended', `${REDIRECT_URI}/extra`],
    ['path truncated', REDIRECT_URI.slice(0, -1)],
    ['scheme case', REDIRECT_URI.replace('http://', 'HTTP://')],
    ['host case', HTTPS_REDIRECT.replace('app.example.com', 'APP.example.com')],
    ['port changed', REDIRECT_URI.replace(':9999', ':9998')],
    ['trailing slash', `${REDIRECT_URI}/`],
    ['query added', `${REDIRECT_URI}?next=1`],
    ['localhost for 127.0.0.1', REDIRECT_URI.replace('127.0.0.1', 'localhost')],
  ];
  for (const [what, uri] of variants) {
    test(`redirect_uri ${what} — error page, nothing sent to ${uri}`, async () => {
      const res = await nothingIssued(() => authorizeWith({ redirect_uri: uri }));
      await expectErrorPage(res, 'invalid_request', 'does not exactly match');
    });
  }

  test('missing redirect_uri — error page, no redirect', async () => {
    const res = await nothingIssued(() => authorizeWith({ redirect_uri: undefined }));
    await expectErrorPage(res, 'invalid_request', 'redirect_uri is required');
  });
});

describe('authorization endpoint — open redirects and unknown clients (RFC 9700 §4.11)', () => {
  test('unknown client with an attacker redirect_uri — error page, no Location, nothing issued', async () => {
    const res = await nothingIssued(() =>
      authorizeWith({ client_id: 'ghc_does_not_exist', redirect_uri: 'https://evil.example/steal' }),
    );
    await expectErrorPage(res, 'invalid_client', 'Unknown client_id');
  });

  test('unknown client, signed out — the error page comes before any sign-in redirect', async () => {
    const res = await fetch(
      authorizeUrl(base, {
        ...standardParams(base, 'ghc_nope', pkce().challenge),
        redirect_uri: 'https://evil.example/steal',
      }),
      { redirect: 'manual' },
    );
    await expectErrorPage(res, 'invalid_client', 'Unknown client_id');
  });

  test('known client with an attacker redirect_uri — error page, the attacker gets nothing', async () => {
    const res = await nothingIssued(() => authorizeWith({ redirect_uri: 'https://evil.example/steal' }));
    await expectErrorPage(res, 'invalid_request', 'does not exactly match');
  });

  test('missing client_id — error page with invalid_request', async () => {
    const res = await nothingIssued(() => authorizeWith({ client_id: undefined }));
    await expectErrorPage(res, 'invalid_request', 'client_id is required');
  });

  test('duplicate client_id or redirect_uri — error page (cannot know where to send an error)', async () => {
    const { challenge } = pkce();
    for (const dup of ['client_id', 'redirect_uri']) {
      const u = new URL(authorizeUrl(base, standardParams(base, client.client_id, challenge)));
      u.searchParams.append(dup, dup === 'client_id' ? other.client_id : HTTPS_REDIRECT);
      const res = await nothingIssued(() => member.fetch(u.toString()));
      await expectErrorPage(res, 'invalid_request', `The parameter ${dup} was sent more than once`);
    }
  });

  test('duplicate state or scope (RFC 6749 §3.1) — invalid_request redirect; no code', async () => {
    const { challenge } = pkce();
    for (const dup of ['state', 'scope', 'code_challenge', 'resource']) {
      const u = new URL(authorizeUrl(base, standardParams(base, client.client_id, challenge)));
      u.searchParams.append(dup, dup === 'resource' ? 'https://evil.example/mcp' : 'x');
      const res = await nothingIssued(() => member.fetch(u.toString()));
      await expectErrorLink(res, 'invalid_request');
    }
  });
});

describe('authorization endpoint — errors and open redirects (RFC 9700 §4.11.2)', () => {
  test('an error for a client anyone registered, signed out — a page with a link, no redirect and no sign-in', async () => {
    const attacker = await register(h, { redirect_uris: ['https://evil.example/landing'] });
    const { challenge } = pkce();
    const res = await nothingIssued(() =>
      fetch(
        authorizeUrl(base, {
          ...standardParams(base, attacker.client_id, challenge),
          redirect_uri: 'https://evil.example/landing',
          response_type: 'x',
          state: 'phish',
        }),
        { redirect: 'manual' },
      ),
    );
    const loc = await expectErrorLink(
      res,
      'unsupported_response_type',
      'https://evil.example/landing',
      'phish',
    );
    expect(loc.host).toBe('evil.example');
  });

  test('a redirect URI with its own query — kept byte for byte, the code and state added after it (RFC 6749 §3.1.2)', async () => {
    const registered = 'https://app.example.com/cb?x=a~b&flag&y=a%20b';
    const c = await register(h, { redirect_uris: [registered] });
    const { challenge } = pkce();
    const back = await consent(
      member,
      authorizeUrl(base, standardParams(base, c.client_id, challenge, { redirect_uri: registered })),
    );
    expect(back.href.startsWith(`${registered}&`)).toBe(true);
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('state')).toBe('st-123');
    expect(back.searchParams.get('x')).toBe('a~b');
  });

  test('an error for a client this human approved before — sent back to it at once', async () => {
    const approved = await register(h, { redirect_uris: [REDIRECT_URI] });
    const { challenge } = pkce();
    const granted = await consent(
      member,
      authorizeUrl(base, standardParams(base, approved.client_id, challenge)),
    );
    expect(granted.searchParams.get('code')).toBeTruthy();
    const res = await nothingIssued(() => authorizeWith({ response_type: 'token' }, approved));
    expectErrorRedirect(res, 'unsupported_response_type');
    // Another human, who never approved it, gets the page.
    const other = await nothingIssued(() => authorizeWith({ response_type: 'token' }, approved, viewer));
    await expectErrorLink(other, 'unsupported_response_type');
  });
});

describe('authorization endpoint — resource and scope (RFC 8707, MCP authorization §2.5)', () => {
  test('missing resource — invalid_target redirect; no code', async () => {
    const res = await nothingIssued(() => authorizeWith({ resource: undefined }));
    await expectErrorLink(res, 'invalid_target');
  });

  test('resource of another server or path — invalid_target redirect; no code', async () => {
    for (const resource of ['https://evil.example/mcp', `${base}/`, `${base}/mcp/`, `${base}/other`]) {
      const res = await nothingIssued(() => authorizeWith({ resource }));
      await expectErrorLink(res, 'invalid_target');
    }
  });

  test('a client that registered scope mcp:read (RFC 7591 §2) — asking for more is invalid_scope; asking nothing gets mcp:read', async () => {
    const narrow = await register(h, { redirect_uris: [REDIRECT_URI], scope: 'mcp:read' });
    const res = await nothingIssued(() => authorizeWith({ scope: 'mcp offline_access' }, narrow));
    const back = await expectErrorLink(res, 'invalid_scope');
    expect(back.searchParams.get('error_description')).toContain('registered the scope "mcp:read"');
    const { challenge, verifier } = pkce();
    const granted = await consent(
      member,
      authorizeUrl(base, standardParams(base, narrow.client_id, challenge, { scope: undefined })),
    );
    const t = await tokenRequest(base, {
      grant_type: 'authorization_code',
      code: granted.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
      client_id: narrow.client_id,
    });
    expect(t.status).toBe(200);
    expect(t.body.scope).toBe('mcp:read');
  });

  test('scope escalation with an unknown scope — invalid_scope redirect; no code', async () => {
    const res = await nothingIssued(() => authorizeWith({ scope: 'mcp admin' }));
    expect((await expectErrorLink(res, 'invalid_scope')).searchParams.get('error_description')).toContain(
      'admin',
    );
  });
});

describe('consent page (RFC 9700 §4.4.1.9 clickjacking, CSRF)', () => {
  async function consentPage(c: RegisteredClient, browser = member) {
    const res = await authorizeWith({}, c, browser);
    expect(res.status).toBe(200);
    const html = await res.text();
    return { res, csrf: hiddenInput(html, '_csrf')!, request: hiddenInput(html, 'request')!, html };
  }

  /** The fields the page's Allow button posts: its CSRF token, sealed request and own team. */
  const allowFields = (page: Awaited<ReturnType<typeof consentPage>>): Record<string, string> => ({
    _csrf: page.csrf,
    request: page.request,
    decision: 'allow',
    organization_id: hiddenInput(page.html, 'organization_id')!,
  });

  test('consent page — not framable: CSP frame-ancestors none and X-Frame-Options DENY', async () => {
    const { res } = await consentPage(await register(h));
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  test('consent POST without _csrf — 403, no code', async () => {
    const c = await register(h);
    const page = await consentPage(c);
    const res = await nothingIssued(() =>
      member.post(`${base}/authorize`, { request: page.request, decision: 'allow', organization_id: 'x' }),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('missing CSRF token');
  });

  test('consent POST with a wrong _csrf — 403, no code', async () => {
    const c = await register(h);
    const page = await consentPage(c);
    const orgId = hiddenInput(page.html, 'organization_id')!;
    const res = await nothingIssued(() =>
      member.post(`${base}/authorize`, {
        _csrf: `${page.csrf.slice(0, -2)}xx`,
        request: page.request,
        decision: 'allow',
        organization_id: orgId,
      }),
    );
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('invalid CSRF token');
  });

  test('consent form replayed by another signed-in user — refused, no code', async () => {
    const c = await register(h);
    const victimPage = await consentPage(c);
    const attackerPage = await consentPage(c, viewer);
    const res = await nothingIssued(() =>
      viewer.post(`${base}/authorize`, {
        _csrf: attackerPage.csrf,
        request: victimPage.request,
        decision: 'allow',
        organization_id: hiddenInput(attackerPage.html, 'organization_id')!,
      }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('not issued to you');
  });

  test('consent POST without a session — 401, no code', async () => {
    const c = await register(h);
    const page = await consentPage(c);
    const res = await nothingIssued(() =>
      fetch(`${base}/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: page.csrf, request: page.request, decision: 'allow' }),
        redirect: 'manual',
      }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
  });

  test('a tampered sealed request — refused, no code', async () => {
    const c = await register(h);
    const page = await consentPage(c);
    const res = await nothingIssued(() =>
      member.post(`${base}/authorize`, {
        _csrf: page.csrf,
        request: `${page.request.slice(0, -4)}AAAA`,
        decision: 'allow',
        organization_id: hiddenInput(page.html, 'organization_id')!,
      }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  test('a consent form older than ten minutes — 410, no code', async () => {
    const c = await register(h);
    const page = await consentPage(c);
    clock.advance(11 * 60 * 1000);
    const res = await nothingIssued(() => member.post(`${base}/authorize`, allowFields(page)));
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('expired');
  });

  test('the same consent form posted twice (a double click) — the same answer again, one code only', async () => {
    const c = await register(h);
    const page = await consentPage(c);
    const fields = allowFields(page);
    const first = await member.post(`${base}/authorize`, fields);
    expect(first.status).toBe(303);
    expect(new URL(first.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    const second = await nothingIssued(() => member.post(`${base}/authorize`, fields));
    expect(second.status).toBe(303);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
  });

  test('the same consent form posted from another browser session — 409 "already used", no code', async () => {
    const c = await register(h);
    const page = await consentPage(c);
    const fields = allowFields(page);
    expect((await member.post(`${base}/authorize`, fields)).status).toBe(303);
    // Another session of the same human, with its own CSRF token: the form itself is spent.
    const other = await signIn(base, 'member@demo.test');
    const otherPage = await (await other.fetch(`${base}/`)).text();
    const second = await nothingIssued(() =>
      other.post(`${base}/authorize`, { ...fields, _csrf: hiddenInput(otherPage, '_csrf')! }),
    );
    expect(second.status).toBe(409);
    expect(second.headers.get('location')).toBeNull();
    expect(second.headers.get('content-type')).toContain('text/html');
    expect(await second.text()).toContain('This consent form was already used');
  });

  test('a consent form denied, then posted again with allow — the denial again, no code', async () => {
    const c = await register(h);
    const page = await consentPage(c);
    const fields = {
      _csrf: page.csrf,
      request: page.request,
      organization_id: hiddenInput(page.html, 'organization_id')!,
    };
    const denied = await member.post(`${base}/authorize`, { ...fields, decision: 'deny' });
    expect(new URL(denied.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
    const allowed = await nothingIssued(() =>
      member.post(`${base}/authorize`, { ...fields, decision: 'allow' }),
    );
    expect(allowed.status).toBe(303);
    expect(allowed.headers.get('location')).toBe(denied.headers.get('location'));
  });

  test('the same consent form posted five times at once — exactly one code, the same answer for all', async () => {
    const c = await register(h);
    const page = await consentPage(c);
    const fields = allowFields(page);
    const before = issued().codes;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => member.post(`${base}/authorize`, fields)),
    );
    expect(answers.map((r) => r.status)).toEqual([303, 303, 303, 303, 303]);
    expect(new Set(answers.map((r) => r.headers.get('location'))).size).toBe(1);
    expect(issued().codes).toBe(before + 1);
  });

  test('allowing for a team the human is not in — 403, no code', async () => {
    const c = await register(h);
    const page = await consentPage(c);
    const res = await nothingIssued(() =>
      member.post(`${base}/authorize`, {
        _csrf: page.csrf,
        request: page.request,
        decision: 'allow',
        organization_id: 'org_not_mine',
      }),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    // The refused decision did not spend the form: with a team of theirs it goes through.
    const fixed = await member.post(`${base}/authorize`, allowFields(page));
    expect(fixed.status).toBe(303);
    expect(new URL(fixed.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });
});

describe('consent page — the team picker’s capability fragment', () => {
  async function consentForm(browser = member) {
    const res = await authorizeWith({}, client, browser);
    expect(res.status).toBe(200);
    const html = await res.text();
    return { csrf: hiddenInput(html, '_csrf'), request: hiddenInput(html, 'request'), html };
  }
  const ownTeam = (html: string) => hiddenInput(html, 'organization_id')!;
  async function labsId(): Promise<string> {
    const orgs = await gh.ctx.workos.identity.client.organizations.listOrganizations({ limit: 100 });
    return orgs.data.find((o) => o.name === 'Gatehouse Labs')!.id;
  }

  test('the own team — 200 with the member’s capabilities', async () => {
    const form = await consentForm();
    const res = await capabilitiesFor(member, base, form, ownTeam(form.html));
    expect(res.status).toBe(200);
    expect(capabilityItems(await res.text())).toEqual(capabilityItems(form.html));
  });

  test('a team that exists but the human is not in (Gatehouse Labs) — 403, nothing about it', async () => {
    const form = await consentForm();
    const res = await capabilitiesFor(member, base, form, await labsId());
    expect(res.status).toBe(403);
    // htmx swaps error answers too: the list says what went wrong.
    expect(capabilityItems(await res.text())).toEqual(['You are not a member of that team.']);
  });

  test('an unknown team id without htmx — the 403 error page', async () => {
    const form = await consentForm();
    const res = await capabilitiesFor(member, base, form, 'org_not_mine', {
      headers: { 'hx-request': 'false' },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('You are not a member of that team.');
  });

  test('without the CSRF header — 403', async () => {
    const form = await consentForm();
    const res = await capabilitiesFor(member, base, { ...form, csrf: undefined }, ownTeam(form.html));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('missing CSRF token');
  });

  test('with another session’s CSRF token — 403', async () => {
    const form = await consentForm();
    const theirs = await consentForm(viewer);
    const res = await capabilitiesFor(member, base, { ...form, csrf: theirs.csrf }, ownTeam(form.html));
    expect(res.status).toBe(403);
  });

  test('another human’s consent form — 400 not issued to you', async () => {
    const form = await consentForm();
    const theirs = await consentForm(viewer);
    const res = await capabilitiesFor(
      viewer,
      base,
      { ...theirs, request: form.request },
      ownTeam(theirs.html),
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('not issued to you');
  });

  test('a tampered, missing or repeated parameter — 400', async () => {
    const form = await consentForm();
    const team = ownTeam(form.html);
    const tampered = { ...form, request: `${form.request!.slice(0, -4)}AAAA` };
    expect((await capabilitiesFor(member, base, tampered, team)).status).toBe(400);
    expect((await capabilitiesFor(member, base, { ...form, request: undefined }, team)).status).toBe(400);
    expect((await capabilitiesFor(member, base, form, undefined)).status).toBe(400);
    const twice = await capabilitiesFor(member, base, form, team, { query: `&organization_id=${team}` });
    expect(twice.status).toBe(400);
  });

  test('an expired consent form — 410', async () => {
    const form = await consentForm();
    clock.advance(11 * 60 * 1000);
    expect((await capabilitiesFor(member, base, form, ownTeam(form.html))).status).toBe(410);
  });

  test('signed out — 401', async () => {
    const form = await consentForm();
    const res = await fetch(
      `${base}/authorize/capabilities?${new URLSearchParams({ request: form.request!, organization_id: 'x' })}`,
      { headers: { 'x-csrf-token': form.csrf!, 'hx-request': 'true' } },
    );
    expect(res.status).toBe(401);
  });
});

describe('token endpoint — authorization codes (RFC 6749 §4.1.3, RFC 7636 §4.6)', () => {
  test('wrong code_verifier — invalid_grant, no token', async () => {
    const a = await authorize(member, base, client);
    const t = await nothingIssued(() => exchange(base, client, { ...a, verifier: pkce().verifier }));
    expectTokenError(t, 400, 'invalid_grant');
    expect(t.body.error_description).toContain('PKCE');
  });

  test('missing code_verifier — invalid_grant, no token', async () => {
    const a = await authorize(member, base, client);
    const t = await nothingIssued(() => exchange(base, client, a, { code_verifier: undefined }));
    expectTokenError(t, 400, 'invalid_grant');
  });

  test('redirect_uri differing from the authorization request — invalid_grant, no token', async () => {
    const a = await authorize(member, base, client);
    const t = await nothingIssued(() => exchange(base, client, a, { redirect_uri: HTTPS_REDIRECT }));
    expectTokenError(t, 400, 'invalid_grant');
    expect(t.body.error_description).toContain('redirect_uri');
  });

  test('a code issued to another client — invalid_grant, no token', async () => {
    const a = await authorize(member, base, client);
    const t = await nothingIssued(() => exchange(base, other, a));
    expectTokenError(t, 400, 'invalid_grant');
    expect(t.body.error_description).toContain('another client');
  });

  test('code replay — invalid_grant, and the tokens of the first exchange are revoked', async () => {
    const a = await authorize(member, base, client);
    const first = await exchange(base, client, a);
    expect(first.status).toBe(200);
    expect(await mcpStatus(base, first.body.access_token!)).toBe(200);
    const again = await nothingIssued(() => exchange(base, client, a));
    expectTokenError(again, 400, 'invalid_grant');
    expect(again.body.error_description).toContain('already used');
    const probe = await mcpProbe(base, `Bearer ${first.body.access_token}`);
    expect(probe.status).toBe(401);
    expect(challengeParams(probe.headers.get('www-authenticate')).error).toBe('invalid_token');
    expectTokenError(await refresh(base, client, first.body.refresh_token!), 400, 'invalid_grant');
    // The replay is in the audit trail, with the revocation it caused.
    const events = gh.ctx.db
      .select({ event: schema.auditEntries.event, clientId: schema.auditEntries.clientId })
      .from(schema.auditEntries)
      .all()
      .filter((e) => e.clientId === client.client_id)
      .map((e) => e.event);
    expect(events).toContain('oauth.code_replayed');
    expect(events).toContain('oauth.tokens_revoked');
  });

  test('an expired code — invalid_grant, no token', async () => {
    const a = await authorize(member, base, client);
    clock.advance(AUTH_CODE_TTL_MS + 1);
    const t = await nothingIssued(() => exchange(base, client, a));
    expectTokenError(t, 400, 'invalid_grant');
    expect(t.body.error_description).toContain('expired');
  });

  test('an unknown code — invalid_grant, no token', async () => {
    const t = await nothingIssued(() => exchange(base, client, { code: 'not-a-code', verifier: 'x' }));
    expectTokenError(t, 400, 'invalid_grant');
  });

  test('resource at /token differing from the authorized one (RFC 8707 §2.2) — invalid_target', async () => {
    const a = await authorize(member, base, client);
    const t = await nothingIssued(() => exchange(base, client, a, { resource: 'https://evil.example/mcp' }));
    expectTokenError(t, 400, 'invalid_target');
  });

  test('missing code — invalid_request, no token', async () => {
    const t = await nothingIssued(() => exchange(base, client, { code: '', verifier: 'x' }));
    expectTokenError(t, 400, 'invalid_request');
  });
});

describe('token endpoint — request shape (RFC 6749 §3.2, §5.2)', () => {
  test('unsupported grant_type — unsupported_grant_type', async () => {
    for (const grant of ['password', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']) {
      const t = await nothingIssued(() =>
        tokenRequest(base, { grant_type: grant, client_id: client.client_id }),
      );
      expectTokenError(t, 400, 'unsupported_grant_type');
    }
  });

  test('missing grant_type — invalid_request', async () => {
    const t = await nothingIssued(() => tokenRequest(base, { client_id: client.client_id, code: 'x' }));
    expectTokenError(t, 400, 'invalid_request');
    expect(t.body.error_description).toContain('grant_type');
  });

  test('a JSON body instead of a form — invalid_request', async () => {
    const a = await authorize(member, base, client);
    const res = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        code: a.code,
        client_id: client.client_id,
        code_verifier: a.verifier,
        redirect_uri: REDIRECT_URI,
      }),
    });
    expectTokenError(
      { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, string> },
      400,
      'invalid_request',
    );
  });

  test('a form body that is not UTF-8 — invalid_request', async () => {
    const res = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new Uint8Array([0x67, 0x72, 0x61, 0x6e, 0x74, 0x3d, 0xff, 0xfe]),
    });
    expectTokenError(
      { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, string> },
      400,
      'invalid_request',
    );
  });

  test('a parameter sent twice — invalid_request', async () => {
    const a = await authorize(member, base, client);
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code: a.code,
      client_id: client.client_id,
      code_verifier: a.verifier,
      redirect_uri: REDIRECT_URI,
    });
    body.append('code', 'other');
    const res = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const json = (await res.json()) as Record<string, string>;
    expectTokenError({ status: res.status, headers: res.headers, body: json }, 400, 'invalid_request');
    expect(json.error_description).toContain('more than once');
  });
});

describe('token endpoint — client authentication (RFC 6749 §2.3)', () => {
  const basic = (id: string, secret: string) => ({
    authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
  });

  test('confidential client with a wrong secret — 401 invalid_client with a Basic challenge', async () => {
    const a = await authorize(member, base, basicClient);
    const t = await nothingIssued(() =>
      tokenRequest(
        base,
        {
          grant_type: 'authorization_code',
          code: a.code,
          code_verifier: a.verifier,
          redirect_uri: REDIRECT_URI,
        },
        basic(basicClient.client_id, 'gatehouse_cs_wrong'),
      ),
    );
    expectTokenError(t, 401, 'invalid_client');
    expect(t.headers.get('www-authenticate')).toContain('Basic');
  });

  test('empty Basic credentials (":") — 401 invalid_client with a Basic challenge (RFC 6749 §5.2)', async () => {
    const t = await nothingIssued(() =>
      tokenRequest(base, { grant_type: 'authorization_code', code: 'x' }, { authorization: 'Basic Og==' }),
    );
    expectTokenError(t, 401, 'invalid_client');
    expect(t.headers.get('www-authenticate')).toContain('Basic');
  });

  test('confidential client sending its secret by the wrong method (post for basic) — 401 invalid_client', async () => {
    const a = await authorize(member, base, basicClient);
    const t = await nothingIssued(() =>
      tokenRequest(base, {
        grant_type: 'authorization_code',
        code: a.code,
        code_verifier: a.verifier,
        redirect_uri: REDIRECT_URI,
        client_id: basicClient.client_id,
        client_secret: basicClient.client_secret!,
      }),
    );
    expectTokenError(t, 401, 'invalid_client');
    expect(t.body.error_description).toContain('client_secret_basic');
  });

  test('two authentication methods at once (Basic and client_secret) — 400 invalid_request', async () => {
    const a = await authorize(member, base, basicClient);
    const t = await nothingIssued(() =>
      tokenRequest(
        base,
        {
          grant_type: 'authorization_code',
          code: a.code,
          code_verifier: a.verifier,
          redirect_uri: REDIRECT_URI,
          client_secret: basicClient.client_secret!,
        },
        basic(basicClient.client_id, basicClient.client_secret!),
      ),
    );
    expectTokenError(t, 400, 'invalid_request');
  });

  test('confidential client presenting no secret at all — 401 invalid_client', async () => {
    const a = await authorize(member, base, basicClient);
    const t = await nothingIssued(() =>
      tokenRequest(base, {
        grant_type: 'authorization_code',
        code: a.code,
        code_verifier: a.verifier,
        redirect_uri: REDIRECT_URI,
        client_id: basicClient.client_id,
      }),
    );
    expectTokenError(t, 401, 'invalid_client');
  });

  test('no client identification at all — 401 invalid_client', async () => {
    const t = await nothingIssued(() => tokenRequest(base, { grant_type: 'authorization_code', code: 'x' }));
    expectTokenError(t, 401, 'invalid_client');
  });
});

describe('token endpoint — refresh tokens (OAuth 2.1 §4.3, RFC 9700 §4.14)', () => {
  test('refresh token reuse — invalid_grant, and the whole family is revoked', async () => {
    const t1 = await tokensFor(member, base, client);
    const r1 = await refresh(base, client, t1.refresh_token);
    expect(r1.status).toBe(200);
    const t2 = r1.body;
    expect(await mcpStatus(base, t2.access_token!)).toBe(200);

    const reuse = await nothingIssued(() => refresh(base, client, t1.refresh_token));
    expectTokenError(reuse, 400, 'invalid_grant');
    expect(reuse.body.error_description).toContain('already used');
    expect(await mcpStatus(base, t2.access_token!)).toBe(401);
    expect(await mcpStatus(base, t1.access_token)).toBe(401);
    expectTokenError(await refresh(base, client, t2.refresh_token!), 400, 'invalid_grant');
  });

  test('refresh asking for a scope that was not granted — invalid_scope, no token', async () => {
    const t = await tokensFor(member, base, client, { scope: 'mcp:read offline_access' });
    const r = await nothingIssued(() => refresh(base, client, t.refresh_token, { scope: 'mcp' }));
    expectTokenError(r, 400, 'invalid_scope');
    // The refresh token was not spent by the refused request.
    expect((await refresh(base, client, t.refresh_token)).status).toBe(200);
  });

  test('refresh by another client — invalid_grant, no token, the owner’s tokens keep working', async () => {
    const t = await tokensFor(member, base, client);
    const r = await nothingIssued(() => refresh(base, other, t.refresh_token));
    expectTokenError(r, 400, 'invalid_grant');
    expect(r.body.error_description).toContain('another client');
    expect(await mcpStatus(base, t.access_token)).toBe(200);
  });

  test('refresh for another resource — invalid_target, no token', async () => {
    const t = await tokensFor(member, base, client);
    const r = await nothingIssued(() =>
      refresh(base, client, t.refresh_token, { resource: 'https://evil.example/mcp' }),
    );
    expectTokenError(r, 400, 'invalid_target');
  });

  test('an access token presented as a refresh token — invalid_grant', async () => {
    const t = await tokensFor(member, base, client);
    const r = await nothingIssued(() => refresh(base, client, t.access_token));
    expectTokenError(r, 400, 'invalid_grant');
  });
});

describe('resource server — /mcp (RFC 6750, MCP authorization §2.6)', () => {
  test('a revoked access token — 401 invalid_token on the very next call', async () => {
    const t = await tokensFor(member, base, client);
    expect(await mcpStatus(base, t.access_token)).toBe(200);
    const res = await fetch(`${base}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.access_token, client_id: client.client_id }),
    });
    expect(res.status).toBe(200);
    const probe = await mcpProbe(base, `Bearer ${t.access_token}`);
    expect(probe.status).toBe(401);
    const c = challengeParams(probe.headers.get('www-authenticate'));
    expect(c.error).toBe('invalid_token');
    expect(c.error_description).toContain('revoked');
  });

  test('an expired access token — 401 invalid_token as soon as its lifetime is over', async () => {
    const t = await tokensFor(member, base, client);
    clock.advance(ACCESS_TOKEN_TTL_MS - 1_000);
    expect(await mcpStatus(base, t.access_token)).toBe(200);
    clock.advance(1_000);
    const probe = await mcpProbe(base, `Bearer ${t.access_token}`);
    expect(probe.status).toBe(401);
    const c = challengeParams(probe.headers.get('www-authenticate'));
    expect(c.error).toBe('invalid_token');
    expect(c.error_description).toContain('expired');
  });

  test('a token in the query string (RFC 6750 §2.3) — 400 invalid_request, not accepted', async () => {
    const t = await tokensFor(member, base, client);
    const probe = await mcpProbe(base, undefined, `?access_token=${encodeURIComponent(t.access_token)}`);
    expect(probe.status).toBe(400);
    expect(challengeParams(probe.headers.get('www-authenticate')).error).toBe('invalid_request');
    expect(JSON.parse(probe.body).error).toBe('invalid_request');
  });

  test('a token in a form body (RFC 6750 §2.2) — 401, never read from the body', async () => {
    const t = await tokensFor(member, base, client);
    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: t.access_token }),
    });
    expect(res.status).toBe(401);
  });

  test('a refresh token presented as a bearer token — 401 invalid_token', async () => {
    const t = await tokensFor(member, base, client);
    const probe = await mcpProbe(base, `Bearer ${t.refresh_token}`);
    expect(probe.status).toBe(401);
    expect(challengeParams(probe.headers.get('www-authenticate')).error).toBe('invalid_token');
  });
});

describe('dynamic client registration — strict validation (RFC 7591 §2, §3.2.2)', () => {
  const meta = (change: Record<string, unknown>) =>
    JSON.stringify({ client_name: 'Bad Agent', redirect_uris: [REDIRECT_URI], ...change });

  async function expectRegistrationError(res: Response, status: number, error: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, string>;
    expect(body.error).toBe(error);
    expect(typeof body.error_description).toBe('string');
    expect(body.client_id).toBeUndefined();
    return body;
  }

  const badRedirects: [string, string[]][] = [
    ['a javascript: URI', ['javascript:alert(document.cookie)']],
    ['a data: URI', ['data:text/html,<script>alert(1)</script>']],
    ['plain http on a public host', ['http://agent.example.com/callback']],
    ['a fragment', [`${REDIRECT_URI}#frag`]],
    ['an empty list', []],
    ['a relative URI', ['/callback']],
    ['credentials in the URI', ['https://user:pass@app.example.com/cb']],
    ['a URI longer than 2048 characters', [`https://app.example.com/${'a'.repeat(2048)}`]],
    ['http on a host that merely starts like loopback', ['http://127.0.0.1.evil.example/cb']],
    ['http on a localhost lookalike', ['http://localhost.evil.example/cb']],
    ['a file: URI', ['file:///etc/passwd']],
    ['more than ten URIs', Array.from({ length: 11 }, (_, i) => `https://app.example.com/cb${i}`)],
  ];
  for (const [what, uris] of badRedirects) {
    test(`redirect_uris with ${what} — 400 invalid_redirect_uri, no client`, async () => {
      const res = await nothingIssued(() => registerRaw(h, meta({ redirect_uris: uris })));
      await expectRegistrationError(res, 400, 'invalid_redirect_uri');
    });
  }

  test('missing redirect_uris — 400 invalid_redirect_uri, no client', async () => {
    const res = await nothingIssued(() => registerRaw(h, JSON.stringify({ client_name: 'No URIs' })));
    await expectRegistrationError(res, 400, 'invalid_redirect_uri');
  });

  test('missing client_name — 400 invalid_client_metadata, no client', async () => {
    const res = await nothingIssued(() => registerRaw(h, JSON.stringify({ redirect_uris: [REDIRECT_URI] })));
    const body = await expectRegistrationError(res, 400, 'invalid_client_metadata');
    expect(body.error_description).toContain('client_name');
  });

  test('client_name of 101 characters, or with control characters — invalid_client_metadata', async () => {
    for (const name of ['x'.repeat(101), 'Agent\u0007', '   ']) {
      const res = await nothingIssued(() => registerRaw(h, meta({ client_name: name })));
      await expectRegistrationError(res, 400, 'invalid_client_metadata');
    }
  });

  test('an unknown application_type — invalid_client_metadata, no client', async () => {
    const res = await nothingIssued(() => registerRaw(h, meta({ application_type: 'desktop' })));
    await expectRegistrationError(res, 400, 'invalid_client_metadata');
  });

  test('unsupported grant types, auth methods or scopes — invalid_client_metadata', async () => {
    for (const change of [
      { grant_types: ['authorization_code', 'implicit'] },
      { grant_types: ['refresh_token'] },
      { response_types: ['token'] },
      { token_endpoint_auth_method: 'private_key_jwt' },
      { scope: 'mcp admin' },
      { jwks_uri: 'https://app.example.com/jwks' },
    ]) {
      const res = await nothingIssued(() => registerRaw(h, meta(change)));
      await expectRegistrationError(res, 400, 'invalid_client_metadata');
    }
  });

  test('metadata larger than 16 KiB — 413 invalid_client_metadata, no client', async () => {
    const res = await nothingIssued(() => registerRaw(h, meta({ software_id: 'x'.repeat(17 * 1024) })));
    await expectRegistrationError(res, 413, 'invalid_client_metadata');
  });

  test('a body that is not JSON — 400 invalid_client_metadata, no client', async () => {
    const res = await nothingIssued(() => registerRaw(h, '{"client_name": "x", '));
    await expectRegistrationError(res, 400, 'invalid_client_metadata');
  });

  test('a JSON array or string instead of an object — 400 invalid_client_metadata', async () => {
    for (const body of ['[]', '"hello"', 'null']) {
      const res = await nothingIssued(() => registerRaw(h, body));
      await expectRegistrationError(res, 400, 'invalid_client_metadata');
    }
  });

  test('a form-encoded body (wrong content type) — 400 invalid_client_metadata, no client', async () => {
    const res = await nothingIssued(() =>
      registerRaw(h, `client_name=x&redirect_uris=${encodeURIComponent(REDIRECT_URI)}`, {
        'content-type': 'application/x-www-form-urlencoded',
      }),
    );
    await expectRegistrationError(res, 400, 'invalid_client_metadata');
  });
});

describe('client ID metadata documents (draft-ietf-oauth-client-id-metadata-document)', () => {
  const doc = (url: string, change: Record<string, unknown> = {}) =>
    JSON.stringify({
      client_id: url,
      client_name: 'Document Agent',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      ...change,
    });

  test('document whose client_id differs from its URL — error page, no redirect, no client', async () => {
    const url = 'https://agent.example/cimd/mismatch.json';
    documents.set(url, { body: doc('https://agent.example/cimd/other.json') });
    const res = await nothingIssued(() => authorizeWith({}, { client_id: url }));
    await expectErrorPage(res, 'invalid_client', 'client_id does not equal its URL');
  });

  test('an http: client_id — error page, never fetched', async () => {
    const url = 'http://agent.example/cimd/plain.json';
    documents.set(url, { body: doc(url) });
    const res = await nothingIssued(() => authorizeWith({}, { client_id: url }));
    await expectErrorPage(res, 'invalid_client', 'Unknown client_id');
  });

  test('a client_id with a fragment — error page, no client', async () => {
    const url = 'https://agent.example/cimd/frag.json#x';
    documents.set(url, { body: doc(url) });
    const res = await nothingIssued(() => authorizeWith({}, { client_id: url }));
    await expectErrorPage(res, 'invalid_client', 'must not contain a fragment');
  });

  test('a document that is not valid JSON — error page, no client', async () => {
    const url = 'https://agent.example/cimd/broken.json';
    documents.set(url, { body: '{"client_id": ' });
    const res = await nothingIssued(() => authorizeWith({}, { client_id: url }));
    await expectErrorPage(res, 'invalid_client', 'is not valid JSON');
  });

  test('a document URL answering 404 — error page, no client', async () => {
    const res = await nothingIssued(() =>
      authorizeWith({}, { client_id: 'https://agent.example/cimd/missing.json' }),
    );
    await expectErrorPage(res, 'invalid_client', 'answered HTTP 404');
  });

  test('a redirect_uri the document does not list — error page, nothing sent there', async () => {
    const url = 'https://agent.example/cimd/good.json';
    documents.set(url, { body: doc(url) });
    // The valid document is fetched and cached as a client first; the bad request adds nothing.
    expect((await authorizeWith({}, { client_id: url })).status).toBe(200);
    const res = await nothingIssued(() =>
      authorizeWith({ redirect_uri: 'https://evil.example/cb' }, { client_id: url }),
    );
    await expectErrorPage(res, 'invalid_request', 'does not exactly match');
  });

  test('a document that carries a client secret or asks for secret auth — error page', async () => {
    for (const [name, change] of [
      ['secret', { client_secret: 'shh' }],
      ['basic', { token_endpoint_auth_method: 'client_secret_basic' }],
    ] as const) {
      const url = `https://agent.example/cimd/${name}.json`;
      documents.set(url, { body: doc(url, change) });
      const res = await nothingIssued(() => authorizeWith({}, { client_id: url }));
      await expectErrorPage(res, 'invalid_client', /secret/);
    }
  });

  test('a document with a javascript: redirect URI — error page, no client', async () => {
    const url = 'https://agent.example/cimd/js.json';
    documents.set(url, { body: doc(url, { redirect_uris: ['javascript:alert(1)'] }) });
    const res = await nothingIssued(() =>
      authorizeWith({ redirect_uri: 'javascript:alert(1)' }, { client_id: url }),
    );
    await expectErrorPage(res, 'invalid_client', 'javascript:');
  });
});
