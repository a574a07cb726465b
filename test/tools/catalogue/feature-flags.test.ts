/**
 * Feature flags end to end: a real MCP client through the full OAuth flow lists, reads, enables
 * and disables the embedded sandbox's seeded flags (src/emulator/seed/sandbox-flags.ts) with the
 * catalogue, the answers parse with @workos-inc/node's own methods, and the refusals are WorkOS's
 * (404 for an unknown flag or organization, 422 for a bad list parameter) or Gatehouse's own
 * 4xx for bad input — never a 500.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { NotFoundException, UnprocessableEntityException, type WorkOS } from '@workos-inc/node';
import { lastAuditEntry } from '../../support/audit.ts';
import { type AnyClient, call } from '../../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';
import { connectPeople } from './support.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let member: AnyClient;
let viewer: AnyClient;
let w: WorkOS;
let acme: string;
let initech: string;

type Row = Record<string, unknown>;

beforeAll(async () => {
  gh = await startTestGatehouse();
  [member, viewer] = await connectPeople(gh, 'member', 'viewer');
  w = teamWorkOS(gh);
  const orgs = (await w.organizations.listOrganizations({ limit: 100 })).data;
  acme = orgs.find((o) => o.name === 'Acme Corp')!.id;
  initech = orgs.find((o) => o.name === 'Initech')!.id;
});
afterAll(async () => {
  await Promise.all([member?.close(), viewer?.close()]);
  await gh?.stop();
});

const query = (operation: string, params: Row = {}) => call(member, 'query', { operation, params });
const mutate = (client: AnyClient, operation: string, params: Row) =>
  call(client, 'mutate', { operation, params });
const result = (r: { structured?: Row }) => r.structured?.result as Row;
const slugs = (r: { structured?: Row }) => (result(r).data as Row[]).map((f) => f.slug).sort();

const lastEntry = (tool: string) => lastAuditEntry(gh, tool)!;

describe('feature flags — the seeded sandbox, end to end', () => {
  test('feature_flags.list and .get — the documented Feature Flag object (tags, default_value), as the SDK parses it', async () => {
    const list = await query('feature_flags.list');
    expect(list.isError).toBe(false);
    expect(slugs(list)).toEqual(['advanced-analytics', 'audit-export-v2']);
    const got = await query('feature_flags.get', { slug: 'advanced-analytics' });
    expect(got.isError).toBe(false);
    expect(result(got)).toMatchObject({
      object: 'feature_flag',
      slug: 'advanced-analytics',
      name: 'Advanced Analytics',
      tags: ['beta'],
      enabled: true,
      default_value: false,
    });
    expect(Object.keys(result(got)).sort()).toEqual(
      [
        'created_at',
        'default_value',
        'description',
        'enabled',
        'id',
        'name',
        'object',
        'slug',
        'tags',
        'updated_at',
      ].sort(),
    );
    // The SDK's own deserialiser reads the same answers.
    const sdk = await w.featureFlags.getFeatureFlag('audit-export-v2');
    expect(sdk).toMatchObject({ slug: 'audit-export-v2', description: null, tags: [], defaultValue: true });
    const all = await w.featureFlags.listFeatureFlags();
    expect(all.data.map((f) => f.slug).sort()).toEqual(['advanced-analytics', 'audit-export-v2']);
  });

  test('feature_flags.list_for_organization — the flags on for that organization: targeted, or on by default', async () => {
    expect(slugs(await query('feature_flags.list_for_organization', { id: acme }))).toEqual([
      'advanced-analytics',
    ]);
    expect(slugs(await query('feature_flags.list_for_organization', { id: initech }))).toEqual([]);
    const sdk = await w.featureFlags.listOrganizationFeatureFlags({ organizationId: acme });
    expect(sdk.data.map((f) => f.slug)).toEqual(['advanced-analytics']);
  });

  test('feature_flags.enable then .disable — the flag answers its new state, organizations follow, the trail names the operation', async () => {
    const on = await mutate(member, 'feature_flags.enable', { slug: 'audit-export-v2' });
    expect(on.isError).toBe(false);
    expect(on.structured).toMatchObject({ operation: 'feature_flags.enable', status: 'done' });
    expect(result(on)).toMatchObject({ slug: 'audit-export-v2', enabled: true });
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'allowed' });
    expect(JSON.parse(lastEntry('mutate').args ?? '{}')).toMatchObject({ operation: 'feature_flags.enable' });
    // On by default: every organization has it now.
    expect(slugs(await query('feature_flags.list_for_organization', { id: initech }))).toEqual([
      'audit-export-v2',
    ]);
    expect((await w.featureFlags.getFeatureFlag('audit-export-v2')).enabled).toBe(true);

    const off = await mutate(member, 'feature_flags.disable', { slug: 'audit-export-v2' });
    expect(off.isError).toBe(false);
    expect(result(off)).toMatchObject({ slug: 'audit-export-v2', enabled: false });
    expect(slugs(await query('feature_flags.list_for_organization', { id: initech }))).toEqual([]);
  });

  test('feature_flags.enable / .disable — a viewer’s agent is refused (workos:write) and the flag does not change', async () => {
    const before = (await w.featureFlags.getFeatureFlag('advanced-analytics')).enabled;
    for (const op of ['feature_flags.enable', 'feature_flags.disable']) {
      const r = await mutate(viewer, op, { slug: 'advanced-analytics' });
      expect(r.isError).toBe(true);
      expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied' });
    }
    expect((await w.featureFlags.getFeatureFlag('advanced-analytics')).enabled).toBe(before);
  });

  test('feature_flags.enable / .disable — an unknown flag is WorkOS’s 404, told clearly', async () => {
    for (const op of ['feature_flags.enable', 'feature_flags.disable']) {
      const r = await mutate(member, op, { slug: 'no-such-flag' });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('not found');
    }
    const org = await query('feature_flags.list_for_organization', { id: 'org_01FLAGSNOPE' });
    expect(org.isError).toBe(true);
    expect(org.text).toContain('not found');
  });

  test('feature flags — bad input is refused with what is wrong, never a 500', async () => {
    const slug = await mutate(member, 'feature_flags.enable', { slug: 'Not A Slug!' });
    expect(slug.isError).toBe(true);
    expect(slug.text).toContain('slug');
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied' });
    const extra = await mutate(member, 'feature_flags.disable', { slug: 'advanced-analytics', value: true });
    expect(extra.isError).toBe(true);
    expect(extra.text).toContain('unknown field(s) value');
    const limit = await query('feature_flags.list', { limit: 500 });
    expect(limit.isError).toBe(true);
    expect(limit.text).not.toContain('500');
  });

  test('the fixture itself — WorkOS’s 422 for a bad list parameter and 404 for an unknown flag, as the SDK raises them', async () => {
    await expect(w.featureFlags.listFeatureFlags({ limit: 500 })).rejects.toBeInstanceOf(
      UnprocessableEntityException,
    );
    await expect(w.featureFlags.getFeatureFlag('no-such-flag')).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      w.featureFlags.listOrganizationFeatureFlags({ organizationId: 'org_01FLAGSNOPE' }),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});
