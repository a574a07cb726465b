/**
 * Test helper: an embedded WorkOS with a real SDK client (no retries) and lookups by the names
 * the seed uses, since ids are drawn at random at every start.
 */
import type { WorkOS } from '@workos-inc/node';
import type { Environment } from '../../db/schema/enums.ts';
import { type EmbeddedWorkOS, startEmbeddedWorkOS } from '../../src/emulator/index.ts';
import { createWorkOSClient, targetForEmbedded } from '../../src/workos/client.ts';

export interface TestWorkOS {
  embedded: EmbeddedWorkOS;
  workos: WorkOS;
  /** Id of a seeded organization, by name. */
  orgId(name: string): Promise<string>;
  /** Id of a seeded AuthKit user, by email. */
  userId(email: string): Promise<string>;
  /** Id of a seeded directory, by name. */
  directoryId(name: string): Promise<string>;
  /** A raw request to the fixture front, with the API key unless `headers` says otherwise. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestWorkOS(environment: Environment = 'sandbox'): Promise<TestWorkOS> {
  const embedded = await startEmbeddedWorkOS(environment);
  const workos = createWorkOSClient(targetForEmbedded(embedded), { maxRetries: 0 });
  const find = async <T>(items: Promise<{ data: T[] }>, match: (item: T) => boolean, what: string) => {
    const found = (await items).data.find(match);
    if (!found) throw new Error(`no seeded ${what}`);
    return found;
  };
  return {
    embedded,
    workos,
    orgId: async (name) =>
      (await find(workos.organizations.listOrganizations({ limit: 100 }), (o) => o.name === name, name)).id,
    userId: async (email) =>
      (await find(workos.userManagement.listUsers({ email, limit: 100 }), (u) => u.email === email, email))
        .id,
    directoryId: async (name) =>
      (await find(workos.directorySync.listDirectories({ limit: 100 }), (d) => d.name === name, name)).id,
    request: (path, init = {}) =>
      fetch(`${embedded.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${embedded.apiKey}`, ...(init.headers as Record<string, string>) },
      }),
    close: () => embedded.close(),
  };
}
