/**
 * The call path's caches (src/db/epoch.ts) never serve a stale answer: every path that changes
 * what authorizes a call — a revoked token, a toggle, the kill switch, admission, a grant, an
 * environment link (and with it the keys the response filter strips) — is seen by the very next
 * lookup; when another process (the CLI) writes the same database (the file, or on PostgreSQL
 * another connection), from the next turn of the event loop. Booleans are bound as parameters:
 * SQLite stores 1/0, PostgreSQL has a boolean column.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { EpochCache, epochOf } from '../../src/db/epoch.ts';
import { DEMO_PRODUCTION_API_KEY, LABS_PRODUCTION_API_KEY } from '../../src/emulator/index.ts';
import { tokensFor } from '../support/mcp.ts';
import { openStore } from '../support/pg.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(async () => {
  await gh?.stop();
});

const admin = { userId: 'user_test', email: 'admin@demo.test' };
const resolve = async (token: string) => gh.ctx.oauth.principals.resolve(token);
/** One turn of the event loop: how soon another process's commit is seen (src/db/epoch.ts). */
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

test('epoch cache — any write to an authority table moves the epoch and drops the entries', () => {
  const epoch = epochOf(gh.ctx.db);
  const cache = new EpochCache<string, number>(epoch);
  let loads = 0;
  expect(cache.get('k', () => ++loads)).toBe(1);
  expect(cache.get('k', () => ++loads)).toBe(1);
  const before = epoch.current();
  gh.ctx.settings.update(seededTeamId(gh), { piiRedaction: true }, admin);
  expect(epoch.current()).toBeGreaterThan(before);
  expect(cache.get('k', () => ++loads)).toBe(2);
  gh.ctx.settings.update(seededTeamId(gh), { piiRedaction: false }, admin);
});

test('epoch — a write in this process is seen in the same turn, without another read of the row', () => {
  const epoch = epochOf(gh.ctx.db);
  const first = epoch.current();
  expect(epoch.current()).toBe(first);
  gh.ctx.settings.update(seededTeamId(gh), { piiRedaction: true }, admin);
  const moved = epoch.current();
  expect(moved).toBeGreaterThan(first);
  gh.ctx.settings.update(seededTeamId(gh), { piiRedaction: false }, admin);
  expect(epoch.current()).toBeGreaterThan(moved);
});

test('epoch — a write rolled back inside a transaction is never remembered', () => {
  const epoch = epochOf(gh.ctx.db);
  const before = epoch.current();
  const sqlite = gh.ctx.db.$client;
  sqlite.exec('BEGIN');
  try {
    sqlite.run('UPDATE team_settings SET pii_redaction = ? WHERE team_id = ?', [true, seededTeamId(gh)]);
    expect(epoch.current()).toBeGreaterThan(before);
    expect(gh.ctx.teams.settings(seededTeamId(gh)).piiRedaction).toBe(true);
  } finally {
    sqlite.exec('ROLLBACK');
  }
  expect(epoch.current()).toBe(before);
  expect(gh.ctx.teams.settings(seededTeamId(gh)).piiRedaction).toBe(false);
});

test("epoch — another process's commit is seen from the next turn of the event loop", async () => {
  const epoch = epochOf(gh.ctx.db);
  await nextTurn();
  const before = epoch.current();
  const other = await openStore(gh.dataDir);
  try {
    other.run('UPDATE team_settings SET pii_redaction = ? WHERE team_id = ?', [true, seededTeamId(gh)]);
    await nextTurn();
    expect(epoch.current()).toBeGreaterThan(before);
    expect(gh.ctx.teams.settings(seededTeamId(gh)).piiRedaction).toBe(true);
    other.run('UPDATE team_settings SET pii_redaction = ? WHERE team_id = ?', [false, seededTeamId(gh)]);
  } finally {
    other.close();
  }
});

test('epoch cache — a miss the caller does not keep is read again; the map never grows past its bound', () => {
  const cache = new EpochCache<number, number | undefined>(epochOf(gh.ctx.db), 3);
  let loads = 0;
  cache.get(
    0,
    () => {
      loads++;
      return undefined;
    },
    (v) => v !== undefined,
  );
  cache.get(
    0,
    () => {
      loads++;
      return undefined;
    },
    (v) => v !== undefined,
  );
  expect(loads).toBe(2);
  for (let i = 1; i <= 5; i++) cache.get(i, () => i);
  // 1 and 2 were forgotten (oldest first); 5 is kept.
  expect(cache.get(1, () => -1)).toBe(-1);
  expect(cache.get(5, () => -5)).toBe(5);
});

