/**
 * The destructive two-step gate beyond the matrix's first call: what a confirmation_token is
 * bound to (connection, tool, exact arguments, environment), that it is single use, and that the
 * team's toggles still apply to the confirming call. Throwaway organizations only.
 *
 * 50 concurrent uses of one token (exactly one delete) are covered for delete_organization in
 * test/tools/organizations.test.ts and for delete_sso_connection / delete_directory in their files.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { type AnyClient, call, connectV1, tokensFor, toolNames } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(30_000);

let gh: TestGatehouse;
let member: AnyClient;
/** The same human as `member`, through a second authorization (another token family). */
let memberAgain: AnyClient;
let admin: AnyClient;
let teamId: string;
let actor: { userId: string; email: string };

beforeAll(async () => {
  gh = await startTestGatehouse();
  const [m, m2, a] = await Promise.all([
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' }),
  ]);
  [member, memberAgain, admin] = await Promise.all([
    connectV1(gh.url, m.access_token),
    connectV1(gh.url, m2.access_token),
    connectV1(gh.url, a.access_token),
  ]);
  await Promise.all([member, memberAgain, admin].map((c) => toolNames(c)));
  teamId = seededTeamId(gh);
  const u = gh.ctx.db.select().from(schema.users).where(eq(schema.users.email, 'admin@demo.test')).get()!;
  actor = { userId: u.id, email: u.email };
});

afterAll(async () => {
  for (const c of [member, memberAgain, admin]) await c?.close().catch(() => {});
  await gh?.stop();
});

let n = 0;
async function throwaway(): Promise<string> {
  n++;
  const r = await call(member, 'create_workos_organization', {
    name: `Destructive ${n}`,
    domains: [`destructive${n}.test`],
  });
  expect(r.isError).toBe(false);
  return (r.structured!.organization as { id: string }).id;
}

async function exists(id: string): Promise<boolean> {
  const r = await call(member, 'get_organization_details', { organization_id: id });
  if (r.isError) expect(r.text).toContain('not found');
  return !r.isError;
}

/** First call: the description and a token; nothing deleted. */
async function tokenFor(client: AnyClient, orgId: string): Promise<string> {
  const r = await call(client, 'delete_organization', { organization_id: orgId });
  expect(r.structured?.status).toBe('confirmation_required');
  expect(await exists(orgId)).toBe(true);
  return r.structured!.confirmation_token as string;
}

const confirm = (client: AnyClient, orgId: string, token: string, extra: Record<string, unknown> = {}) =>
  call(client, 'delete_organization', { organization_id: orgId, confirmation_token: token, ...extra });

