/**
 * Settings → WorkOS environments over plain HTTP: a team admin sees where the team's sandbox and
 * production come from, links (checked with one real WorkOS call), replaces and removes keys;
 * the key never comes back in a page, an error, a log line, the audit trail or the database in
 * clear; an agent's very next call uses the new key. Non-admins and forged forms get a 403.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IDENTITY_API_KEY, LABS_SANDBOX_API_KEY } from '../../src/emulator/index.ts';
import type { EnvironmentStatus } from '../../src/teams/environments.ts';
import { EnvironmentsCard } from '../../views/components/environments-card.tsx';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { dumpTables, onPostgres, openStore } from '../support/pg.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';
import { runCli } from '../support/subprocess.ts';

// Each file starts real servers: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const DEMO = 'Gatehouse Demo Team';
const LABS = 'Gatehouse Labs';
const WRONG_KEY = 'sk_test_wrong_0000000000';
const htmx = { 'hx-request': 'true' };

let gh: TestGatehouse;
let admin: CookieClient;
let member: CookieClient;
let adminCsrf: string;
let memberCsrf: string;
let demoId: string;
let labsId: string;
let adminUserId: string;
let agent: AnyClient;

const teamIdOf = (name: string) =>
  gh.ctx.db.$client.query<{ id: string }, [string]>('SELECT id FROM teams WHERE name = ?').get(name)!.id;

beforeAll(async () => {
  gh = await startTestGatehouse();
  [admin, member] = await Promise.all([
    signIn(gh.url, 'admin@demo.test', DEMO),
    signIn(gh.url, 'member@demo.test'),
  ]);
  const page = await admin.fetch(`${gh.url}/settings`);
  expect(page.status).toBe(200);
  adminCsrf = hiddenInput(await page.text(), '_csrf')!;
  memberCsrf = hiddenInput(await (await member.fetch(`${gh.url}/`)).text(), '_csrf')!;
  demoId = teamIdOf(DEMO);
  labsId = teamIdOf(LABS);
  adminUserId = gh.ctx.db.$client
    .query<{ id: string }, [string]>('SELECT id FROM users WHERE email = ?')
    .get('admin@demo.test')!.id;
  const tokens = await tokensFor(gh.url, 'member@demo.test');
  agent = await connectV1(gh.url, tokens.access_token);
});
afterAll(async () => {
  await agent?.close();
  await gh?.stop();
});

const status = (teamId = demoId) => gh.ctx.environments.status(teamId);
const row = (env: 'sandbox' | 'production', teamId = demoId) =>
  status(teamId).find((s) => s.environment === env)!;
const auditRows = (event: string) =>
  gh.ctx.db.$client
    .query<
      { environment: string | null; actorEmail: string | null; outcome: string; details: string | null },
      [string, string]
    >(
      `SELECT environment, actor_email AS actorEmail, outcome, details FROM audit_entries
       WHERE event = ? AND team_id = ? ORDER BY seq`,
    )
    .all(event, demoId);
const auditCount = () =>
  gh.ctx.db.$client.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM audit_entries').get()!.n;

/** The organization names the Demo team's agent sees in its sandbox, through a real MCP call. */
async function sandboxOrgs(): Promise<string> {
  const r = await call(agent, 'list_workos_organizations', { environment: 'sandbox', limit: 100 });
  expect(r.isError).toBe(false);
  return r.text;
}

/** The HTML of one environment's row on a page or fragment. */
function rowHtml(html: string, env: string): string {
  const start = html.indexOf(`data-testid="env-${env}"`);
  expect(start).toBeGreaterThan(-1);
  const next = html.indexOf('class="env-row"', start + 1);
  return html.slice(start, next === -1 ? undefined : next);
}

/** Runs `act` and asserts that the team's environments did not change and nothing was audited. */
async function nothingSaved(act: () => Promise<void>, opts: { audited?: number } = {}) {
  const before = { s: status(), labs: status(labsId), n: auditCount() };
  await act();
  expect(status()).toEqual(before.s);
  expect(status(labsId)).toEqual(before.labs);
  expect(auditCount()).toBe(before.n + (opts.audited ?? 0));
}

