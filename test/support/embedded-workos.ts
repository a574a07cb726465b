/**
 * Test helpers: an embedded WorkOS environment (or all of them behind the key router) with real
 * SDK clients (no retries) and lookups by the names the seed uses, since ids are drawn at random
 * at every start.
 */
import type { WorkOS } from '@workos-inc/node';
import {
  type EmbeddedNameOrAlias,
  type EmbeddedSuite,
  type EmbeddedWorkOS,
  type KeyRouter,
  startEmbeddedSuite,
  startEmbeddedWorkOS,
  startKeyRouter,
} from '../../src/emulator/index.ts';
import { createWorkOSClient, targetForEmbedded } from '../../src/workos/client.ts';

export interface SeedLookups {
  /** Id of a seeded organization, by name. */
  orgId(name: string): Promise<string>;
  /** Id of a seeded AuthKit user, by email. */
  userId(email: string): Promise<string>;
  /** Id of a seeded directory, by name. */
  directoryId(name: string): Promise<string>;
}

export interface TestWorkOS extends SeedLookups {
  embedded: EmbeddedWorkOS;
  workos: WorkOS;
  /** A raw request to the fixture front, with the API key unless `headers` says otherwise. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export function seedLookups(workos: WorkOS): SeedLookups {
  const find = async <T>(items: Promise<{ data: T[] }>, match: (item: T) => boolean, what: string) => {
    const found = (await items).data.find(match);
    if (!found) throw new Error(`no seeded ${what}`);
    return found;
  };
  return {
    orgId: async (name) =>
      (await find(workos.organizations.listOrganizations({ limit: 100 }), (o) => o.name === name, name)).id,
    userId: async (email) =>
      (await find(workos.userManagement.listUsers({ email, limit: 100 }), (u) => u.email === email, email))
        .id,
    directoryId: async (name) =>
      (await find(workos.directorySync.listDirectories({ limit: 100 }), (d) => d.name === name, name)).id,
  };
}

/** One environment; `sandbox`/`production` are the Demo team's, `identity` is where people sign in. */
export async function startTestWorkOS(name: EmbeddedNameOrAlias = 'sandbox'): Promise<TestWorkOS> {
  const embedded = await startEmbeddedWorkOS(name);
  const workos = createWorkOSClient(targetForEmbedded(embedded), { maxRetries: 0 });
  return {
    embedded,
    workos,
    ...seedLookups(workos),
    request: (path, init = {}) =>
      fetch(`${embedded.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${embedded.apiKey}`, ...(init.headers as Record<string, string>) },
      }),
    close: () => embedded.close(),
  };
}

export interface TestSuite {
  suite: EmbeddedSuite;
  router: KeyRouter;
  /** An SDK client for the router (one origin), presenting `apiKey`; `clientId` defaults to the key's environment's. */
  client(apiKey: string, clientId?: string): WorkOS;
  close(): Promise<void>;
}

/** Every environment, and the key router in front of them. */
export async function startTestSuite(): Promise<TestSuite> {
  const suite = await startEmbeddedSuite();
  let router: KeyRouter;
  try {
    router = startKeyRouter(suite);
  } catch (error) {
    await suite.close();
    throw error;
  }
  return {
    suite,
    router,
    client: (apiKey, clientId) =>
      createWorkOSClient(
        {
          apiKey,
          clientId: clientId ?? suite.byKey(apiKey)?.clientId ?? suite.identity.clientId,
          apiHostname: router.host,
          port: router.port,
          https: false,
        },
        { maxRetries: 0 },
      ),
    close: async () => {
      await Promise.all([router.close(), suite.close()]);
    },
  };
}
