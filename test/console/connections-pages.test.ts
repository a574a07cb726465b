/**
 * /connections pages each table apart, newest first, keyset (issue 13: pages that do not grow
 * with data): following "Older" from the first page lists every live family of the team once,
 * in order, and a revoked one never.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { CONNECTIONS_PAGE_SIZE } from '../../src/console/connections-service.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
const FAMILIES = CONNECTIONS_PAGE_SIZE * 2 + 20;
let expected: string[] = [];

beforeAll(async () => {
  gh = await startTestGatehouse();
  await signIn(gh.url, 'admin@demo.test'); // the user row exists once they have signed in
  const teamId = seededTeamId(gh);
  const sqlite = gh.ctx.db.$client;
  const user = sqlite
    .query<{ id: string }, [string]>('SELECT id FROM users WHERE lower(email) = ?')
    .get('admin@demo.test')!;
  const insert = sqlite.prepare(
    `INSERT INTO token_families (id, kind, client_id, user_id, team_id, name, scopes, resource, created_at, revoked_at)
     VALUES (?, 'connection', NULL, ?, ?, ?, '["mcp"]', ?, ?, ?)`,
  );
  const base = gh.ctx.clock.now() - 1_000_000;
  for (let i = 0; i < FAMILIES; i++) {
    // Pairs made in the same millisecond, to cross a page boundary on a tie.
    const revoked = i % 10 === 3 ? base : null;
    insert.run(
      `fam_page${String(i).padStart(4, '0')}`,
      user.id,
      teamId,
      `bulk ${i}`,
      gh.url,
      base + (i >> 1),
      revoked,
    );
  }
  expected = sqlite
    .query<{ id: string }, [string]>(
      `SELECT id FROM token_families WHERE team_id = ? AND kind = 'connection' AND revoked_at IS NULL
       ORDER BY created_at DESC, id DESC`,
    )
    .all(teamId)
    .map((r) => r.id);
});
afterAll(() => gh.stop());

const idsIn = (html: string) => [
  ...new Set([...html.matchAll(/\/connections\/(fam_[A-Za-z0-9_-]+)\/revoke/g)].map((m) => m[1]!)),
];

describe('/connections pages', () => {
  test('connection tokens — "Older" walks every live token once, newest first; the revoked are never listed', async () => {
    const admin = await signIn(gh.url, 'admin@demo.test');
    const seen: string[] = [];
    let url = `${gh.url}/connections`;
    for (let pages = 0; pages < 10; pages++) {
      const html = await (await admin.fetch(url)).text();
      const section = html.slice(
        html.indexOf('Connection tokens</h2>'),
        html.indexOf('Create a connection token'),
      );
      const ids = idsIn(section);
      expect(ids.length).toBeLessThanOrEqual(CONNECTIONS_PAGE_SIZE);
      seen.push(...ids);
      const older = /href="\/connections\?tokens_before=([^"]+)"/.exec(section);
      if (!older) break;
      url = `${gh.url}/connections?tokens_before=${older[1]}`;
    }
    expect(seen).toEqual(expected);
    expect(seen.length).toBeGreaterThan(CONNECTIONS_PAGE_SIZE * 2);
  });

  test('connections — a cursor that is not a family id is ignored: the newest page', async () => {
    const admin = await signIn(gh.url, 'admin@demo.test');
    const res = await admin.fetch(`${gh.url}/connections?tokens_before=%27%20OR%201%3D1`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(idsIn(html.slice(html.indexOf('Connection tokens</h2>')))[0]).toBe(expected[0]);
  });
});
