/**
 * /audit: filters, seq-cursor pages, who sees which entries, hostile text escaped, Verify
 * (intact, then BROKEN after tampering), and JSONL/CSV export of a time range.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { HTML_ORG_NAME } from '../../src/emulator/seed/index.ts';
import { type CookieClient, hiddenInput } from '../support/http.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

// Each file starts real servers: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const TEAM = 'Gatehouse Demo Team';
const WHOAMI_CALLS = 55;

let gh: TestGatehouse;
let adminWeb: CookieClient;
let memberWeb: CookieClient;
let adminCsrf: string;
let memberCsrf: string;
let teamId: string;
let memberClientId: string;
const agents: AnyClient[] = [];

interface Row {
  seq: number;
  event: string;
  actor: string;
  tool: string;
  outcome: string;
}

/** The rows of an /audit page, parsed from its HTML. */
function rows(html: string): Row[] {
  return [...html.matchAll(/<tr data-seq="(\d+)" data-testid="audit-row">([\s\S]*?)<\/tr>/g)].map((m) => {
    const cells = [...m[2]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, ''));
    return { seq: Number(m[1]), event: cells[1]!, actor: cells[2]!, tool: cells[4]!, outcome: cells[6]! };
  });
}

function href(html: string, testId: string): string | undefined {
  const m = new RegExp(`<a href="([^"]+)"[^>]*data-testid="${testId}"`).exec(html);
  return m?.[1]?.replace(/&amp;/g, '&');
}

async function page(client: CookieClient, query = ''): Promise<string> {
  const res = await client.fetch(`${gh.url}/audit${query}`);
  expect(res.status).toBe(200);
  return res.text();
}

beforeAll(async () => {
  gh = await startTestGatehouse();
  const [adminTokens, memberTokens, viewerTokens] = await Promise.all([
    tokensFor(gh.url, 'admin@demo.test', { team: TEAM }),
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
  const [admin, member, viewer] = await Promise.all(
    [adminTokens, memberTokens, viewerTokens].map((t) => connectV1(gh.url, t.access_token)),
  );
  agents.push(admin!, member!, viewer!);
  const fam = gh.ctx.oauth.tokens.bearer(memberTokens.access_token)!.family;
  teamId = fam.teamId;
  memberClientId = fam.clientId!;

  const evil = (await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 })).data.find(
    (o) => o.name === HTML_ORG_NAME,
  )!;
  expect((await call(member!, 'get_organization_details', { organization_id: evil.id })).isError).toBe(false);
  expect((await call(member!, 'get_organization_details', { organization_id: 'org_nope' })).isError).toBe(
    true,
  );
  expect((await call(viewer!, 'create_workos_organization', { name: 'Viewer Co' })).isError).toBe(true);
  expect((await call(admin!, 'whoami')).isError).toBe(false);
  for (let i = 0; i < WHOAMI_CALLS; i++) await call(member!, 'whoami');

  [adminWeb, memberWeb] = await Promise.all([
    signIn(gh.url, 'admin@demo.test', TEAM),
    signIn(gh.url, 'member@demo.test'),
  ]);
  adminCsrf = hiddenInput(await page(adminWeb), '_csrf')!;
  memberCsrf = hiddenInput(await page(memberWeb), '_csrf')!;
});
afterAll(async () => {
  await Promise.allSettled(agents.map((a) => a.close()));
  await gh?.stop();
});

describe('filters (admin: the whole team)', () => {
  test('by tool', async () => {
    const r = rows(await page(adminWeb, '?tool=get_organization_details'));
    expect(r.length).toBe(2);
    expect(r.every((x) => x.tool === 'get_organization_details')).toBe(true);
    expect(r.map((x) => x.outcome).sort()).toEqual(['allowed', 'failed']);
  });

  test('by outcome', async () => {
    const denied = rows(await page(adminWeb, '?outcome=denied'));
    expect(denied.length).toBe(1);
    expect(denied[0]).toMatchObject({ tool: 'create_workos_organization', actor: 'viewer@demo.test' });
    const failed = rows(await page(adminWeb, '?outcome=failed&tool=get_organization_details'));
    expect(failed.map((x) => x.outcome)).toEqual(['failed']);
  });

  test('by user (email, any case) and by client', async () => {
    const viewer = rows(await page(adminWeb, '?user=Viewer%40demo.test'));
    expect(viewer.length).toBeGreaterThan(0);
    expect(viewer.every((x) => x.actor === 'viewer@demo.test')).toBe(true);
    expect(viewer.some((x) => x.event === 'tool.call')).toBe(true);
    const byClient = rows(await page(adminWeb, `?client=${memberClientId}&tool=whoami`));
    expect(byClient.length).toBe(50);
    expect(byClient.every((x) => x.actor === 'member@demo.test')).toBe(true);
  });

  test('by event and time range', async () => {
    const events = rows(await page(adminWeb, '?event=oauth.consent'));
    expect(events.length).toBe(3);
    expect(events.every((x) => x.event === 'oauth.consent')).toBe(true);
    const future = rows(await page(adminWeb, `?from=${new Date(Date.now() + 3_600_000).toISOString()}`));
    expect(future).toEqual([]);
    const past = rows(await page(adminWeb, '?to=2000-01-01'));
    expect(past).toEqual([]);
    const recent = rows(await page(adminWeb, '?from=1h&tool=get_organization_details'));
    expect(recent.length).toBe(2);
  });

  test('a bad time or outcome is reported and ignored', async () => {
    const html = await page(adminWeb, '?from=yesterday-ish&outcome=maybe&tool=get_organization_details');
    expect(html).toContain('is not a time');
    expect(html).toContain('Outcome must be one of');
    expect(rows(html).length).toBe(2);
  });
});

