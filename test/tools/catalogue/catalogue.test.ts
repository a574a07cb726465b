/**
 * The operations catalogue (issue 19 §2) through a real MCP client, OAuth and the whole policy
 * pipeline: list_operations shows only what the caller may run now, query and mutate pass the
 * operation's own gates, and the trail names the operation.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { schema } from '../../../src/db/client.ts';
import { lastAuditEntry } from '../../support/audit.ts';
import { type AnyClient, call, connectV1, connectV2, tokensFor, toolNames } from '../../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let admin: AnyClient;
let member: AnyClient;
let viewer: AnyClient;

beforeAll(async () => {
  gh = await startTestGatehouse();
  const [a, m, v] = await Promise.all([
    tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' }),
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
  [admin, member, viewer] = await Promise.all([
    connectV1(gh.url, a.access_token),
    connectV1(gh.url, m.access_token),
    connectV2(gh.url, v.access_token),
  ]);
});
afterAll(async () => {
  await Promise.all([admin?.close(), member?.close(), viewer?.close()]);
  await gh?.stop();
});

type Listed = { name: string; kind: string; tool: string; parameters: Record<string, unknown>; docs: string };
const listed = (r: { structured?: Record<string, unknown> }) => r.structured?.operations as Listed[];

const lastEntry = (tool: string) => lastAuditEntry(gh, tool);

describe('tools/list', () => {
  test('tools/list — an admin sees list_operations, query and mutate, and at most 40 tools', async () => {
    const names = await toolNames(admin);
    expect(names).toEqual(expect.arrayContaining(['list_operations', 'query', 'mutate']));
    expect(names.length).toBeLessThanOrEqual(40);
  });

  test('tools/list — a viewer sees list_operations and query, not mutate', async () => {
    const names = await toolNames(viewer);
    expect(names).toEqual(expect.arrayContaining(['list_operations', 'query']));
    expect(names).not.toContain('mutate');
  });
});

describe('list_operations', () => {
  test('list_operations — reads, writes and deletes, each with JSON Schema parameters and a docs link; a member is not offered the sign-in changes', async () => {
    // Verifying or removing a domain always changes sign-in: a team admin's (gatehouse:admin).
    const byMember = listed(await call(member, 'list_operations', { area: 'organization_domains' }));
    expect(byMember.map((o) => o.name).sort()).toEqual([
      'organization_domains.create',
      'organization_domains.get',
    ]);
    const r = await call(admin, 'list_operations', { area: 'organization_domains' });
    expect(r.isError).toBe(false);
    const ops = listed(r);
    expect(ops.map((o) => o.name).sort()).toEqual([
      'organization_domains.create',
      'organization_domains.delete',
      'organization_domains.get',
      'organization_domains.verify',
    ]);
    const verify = ops.find((o) => o.name === 'organization_domains.verify')!;
    expect(verify.kind).toBe('write');
    expect(verify.tool).toBe('mutate');
    expect(verify.docs).toStartWith('https://workos.com/docs/reference/');
    expect(verify.parameters).toMatchObject({
      type: 'object',
      properties: { id: { type: 'string' } },
      required: ['id'],
      additionalProperties: false,
    });
    expect(ops.find((o) => o.name === 'organization_domains.delete')?.kind).toBe('destructive');
  });

  test('list_operations — a viewer is shown reads only; writes they may not run are counted as hidden', async () => {
    const r = await call(viewer, 'list_operations', {});
    expect(r.isError).toBe(false);
    const ops = listed(r);
    expect(ops.length).toBeGreaterThan(30);
    expect(ops.every((o) => o.kind === 'read' && o.tool === 'query')).toBe(true);
    expect(r.structured?.hidden).toBeGreaterThan(10);
    expect(r.structured?.why_hidden).toContain(
      'mutate needs the workos:write permission, which your role (viewer) does not include. Ask a team admin for a role that includes it.',
    );
  });

  test('list_operations — role writes need gatehouse:admin: shown to an admin, not to a member', async () => {
    const m = listed(await call(member, 'list_operations', { area: 'roles' })).map((o) => o.name);
    const a = listed(await call(admin, 'list_operations', { area: 'roles' })).map((o) => o.name);
    expect(m).toContain('roles.list');
    expect(m).not.toContain('roles.create');
    expect(a).toContain('roles.create');
  });

  test('list_operations — search finds by words of the name or summary', async () => {
    const ops = listed(await call(admin, 'list_operations', { search: 'domain verify' }));
    expect(ops.map((o) => o.name)).toContain('organization_domains.verify');
    expect(ops.map((o) => o.name)).not.toContain('organization_domains.get');
  });

  test('list_operations — searching for API keys, Vault or impersonation says they are never in the catalogue', async () => {
    for (const [search, what] of [
      ['rotate api key', 'API keys'],
      ['vault', 'Vault'],
      ['impersonate', 'Impersonating'],
      ['client secret', 'client secrets'],
      ['gatehouse settings', 'Gatehouse'],
      ['delete team', 'WorkOS team'],
    ] as const) {
      const r = await call(admin, 'list_operations', { search });
      expect(r.isError).toBe(false);
      const never = r.structured?.not_in_catalogue as { what: string; why: string }[];
      expect(never.map((n) => n.what).join(' ')).toContain(what);
      expect(r.text).toContain('Not in the catalogue');
    }
  });

  test('list_operations — an unknown area is refused with the areas there are', async () => {
    const r = await call(member, 'list_operations', { area: 'api_keys' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('Invalid arguments for list_operations: area');
  });
});

describe('query', () => {
  test('query organizations.get — answers the organization as WorkOS does', async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({ name: 'Catalogue Query Co' });
    const r = await call(viewer, 'query', { operation: 'organizations.get', params: { id: org.id } });
    expect(r.isError).toBe(false);
    expect(r.structured?.operation).toBe('organizations.get');
    expect(r.structured?.result).toMatchObject({
      object: 'organization',
      id: org.id,
      name: 'Catalogue Query Co',
    });
  });

  test('query organizations.list — a page with list_metadata', async () => {
    const r = await call(viewer, 'query', { operation: 'organizations.list', params: { limit: 2 } });
    expect(r.isError).toBe(false);
    const result = r.structured?.result as { data: unknown[]; list_metadata: unknown };
    expect(result.data.length).toBeLessThanOrEqual(2);
    expect(result.list_metadata).toBeDefined();
  });

  test('query — an unknown operation is refused, pointing at list_operations', async () => {
    const r = await call(viewer, 'query', { operation: 'organizations.explode', params: {} });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('there is no operation named "organizations.explode"');
    expect(r.text).toContain('list_operations');
  });

  test('query — an unknown parameter is refused, naming it and the parameters there are', async () => {
    const r = await call(viewer, 'query', {
      operation: 'organizations.get',
      params: { id: 'org_123', include_secrets: true },
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('unknown field(s) include_secrets for organizations.get; its parameters are id');
    expect(lastEntry('query')).toMatchObject({ outcome: 'denied', reason: 'invalid_arguments' });
  });

  test('query — a path parameter that is not an id is refused before anything is sent', async () => {
    const r = await call(viewer, 'query', { operation: 'organizations.get', params: { id: '../api_keys' } });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('params.id');
  });

  test('query — a write operation is refused: use mutate', async () => {
    const r = await call(member, 'query', {
      operation: 'organization_domains.delete',
      params: { id: 'org_domain_1' },
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('organization_domains.delete changes data: call mutate, not query');
  });

  test('query — a missing object is a clear not-found, not a server error', async () => {
    const r = await call(viewer, 'query', {
      operation: 'organizations.get',
      params: { id: 'org_01MISSING' },
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
  });

  test('query — a Gatehouse team’s own organization is refused (staff are not customers)', async () => {
    const staff = [...gh.ctx.teams.protectedOrganizationIds()][0]!;
    const r = await call(viewer, 'query', { operation: 'organizations.get', params: { id: staff } });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('own organization (staff)');
    expect(lastEntry('query')).toMatchObject({ outcome: 'denied', reason: 'staff_organization' });
  });
});

describe('mutate', () => {
  test('mutate — a viewer is refused: mutate needs workos:write', async () => {
    const r = await call(viewer, 'mutate', {
      operation: 'organizations.create',
      params: { name: 'Viewer Was Here' },
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('mutate needs the workos:write permission');
    const orgs = await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 });
    expect(orgs.data.some((o) => o.name === 'Viewer Was Here')).toBe(false);
  });

  test('mutate — a member may not create a role: roles.create needs gatehouse:admin', async () => {
    const r = await call(member, 'mutate', {
      operation: 'roles.create',
      params: { slug: 'catalogue-probe', name: 'Probe' },
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('mutate needs the gatehouse:admin permission');
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied', reason: 'missing_permission' });
  });

  test('mutate — a read operation is refused: use query', async () => {
    const r = await call(member, 'mutate', { operation: 'organizations.list', params: {} });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('organizations.list only reads: call query, not mutate');
  });

  test('mutate — the audit entry records the operation and its parameters', async () => {
    const r = await call(member, 'mutate', {
      operation: 'organizations.create',
      params: { name: 'Catalogue Audit Co', external_id: 'cat-audit-1' },
    });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({ operation: 'organizations.create', status: 'done' });
    const e = lastEntry('mutate')!;
    expect(e.outcome).toBe('allowed');
    expect(JSON.parse(String(e.args))).toMatchObject({
      operation: 'organizations.create',
      params: { name: 'Catalogue Audit Co', external_id: 'cat-audit-1' },
    });
    expect(String(e.details)).toContain('organizations.create');
  });
});

describe('organizations', () => {
  test('organizations.update and get_by_external_id — the change is read back by its external id', async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({ name: 'Catalogue Rename Co' });
    const r = await call(member, 'mutate', {
      operation: 'organizations.update',
      params: {
        id: org.id,
        name: 'Catalogue Renamed Co',
        external_id: 'cat-renamed-1',
        metadata: { tier: 'gold' },
      },
    });
    expect(r.isError).toBe(false);
    const got = await call(viewer, 'query', {
      operation: 'organizations.get_by_external_id',
      params: { external_id: 'cat-renamed-1' },
    });
    expect(got.structured?.result).toMatchObject({
      id: org.id,
      name: 'Catalogue Renamed Co',
      metadata: { tier: 'gold' },
    });
  });

  test('organizations.delete — described exactly as delete_organization describes it; nothing deleted yet', async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({ name: 'Catalogue Doomed Co' });
    const viaCatalogue = await call(member, 'mutate', {
      operation: 'organizations.delete',
      params: { id: org.id },
    });
    const viaTool = await call(member, 'delete_organization', { organization_id: org.id });
    expect(viaCatalogue.structured?.status).toBe('confirmation_required');
    const { operation, ...described } = (viaCatalogue.structured?.will_destroy ?? {}) as Record<
      string,
      unknown
    >;
    expect(operation).toBe('organizations.delete');
    expect(described).toEqual(viaTool.structured?.will_destroy as Record<string, unknown>);
    expect((await teamWorkOS(gh).organizations.getOrganization(org.id)).id).toBe(org.id);
  });

  test('mutate — with "Allow write access" off it is refused, and list_operations shows reads only', async () => {
    const teamId = seededTeamId(gh);
    const adminUser = gh.ctx.db
      .select()
      .from(schema.users)
      .where(eq(schema.users.email, 'admin@demo.test'))
      .get()!;
    const actor = { userId: adminUser.id, email: adminUser.email };
    gh.ctx.settings.update(teamId, { allowWrite: false }, actor);
    try {
      const r = await call(member, 'mutate', {
        operation: 'organizations.create',
        params: { name: 'Read Only Co' },
      });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('Write access is turned off');
      const ops = listed(await call(member, 'list_operations', {}));
      expect(ops.length).toBeGreaterThan(0);
      expect(ops.every((o) => o.kind === 'read')).toBe(true);
    } finally {
      gh.ctx.settings.update(teamId, { allowWrite: true }, actor);
    }
  });
});

describe('mutate — the destructive gate holds as for a named delete', () => {
  const adminActor = () => {
    const u = gh.ctx.db.select().from(schema.users).where(eq(schema.users.email, 'admin@demo.test')).get()!;
    return { userId: u.id, email: u.email };
  };

  test('mutate — a delete_organization token does not confirm mutate organizations.delete, nor the reverse', async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({ name: 'Catalogue Token Swap Co' });
    const named = await call(member, 'delete_organization', { organization_id: org.id });
    const viaMutate = await call(member, 'mutate', {
      operation: 'organizations.delete',
      params: { id: org.id },
      confirmation_token: String(named.structured?.confirmation_token),
    });
    expect(viaMutate.isError).toBe(true);
    const first = await call(member, 'mutate', { operation: 'organizations.delete', params: { id: org.id } });
    const viaNamed = await call(member, 'delete_organization', {
      organization_id: org.id,
      confirmation_token: String(first.structured?.confirmation_token),
    });
    expect(viaNamed.isError).toBe(true);
    expect((await teamWorkOS(gh).organizations.getOrganization(org.id)).id).toBe(org.id);
  });

  test('mutate — write access turned off between describe and confirm: the confirming call is refused', async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({ name: 'Catalogue Late Toggle Co' });
    const first = await call(member, 'mutate', { operation: 'organizations.delete', params: { id: org.id } });
    expect(first.structured?.status).toBe('confirmation_required');
    gh.ctx.settings.update(seededTeamId(gh), { allowWrite: false }, adminActor());
    try {
      const r = await call(member, 'mutate', {
        operation: 'organizations.delete',
        params: { id: org.id },
        confirmation_token: String(first.structured?.confirmation_token),
      });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('Write access is turned off');
    } finally {
      gh.ctx.settings.update(seededTeamId(gh), { allowWrite: true }, adminActor());
    }
    expect((await teamWorkOS(gh).organizations.getOrganization(org.id)).id).toBe(org.id);
  });

  test('mutate — a team whose deletions need a person: the delete waits for them in the console, no token for the agent', async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({ name: 'Catalogue Person Co' });
    gh.ctx.settings.update(seededTeamId(gh), { destructiveNeedsPerson: true }, adminActor());
    try {
      const r = await call(member, 'mutate', { operation: 'organizations.delete', params: { id: org.id } });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('waiting for them in the Gatehouse console');
      expect(r.text).not.toContain('confirm_');
    } finally {
      gh.ctx.settings.update(seededTeamId(gh), { destructiveNeedsPerson: false }, adminActor());
    }
    expect((await teamWorkOS(gh).organizations.getOrganization(org.id)).id).toBe(org.id);
  });
});

describe('metrics', () => {
  test('metrics — catalogue calls are counted per operation (`query organizations.list`), not only as query', async () => {
    await call(member, 'query', { operation: 'organizations.list', params: {} });
    const text = await (await fetch(`${gh.url}/metrics`)).text();
    expect(text).toContain('tool="query organizations.list"');
  });
});
