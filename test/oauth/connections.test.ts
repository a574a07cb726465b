/**
 * /connections over real HTTP: the clients a human authorized and their connection tokens,
 * creation (shown once), revocation (own, or everyone's for team admins), and what a
 * connection token can do on /mcp.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { and, count, eq, isNull } from 'drizzle-orm';
import { sha256 } from '../../src/crypto/random.ts';
import { schema } from '../../src/db/client.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { call, connectV1 } from '../support/mcp.ts';
import { authorizeUrl, pkce, standardParams } from '../support/oauth.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';
import { challengeParams, type Harness, mcpProbe, mcpStatus, register, tokensFor } from './support.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let base: string;
let clock: ManualClock;
let h: Harness;
let member: CookieClient;
let viewer: CookieClient;
let admin: CookieClient;

beforeAll(async () => {
  clock = new ManualClock();
  gh = await startTestGatehouse({ clock });
  base = gh.url;
  h = { base, clock };
  member = await signIn(base, 'member@demo.test');
  viewer = await signIn(base, 'viewer@demo.test');
  admin = await signIn(base, 'admin@demo.test', 'Gatehouse Demo Team');
});
afterAll(() => gh.stop());

interface Whoami {
  user: { email: string };
  team: { name: string };
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

async function listPage(browser: CookieClient): Promise<string> {
  const res = await browser.fetch(`${base}/connections`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The csrf token of the signed-in browser, from its connections page. */
async function csrfOf(browser: CookieClient): Promise<string> {
  return hiddenInput(await listPage(browser), '_csrf')!;
}

/** POSTs the create form (with the browser's CSRF token unless `fields` sets _csrf). */
async function createRaw(browser: CookieClient, fields: Record<string, string>): Promise<Response> {
  return browser.post(`${base}/connections`, { _csrf: await csrfOf(browser), ...fields });
}

/** Creates a connection token and returns it (read from the one-time page) and its family id. */
async function createToken(
  browser: CookieClient,
  name: string,
  opts: { expiry?: string; access?: string } = {},
): Promise<{ token: string; familyId: string; html: string }> {
  const res = await createRaw(browser, {
    name,
    expiry: opts.expiry ?? 'never',
    access: opts.access ?? 'mcp',
  });
  expect(res.status).toBe(200);
  const html = await res.text();
  const token = /<pre class="copy" data-testid="token">([^<]+)<\/pre>/.exec(html)?.[1];
  expect(token).toBeTruthy();
  const row = gh.ctx.db
    .select()
    .from(schema.tokens)
    .where(eq(schema.tokens.hash, sha256(token!)))
    .get()!;
  return { token: token!, familyId: row.familyId, html };
}

function revoke(browser: CookieClient, familyId: string, csrf: string | undefined, htmx = false) {
  const fields: Record<string, string> = csrf === undefined ? {} : { _csrf: csrf };
  return browser.post(
    `${base}/connections/${familyId}/revoke`,
    fields,
    htmx ? { 'hx-request': 'true', 'hx-target': `family-${familyId}` } : {},
  );
}

function familyRevoked(familyId: string): boolean {
  return gh.ctx.oauth.tokens.family(familyId)!.revokedAt !== null;
}

function liveFamilies(): number {
  return gh.ctx.db
    .select({ n: count() })
    .from(schema.tokenFamilies)
    .where(isNull(schema.tokenFamilies.revokedAt))
    .get()!.n;
}