function link(client: CookieClient, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return client.post(`${gh.url}/settings/environments/link`, fields, headers);
}
function unlink(client: CookieClient, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return client.post(`${gh.url}/settings/environments/unlink`, fields, headers);
}

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('the card on /settings', () => {
  test('settings page — an admin sees sandbox and production, both the embedded demo environments', async () => {
    const res = await admin.fetch(`${gh.url}/settings`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-testid="environments-card"');
    expect(html).toContain('WorkOS environments');
    for (const env of ['sandbox', 'production']) {
      const r = rowHtml(html, env);
      expect(r).toContain('data-source="embedded"');
      expect(r).toContain('Embedded demo environment (local mode)');
      expect(r).toContain(`…${row(env as 'sandbox').keyLast4} (staging key)`);
      // A password field, never pre-filled, no autocomplete.
      const input = /<input[^>]*name="api_key"[^>]*>/.exec(r)![0];
      expect(input).toContain('type="password"');
      expect(input).toContain('autocomplete="off"');
      expect(input).not.toContain('value=');
      expect(r).toContain(`name="environment" value="${env}"`);
      expect(r).toContain(`name="_csrf" value="${adminCsrf}"`);
      // Nothing to remove: an embedded environment is not a console link.
      expect(r).not.toContain('/settings/environments/unlink');
    }
    expect(html).not.toContain('data-testid="environments-none"');
    expect(status().map((s) => s.source)).toEqual(['embedded', 'embedded']);
    // The embedded keys themselves are never on the page.
    for (const s of Object.values(gh.ctx.workos.seededTeamKeys).flatMap((k) => Object.values(k)))
      expect(html).not.toContain(s);
  });

  test('card view — neither environment linked → the plain statement that tools refuse; hostile team names are escaped', () => {
    const none = (environment: 'sandbox' | 'production'): EnvironmentStatus => ({
      environment,
      source: 'none',
      keyLast4: null,
      keyKind: null,
      sharesIdentity: false,
      linkedAt: null,
      linkedBy: null,
      sharedWith: [],
    });
    const html = EnvironmentsCard({
      v: { statuses: [none('sandbox'), none('production')] },
      csrfToken: 't',
    }) as string;
    expect(html).toContain(
      "No WorkOS environment is linked: your agents' WorkOS tools refuse until you link one.",
    );
    expect(html.match(/Not linked/g)?.length).toBe(2);
    const shared = EnvironmentsCard({
      v: {
        statuses: [
          {
            ...none('sandbox'),
            source: 'linked',
            keyLast4: 'ab<c',
            keyKind: 'staging',
            linkedAt: 0,
            linkedBy: 'x@y.test',
            sharedWith: ['<img src=x onerror=alert(1)>', 'Other'],
          },
          none('production'),
        ],
      },
      csrfToken: 't',
    }) as string;
    expect(shared).not.toContain('No WorkOS environment is linked');
    expect(shared).not.toContain('<img src=x');
    expect(shared).toContain(
      '&lt;img src=x onerror=alert(1)&gt;, Other: they see and change the same customers.',
    );
    expect(shared).toContain('…ab&lt;c (staging key)');
    expect(shared).toContain('by x@y.test, 1970-01-01 00:00 UTC');
  });
});

describe('who may link', () => {
  test('member — /settings is a 403 page without the card; both POSTs are 403 even with their own CSRF token', async () => {
    const page = await member.fetch(`${gh.url}/settings`);
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).not.toContain('WorkOS environments');
    expect(html).not.toContain('environments-card');
    await nothingSaved(async () => {
      for (const headers of [{}, htmx]) {
        const l = await link(
          member,
          { _csrf: memberCsrf, environment: 'sandbox', api_key: LABS_SANDBOX_API_KEY },
          headers,
        );
        expect(l.status).toBe(403);
        expect(await l.text()).toContain('Only team admins (gatehouse:admin)');
        const u = await unlink(member, { _csrf: memberCsrf, environment: 'sandbox' }, headers);
        expect(u.status).toBe(403);
      }
    });
  });

  test('signed out — both POSTs send the browser to sign-in; nothing saved', async () => {
    await nothingSaved(async () => {
      const res = await link(new CookieClient(), { environment: 'sandbox', api_key: LABS_SANDBOX_API_KEY });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toStartWith('/login?return_to=');
    });
  });

  test("CSRF — missing, forged or another session's token → 403, nothing saved (plain and htmx)", async () => {
    await nothingSaved(async () => {
      for (const headers of [{}, htmx]) {
        const missing = await link(admin, { environment: 'sandbox', api_key: LABS_SANDBOX_API_KEY }, headers);
        expect(missing.status).toBe(403);
        expect(await missing.text()).toContain('missing CSRF token');
        const forged = await link(
          admin,
          { _csrf: 'forged', environment: 'sandbox', api_key: LABS_SANDBOX_API_KEY },
          headers,
        );
        expect(forged.status).toBe(403);
        const body = await forged.text();
        expect(body).toContain('invalid CSRF token');
        expect(body).not.toContain(LABS_SANDBOX_API_KEY);
        const other = await link(
          admin,
          { _csrf: memberCsrf, environment: 'sandbox', api_key: LABS_SANDBOX_API_KEY },
          headers,
        );
        expect(other.status).toBe(403);
        const u = await unlink(admin, { environment: 'sandbox' }, headers);
        expect(u.status).toBe(403);
      }
    });
  });
});