test('bearer cache — a revoked family fails on the very next lookup', async () => {
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  const first = await resolve(access_token);
  expect(first.ok).toBe(true);
  if (!first.ok) return;
  gh.ctx.oauth.tokens.revokeFamilies([first.principal.familyId], 'test');
  expect(await resolve(access_token)).toEqual({ ok: false, reason: 'revoked' });
});

test('principal cache — a settings change and the kill switch apply to the very next lookup', async () => {
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  const before = await resolve(access_token);
  expect(before.ok && before.principal.settings.piiRedaction).toBe(false);
  gh.ctx.settings.update(seededTeamId(gh), { piiRedaction: true }, admin);
  const after = await resolve(access_token);
  expect(after.ok && after.principal.settings.piiRedaction).toBe(true);
  gh.ctx.settings.update(seededTeamId(gh), { piiRedaction: false }, admin);
  expect(gh.ctx.teams.settings(seededTeamId(gh)).piiRedaction).toBe(false);
});

test('principal cache — another process writing the same file (the CLI) is seen from the next turn', async () => {
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  const before = await resolve(access_token);
  expect(before.ok).toBe(true);
  if (!before.ok) return;
  const other = await openStore(gh.dataDir);
  try {
    other.run('UPDATE token_families SET revoked_at = ?, revoked_reason = ? WHERE id = ?', [
      Date.now(),
      'cli',
      before.principal.familyId,
    ]);
    await nextTurn();
    expect(await resolve(access_token)).toEqual({ ok: false, reason: 'revoked' });
    other.run('UPDATE team_settings SET pii_redaction = ? WHERE team_id = ?', [true, seededTeamId(gh)]);
    await nextTurn();
    expect(gh.ctx.teams.settings(seededTeamId(gh)).piiRedaction).toBe(true);
    other.run('UPDATE team_settings SET pii_redaction = ? WHERE team_id = ?', [false, seededTeamId(gh)]);
    await nextTurn();
    expect(gh.ctx.teams.settings(seededTeamId(gh)).piiRedaction).toBe(false);
  } finally {
    other.close();
  }
});

test("membership cache — a role Gatehouse records is the next lookup's, also when another process writes it", async () => {
  const users = gh.ctx.users;
  const team = seededTeamId(gh);
  const user = users.upsertFromWorkOS({
    id: 'user_cache_probe',
    email: 'probe@demo.test',
    firstName: null,
    lastName: null,
  });
  users.recordMembership(team, user.id, 'member', ['workos:read']);
  expect(users.membership(team, user.id)?.role).toBe('member');
  users.recordMembership(team, user.id, 'admin', ['workos:read', 'workos:write']);
  expect(users.membership(team, user.id)?.role).toBe('admin');
  expect(Object.isFrozen(users.membership(team, user.id)?.permissions)).toBe(true);
  const other = await openStore(gh.dataDir);
  try {
    other.run('DELETE FROM team_members WHERE team_id = ? AND user_id = ?', [team, user.id]);
    await nextTurn();
    expect(users.membership(team, user.id)).toBeUndefined();
  } finally {
    other.close();
  }
});

test('teams cache — a team read by id or organization follows a rename here and a change by another process', async () => {
  const teams = gh.ctx.teams;
  const team = teams.get(seededTeamId(gh))!;
  const byOrg = () => teams.getByOrganization(team.organizationId);
  expect(byOrg()?.id).toBe(team.id);
  teams.rename(team.id, 'Renamed For The Cache Test');
  expect(teams.get(team.id)?.name).toBe('Renamed For The Cache Test');
  expect(byOrg()?.name).toBe('Renamed For The Cache Test');
  const other = await openStore(gh.dataDir);
  try {
    other.run('UPDATE teams SET name = ? WHERE id = ?', [team.name, team.id]);
    await nextTurn();
    expect(teams.get(team.id)?.name).toBe(team.name);
    expect(byOrg()?.name).toBe(team.name);
  } finally {
    other.close();
  }
  expect(Object.isFrozen(teams.get(team.id))).toBe(true);
});

