/**
 * The embedded suite and its seeds: the identity environment people sign in to (staff teams,
 * their people, one customer admin) and each staff team's managed sandbox and production, with
 * customers of their own. Read over real HTTP with the real SDK.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import {
  CUSTOMER_ADMIN,
  EMBEDDED_NAMES,
  type EmbeddedSuite,
  type EmbeddedWorkOS,
  HTML_ORG_NAME,
  IDENTITY_API_KEY,
  LOCAL_API_KEYS,
  LOCAL_CLIENT_ID,
  STAFF_ORGS,
  startEmbeddedSuite,
} from '../../src/emulator/index.ts';
import { createWorkOSClient, targetForEmbedded } from '../../src/workos/client.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let suite: EmbeddedSuite;

beforeAll(async () => {
  suite = await startEmbeddedSuite();
});

afterAll(async () => {
  await suite?.close();
});

const client = (e: EmbeddedWorkOS): WorkOS => createWorkOSClient(targetForEmbedded(e), { maxRetries: 0 });

const orgs = async (e: EmbeddedWorkOS) =>
  (await client(e).organizations.listOrganizations({ limit: 100 })).data;
const orgNames = async (e: EmbeddedWorkOS) => (await orgs(e)).map((o) => o.name).sort();
const userEmails = async (e: EmbeddedWorkOS) =>
  (await client(e).userManagement.listUsers({ limit: 100 })).data.map((u) => u.email).sort();

const env = (name: string): EmbeddedWorkOS => {
  const found = suite.all.find((e) => e.name === name);
  if (!found) throw new Error(`no environment ${name}`);
  return found;
};
const managed = () => suite.all.filter((e) => e.name !== 'identity');

describe('suite', () => {
  test('suite — five environments, each with its own port, key and client id', () => {
    expect(suite.all.map((e) => e.name)).toEqual([...EMBEDDED_NAMES]);
    expect(suite.all.map((e) => [e.name, e.environment, e.apiKey, e.clientId])).toEqual([
      ['identity', 'sandbox', 'sk_test_gatehouse_identity_1a11', 'client_gatehouse_local'],
      ['demo-sandbox', 'sandbox', 'sk_test_gatehouse_demo_sandbox_2d5b', 'client_gatehouse_demo_sandbox'],
      [
        'demo-production',
        'production',
        'sk_test_gatehouse_demo_production_3d9c',
        'client_gatehouse_demo_production',
      ],
      ['labs-sandbox', 'sandbox', 'sk_test_gatehouse_labs_sandbox_4a5b', 'client_gatehouse_labs_sandbox'],
      [
        'labs-production',
        'production',
        'sk_test_gatehouse_labs_production_5a9c',
        'client_gatehouse_labs_production',
      ],
    ]);
    expect(new Set(suite.all.map((e) => e.port)).size).toBe(5);
    expect(suite.identity.apiKey).toBe(IDENTITY_API_KEY);
    expect(suite.identity.clientId).toBe(LOCAL_CLIENT_ID);
    // Back-compat: the Demo team's keys.
    expect(LOCAL_API_KEYS).toEqual({
      sandbox: 'sk_test_gatehouse_demo_sandbox_2d5b',
      production: 'sk_test_gatehouse_demo_production_3d9c',
    });
  });

  test('suite — teams name their staff organization and its two managed environments', () => {
    expect(suite.teams.map((t) => [t.seedKey, t.name, t.sandbox.name, t.production.name])).toEqual([
      ['gatehouse-demo-team', 'Gatehouse Demo Team', 'demo-sandbox', 'demo-production'],
      ['gatehouse-labs', 'Gatehouse Labs', 'labs-sandbox', 'labs-production'],
    ]);
  });

  test('suite byKey — every key finds its environment, any other key none', () => {
    for (const e of suite.all) expect(suite.byKey(e.apiKey)).toBe(e);
    expect(suite.byKey('sk_test_gatehouse_sandbox')).toBeUndefined();
    expect(suite.byKey('')).toBeUndefined();
  });

  test('suite — each key only opens its own environment', async () => {
    const res = await fetch(`${env('labs-sandbox').url}/organizations`, {
      headers: { authorization: `Bearer ${env('demo-sandbox').apiKey}` },
    });
    expect(res.status).toBe(401);
  });

  test('suite — the process keeps native Request/Response after parallel starts', async () => {
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('native') });
    try {
      expect(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()).toBe('native');
    } finally {
      await server.stop(true);
    }
  });

  test('suite — if one environment cannot start, the started ones are closed and the error rethrown', async () => {
    const probes = Array.from({ length: 4 }, () =>
      Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() }),
    );
    const free = probes.map((p) => p.port ?? 0);
    await Promise.all(probes.map((p) => p.stop(true)));
    const busy = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('busy') });
    try {
      const [a, b, c, d] = free;
      await expect(
        startEmbeddedSuite({
          ports: {
            identity: a,
            'demo-sandbox': b,
            'demo-production': c,
            'labs-sandbox': d,
            'labs-production': busy.port,
          },
        }),
      ).rejects.toThrow();
      // The four that did start are closed again: their ports are free.
      for (const port of free) {
        const again = Bun.serve({ hostname: '127.0.0.1', port, fetch: () => new Response() });
        await again.stop(true);
      }
      expect(await (await fetch(`http://127.0.0.1:${busy.port}/`)).text()).toBe('busy');
    } finally {
      await busy.stop(true);
    }
  });

  test('suite close — idempotent, and every environment stops answering', async () => {
    const other = await startEmbeddedSuite();
    const urls = other.all.map((e) => e.url);
    await Promise.all([other.close(), other.close()]);
    await other.close();
    for (const url of urls) await expect(fetch(`${url}/organizations`)).rejects.toThrow();
  });
});

describe('seeds', () => {
  test('seeds — the staff organizations are in the identity environment and in no managed one', async () => {
    const staff = STAFF_ORGS.map((o) => o.name);
    const identity = await orgs(suite.identity);
    for (const org of STAFF_ORGS) {
      expect(identity.find((o) => o.name === org.name)?.externalId).toBe(org.externalId);
    }
    for (const e of managed()) {
      const names = await orgNames(e);
      expect(`${e.name}: ${names.filter((n) => staff.includes(n)).join(', ')}`).toBe(`${e.name}: `);
    }
  });

  test('seeds — the staff people sign in to the identity environment, not to a managed one', async () => {
    expect(await userEmails(suite.identity)).toEqual([
      'admin@demo.test',
      'alice@acme.test',
      'member@demo.test',
      'viewer@demo.test',
    ]);
    for (const e of managed()) {
      expect((await userEmails(e)).filter((email) => email.endsWith('@demo.test'))).toEqual([]);
    }
  });

  test('seeds — identity also holds Acme Corp, a customer organization whose admin is Alice', async () => {
    expect(await orgNames(suite.identity)).toEqual(['Acme Corp', 'Gatehouse Demo Team', 'Gatehouse Labs']);
    const sdk = client(suite.identity);
    const acme = (await orgs(suite.identity)).find((o) => o.name === CUSTOMER_ADMIN.organization);
    expect(acme?.externalId).toBe('acme-corp');
    const members = await sdk.userManagement.listOrganizationMemberships({ organizationId: acme?.id ?? '' });
    expect(members.data).toHaveLength(1);
    const alice = await sdk.userManagement.getUser(members.data[0]?.userId ?? '');
    expect([alice.email, `${alice.firstName} ${alice.lastName}`, members.data[0]?.role.slug]).toEqual([
      CUSTOMER_ADMIN.email,
      CUSTOMER_ADMIN.name,
      'admin',
    ]);
  });

  test("seeds — the Demo team's sandbox has its customers, its production the production ones", async () => {
    expect(await orgNames(env('demo-sandbox'))).toEqual(
      [
        'Acme Corp',
        'Global Tech',
        'Initech',
        'Stark Industries',
        'Umbrella Health',
        'Wayne Enterprises',
        HTML_ORG_NAME,
      ].sort(),
    );
    expect(await orgNames(env('demo-production'))).toEqual([
      'Cyberdyne Systems',
      'Oscorp',
      'Soylent Foods',
      'Tyrell Corporation',
    ]);
  });

  test("seeds — the Labs team's environments have customers of their own", async () => {
    const sandbox = env('labs-sandbox');
    expect(await orgNames(sandbox)).toEqual(['Hooli', 'Pied Piper']);
    expect(await orgNames(env('labs-production'))).toEqual(['Aperture Science', 'Massive Dynamic']);
    const sdk = client(sandbox);
    const connections = await sdk.sso.listConnections({ limit: 100 });
    expect(connections.data.map((c) => [c.name, c.state])).toEqual([['Hooli Okta SAML', 'active']]);
    const directories = await sdk.directorySync.listDirectories({ limit: 100 });
    expect(directories.data.map((d) => d.name)).toEqual(['Pied Piper Google Workspace']);
    const invitations = await sdk.userManagement.listInvitations({ limit: 100 });
    expect(invitations.data.map((i) => [i.email, i.state])).toEqual([['jared@piedpiper.test', 'pending']]);
  });

  test('seeds — no organization name, user or domain is shared between managed environments', async () => {
    const seen = new Map<string, string>();
    const shared: string[] = [];
    for (const e of managed()) {
      const [list, users] = await Promise.all([orgs(e), userEmails(e)]);
      const things = [
        ...list.map((o) => `org ${o.name}`),
        ...list.flatMap((o) => o.domains.map((d) => `domain ${d.domain}`)),
        ...users.map((u) => `user ${u}`),
      ];
      for (const thing of things) {
        const where = seen.get(thing);
        if (where && where !== e.name) shared.push(`${thing} (${where}, ${e.name})`);
        seen.set(thing, e.name);
      }
    }
    expect(shared).toEqual([]);
  });
});