describe('pages', () => {
  test('newest first, 50 per page; Older/Newer links keep the filter', async () => {
    const first = await page(adminWeb, '?tool=whoami');
    const a = rows(first);
    expect(a.length).toBe(50);
    expect(a.map((x) => x.seq)).toEqual([...a.map((x) => x.seq)].sort((x, y) => y - x));
    expect(href(first, 'newer')).toBeUndefined();
    const older = href(first, 'older')!;
    expect(older).toBe(`/audit?tool=whoami&before=${a.at(-1)!.seq}`);

    const second = await page(adminWeb, older.slice('/audit'.length));
    const b = rows(second);
    expect(b.length).toBe(WHOAMI_CALLS + 1 - 50);
    expect(b.every((x) => x.tool === 'whoami')).toBe(true);
    expect(b[0]!.seq).toBeLessThan(a.at(-1)!.seq);
    expect(href(second, 'older')).toBeUndefined();

    const newer = href(second, 'newer')!;
    expect(newer).toBe(`/audit?tool=whoami&after=${b[0]!.seq}`);
    const back = rows(await page(adminWeb, newer.slice('/audit'.length)));
    expect(back.map((x) => x.seq)).toEqual(a.map((x) => x.seq));
  });
});

describe('non-admins', () => {
  test('a member sees only the entries they are the actor of, whatever the filter says', async () => {
    const userOf = (seq: number) =>
      gh.ctx.db.$client
        .query<{ u: string }, [number]>('SELECT user_id AS u FROM audit_entries WHERE seq = ?')
        .get(seq)!.u;
    const memberUserId = gh.ctx.db.$client
      .query<{ id: string }, []>("SELECT id FROM users WHERE email = 'member@demo.test'")
      .get()!.id;
    for (const q of ['', '?user=viewer%40demo.test', '?tool=whoami&before=999999']) {
      const html = await page(memberWeb, q);
      const r = rows(html);
      expect(r.length).toBeGreaterThan(0);
      // Their own: the entries whose user is them (an actor email is not always recorded).
      expect(new Set(r.map((x) => userOf(x.seq)))).toEqual(new Set([memberUserId]));
      expect(r.every((x) => x.actor === 'member@demo.test' || x.actor === '')).toBe(true);
      expect(html).not.toContain('viewer@demo.test');
      expect(html).not.toContain('admin@demo.test<');
    }
    const mine = rows(await page(memberWeb, '?tool=get_organization_details'));
    expect(mine.length).toBe(2);
    expect(rows(await page(memberWeb, '?outcome=denied'))).toEqual([]);
    const html = await page(memberWeb);
    expect(html).not.toContain('name="user"');
    expect(html).not.toContain('Verify the chain');
    expect(html).not.toContain('/audit/export');
  });

  test('a member can neither verify nor export', async () => {
    const verify = await memberWeb.post(`${gh.url}/audit/verify`, { _csrf: memberCsrf });
    expect(verify.status).toBe(403);
    const exported = await memberWeb.post(`${gh.url}/audit/export`, { _csrf: memberCsrf, format: 'jsonl' });
    expect(exported.status).toBe(403);
    expect(exported.headers.get('content-type')).toContain('text/html');
  });
});