test('teams cache — admission changes the protected organizations at once', () => {
  const team = gh.ctx.teams.get(seededTeamId(gh))!;
  expect(gh.ctx.teams.protectedOrganizationIds().has(team.organizationId)).toBe(true);
  gh.ctx.db.$client.run('UPDATE teams SET admitted_at = NULL WHERE id = ?', [team.id]);
  try {
    expect(gh.ctx.teams.protectedOrganizationIds().has(team.organizationId)).toBe(false);
  } finally {
    gh.ctx.db.$client.run('UPDATE teams SET admitted_at = ? WHERE id = ?', [team.admittedAt, team.id]);
  }
  expect(gh.ctx.teams.protectedOrganizationIds().has(team.organizationId)).toBe(true);
});

test('usage counters do not move the epoch (they are written in batches on every call)', async () => {
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  await resolve(access_token);
  const epoch = epochOf(gh.ctx.db);
  const before = epoch.current();
  gh.ctx.oauth.tokens.flushUsage();
  expect(epoch.current()).toBe(before);
});

test('principal cache — the kill switch ends a cached token on the very next lookup', async () => {
  const { access_token } = await tokensFor(gh.url, 'viewer@demo.test');
  expect((await resolve(access_token)).ok).toBe(true);
  gh.ctx.killSwitch.pull(seededTeamId(gh), admin, 'cache drill');
  try {
    const after = await resolve(access_token);
    expect(after.ok).toBe(false);
  } finally {
    gh.ctx.settings.update(seededTeamId(gh), { enabled: true }, admin);
  }
});

test('grants cache — an approval and a revocation are seen by the very next lookup', async () => {
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  const r = await resolve(access_token);
  if (!r.ok) throw new Error('no principal');
  const owner = { userId: r.principal.userId, teamId: r.principal.teamId, familyId: r.principal.familyId };
  expect(gh.ctx.grants.store.approvedFor(owner)).toHaveLength(0);
  const now = Date.now();
  gh.ctx.db.$client.run(
    `INSERT INTO grants (id, kind, status, user_id, team_id, family_id, reason, providers, level, created_at, request_expires_at, expires_at, approval_token_hash)
     VALUES ('grant_cache_test', 'broad', 'approved', ?, ?, ?, 'cache', '["linear"]', 'read', ?, ?, ?, 'x')`,
    [owner.userId, owner.teamId, owner.familyId, now, now + 60_000, now + 60_000],
  );
  expect(gh.ctx.grants.store.approvedFor(owner).map((g) => g.id)).toEqual(['grant_cache_test']);
  gh.ctx.db.$client.run("UPDATE grants SET status = 'revoked' WHERE id = 'grant_cache_test'");
  expect(gh.ctx.grants.store.approvedFor(owner)).toHaveLength(0);
});

test('redaction keys cache — a linked key is redacted on the very next call, an unlinked one no longer', async () => {
  const teamId = seededTeamId(gh);
  const before = gh.ctx.environments.keysToRedact(teamId);
  expect(before).not.toContain(LABS_PRODUCTION_API_KEY);
  // Each answer is the caller's own: the pipeline adds provider tokens to it.
  before.push('gatehouse_provider_token_of_one_call');
  expect(gh.ctx.environments.keysToRedact(teamId)).not.toContain('gatehouse_provider_token_of_one_call');
  await gh.ctx.environments.link(teamId, 'production', LABS_PRODUCTION_API_KEY, admin);
  try {
    expect(gh.ctx.environments.keysToRedact(teamId)).toContain(LABS_PRODUCTION_API_KEY);
  } finally {
    gh.ctx.environments.unlink(teamId, 'production', admin);
  }
  expect(gh.ctx.environments.keysToRedact(teamId)).not.toContain(LABS_PRODUCTION_API_KEY);
});

test("redaction keys cache — another process's link change is seen from the next turn", async () => {
  const teamId = seededTeamId(gh);
  await gh.ctx.environments.link(teamId, 'production', LABS_PRODUCTION_API_KEY, admin);
  expect(gh.ctx.environments.keysToRedact(teamId)).toContain(LABS_PRODUCTION_API_KEY);
  const other = await openStore(gh.dataDir);
  try {
    other.run("DELETE FROM team_environments WHERE team_id = ? AND environment = 'production'", [teamId]);
    await nextTurn();
    expect(gh.ctx.environments.keysToRedact(teamId)).not.toContain(LABS_PRODUCTION_API_KEY);
  } finally {
    other.close();
  }
});