describe('refusals', () => {
  test("link — a wrong key: WorkOS's 401 shown next to the field, status 400, nothing saved, environment.link_refused audited", async () => {
    const refusedBefore = auditRows('environment.link_refused').length;
    await nothingSaved(
      async () => {
        const res = await link(admin, { _csrf: adminCsrf, environment: 'sandbox', api_key: WRONG_KEY });
        expect(res.status).toBe(400);
        const html = await res.text();
        expect(html).toContain('<!doctype html>');
        const r = rowHtml(html, 'sandbox');
        expect(r).toMatch(
          /data-testid="env-sandbox-error"[^>]*>WorkOS refused this key \(401 Unauthorized\): it is not a valid API key, or it was revoked or expired\./,
        );
        expect(r).toContain('aria-invalid="true"');
        expect(rowHtml(html, 'production')).not.toContain('env-production-error');
        expect(html).not.toContain(WRONG_KEY);

        // htmx: only the card, with the same refusal and status.
        const frag = await link(
          admin,
          { _csrf: adminCsrf, environment: 'sandbox', api_key: WRONG_KEY },
          htmx,
        );
        expect(frag.status).toBe(400);
        const fhtml = await frag.text();
        expect(fhtml.startsWith('<section class="card" id="environments"')).toBe(true);
        expect(fhtml).toContain('WorkOS refused this key (401 Unauthorized)');
        expect(fhtml).not.toContain(WRONG_KEY);
      },
      { audited: 2 },
    );
    const refused = auditRows('environment.link_refused').slice(refusedBefore);
    expect(refused.length).toBe(2);
    expect(refused[0]).toMatchObject({
      environment: 'sandbox',
      actorEmail: 'admin@demo.test',
      outcome: 'denied',
    });
    expect(JSON.stringify(refused)).not.toContain(WRONG_KEY);
    expect(row('sandbox').source).toBe('embedded');
    expect(await sandboxOrgs()).toContain('Acme Corp');
  });

  test('link — not an sk_ key: the shape refusal next to the field, 400, nothing saved', async () => {
    await nothingSaved(
      async () => {
        const res = await link(admin, {
          _csrf: adminCsrf,
          environment: 'production',
          api_key: 'pk_not_a_secret_key',
        });
        expect(res.status).toBe(400);
        const r = rowHtml(await res.text(), 'production');
        expect(r).toContain('data-testid="env-production-error"');
        expect(r).toContain('That is not a WorkOS API key');
      },
      { audited: 1 },
    );
  });

  test('link and unlink — bad input is a clear 4xx with nothing saved, never a 500', async () => {
    const long = `sk_test_${'a'.repeat(300)}`;
    const cases: { fields: Record<string, string>; status: number; text: string; path?: 'unlink' }[] = [
      {
        fields: { environment: 'staging', api_key: LABS_SANDBOX_API_KEY },
        status: 400,
        text: 'Unknown environment: choose sandbox or production.',
      },
      {
        fields: { environment: '<script>x</script>', api_key: LABS_SANDBOX_API_KEY },
        status: 400,
        text: 'Unknown environment',
      },
      { fields: { api_key: LABS_SANDBOX_API_KEY }, status: 400, text: 'Unknown environment' },
      {
        fields: { environment: 'sandbox' },
        status: 400,
        text: 'Paste the API key of the sandbox environment',
      },
      {
        fields: { environment: 'sandbox', api_key: '   ' },
        status: 400,
        text: 'Paste the API key of the sandbox environment',
      },
      {
        fields: { environment: 'production', api_key: long },
        status: 400,
        text: 'too long for a WorkOS API key (at most 300 characters)',
      },
      {
        fields: { environment: 'sandbox' },
        status: 404,
        text: 'No sandbox environment is linked to this team.',
        path: 'unlink',
      },
      { fields: { environment: 'nope' }, status: 400, text: 'Unknown environment', path: 'unlink' },
    ];
    await nothingSaved(async () => {
      for (const c of cases) {
        for (const headers of [{}, htmx]) {
          const send = c.path === 'unlink' ? unlink : link;
          const res = await send(admin, { _csrf: adminCsrf, ...c.fields }, headers);
          expect(res.status).toBe(c.status);
          const html = await res.text();
          expect(html).toContain(c.text);
          expect(html).not.toContain('<script>x</script>');
          expect(html).not.toContain(long);
          expect(html).not.toContain(LABS_SANDBOX_API_KEY);
        }
      }
      // Sent twice, a not-a-form body, and a body over the form limit.
      const twice = await admin.fetch(`${gh.url}/settings/environments/link`, {
        method: 'POST',
        body: new URLSearchParams([
          ['_csrf', adminCsrf],
          ['environment', 'sandbox'],
          ['environment', 'production'],
          ['api_key', LABS_SANDBOX_API_KEY],
        ]).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(twice.status).toBe(400);
      const json = await admin.fetch(`${gh.url}/settings/environments/link`, {
        method: 'POST',
        body: JSON.stringify({ environment: 'sandbox', api_key: LABS_SANDBOX_API_KEY }),
        headers: { 'content-type': 'application/json', 'x-csrf-token': adminCsrf },
      });
      expect(json.status).toBe(400);
      const huge = await link(admin, {
        _csrf: adminCsrf,
        environment: 'sandbox',
        api_key: 'x'.repeat(70_000),
      });
      expect(huge.status).toBe(413);
    });
  });
});

describe('linking a key', () => {
  test("link — Labs' sandbox key for Demo: saved, shown as last four and who linked it; the agent's next call sees Labs' customers", async () => {
    expect(await sandboxOrgs()).toContain('Acme Corp');
    const before = Date.now();
    const res = await link(admin, {
      _csrf: adminCsrf,
      environment: 'sandbox',
      api_key: `  ${LABS_SANDBOX_API_KEY}  `,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/settings?saved=environment_linked#environments');

    const s = row('sandbox');
    expect(s).toMatchObject({
      source: 'linked',
      keyLast4: LABS_SANDBOX_API_KEY.slice(-4),
      keyKind: 'staging',
      linkedBy: 'admin@demo.test',
      sharesIdentity: false,
    });
    expect(s.linkedAt!).toBeGreaterThanOrEqual(before - 1000);
    expect(row('production').source).toBe('embedded');

    const page = await admin.fetch(`${gh.url}/settings?saved=environment_linked`);
    const html = await page.text();
    expect(html).toContain('Linked. Your agents use this key from their next WorkOS call.');
    const r = rowHtml(html, 'sandbox');
    expect(r).toContain('data-source="linked"');
    expect(r).toContain('Linked by a team admin');
    expect(r).toContain(`…${LABS_SANDBOX_API_KEY.slice(-4)} (staging key)`);
    expect(r).toMatch(/by admin@demo\.test, \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(r).toContain('Replace key');
    expect(r).toContain('/settings/environments/unlink');
    expect(html).not.toContain(LABS_SANDBOX_API_KEY);

    const linked = auditRows('environment.linked').at(-1)!;
    expect(linked).toMatchObject({ environment: 'sandbox', actorEmail: 'admin@demo.test', outcome: 'ok' });

    // Rotation takes effect on the very next call of an already open session.
    const orgs = await sandboxOrgs();
    expect(orgs).toContain('Hooli');
    expect(orgs).toContain('Pied Piper');
    expect(orgs).not.toContain('Acme Corp');
  });

  test('link — once Labs links the same key, both teams are told they share customers', async () => {
    await gh.ctx.environments.link(labsId, 'sandbox', LABS_SANDBOX_API_KEY, {
      userId: adminUserId,
      email: 'admin@demo.test',
    });
    expect(row('sandbox', labsId).sharedWith).toEqual([DEMO]);
    expect(row('sandbox').sharedWith).toEqual([LABS]);
    const html = await (await admin.fetch(`${gh.url}/settings`)).text();
    expect(rowHtml(html, 'sandbox')).toContain(
      'The same key is linked by Gatehouse Labs: they see and change the same customers.',
    );
    expect(rowHtml(html, 'production')).not.toContain('The same key is linked by');
  });

  test("link — the identity environment's own key: saved with the plain warning", async () => {
    const res = await link(
      admin,
      { _csrf: adminCsrf, environment: 'production', api_key: IDENTITY_API_KEY },
      htmx,
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<section class="card" id="environments"')).toBe(true);
    expect(html).toContain('data-testid="environments-notice"');
    expect(rowHtml(html, 'production')).toContain(
      'This key opens the identity environment itself — where your staff sign in. Staff organizations are hidden from tools, but link a separate environment.',
    );
    expect(html).not.toContain(IDENTITY_API_KEY);
    expect(row('production').sharesIdentity).toBe(true);
    const back = await unlink(admin, { _csrf: adminCsrf, environment: 'production' }, htmx);
    expect(back.status).toBe(200);
    expect(row('production').source).toBe('embedded');
    expect(await back.text()).not.toContain('identity environment itself');
  });

  test('secrets — the linked key is nowhere in clear: database files, log lines, pages, audit rows, `gatehouse audit export`', async () => {
    expect(row('sandbox').source).toBe('linked');
    const needle = Buffer.from(LABS_SANDBOX_API_KEY);
    // Every file of the data dir (SQLite's database and WAL among them), and on both engines
    // every table's rows as another process reads them.
    const files = filesUnder(gh.dataDir);
    expect(files.some((f) => /\.(db|sqlite)/.test(f))).toBe(!onPostgres);
    for (const f of files)
      expect({ file: f, found: readFileSync(f).indexOf(needle) }).toEqual({ file: f, found: -1 });
    const store = await openStore(gh.dataDir);
    const tables = dumpTables(store);
    store.close();
    expect(tables).toContain('environment.linked');
    expect(tables).not.toContain(LABS_SANDBOX_API_KEY);
    for (const line of gh.logLines) expect(line).not.toContain(LABS_SANDBOX_API_KEY);
    for (const path of ['/settings', '/audit', '/']) {
      expect(await (await admin.fetch(`${gh.url}${path}`)).text()).not.toContain(LABS_SANDBOX_API_KEY);
    }
    const rows = gh.ctx.db.$client.query('SELECT * FROM audit_entries').all();
    expect(JSON.stringify(rows)).toContain('environment.linked');
    expect(JSON.stringify(rows)).not.toContain(LABS_SANDBOX_API_KEY);

    const { stdout: out, stderr: err, code } = await runCli(gh.dataDir, 'audit', 'export');
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toContain('environment.linked');
    expect(out).toContain('environment.link_refused');
    expect(out).not.toContain(LABS_SANDBOX_API_KEY);
    expect(out).not.toContain(WRONG_KEY);
  });

  test('unlink — the console link is removed: the seeded Demo team falls back to its embedded sandbox on the next call', async () => {
    const res = await unlink(admin, { _csrf: adminCsrf, environment: 'sandbox' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/settings?saved=environment_unlinked#environments');
    expect(row('sandbox').source).toBe('embedded');
    expect(row('sandbox', labsId).sharedWith).toEqual([]);
    const html = await (await admin.fetch(`${gh.url}/settings?saved=environment_unlinked`)).text();
    expect(html).toContain('Removed. Your agents no longer use that key, from their next WorkOS call.');
    expect(rowHtml(html, 'sandbox')).toContain('data-source="embedded"');
    expect(auditRows('environment.unlinked').at(-1)).toMatchObject({ environment: 'sandbox', outcome: 'ok' });
    const orgs = await sandboxOrgs();
    expect(orgs).toContain('Acme Corp');
    expect(orgs).not.toContain('Hooli');
  });
});
