/**
 * /settings over plain HTTP: admins only, every form CSRF-protected (refused with 403 and
 * nothing changed), plain-form POST + redirect as well as htmx fragments, bounded durations,
 * the change history, and the kill switch's confirm step.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

// Each file starts real servers: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const TEAM = 'Gatehouse Demo Team';

let gh: TestGatehouse;
let admin: CookieClient;
let viewer: CookieClient;
let member: CookieClient;
let adminCsrf: string;
let viewerCsrf: string;
let teamId: string;

beforeAll(async () => {
  gh = await startTestGatehouse();
  [admin, viewer, member] = await Promise.all([
    signIn(gh.url, 'admin@demo.test', TEAM),
    signIn(gh.url, 'viewer@demo.test'),
    signIn(gh.url, 'member@demo.test'),
  ]);
  const page = await admin.fetch(`${gh.url}/settings`);
  expect(page.status).toBe(200);
  adminCsrf = hiddenInput(await page.text(), '_csrf')!;
  viewerCsrf = hiddenInput(await (await viewer.fetch(`${gh.url}/`)).text(), '_csrf')!;
  teamId = gh.ctx.db.$client
    .query<{ id: string }, [string]>('SELECT id FROM teams WHERE name = ?')
    .get(TEAM)!.id;
});
afterAll(() => gh?.stop());

const settings = () => gh.ctx.teams.settings(teamId);
const auditCount = () =>
  gh.ctx.db.$client.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM audit_entries').get()!.n;
const htmx = { 'hx-request': 'true' };

/** Runs `act` and asserts that neither the settings nor the audit trail changed. */
async function nothingChanges(act: () => Promise<void>) {
  const before = { s: settings(), n: auditCount() };
  await act();
  expect(settings()).toEqual(before.s);
  expect(auditCount()).toBe(before.n);
}