const linkedKey = (teamId: string) => gh.ctx.environments.client(teamId, 'production')?.key;

test('epoch cache — what a rolled-back transaction read is never served, though the epoch comes back to its number', async () => {
  const teamId = seededTeamId(gh);
  await gh.ctx.environments.link(teamId, 'production', LABS_PRODUCTION_API_KEY, admin);
  try {
    const sqlite = gh.ctx.db.$client;
    expect(() =>
      sqlite.transaction(() => {
        sqlite.run("DELETE FROM team_environments WHERE team_id = ? AND environment = 'production'", [
          teamId,
        ]);
        expect(gh.ctx.environments.keysToRedact(teamId)).not.toContain(LABS_PRODUCTION_API_KEY);
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    expect(linkedKey(teamId)).toBe(LABS_PRODUCTION_API_KEY);
    // The next commit moves the epoch to the number the rolled-back transaction had read.
    gh.ctx.settings.update(teamId, { piiRedaction: true }, admin);
    expect(gh.ctx.environments.keysToRedact(teamId)).toContain(LABS_PRODUCTION_API_KEY);
    expect(linkedKey(teamId)).toBe(LABS_PRODUCTION_API_KEY);
  } finally {
    gh.ctx.settings.update(teamId, { piiRedaction: false }, admin);
    gh.ctx.environments.unlink(teamId, 'production', admin);
  }
});

test('environment clients — a link removed and made again by another process (version 1 again) is used from the next turn', async () => {
  const teamId = seededTeamId(gh);
  const other = await openStore(gh.dataDir);
  const where = "WHERE team_id = ? AND environment = 'production'";
  const linkRow = () =>
    other.query(`SELECT * FROM team_environments ${where}`).get(teamId) as Record<string, unknown>;
  try {
    // The row another process will write: a link of the Demo team's own production key.
    await gh.ctx.environments.link(teamId, 'production', DEMO_PRODUCTION_API_KEY, admin);
    const demoRow = linkRow();
    gh.ctx.environments.unlink(teamId, 'production', admin);
    await gh.ctx.environments.link(teamId, 'production', LABS_PRODUCTION_API_KEY, admin);
    expect(linkRow().version).toBe(demoRow.version);
    expect(linkedKey(teamId)).toBe(LABS_PRODUCTION_API_KEY);
    other.run(`DELETE FROM team_environments ${where}`, [teamId]);
    const columns = Object.keys(demoRow);
    other.run(
      `INSERT INTO team_environments (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      Object.values(demoRow) as never[],
    );
    await nextTurn();
    expect(linkedKey(teamId)).toBe(DEMO_PRODUCTION_API_KEY);
    const keys = gh.ctx.environments.keysToRedact(teamId);
    expect(keys).toContain(DEMO_PRODUCTION_API_KEY);
    expect(keys).not.toContain(LABS_PRODUCTION_API_KEY);
  } finally {
    other.close();
    gh.ctx.environments.unlink(teamId, 'production', admin);
  }
});

test('environment clients — a link whose identity flag another process changes gets its client built again (the staff guard follows it)', async () => {
  const teamId = seededTeamId(gh);
  await gh.ctx.environments.link(teamId, 'production', LABS_PRODUCTION_API_KEY, admin);
  const other = await openStore(gh.dataDir);
  try {
    const before = gh.ctx.environments.client(teamId, 'production');
    expect(gh.ctx.environments.client(teamId, 'production')).toBe(before);
    other.run(
      "UPDATE team_environments SET shares_identity = ? WHERE team_id = ? AND environment = 'production'",
      [true, teamId],
    );
    await nextTurn();
    const after = gh.ctx.environments.client(teamId, 'production');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(after?.key).toBe(LABS_PRODUCTION_API_KEY);
  } finally {
    other.close();
    gh.ctx.environments.unlink(teamId, 'production', admin);
  }
});

test('principal cache — toggles another process writes (enabled, production, write) reach the cached principal from the next turn, its token still good', async () => {
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  const settings = async () => {
    const r = await resolve(access_token);
    if (!r.ok) throw new Error(`token refused: ${r.reason}`);
    const s = r.principal.settings;
    return { enabled: s.enabled, allowProduction: s.allowProduction, allowWrite: s.allowWrite };
  };
  const team = seededTeamId(gh);
  // Whatever earlier tests left (the kill switch turns production and write off), all on first.
  const initial = await settings();
  gh.ctx.settings.update(team, { enabled: true, allowProduction: true, allowWrite: true }, admin);
  expect(await settings()).toEqual({ enabled: true, allowProduction: true, allowWrite: true });
  const other = await openStore(gh.dataDir);
  try {
    for (const [column, field] of [
      ['enabled', 'enabled'],
      ['allow_production', 'allowProduction'],
      ['allow_write', 'allowWrite'],
    ] as const) {
      await nextTurn();
      other.run(`UPDATE team_settings SET ${column} = ? WHERE team_id = ?`, [false, team]);
      await nextTurn();
      expect(await settings()).toEqual({
        enabled: true,
        allowProduction: true,
        allowWrite: true,
        [field]: false,
      });
      other.run(`UPDATE team_settings SET ${column} = ? WHERE team_id = ?`, [true, team]);
      await nextTurn();
      expect((await settings())[field]).toBe(true);
    }
  } finally {
    other.close();
    gh.ctx.settings.update(team, initial, admin);
  }
});

test('grants cache — a revocation by another process is seen from the next turn', async () => {
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  const r = await resolve(access_token);
  if (!r.ok) throw new Error('no principal');
  const owner = { userId: r.principal.userId, teamId: r.principal.teamId, familyId: r.principal.familyId };
  const now = Date.now();
  gh.ctx.db.$client.run(
    `INSERT INTO grants (id, kind, status, user_id, team_id, family_id, reason, providers, level, created_at, request_expires_at, expires_at, approval_token_hash)
     VALUES ('grant_cache_other', 'broad', 'approved', ?, ?, ?, 'cache', '["linear"]', 'read', ?, ?, ?, 'x')`,
    [owner.userId, owner.teamId, owner.familyId, now, now + 60_000, now + 60_000],
  );
  expect(gh.ctx.grants.store.approvedFor(owner).map((g) => g.id)).toContain('grant_cache_other');
  const other = await openStore(gh.dataDir);
  try {
    await nextTurn();
    other.run("UPDATE grants SET status = 'revoked' WHERE id = 'grant_cache_other'");
    await nextTurn();
    expect(gh.ctx.grants.store.approvedFor(owner).map((g) => g.id)).not.toContain('grant_cache_other');
  } finally {
    other.close();
  }
});

test("admission — another process's removal refuses the team's cached tokens from the next turn, and its organization is no longer protected", async () => {
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  expect((await resolve(access_token)).ok).toBe(true);
  const team = gh.ctx.teams.get(seededTeamId(gh))!;
  expect(gh.ctx.teams.protectedOrganizationIds().has(team.organizationId)).toBe(true);
  const other = await openStore(gh.dataDir);
  try {
    await nextTurn();
    other.run('UPDATE teams SET admitted_at = NULL WHERE id = ?', [team.id]);
    await nextTurn();
    expect(await resolve(access_token)).toEqual({ ok: false, reason: 'not_admitted' });
    expect(gh.ctx.teams.protectedOrganizationIds().has(team.organizationId)).toBe(false);
    other.run('UPDATE teams SET admitted_at = ? WHERE id = ?', [team.admittedAt, team.id]);
    await nextTurn();
    expect((await resolve(access_token)).ok).toBe(true);
    expect(gh.ctx.teams.protectedOrganizationIds().has(team.organizationId)).toBe(true);
  } finally {
    other.run('UPDATE teams SET admitted_at = ? WHERE id = ?', [team.admittedAt, team.id]);
    other.close();
  }
});

test("embedded environment — a team's seed key another process clears is seen from the next turn (no key kept past its team's row)", async () => {
  const teamId = seededTeamId(gh);
  const seedKey = gh.ctx.teams.get(teamId)!.seedKey;
  expect(seedKey).not.toBeNull();
  expect(gh.ctx.environments.client(teamId, 'sandbox')).toBeDefined();
  const other = await openStore(gh.dataDir);
  try {
    await nextTurn();
    other.run('UPDATE teams SET seed_key = NULL WHERE id = ?', [teamId]);
    await nextTurn();
    expect(gh.ctx.environments.client(teamId, 'sandbox')).toBeUndefined();
  } finally {
    other.run('UPDATE teams SET seed_key = ? WHERE id = ?', [seedKey, teamId]);
    other.close();
  }
  await nextTurn();
  expect(gh.ctx.environments.client(teamId, 'sandbox')).toBeDefined();
});