describe('destructive two-step', () => {
  test('a token replayed after use is refused', async () => {
    const org = await throwaway();
    const token = await tokenFor(member, org);
    const done = await confirm(member, org, token);
    expect(done.structured?.status).toBe('deleted');
    expect(await exists(org)).toBe(false);
    const replay = await confirm(member, org, token);
    expect(replay.isError).toBe(true);
    expect(replay.text).toContain('That confirmation_token was already used.');
  });

  test('a token used with different arguments is refused and stays valid', async () => {
    const [a, b] = [await throwaway(), await throwaway()];
    const token = await tokenFor(member, a);
    const wrong = await confirm(member, b, token);
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toContain('issued for different arguments');
    expect(await exists(a)).toBe(true);
    expect(await exists(b)).toBe(true);
    const right = await confirm(member, a, token);
    expect(right.structured?.status).toBe('deleted');
    expect(await exists(a)).toBe(false);
    expect(await exists(b)).toBe(true);
  });

  test('spelling out the environment the first call ran in confirms that same call', async () => {
    const org = await throwaway();
    const token = await tokenFor(member, org);
    const done = await confirm(member, org, token, { environment: 'sandbox' });
    expect(done.isError).toBe(false);
    expect(done.structured?.status).toBe('deleted');
    expect(await exists(org)).toBe(false);
  });

  test('a confirmation token never reaches the audit trail in clear: refused before parsing, refused, failed or run', async () => {
    const [a, b, gone] = [await throwaway(), await throwaway(), await throwaway()];
    const tokens = [await tokenFor(member, a), await tokenFor(member, b), await tokenFor(member, gone)];
    const before = gh.ctx.db.select().from(schema.auditEntries).all().length;

    // Refused before its arguments are parsed: an unknown field beside a live token.
    const bogus = await confirm(member, a, tokens[0]!, { force: true });
    expect(bogus.isError).toBe(true);
    expect(bogus.text).toContain('unknown field(s) force');
    // Refused after parsing: the token of another call.
    expect((await confirm(member, a, tokens[1]!)).text).toContain('issued for different arguments');
    // Failed: the organization is gone by the time the confirmed call runs.
    await teamWorkOS(gh).organizations.deleteOrganization(gone);
    expect((await confirm(member, gone, tokens[2]!)).isError).toBe(true);
    // Run.
    expect((await confirm(member, a, tokens[0]!)).structured?.status).toBe('deleted');

    const rows = gh.ctx.db.select().from(schema.auditEntries).all().slice(before);
    // Each spent token has its own entry, committed with the consumption, before the call's.
    expect(rows.map((r) => `${r.event}:${r.outcome}:${r.reason ?? ''}`)).toEqual([
      'tool.call:denied:invalid_arguments',
      'tool.call:denied:confirmation_invalid',
      'confirmation.consumed:ok:',
      'tool.call:failed:not_found',
      'confirmation.consumed:ok:',
      'tool.call:allowed:',
    ]);
    const dump = JSON.stringify(rows);
    for (const t of tokens) expect(dump).not.toContain(t);
    for (const r of rows) expect(JSON.parse(r.args!).confirmation_token).toBe('[redacted]');
  });

  test('a token obtained by one human cannot be used by another, and stays valid for its owner', async () => {
    const org = await throwaway();
    const token = await tokenFor(member, org);
    const stolen = await confirm(admin, org, token);
    expect(stolen.isError).toBe(true);
    expect(stolen.text).toContain('That confirmation_token was issued to another connection.');
    expect(await exists(org)).toBe(true);
    const own = await confirm(member, org, token);
    expect(own.structured?.status).toBe('deleted');
    expect(await exists(org)).toBe(false);
  });

  test('a token is bound to the connection, not only the human: the same human elsewhere is refused', async () => {
    const org = await throwaway();
    const token = await tokenFor(member, org);
    const elsewhere = await confirm(memberAgain, org, token);
    expect(elsewhere.isError).toBe(true);
    expect(elsewhere.text).toContain('issued to another connection');
    expect(await exists(org)).toBe(true);
    expect((await confirm(member, org, token)).structured?.status).toBe('deleted');
  });

  test('a token is bound to its tool and its environment', async () => {
    const org = await throwaway();
    const token = await tokenFor(admin, org);
    const connections = await teamWorkOS(gh).sso.listConnections({ limit: 1 });
    const otherTool = await call(admin, 'delete_sso_connection', {
      connection_id: connections.data[0]!.id,
      confirmation_token: token,
    });
    expect(otherTool.isError).toBe(true);
    expect(otherTool.text).toContain('That confirmation_token was issued for a different tool.');
    // Named per call without switching, production is refused before the token is looked at…
    const unswitched = await confirm(admin, org, token, { environment: 'production' });
    expect(unswitched.isError).toBe(true);
    expect(unswitched.text).toContain('production is used only after switch_environment');
    // …and after switching, a sandbox token does not work there.
    expect((await call(admin, 'switch_environment', { environment: 'production' })).isError).toBe(false);
    try {
      const otherEnv = await confirm(admin, org, token);
      expect(otherEnv.isError).toBe(true);
      expect(otherEnv.text).toContain('That confirmation_token was issued in another environment.');
    } finally {
      await call(admin, 'switch_environment', { environment: 'sandbox' });
    }
    expect(await exists(org)).toBe(true);
    expect((await confirm(admin, org, token)).structured?.status).toBe('deleted');
  });

  test('turning write access off between the two calls refuses the confirmation; the token survives', async () => {
    const org = await throwaway();
    const token = await tokenFor(member, org);
    gh.ctx.settings.update(teamId, { allowWrite: false }, actor);
    try {
      const refused = await confirm(member, org, token);
      expect(refused.isError).toBe(true);
      expect(refused.text.split('\n')[0]).toBe(
        'Error (forbidden): Write access is turned off for your team: Gatehouse is read-only right now.',
      );
      expect(await exists(org)).toBe(true);
    } finally {
      gh.ctx.settings.update(teamId, { allowWrite: true }, actor);
    }
    expect((await confirm(member, org, token)).structured?.status).toBe('deleted');
    expect(await exists(org)).toBe(false);
  });

  test('the confirmed deletion and each refusal are audited', () => {
    const rows = gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .where(eq(schema.auditEntries.tool, 'delete_organization'))
      .all();
    const reasons = rows.map((r) => `${r.outcome}:${r.reason ?? ''}`);
    expect(reasons).toContain('allowed:');
    expect(reasons).toContain('denied:confirmation_required');
    expect(reasons).toContain('denied:confirmation_invalid');
    expect(reasons).toContain('denied:write_disabled');
  });
});