describe('the page', () => {
  test('/connections signed out — sign-in first, then back to /connections', async () => {
    const res = await fetch(`${base}/connections`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?return_to=%2Fconnections');
  });

  test('/connections — the console layout with Connections active, forms CSRF-protected, not framable', async () => {
    const res = await member.fetch(`${base}/connections`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toMatch(/<a href="\/connections" class="active" aria-current="page">Connections<\/a>/);
    expect(html).toContain('member@demo.test');
    expect(html).toContain('Create a connection token');
    expect(hiddenInput(html, '_csrf')).toBeTruthy();
    expect(html).toContain('<script src="/assets/htmx.min.js"');
  });

  test('an authorized OAuth client — listed with its registered name, created, last used and request count', async () => {
    const client = await register(h, { client_name: 'Listed Agent' });
    const t = await tokensFor(member, base, client);
    expect(await mcpStatus(base, t.access_token)).toBe(200);
    expect(await mcpStatus(base, t.access_token)).toBe(200);
    const html = await listPage(member);
    const row = rowOf(html, 'Listed Agent');
    expect(row).toContain(client.client_id);
    expect(row).toMatch(/data-testid="requests">2</);
    expect(row).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(row).not.toContain('>never<');
  });

  test('another member’s connections — not on my page', async () => {
    await createToken(viewer, 'viewer-private-token');
    const html = await listPage(member);
    expect(html).not.toContain('viewer-private-token');
    expect(html).not.toContain('viewer@demo.test');
  });
});

/** The table row that names `name`. */
function rowOf(html: string, name: string): string {
  const row = html.split('<tr ').find((r) => r.includes(name));
  if (!row) throw new Error(`no row for ${name}`);
  return row.slice(0, row.indexOf('</tr>'));
}

describe('creating a connection token', () => {
  test('create — the token is shown once with the claude mcp add snippet, and stored only hashed', async () => {
    const { token, familyId, html } = await createToken(member, 'CI pipeline', { expiry: '30' });
    expect(token.startsWith('gatehouse_ct_')).toBe(true);
    expect(html).toContain(
      `claude mcp add --transport http gatehouse ${base}/mcp --header &quot;Authorization: Bearer ${token}&quot;`,
    );
    expect(html).toContain('will never show it again');
    const family = gh.ctx.oauth.tokens.family(familyId)!;
    expect(family.kind).toBe('connection');
    expect(family.name).toBe('CI pipeline');
    expect(family.scopes).toEqual(['mcp']);
    expect(family.resource).toBe(`${base}/mcp`);
    expect(family.expiresAt).toBe(clock.now() + 30 * 24 * 60 * 60 * 1000);
    const dump = gh.ctx.db.$client.query('SELECT * FROM tokens').all();
    expect(JSON.stringify(dump)).not.toContain(token);

    const list = await listPage(member);
    expect(rowOf(list, 'CI pipeline')).toContain(new Date(family.expiresAt!).toISOString().slice(0, 10));
    expect(list).not.toContain(token);
  });

  test('a connection token on /mcp — acts as its human, named after the token', async () => {
    const { token } = await createToken(member, 'Laptop script');
    const me = await whoami(token);
    expect(me.user.email).toBe('member@demo.test');
    expect(me.team.name).toBe('Gatehouse Demo Team');
    expect(me.role).toBe('member');
    expect(me.client).toEqual({ id: null, name: 'Laptop script', kind: 'connection' });
    expect(me.permissions).toContain('workos:write');
  });

  test('a viewer’s full-access token — never more than the viewer’s role', async () => {
    const { token } = await createToken(viewer, 'Viewer full', { access: 'mcp' });
    const me = await whoami(token);
    expect(me.role).toBe('viewer');
    expect(me.permissions).not.toContain('workos:write');
  });

  test('a read-only token (mcp:read) — whoami shows read permissions only, no workos:write', async () => {
    const { token, familyId } = await createToken(member, 'Read-only dashboard', { access: 'mcp:read' });
    expect(gh.ctx.oauth.tokens.family(familyId)!.scopes).toEqual(['mcp:read']);
    const me = await whoami(token);
    expect(me.scopes).toEqual(['mcp:read']);
    expect(me.permissions).toContain('workos:read');
    expect(me.permissions).not.toContain('workos:write');
    expect(me.permissions).not.toContain('integrations:write');
  });

  test('a name with markup — escaped on every page', async () => {
    const name = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const { html } = await createToken(member, name);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;');
    const list = await listPage(member);
    expect(list).not.toContain('<script>alert');
    expect(list).not.toContain('<img src=x');
    expect(list).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  test('a client name with markup — escaped in the clients list', async () => {
    const client = await register(h, { client_name: '<b onmouseover=alert(1)>Evil</b>' });
    await tokensFor(member, base, client);
    const list = await listPage(member);
    expect(list).not.toContain('<b onmouseover');
    expect(list).toContain('&lt;b onmouseover=alert(1)&gt;Evil&lt;/b&gt;');
  });
});

describe('creating — negative cases', () => {
  test('create without _csrf — 403, no token created', async () => {
    const before = liveFamilies();
    const res = await member.post(`${base}/connections`, { name: 'no csrf', expiry: 'never', access: 'mcp' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('missing CSRF token');
    expect(liveFamilies()).toBe(before);
  });

  test('create with another session’s _csrf — 403, no token created', async () => {
    const before = liveFamilies();
    const res = await member.post(`${base}/connections`, {
      _csrf: await csrfOf(viewer),
      name: 'wrong csrf',
      expiry: 'never',
      access: 'mcp',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('invalid CSRF token');
    expect(liveFamilies()).toBe(before);
  });

  test('create signed out — 303 to sign-in, no token created', async () => {
    const before = liveFamilies();
    const res = await fetch(`${base}/connections`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=x&expiry=never&access=mcp',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(liveFamilies()).toBe(before);
  });

  const invalid: [string, Record<string, string>, string][] = [
    ['an empty name', { name: '', expiry: 'never', access: 'mcp' }, 'Name is required.'],
    ['a blank name', { name: '   ', expiry: 'never', access: 'mcp' }, 'Name is required.'],
    ['a 101-character name', { name: 'n'.repeat(101), expiry: 'never', access: 'mcp' }, 'at most 100'],
    ['a name with control characters', { name: 'a\u0000b', expiry: 'never', access: 'mcp' }, 'control'],
    [
      'a name with a right-to-left override',
      { name: '\u202eabc', expiry: 'never', access: 'mcp' },
      'Name must not contain bidirectional control characters \\(found U\\+202E',
    ],
    [
      'a name with a zero-width space',
      { name: 'ab\u200bc', expiry: 'never', access: 'mcp' },
      'Name must not contain invisible or formatting characters',
    ],
    ['an unknown expiry', { name: 'ok', expiry: '365', access: 'mcp' }, 'Expiry must be'],
    ['an unknown access level', { name: 'ok', expiry: 'never', access: 'admin' }, 'Access must be'],
  ];
  for (const [what, fields, message] of invalid) {
    test(`create with ${what} — 400 with the message, no token created`, async () => {
      const before = liveFamilies();
      const res = await createRaw(member, fields);
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toMatch(new RegExp(`data-testid="form-error"[^>]*>[^<]*${message}`));
      expect(html).not.toContain('data-testid="token"');
      expect(liveFamilies()).toBe(before);
    });
  }

  test('create with the name sent twice — 400, no token created', async () => {
    const before = liveFamilies();
    const res = await member.fetch(`${base}/connections`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(await csrfOf(member))}&name=a&name=b&expiry=never&access=mcp`,
    });
    expect(res.status).toBe(400);
    expect(liveFamilies()).toBe(before);
  });
});

describe('revoking', () => {
  test('revoke my connection token (plain form) — redirect back, and the next /mcp call is 401', async () => {
    const { token, familyId } = await createToken(member, 'To revoke');
    expect(await mcpStatus(base, token)).toBe(200);
    const res = await revoke(member, familyId, await csrfOf(member));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/connections?revoked=1');
    const probe = await mcpProbe(base, `Bearer ${token}`);
    expect(probe.status).toBe(401);
    expect(challengeParams(probe.headers.get('www-authenticate')).error).toBe('invalid_token');
    const list = await (await member.fetch(`${base}/connections?revoked=1`)).text();
    expect(list).not.toContain('To revoke');
    expect(list).toContain('Revoked.');
  });

  test('revoke with htmx — answers the replacement row, and the open MCP session is closed', async () => {
    const { token, familyId } = await createToken(member, 'Htmx revoke');
    const mcp = await connectV1(base, token);
    expect((await call(mcp, 'whoami')).isError).toBe(false);
    const res = await revoke(member, familyId, await csrfOf(member), true);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<tr')).toBe(true);
    expect(html).not.toContain('<html');
    expect(html).toContain('Revoked Htmx revoke');
    await expect(call(mcp, 'whoami')).rejects.toThrow();
    await mcp.close().catch(() => {});
    expect(await mcpStatus(base, token)).toBe(401);
  });

  test('revoke with the CSRF token in the X-CSRF-Token header (htmx) — accepted', async () => {
    const { familyId } = await createToken(member, 'Header csrf');
    const res = await member.post(
      `${base}/connections/${familyId}/revoke`,
      {},
      { 'x-csrf-token': await csrfOf(member), 'hx-request': 'true' },
    );
    expect(res.status).toBe(200);
    expect(familyRevoked(familyId)).toBe(true);
  });

  test('revoke without _csrf — 403, the token keeps working', async () => {
    const { token, familyId } = await createToken(member, 'No csrf revoke');
    const res = await revoke(member, familyId, undefined);
    expect(res.status).toBe(403);
    expect(familyRevoked(familyId)).toBe(false);
    expect(await mcpStatus(base, token)).toBe(200);
  });

  test('revoke with a wrong _csrf — 403, the token keeps working', async () => {
    const { token, familyId } = await createToken(member, 'Bad csrf revoke');
    const res = await revoke(member, familyId, 'x'.repeat(43));
    expect(res.status).toBe(403);
    expect(familyRevoked(familyId)).toBe(false);
    expect(await mcpStatus(base, token)).toBe(200);
  });

  test('a member revoking another member’s token — 403, nothing changes', async () => {
    const { token, familyId } = await createToken(viewer, 'Viewer token');
    const res = await revoke(member, familyId, await csrfOf(member));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Only a team admin');
    expect(familyRevoked(familyId)).toBe(false);
    expect(await mcpStatus(base, token)).toBe(200);
  });

  test('a member revoking another member’s token with htmx — 403 message retargeted, nothing changes', async () => {
    const { familyId } = await createToken(viewer, 'Viewer token 2');
    const res = await revoke(member, familyId, await csrfOf(member), true);
    expect(res.status).toBe(403);
    expect(res.headers.get('hx-retarget')).toBe('#flash');
    expect(await res.text()).toContain('Only a team admin');
    expect(familyRevoked(familyId)).toBe(false);
  });

  test('revoking an unknown or malformed id — 404', async () => {
    const csrf = await csrfOf(member);
    expect((await revoke(member, 'fam_doesnotexist000000', csrf)).status).toBe(404);
    expect((await revoke(member, '..%2F..%2Fetc', csrf)).status).toBe(404);
  });

  test('revoking twice — the second answer is 404', async () => {
    const { familyId } = await createToken(member, 'Twice');
    const csrf = await csrfOf(member);
    expect((await revoke(member, familyId, csrf)).status).toBe(303);
    expect((await revoke(member, familyId, csrf)).status).toBe(404);
  });

  test('revoking an OAuth client — its tokens stop and the next authorization asks for consent again', async () => {
    const client = await register(h, { client_name: 'Forget me' });
    const t = await tokensFor(member, base, client);
    // Remembered: a second authorization goes straight back with a code.
    const remembered = await member.fetch(
      authorizeUrl(base, standardParams(base, client.client_id, pkce().challenge)),
    );
    expect(remembered.status).toBe(302);

    const familyId = gh.ctx.db
      .select()
      .from(schema.tokens)
      .where(eq(schema.tokens.hash, sha256(t.access_token)))
      .get()!.familyId;
    expect(rowOf(await listPage(member), 'Forget me')).toContain(familyId);
    const res = await revoke(member, familyId, await csrfOf(member));
    expect(res.status).toBe(303);

    expect(await mcpStatus(base, t.access_token)).toBe(401);
    const again = await member.fetch(
      authorizeUrl(base, standardParams(base, client.client_id, pkce().challenge)),
    );
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('Forget me wants to act as you');
    const consent = gh.ctx.db
      .select()
      .from(schema.oauthConsents)
      .where(and(eq(schema.oauthConsents.clientId, client.client_id)))
      .get()!;
    expect(consent.revokedAt).not.toBeNull();
  });
});

describe('team admins', () => {
  test('admin — sees everyone’s connections in the team, with a User column', async () => {
    await createToken(member, 'Member token for admin');
    await createToken(viewer, 'Viewer token for admin');
    const html = await listPage(admin);
    expect(html).toContain('<th>User</th>');
    expect(rowOf(html, 'Member token for admin')).toContain('member@demo.test');
    expect(rowOf(html, 'Viewer token for admin')).toContain('viewer@demo.test');
  });

  test('admin — revokes a member’s token; it stops working at once', async () => {
    const { token, familyId } = await createToken(member, 'Admin revokes this');
    const res = await revoke(admin, familyId, await csrfOf(admin));
    expect(res.status).toBe(303);
    expect(familyRevoked(familyId)).toBe(true);
    expect(await mcpStatus(base, token)).toBe(401);
  });

  test('a member — no User column', async () => {
    expect(await listPage(member)).not.toContain('<th>User</th>');
  });

  test('admin acting in another team — cannot see or revoke this team’s tokens (404)', async () => {
    const { token, familyId } = await createToken(member, 'Demo team only');
    const labsAdmin = await signIn(base, 'admin@demo.test', 'Gatehouse Labs');
    const html = await listPage(labsAdmin);
    expect(html).not.toContain('Demo team only');
    const res = await revoke(labsAdmin, familyId, hiddenInput(html, '_csrf')!);
    expect(res.status).toBe(404);
    expect(familyRevoked(familyId)).toBe(false);
    expect(await mcpStatus(base, token)).toBe(200);
  });
});

describe('expiry', () => {
  // Last in the file: moving the clock a week ends every browser session above.
  test('a 7-day connection token — works until its expiry, then 401 invalid_token', async () => {
    const browser = new CookieClient();
    await signIn(base, 'member@demo.test', undefined, browser);
    const { token } = await createToken(browser, 'Week token', { expiry: '7' });
    clock.advance(7 * 24 * 60 * 60 * 1000 - 1_000);
    expect(await mcpStatus(base, token)).toBe(200);
    clock.advance(1_000);
    const probe = await mcpProbe(base, `Bearer ${token}`);
    expect(probe.status).toBe(401);
    const c = challengeParams(probe.headers.get('www-authenticate'));
    expect(c.error).toBe('invalid_token');
    expect(c.error_description).toContain('expired');
  });
});