test('hostile upstream text is escaped: the seeded org name shows as text', async () => {
  const html = await page(adminWeb, '?tool=get_organization_details&outcome=allowed');
  expect(html).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt; Corp');
  expect(html).not.toContain('<script>alert(1)</script>');
  // The only scripts on the page are htmx and the console's own, both served from this origin.
  expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([
    '<script src="/assets/htmx.min.js" defer>',
    '<script src="/assets/app.js" defer>',
  ]);
  // Args and details are pretty JSON inside <details>.
  expect(html).toMatch(
    /<details><summary>details<\/summary><pre>\{\n {2}&quot;summary&quot;: &quot;Evil &lt;script&gt;/,
  );
});

describe('export', () => {
  const teamRows = (since: number, until: number) =>
    gh.ctx.db.$client
      .query<{ seq: number }, [string, number, number]>(
        'SELECT seq FROM audit_entries WHERE team_id = ? AND at >= ? AND at < ? ORDER BY seq',
      )
      .all(teamId, since, until)
      .map((r) => r.seq);

  test('JSONL: a download of the team’s entries in the range, oldest first', async () => {
    const all = gh.ctx.db.$client
      .query<{ seq: number; at: number }, [string]>(
        'SELECT seq, at FROM audit_entries WHERE team_id = ? ORDER BY seq',
      )
      .all(teamId);
    const since = all[Math.floor(all.length / 2)]!.at;
    const until = all.at(-5)!.at;
    const res = await adminWeb.post(`${gh.url}/audit/export`, {
      _csrf: adminCsrf,
      format: 'jsonl',
      since: new Date(since).toISOString(),
      until: new Date(until).toISOString(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="gatehouse-audit-\d{8}T\d{6}\.jsonl"$/,
    );
    const lines = (await res.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.seq)).toEqual(teamRows(since, until));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l.team_id).toBe(teamId);
      const at = Date.parse(l.at as string);
      expect(at).toBeGreaterThanOrEqual(since);
      expect(at).toBeLessThan(until);
    }
  });

  test('CSV: header plus one row per entry; the page’s export form carries the filter’s range', async () => {
    const html = await page(adminWeb, '?from=2000-01-01&to=2100-01-01');
    const form = /<form method="post" action="\/audit\/export"[\s\S]*?<\/form>/.exec(html)![0];
    const hidden = Object.fromEntries(
      [...form.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    expect(hidden).toEqual({
      _csrf: expect.any(String),
      since: '2000-01-01T00:00:00.000Z',
      until: '2100-01-01T00:00:00.000Z',
    });
    expect(form).toContain('name="format" value="csv"');
    const res = await adminWeb.post(`${gh.url}/audit/export`, { ...hidden, format: 'csv' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/);
    const text = await res.text();
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]!.startsWith('seq,id,at,event,team_id')).toBe(true);
    // Every data line starts with a seq of the team (quoted fields may hold newlines: count starts).
    const seqs = [...text.matchAll(/\r\n(\d+),aud_/g)].map((m) => Number(m[1]));
    const expected = teamRows(Date.parse('2000-01-01'), Date.parse('2100-01-01'));
    // The export is audited before the file is written: its own entry is in the range too.
    expect(seqs).toEqual(expected);
    const exported = rows(await page(adminWeb, '?event=audit.exported'));
    expect(exported.length).toBe(2);
    expect(exported.every((x) => x.actor === 'admin@demo.test')).toBe(true);
  });

  test('a bad format or time is refused', async () => {
    const post = (fields: Record<string, string>) =>
      adminWeb.post(`${gh.url}/audit/export`, { _csrf: adminCsrf, ...fields });
    expect((await post({ format: 'xml' })).status).toBe(400);
    expect((await post({ format: 'csv', since: 'soon' })).status).toBe(400);
  });

  test('without the CSRF token nothing is exported and nothing is audited (no cross-site writes to the trail)', async () => {
    const count = () =>
      gh.ctx.db.$client
        .query<{ n: number }, []>("SELECT count(*) AS n FROM audit_entries WHERE event = 'audit.exported'")
        .get()!.n;
    const before = count();
    for (const fields of [{ format: 'jsonl' }, { format: 'jsonl', _csrf: 'forged' }] as Record<
      string,
      string
    >[]) {
      const res = await adminWeb.post(`${gh.url}/audit/export`, fields);
      expect(res.status).toBe(403);
    }
    expect((await adminWeb.fetch(`${gh.url}/audit/export?format=jsonl`)).status).toBe(404);
    expect(count()).toBe(before);
  });
});

describe('verify', () => {
  test('needs a CSRF token', async () => {
    expect((await adminWeb.post(`${gh.url}/audit/verify`, {})).status).toBe(403);
    expect(
      (await adminWeb.post(`${gh.url}/audit/verify`, { _csrf: 'x' }, { 'hx-request': 'true' })).status,
    ).toBe(403);
  });

  test('intact (htmx fragment and plain form), then BROKEN at the tampered entry', async () => {
    const ok = await adminWeb.post(`${gh.url}/audit/verify`, { _csrf: adminCsrf }, { 'hx-request': 'true' });
    expect(ok.status).toBe(200);
    const fragment = await ok.text();
    expect(fragment.startsWith('<div id="verify-result"')).toBe(true);
    expect(fragment).toContain('class="verify ok"');
    expect(fragment).toMatch(/Audit trail intact: \d+ entries verified/);
    const plain = await adminWeb.post(`${gh.url}/audit/verify`, { _csrf: adminCsrf });
    expect(plain.status).toBe(200);
    expect(await plain.text()).toContain('Audit trail intact');

    const victim = rows(await page(adminWeb, '?outcome=denied'))[0]!.seq;
    gh.ctx.db.$client.run("UPDATE audit_entries SET reason = 'nothing to see' WHERE seq = ?", [victim]);
    const broken = await adminWeb.post(
      `${gh.url}/audit/verify`,
      { _csrf: adminCsrf },
      { 'hx-request': 'true' },
    );
    const html = await broken.text();
    expect(html).toContain('class="verify broken"');
    expect(html).toContain(`Audit trail BROKEN at entry #${victim}`);
    expect(html).toContain('the entry was altered');
  });
});