describe('who may use /settings', () => {
  test('a viewer and a member get a clear 403 page', async () => {
    for (const c of [viewer, member]) {
      const res = await c.fetch(`${gh.url}/settings`);
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain('Only team admins (gatehouse:admin) can view or change team settings.');
      expect(html).not.toContain('Enable MCP access');
    }
    expect((await viewer.fetch(`${gh.url}/settings/kill-switch`)).status).toBe(403);
  });

  test('a viewer cannot POST changes, even with a valid CSRF token of their own', async () => {
    await nothingChanges(async () => {
      for (const [path, fields] of [
        ['/settings/toggle', { setting: 'enabled', value: 'off' }],
        ['/settings/durations', { authority_ttl_minutes: '60' }],
        ['/settings/kill-switch', { team_name: TEAM, reason: 'viewer attempt' }],
      ] as const) {
        const plain = await viewer.post(`${gh.url}${path}`, { _csrf: viewerCsrf, ...fields });
        expect(plain.status).toBe(403);
        const viaHtmx = await viewer.post(`${gh.url}${path}`, { _csrf: viewerCsrf, ...fields }, htmx);
        expect(viaHtmx.status).toBe(403);
      }
    });
  });

  test('signed out: sent to sign-in and back', async () => {
    const res = await new CookieClient().fetch(`${gh.url}/settings`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?return_to=%2Fsettings');
  });
});

describe('CSRF', () => {
  const forms = [
    ['/settings/toggle', { setting: 'allowWrite', value: 'off' }],
    ['/settings/durations', { authority_ttl_minutes: '42', session_idle_ttl_minutes: '42' }],
    ['/settings/kill-switch', { team_name: TEAM, reason: 'forged' }],
  ] as const;

  test('missing or invalid tokens → 403 and nothing changed (plain and htmx)', async () => {
    await nothingChanges(async () => {
      for (const [path, fields] of forms) {
        for (const headers of [{}, htmx]) {
          const missing = await admin.post(`${gh.url}${path}`, fields, headers);
          expect(missing.status).toBe(403);
          expect(await missing.text()).toContain('missing CSRF token');
          const invalid = await admin.post(`${gh.url}${path}`, { ...fields, _csrf: 'forged-token' }, headers);
          expect(invalid.status).toBe(403);
          expect(await invalid.text()).toContain('invalid CSRF token');
          // Another session's token is not this session's.
          const other = await admin.post(`${gh.url}${path}`, { ...fields, _csrf: viewerCsrf }, headers);
          expect(other.status).toBe(403);
        }
      }
    });
    expect(settings().killedAt).toBeNull();
  });

  test('the token in the X-CSRF-Token header (htmx hx-headers) is accepted', async () => {
    const res = await admin.post(
      `${gh.url}/settings/toggle`,
      { setting: 'piiRedaction', value: 'on' },
      { ...htmx, 'x-csrf-token': adminCsrf },
    );
    expect(res.status).toBe(200);
    expect(settings().piiRedaction).toBe(true);
    const back = await admin.post(
      `${gh.url}/settings/toggle`,
      { setting: 'piiRedaction', value: 'off' },
      { ...htmx, 'x-csrf-token': adminCsrf },
    );
    expect(back.status).toBe(200);
    expect(settings().piiRedaction).toBe(false);
  });
});

describe('toggles', () => {
  test('plain form POST → redirect back with a notice; the last `value` wins (hidden off, then the checkbox)', async () => {
    const body = new URLSearchParams([
      ['_csrf', adminCsrf],
      ['setting', 'requireDifferentApprover'],
      ['value', 'off'],
      ['value', 'on'],
    ]).toString();
    const res = await admin.fetch(`${gh.url}/settings/toggle`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/settings?saved=saved');
    expect(settings().requireDifferentApprover).toBe(true);
    const page = await (await admin.fetch(`${gh.url}/settings?saved=saved`)).text();
    expect(page).toContain('Saved. Open agent sessions see the change on their next call.');

    // Unchecked: only the hidden `off` is sent.
    const off = await admin.post(`${gh.url}/settings/toggle`, {
      _csrf: adminCsrf,
      setting: 'requireDifferentApprover',
      value: 'off',
    });
    expect(off.status).toBe(303);
    expect(settings().requireDifferentApprover).toBe(false);
  });

  test('htmx → the settings fragment (no page shell), showing the new state and who changed it', async () => {
    const res = await admin.post(
      `${gh.url}/settings/toggle`,
      { _csrf: adminCsrf, setting: 'allowWrite', value: 'off' },
      htmx,
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<div id="settings-live"')).toBe(true);
    expect(html).not.toContain('<html');
    expect(html).toMatch(/id="toggle-allowWrite"(?![^>]*checked)[^>]*>/);
    expect(html).toContain('Last changed by admin@demo.test');
    expect(settings().allowWrite).toBe(false);
    await admin.post(
      `${gh.url}/settings/toggle`,
      { _csrf: adminCsrf, setting: 'allowWrite', value: 'on' },
      htmx,
    );
    expect(settings().allowWrite).toBe(true);
  });

  test('"Enable MCP access" off renders production and write off and disabled; turning one on is refused', async () => {
    await admin.post(`${gh.url}/settings/toggle`, { _csrf: adminCsrf, setting: 'enabled', value: 'off' });
    expect([settings().enabled, settings().allowProduction, settings().allowWrite]).toEqual([
      false,
      false,
      false,
    ]);
    const html = await (await admin.fetch(`${gh.url}/settings`)).text();
    for (const key of ['allowProduction', 'allowWrite']) {
      const input = new RegExp(`<input[^>]*id="toggle-${key}"[^>]*>`).exec(html)![0];
      expect(input).toContain('disabled');
      expect(input).not.toContain('checked');
    }
    await nothingChanges(async () => {
      const res = await admin.post(
        `${gh.url}/settings/toggle`,
        { _csrf: adminCsrf, setting: 'allowWrite', value: 'on' },
        htmx,
      );
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Turn on &quot;Enable MCP access&quot; first');
    });
    for (const setting of ['enabled', 'allowWrite', 'allowProduction'])
      await admin.post(`${gh.url}/settings/toggle`, { _csrf: adminCsrf, setting, value: 'on' });
    expect([settings().enabled, settings().allowProduction, settings().allowWrite]).toEqual([
      true,
      true,
      true,
    ]);
  });

  test('unknown settings and missing states are refused', async () => {
    await nothingChanges(async () => {
      const attempts: Record<string, string>[] = [
        { setting: 'killedAt', value: 'off' },
        { setting: 'enabled' },
        { setting: 'enabled', value: 'maybe' },
      ];
      for (const fields of attempts) {
        const res = await admin.post(`${gh.url}/settings/toggle`, { _csrf: adminCsrf, ...fields });
        expect(res.status).toBe(400);
      }
    });
  });
});

describe('durations', () => {
  test('minutes within bounds are saved (ms), audited with old and new', async () => {
    const res = await admin.post(`${gh.url}/settings/durations`, {
      _csrf: adminCsrf,
      authority_ttl_minutes: '15',
      session_idle_ttl_minutes: '90',
    });
    expect(res.status).toBe(303);
    expect(settings().authorityTtlMs).toBe(15 * 60_000);
    expect(settings().sessionIdleTtlMs).toBe(90 * 60_000);
    const html = await (await admin.fetch(`${gh.url}/settings`)).text();
    expect(html).toContain('value="15"');
    expect(html).toContain('value="90"');
    const history = html.slice(html.indexOf('data-testid="history"'));
    expect(history).toMatch(
      /admin@demo\.test<\/td><td[^>]*>Session idle TTL<\/td><td[^>]*>30 min<\/td><td[^>]*>90 min<\/td>/,
    );
    expect(history).toMatch(
      /admin@demo\.test<\/td><td[^>]*>Authority TTL<\/td><td[^>]*>5 min<\/td><td[^>]*>15 min<\/td>/,
    );
  });

  test('out of bounds or not a number → 400 with the message, the typed value kept, nothing changed', async () => {
    await nothingChanges(async () => {
      for (const [field, value] of [
        ['authority_ttl_minutes', '0'],
        ['authority_ttl_minutes', '1441'],
        ['session_idle_ttl_minutes', '10081'],
        ['session_idle_ttl_minutes', 'soon'],
        ['authority_ttl_minutes', '-5'],
      ] as const) {
        for (const headers of [{}, htmx]) {
          const res = await admin.post(
            `${gh.url}/settings/durations`,
            { _csrf: adminCsrf, [field]: value },
            headers,
          );
          expect(res.status).toBe(400);
          const html = await res.text();
          expect(html).toMatch(/must be between \d+ and \d+ minutes/);
          expect(html).toContain(`value="${value}"`);
        }
      }
    });
  });
});

describe('kill switch confirm step', () => {
  test('the confirm page asks for the team name and a reason; wrong name or no reason changes nothing', async () => {
    const confirm = await admin.fetch(`${gh.url}/settings/kill-switch`);
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toContain('Type the team name');
    expect(html).toContain('name="team_name"');
    expect(html).toContain('name="reason"');
    await nothingChanges(async () => {
      const wrong = await admin.post(`${gh.url}/settings/kill-switch`, {
        _csrf: adminCsrf,
        team_name: 'Gatehouse Labs',
        reason: 'drill',
      });
      expect(wrong.status).toBe(400);
      expect(await wrong.text()).toContain('The team name does not match: nothing was changed.');
      const noReason = await admin.post(`${gh.url}/settings/kill-switch`, {
        _csrf: adminCsrf,
        team_name: TEAM,
        reason: '  ',
      });
      expect(noReason.status).toBe(400);
      expect(await noReason.text()).toContain('Give a reason');
    });
    expect((await admin.fetch(`${gh.url}/settings/kill-switch/result`)).status).toBe(404);
  });

  test('confirmed → pulled: redirect to the result (what was revoked), the team disabled, old tokens dead', async () => {
    const agent = await tokensFor(gh.url, 'member@demo.test');
    const res = await admin.post(`${gh.url}/settings/kill-switch`, {
      _csrf: adminCsrf,
      team_name: TEAM,
      reason: 'Drill <b>now</b>',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/settings/kill-switch/result');
    const result = await (await admin.fetch(`${gh.url}/settings/kill-switch/result`)).text();
    expect(result).toContain(`MCP access for ${TEAM} is disabled.`);
    expect(result).toMatch(/data-testid="families-revoked">[1-9]\d*</);
    expect(result).toContain('Drill &lt;b&gt;now&lt;/b&gt;');
    expect(settings().enabled).toBe(false);
    expect(settings().killedAt).not.toBeNull();
    const mcp = await fetch(`${gh.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${agent.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(mcp.status).toBe(401);
    // Re-enabling is the Enable switch; the banner goes away.
    await admin.post(`${gh.url}/settings/toggle`, { _csrf: adminCsrf, setting: 'enabled', value: 'on' });
    expect(settings().killedAt).toBeNull();
    const after = await (await admin.fetch(`${gh.url}/settings`)).text();
    expect(after).not.toContain('data-testid="killed"');
    expect(after).toContain('Drill &lt;b&gt;now&lt;/b&gt;');
  });
});
