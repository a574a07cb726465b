/**
 * /approvals over real HTTP: who may decide what, CSRF, single-use links, conflicts, bad input,
 * escaping, and the htmx answers (card swaps, retargeted refusals, the polled fragment).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { and, eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import {
  agentFor,
  Console,
  callRequest,
  type FakeLinear,
  grantRow,
  LINEAR_URL,
  ok,
  requestAccess,
  sessionRequest,
  startFakeLinear,
  VIEWER_QUERY,
} from './support.ts';

// Each file starts real servers: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let fake: FakeLinear;
let member: AnyClient;
let memberConsole: Console;
let viewerConsole: Console;
let adminConsole: Console;

beforeAll(async () => {
  fake = startFakeLinear();
  gh = await startTestGatehouse({ testHooks: { outboundHostMap: { 'api.linear.app': fake.origin } } });
  [member, memberConsole, viewerConsole, adminConsole] = await Promise.all([
    agentFor(gh, 'member@demo.test'),
    Console.signIn(gh.url, 'member@demo.test'),
    Console.signIn(gh.url, 'viewer@demo.test'),
    Console.signIn(gh.url, 'admin@demo.test', 'Gatehouse Demo Team'),
  ]);
});
afterAll(async () => {
  await gh?.stop();
  fake?.stop();
});

const pending = () => requestAccess(member, callRequest(VIEWER_QUERY, 'Look me up'));
const status = (id: string) => grantRow(gh, id)?.status;
const HTMX = { 'hx-request': 'true' };

test('approval link — signed out, it goes to sign-in and comes back with its secret intact', async () => {
  const req = await pending();
  const path = `/approvals/${req.id}?t=${req.token}`;
  const browser = new CookieClient();
  const first = await browser.fetch(`${gh.url}${path}`);
  expect(first.status).toBe(303);
  const login = new URL(first.headers.get('location')!, gh.url);
  expect(login.pathname).toBe('/login');
  expect(login.searchParams.get('return_to')).toBe(path);

  const page = await browser.fetch(login.toString());
  const html = await page.text();
  const res = await browser.post(`${gh.url}/login`, {
    _csrf: hiddenInput(html, '_csrf')!,
    login_hint: 'member@demo.test',
    return_to: hiddenInput(html, 'return_to')!,
  });
  const landed = await browser.follow(res, `${gh.url}/login`);
  expect(landed.url).toBe(`${gh.url}${path}`);
  expect(landed.res.status).toBe(200);
  const body = await landed.res.text();
  expect(body).toContain(`data-grant="${req.id}"`);
  expect(body).toContain('>Approve</button>');

  // A decision posted after the session ended changes nothing and leads back through sign-in.
  const anonymous = new CookieClient();
  const post = await anonymous.post(`${gh.url}/approvals/${req.id}/approve`, { _csrf: 'x', t: req.token });
  expect(post.status).toBe(303);
  expect(post.headers.get('location')).toBe('/login?return_to=%2Fapprovals');
  const hx = await anonymous.post(`${gh.url}/approvals/${req.id}/deny`, { _csrf: 'x' }, HTMX);
  expect(hx.headers.get('hx-redirect')).toBe('/login?return_to=%2Fapprovals');
  expect(status(req.id)).toBe('pending');
});

test('approval link — a wrong or missing secret, an unknown id or another team’s request is a 404', async () => {
  const req = await pending();
  for (const path of [
    `/approvals/${req.id}?t=wrong`,
    `/approvals/${req.id}`,
    `/approvals/${req.id}?t=`,
    `/approvals/grant_doesnotexist?t=${req.token}`,
    `/approvals/${'x'.repeat(300)}`,
  ]) {
    const r = await memberConsole.get(path);
    expect(r.status).toBe(404);
    expect(r.html).toContain('There is no such approval request in your team.');
  }
  const wrongT = await memberConsole.approve(req.id, { t: 'wrong' });
  expect(wrongT.status).toBe(404);
  expect(status(req.id)).toBe('pending');

  // Ada in her other team asks; Max (Demo team) holds the real link but it is not his team's.
  const labs = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Labs' });
  const labsAgent = await connectV1(gh.url, labs.access_token);
  const other = await requestAccess(labsAgent, sessionRequest(['linear'], 'read', 'Labs work'));
  expect((await memberConsole.get(`/approvals/${other.id}?t=${other.token}`)).status).toBe(404);
  expect((await adminConsole.get(`/approvals/${other.id}?t=${other.token}`)).status).toBe(404);
  expect((await adminConsole.approve(other.id, { providers: ['linear'], level: 'read' })).status).toBe(404);
  expect((await adminConsole.get('/approvals')).html).not.toContain(other.id);
  expect(status(other.id)).toBe('pending');
});

test('CSRF — approve, deny and revoke without or with a wrong token are 403 and change nothing', async () => {
  const req = await pending();
  const active = await pending();
  expect((await memberConsole.approve(active.id)).status).toBe(303);
  const viewerToken = await viewerConsole.csrf();
  for (const [action, id] of [
    ['approve', req.id],
    ['deny', req.id],
    ['revoke', active.id],
  ] as const) {
    const missing = await memberConsole.post(`/approvals/${id}/${action}`, { reason: 'x' });
    expect(missing.status).toBe(403);
    expect(missing.html).toContain('missing CSRF token');
    for (const wrong of ['nope', viewerToken]) {
      const r = await memberConsole.post(`/approvals/${id}/${action}`, { _csrf: wrong });
      expect(r.status).toBe(403);
      expect(r.html).toContain('invalid CSRF token');
    }
    // htmx sends the token as a header; a wrong one is refused the same way.
    const hx = await memberConsole.post(
      `/approvals/${id}/${action}`,
      {},
      { ...HTMX, 'x-csrf-token': 'nope' },
    );
    expect(hx.status).toBe(403);
  }
  expect(status(req.id)).toBe('pending');
  expect(status(active.id)).toBe('approved');
});

test('permissions — a viewer cannot approve, deny or revoke someone else’s request; refusals are audited', async () => {
  const req = await pending();
  const page = await viewerConsole.get('/approvals');
  expect(page.html).toContain(`data-grant="${req.id}"`);
  expect(page.html).toContain('Only the requester or someone with the approvals:approve permission');

  const approve = await viewerConsole.approve(req.id);
  expect(approve.status).toBe(403);
  expect(approve.html).toContain('Only the requester or someone with the approvals:approve permission');
  const deny = await viewerConsole.deny(req.id, 'mine now');
  expect(deny.status).toBe(403);
  expect(status(req.id)).toBe('pending');

  expect((await memberConsole.approve(req.id)).status).toBe(303);
  const revoke = await viewerConsole.revoke(req.id);
  expect(revoke.status).toBe(403);
  expect(revoke.html).toContain('Only the requester or an approver can revoke');
  expect(status(req.id)).toBe('approved');

  const refusals = gh.ctx.db
    .select()
    .from(schema.auditEntries)
    .where(
      and(eq(schema.auditEntries.outcome, 'denied'), eq(schema.auditEntries.actorEmail, 'viewer@demo.test')),
    )
    .all()
    .filter((e) => JSON.stringify(e.details ?? '').includes(req.id))
    .map((e) => e.event);
  expect(refusals.sort()).toEqual(['grant.approve', 'grant.deny', 'grant.revoke']);
});

test('permissions — an admin (approvals:approve) may decide a member’s request', async () => {
  const req = await requestAccess(member, sessionRequest(['linear', 'notion'], 'write', 'Sync docs'));
  const r = await adminConsole.approve(req.id, {
    providers: ['linear'],
    level: 'read',
    notes: 'Linear only',
  });
  expect(r.status).toBe(303);
  const row = grantRow(gh, req.id)!;
  expect(row).toMatchObject({
    status: 'approved',
    providers: ['linear'],
    level: 'read',
    notes: 'Linear only',
  });
  const check = await ok(member, 'check_access_request', { request_id: req.id });
  expect(check.structured).toMatchObject({
    providers: ['linear'],
    level: 'read',
    approver_notes: 'Linear only',
  });
});

test('different-approver policy — the requester is refused but may still withdraw; another approver decides', async () => {
  const req = await pending();
  const { teamId, userId } = grantRow(gh, req.id)!;
  const actor = { userId, email: 'member@demo.test' };
  gh.ctx.settings.update(teamId, { requireDifferentApprover: true }, actor);
  try {
    const own = await memberConsole.approve(req.id);
    expect(own.status).toBe(403);
    expect(own.html).toContain('Your team requires someone other than the requester to approve.');
    expect(status(req.id)).toBe('pending');
    // The viewer is someone else but lacks approvals:approve.
    expect((await viewerConsole.approve(req.id)).status).toBe(403);
    expect((await adminConsole.approve(req.id)).status).toBe(303);
    expect(grantRow(gh, req.id)?.approverUserId).not.toBe(grantRow(gh, req.id)?.userId);

    const withdrawn = await pending();
    expect((await memberConsole.deny(withdrawn.id, 'Changed my mind')).status).toBe(303);
    expect(status(withdrawn.id)).toBe('denied');
    expect((await memberConsole.get('/approvals')).html).toContain('someone other than the requester');
  } finally {
    gh.ctx.settings.update(teamId, { requireDifferentApprover: false }, actor);
  }
});

test('single use — deciding twice is a 409, and revoking twice too', async () => {
  const req = await pending();
  expect((await memberConsole.approve(req.id, { t: req.token })).status).toBe(303);
  const again = await memberConsole.approve(req.id, { t: req.token });
  expect(again.status).toBe(409);
  expect(again.html).toContain('already approved');
  expect((await memberConsole.deny(req.id)).status).toBe(409);
  expect((await adminConsole.approve(req.id)).status).toBe(409);
  expect((await memberConsole.revoke(req.id)).status).toBe(303);
  expect((await memberConsole.revoke(req.id)).status).toBe(409);
  expect(status(req.id)).toBe('revoked');
  // The link now shows the final state, without buttons.
  const page = await memberConsole.get(`/approvals/${req.id}?t=${req.token}`);
  expect(page.status).toBe(200);
  expect(page.html).toContain('data-status="revoked"');
  expect(page.html).not.toContain('<button type="submit" class="primary"');

  const denied = await pending();
  expect((await memberConsole.deny(denied.id, 'No')).status).toBe(303);
  expect((await memberConsole.approve(denied.id)).status).toBe(409);
  expect((await memberConsole.revoke(denied.id)).status).toBe(409);
});

test('bad input — 400 with a clear message, nothing changes', async () => {
  const broad = await requestAccess(member, sessionRequest(['linear', 'notion'], 'read', 'Read both'));
  const cases: [Record<string, string | string[]>, string][] = [
    [{}, 'Choose at least one provider'],
    [{ providers: ['linear', 'github'] }, 'Only requested providers can be granted (not github)'],
    [{ providers: 'linear', level: 'write' }, 'A read request cannot be approved as write'],
    [{ providers: 'linear', level: 'admin' }, 'Level must be read or write'],
    [{ providers: 'linear', notes: 'n'.repeat(2001) }, 'Notes must be at most 2000 characters'],
    [{ providers: 'linear', t: [broad.token, broad.token] }, 'sent more than once'],
  ];
  for (const [fields, message] of cases) {
    const r = await memberConsole.approve(broad.id, fields);
    expect(r.status).toBe(400);
    expect(r.html).toContain(message);
  }
  const json = await memberConsole.http.fetch(`${gh.url}/approvals/${broad.id}/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _csrf: await memberConsole.csrf(), providers: ['linear'] }),
  });
  expect(json.status).toBe(400);
  expect(status(broad.id)).toBe('pending');
});

test('escaping — markup in the reason and body is shown as text on every page and fragment', async () => {
  const reason = '<script>alert(1)</script>"><img src=x onerror=alert(1)>';
  const req = await requestAccess(
    member,
    callRequest({ query: 'query { viewer { id } }', x: '<b>bold</b>' }, reason),
  );
  const pages = [
    (await memberConsole.get('/approvals')).html,
    (await memberConsole.get(`/approvals/${req.id}?t=${req.token}`)).html,
    (await memberConsole.get('/approvals/pending', HTMX)).html,
  ];
  for (const html of pages) {
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;',
    );
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
  }
  // The recent-decisions table shows it escaped too.
  expect((await memberConsole.deny(req.id, '<i>no</i>')).status).toBe(303);
  const list = (await memberConsole.get('/approvals')).html;
  expect(list).toContain('&lt;i&gt;no&lt;/i&gt;');
  expect(list).not.toContain('<i>no</i>');
});

test('client name — the registered client or the connection token’s name, never the MCP client’s own claim', async () => {
  const req = await pending();
  const html = (await memberConsole.get(`/approvals/${req.id}?t=${req.token}`)).html;
  expect(html).toContain('<strong>Test Agent</strong>');
  expect(html).toContain('registered OAuth client ghc_');
  // What the SDK client called itself in `initialize`.
  expect(html).not.toContain('gatehouse-test-v1');

  const form = await memberConsole.get('/connections');
  const created = await memberConsole.post('/connections', {
    _csrf: hiddenInput(form.html, '_csrf')!,
    name: 'CI bot <b>',
    expiry: '7',
    access: 'mcp',
  });
  expect(created.status).toBe(200);
  const token = /data-testid="token">\s*([^<\s]+)/.exec(created.html)?.[1];
  expect(token).toBeTruthy();
  const bot = await connectV1(gh.url, token!);
  const botReq = await requestAccess(bot, callRequest(VIEWER_QUERY, 'From CI'));
  const botHtml = (await memberConsole.get(`/approvals/${botReq.id}?t=${botReq.token}`)).html;
  expect(botHtml).toContain('<strong>CI bot &lt;b&gt;</strong>');
  expect(botHtml).toContain('(connection token)');
});

test('htmx — approve answers the card in its final state; refusals land inside the card; the poll lists pending requests', async () => {
  const csrf = await memberConsole.csrf();
  const req = await pending();
  const frag = await memberConsole.get('/approvals/pending', HTMX);
  expect(frag.status).toBe(200);
  expect(frag.html.startsWith('<!doctype')).toBe(false);
  expect(frag.html).toContain(`id="grant-${req.id}"`);
  expect(frag.html).toContain('hx-morph-skip');

  // The viewer's refusal goes into the card's message slot, leaving the form alone.
  const viewerCsrf = await viewerConsole.csrf();
  const refused = await viewerConsole.post(
    `/approvals/${req.id}/approve`,
    {},
    { ...HTMX, 'x-csrf-token': viewerCsrf },
  );
  expect(refused.status).toBe(403);
  expect(refused.res.headers.get('hx-retarget')).toBe(`#error-${req.id}`);
  expect(refused.html).toContain('data-testid="card-error"');

  const approved = await memberConsole.post(
    `/approvals/${req.id}/approve`,
    { notes: 'ok' },
    { ...HTMX, 'x-csrf-token': csrf },
  );
  expect(approved.status).toBe(200);
  expect(approved.html.startsWith('<section')).toBe(true);
  expect(approved.html).toContain('data-status="approved"');
  expect(approved.html).not.toContain('>Approve</button>');

  // Deciding again: 409, and the card comes back as it now is, with the message.
  const twice = await memberConsole.post(`/approvals/${req.id}/deny`, {}, { ...HTMX, 'x-csrf-token': csrf });
  expect(twice.status).toBe(409);
  expect(twice.html).toContain('data-status="approved"');
  expect(twice.html).toContain('already approved');

  const after = await memberConsole.get('/approvals/pending', HTMX);
  expect(after.html).not.toContain(`id="grant-${req.id}"`);
  expect(after.html).toContain(`id="active-${req.id}"`);
  const revoked = await memberConsole.post(
    `/approvals/${req.id}/revoke`,
    {},
    { ...HTMX, 'x-csrf-token': csrf },
  );
  expect(revoked.status).toBe(200);
  expect(revoked.html).toContain(`id="active-${req.id}"`);
  expect(revoked.html).toContain('data-status="revoked"');

  // A poll after sign-out sends the page to sign-in instead of swapping the login page in.
  const anonymous = await new CookieClient().fetch(`${gh.url}/approvals/pending`, { headers: HTMX });
  expect(anonymous.headers.get('hx-redirect')).toBe('/login?return_to=%2Fapprovals');
});

test('lists — pending, active and recent decisions with who asked and who decided', async () => {
  const a = await pending();
  const b = await pending();
  const c = await pending();
  expect((await adminConsole.approve(b.id, { notes: 'fine' })).status).toBe(303);
  expect((await adminConsole.deny(c.id, 'too broad')).status).toBe(303);
  const html = (await memberConsole.get('/approvals')).html;
  expect(html).toContain(`id="grant-${a.id}"`);
  expect(html).toContain(`id="active-${b.id}"`);
  expect(html).toMatch(new RegExp(`id="recent-${c.id}"[^]*?too broad[^]*?admin@demo\\.test`));
  // Plain forms redirect back with a fixed notice.
  const done = await memberConsole.get('/approvals?done=denied');
  expect(done.html).toContain('Denied. The agent has been told.');
  // Anything else in `done` shows no notice at all (never text from the query string).
  expect((await memberConsole.get('/approvals?done=<script>')).html).toContain(
    '<div id="flash" aria-live="polite"></div>',
  );
  // A call through the approved grant works (the list did not change what was stored).
  await ok(member, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: VIEWER_QUERY,
    request_id: b.id,
  });
  const used = await call(member, 'check_access_request', { request_id: b.id });
  expect(used.structured?.status).toBe('consumed');
});
