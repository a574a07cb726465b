/**
 * Upgrading: a data dir written by the release before admission (migrations 0000–0002), used in
 * live mode with one key for sign-in and tools. The operator admits their team with
 * GATEHOUSE_TEAMS and keeps its settings and tokens; an organization that had merely signed in
 * before is not a team and its tokens stop working.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/crypto/random.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { CUSTOMER_ADMIN } from '../../src/emulator/index.ts';
import { startTestSuite, type TestSuite } from '../support/embedded-workos.ts';
import { call, connectV1 } from '../support/mcp.ts';
import { onPostgres } from '../support/pg.ts';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

/** Migrations of the release before admission existed. */
const BEFORE_ADMISSION = 3;
const TEAM_TOKEN = `gatehouse_ct_${'a'.repeat(43)}`;
const CUSTOMER_TOKEN = `gatehouse_ct_${'b'.repeat(43)}`;

let suite: TestSuite;
let gh: TestGatehouse;
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-upgrade-'));
let demoOrg: string;
let acmeOrg: string;

beforeAll(async () => {
  if (onPostgres) return;
  suite = await startTestSuite();
  const identity = suite.client(suite.suite.identity.apiKey);
  const orgs = (await identity.organizations.listOrganizations({ limit: 100 })).data;
  demoOrg = orgs.find((o) => o.name === 'Gatehouse Demo Team')!.id;
  acmeOrg = orgs.find((o) => o.name === CUSTOMER_ADMIN.organization)!.id;
  const member = (await identity.userManagement.listUsers({ email: 'member@demo.test' })).data[0]!;
  const alice = (await identity.userManagement.listUsers({ email: CUSTOMER_ADMIN.email })).data[0]!;

  const port = freePort();
  const resource = `http://localhost:${port}/mcp`;
  // The old release's data dir: two teams (any organization someone signed in to became one).
  const old = openDatabase(join(dataDir, 'gatehouse.db'));
  applyMigrations(old, BEFORE_ADMISSION);
  const now = Date.now();
  const sql = old.$client;
  sql.run(
    'INSERT INTO users (id, workos_user_id, email, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)',
    [
      'user_max',
      member.id,
      'member@demo.test',
      now,
      now,
      'user_alice',
      alice.id,
      CUSTOMER_ADMIN.email,
      now,
      now,
    ],
  );
  sql.run(
    'INSERT INTO teams (id, organization_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)',
    ['team_demo', demoOrg, 'Gatehouse Demo Team', now, now, 'team_acme', acmeOrg, 'Acme Corp', now, now],
  );
  sql.run('INSERT INTO team_settings (team_id, allow_write, updated_at) VALUES (?, 0, ?), (?, 1, ?)', [
    'team_demo',
    now,
    'team_acme',
    now,
  ]);
  for (const [family, user, team, token] of [
    ['fam_demo', 'user_max', 'team_demo', TEAM_TOKEN],
    ['fam_acme', 'user_alice', 'team_acme', CUSTOMER_TOKEN],
  ] as const) {
    sql.run(
      "INSERT INTO token_families (id, kind, user_id, team_id, name, scopes, resource, created_at) VALUES (?, 'connection', ?, ?, 'cli', '[\"mcp\"]', ?, ?)",
      [family, user, team, resource, now],
    );
    sql.run("INSERT INTO tokens (hash, kind, family_id, created_at) VALUES (?, 'connection', ?, ?)", [
      sha256(token),
      family,
      now,
    ]);
  }
  sql.close();

  gh = await startTestGatehouse({
    dataDir,
    keepDataDir: true,
    env: {
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      // The old configuration, plus the one new line the upgrade asks for.
      WORKOS_API_KEY: suite.suite.identity.apiKey,
      WORKOS_CLIENT_ID: suite.suite.identity.clientId,
      WORKOS_API_URL: suite.router.url,
      WORKOS_ISSUER: suite.suite.identity.tokenIssuer,
      GATEHOUSE_TEAMS: demoOrg,
    },
  });
});
afterAll(async () => {
  await gh?.stop();
  await suite?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// SQLite only: no release before admission ran on PostgreSQL, so there is no old database to upgrade.
describe.skipIf(onPostgres)('upgrade — an existing data dir keeps its admitted team', () => {
  test('the admitted team keeps its Gatehouse id and settings; the other is not admitted', () => {
    expect(gh.ctx.teams.admitted().map((t) => t.id)).toEqual(['team_demo']);
    expect(gh.ctx.teams.settings('team_demo').allowWrite).toBe(false);
    expect(gh.ctx.teams.get('team_acme')?.admittedAt).toBeNull();
  });

  test('the team’s token keeps working, on the old key (now its deployment sandbox)', async () => {
    const client = await connectV1(gh.url, TEAM_TOKEN);
    try {
      const me = await call(client, 'whoami');
      expect(me.isError).toBe(false);
      expect((me.structured!.team as { name: string }).name).toBe('Gatehouse Demo Team');
      expect(me.structured?.environments_linked).toEqual({ sandbox: true, production: false });
      const orgs = await call(client, 'list_workos_organizations', { limit: 100 });
      expect(orgs.isError).toBe(false);
      // One key for sign-in and tools: stated, and the admitted team is never among the customers.
      expect(orgs.text).not.toContain('Gatehouse Demo Team');
      expect(gh.ctx.environments.identityShared().map((s) => s.teamId)).toEqual(['team_demo']);
    } finally {
      await client.close();
    }
  });

  test('a token of an organization that was never admitted — refused as not a team', async () => {
    const res = await fetch(`${gh.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${CUSTOMER_TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('not a Gatehouse team');
  });
});
