/**
 * Loads an environment's seed into WorkOS's emulator: what its `seed` option accepts goes in at
 * creation, the rest (memberships, pending invitations: they need ids) through its HTTP API.
 */
import type { EmulatorSeedConfig } from 'workos/emulate';
import { SEED_PERMISSIONS, SEED_ROLES } from './seed/accounts.ts';
import { lookupSeedId, type SeedIds } from './seed/seed-ids.ts';
import type { EnvironmentSeed } from './seed/types.ts';
import type { Upstream } from './upstream.ts';

type EmulatorConnection = NonNullable<EmulatorSeedConfig['connections']>[number];

export function toEmulatorSeed(
  seed: EnvironmentSeed,
  apiKeys: EmulatorSeedConfig['apiKeys'],
): EmulatorSeedConfig {
  return {
    apiKeys,
    permissions: SEED_PERMISSIONS.map(({ slug, name, description }) => ({ slug, name, description })),
    roles: SEED_ROLES.map(({ slug, name, permissions }) => ({
      slug,
      name,
      type: 'EnvironmentRole' as const,
      permissions: [...permissions],
    })),
    users: seed.users.map((u) => ({ ...u, email_verified: true })),
    organizations: seed.organizations.map(({ name, external_id, metadata, domains }) => ({
      name,
      external_id,
      metadata: metadata ?? {},
      domains,
    })),
    connections: seed.connections.map(
      (c) =>
        ({
          name: c.name,
          organization: c.organization,
          connection_type: c.connection_type,
          // The seed type lacks `draft`, which the emulator stores and serves as given.
          state: c.state as EmulatorConnection['state'],
          domains: c.domains,
        }) satisfies EmulatorConnection,
    ),
  };
}

function byKey<T extends { id: string }>(items: T[], key: (item: T) => string): Map<string, string> {
  return new Map(items.map((item) => [key(item), item.id]));
}

/** Creates what needs ids, and returns the ids of everything seeded. */
export async function seedThroughApi(upstream: Upstream, seed: EnvironmentSeed): Promise<SeedIds> {
  const [orgs, users, connections] = await Promise.all([
    upstream.listAll<{ id: string; name: string }>('/organizations'),
    upstream.listAll<{ id: string; email: string }>('/user_management/users'),
    upstream.listAll<{ id: string; name: string }>('/connections'),
  ]);
  const ids: SeedIds = {
    organizations: byKey(orgs, (o) => o.name),
    users: byKey(users, (u) => u.email),
    connections: byKey(connections, (c) => c.name),
  };
  for (const m of seed.memberships) {
    await upstream.json('POST', '/user_management/organization_memberships', {
      user_id: lookupSeedId(ids.users, m.email, 'user'),
      organization_id: lookupSeedId(ids.organizations, m.organization, 'organization'),
      role_slug: m.role,
    });
  }
  for (const inv of seed.invitations.filter((i) => i.state === 'pending')) {
    await upstream.json('POST', '/user_management/invitations', {
      email: inv.email,
      organization_id: lookupSeedId(ids.organizations, inv.organization, 'organization'),
      role_slug: inv.role_slug,
      inviter_user_id: inv.inviter ? lookupSeedId(ids.users, inv.inviter, 'user') : undefined,
    });
  }
  return ids;
}
