/**
 * Turns the declarative seed into the fixture layer's wire-shaped records, now that the
 * emulator has drawn ids for the organizations, users and connections they refer to.
 */
import { randomBytes } from 'node:crypto';
import { populateFeatureFlags } from '../fixtures/catalogue/feature-flags.ts';
import { workosId } from '../fixtures/ids.ts';
import { populateRadar } from '../fixtures/radar.ts';
import type {
  DirectoryGroupRecord,
  DirectoryUserRecord,
  EventRecord,
  FixtureState,
  InvitationRecord,
} from '../fixtures/state.ts';
import { pipeKey } from '../fixtures/state.ts';
import { PIPES_PROVIDERS } from './providers.ts';
import { lookupSeedId, type SeedIds } from './seed-ids.ts';
import type { EnvironmentSeed, SeedDirectory, SeedEvent } from './types.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** WorkOS invitations expire after 7 days by default. */
const INVITATION_LIFETIME_MS = 7 * DAY_MS;

const iso = (ms: number): string => new Date(ms).toISOString();
const opaque = (bytes: number): string => randomBytes(bytes).toString('hex');

function addDirectory(state: FixtureState, seed: SeedDirectory, ids: SeedIds, now: number): void {
  const organizationId = lookupSeedId(ids.organizations, seed.organization, 'organization');
  const createdMs = now - seed.createdDaysAgo * DAY_MS;
  const syncedMs = now - seed.lastSyncMinutesAgo * MINUTE_MS;
  const syncedAt = iso(syncedMs);
  const directoryId = workosId('directory', createdMs);
  state.directories.set(directoryId, {
    object: 'directory',
    id: directoryId,
    name: seed.name,
    domain: seed.domain,
    external_key: opaque(8),
    organization_id: organizationId,
    state: seed.state,
    type: seed.type,
    created_at: iso(createdMs),
    // When the directory object changed, which a sync does not do.
    updated_at: iso(
      seed.updatedMinutesAgo === undefined ? createdMs : now - seed.updatedMinutesAgo * MINUTE_MS,
    ),
  });
  const groupIds = new Map<string, string>();
  seed.groups.forEach((g, i) => {
    const group: DirectoryGroupRecord = {
      object: 'directory_group',
      id: workosId('directory_group', createdMs + (i + 1) * MINUTE_MS),
      idp_id: `00g${opaque(8)}`,
      directory_id: directoryId,
      organization_id: organizationId,
      name: g.name,
      raw_attributes: { displayName: g.name, ...g.raw_attributes },
      created_at: iso(createdMs + (i + 1) * MINUTE_MS),
      updated_at: syncedAt,
    };
    groupIds.set(g.name, group.id);
    state.directoryGroups.set(group.id, group);
  });
  seed.users.forEach((u, i) => {
    const createdAt = createdMs + (seed.groups.length + i + 1) * MINUTE_MS;
    const idpId = `00u${opaque(8)}`;
    const userState = u.state ?? 'active';
    const user: DirectoryUserRecord = {
      object: 'directory_user',
      id: workosId('directory_user', createdAt),
      idp_id: idpId,
      directory_id: directoryId,
      organization_id: organizationId,
      email: u.email,
      first_name: u.first_name,
      last_name: u.last_name,
      state: userState,
      role: { slug: 'member' },
      custom_attributes: { ...u.custom_attributes },
      // What a SCIM provider sends, plus anything the seed plants.
      raw_attributes: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        externalId: idpId,
        userName: u.email,
        name: { givenName: u.first_name, familyName: u.last_name },
        emails: [{ primary: true, type: 'work', value: u.email }],
        active: userState === 'active',
        ...u.raw_attributes,
      },
      group_ids: u.groups.map((name) => lookupSeedId(groupIds, name, 'directory group')),
      created_at: iso(createdAt),
      updated_at: syncedAt,
    };
    state.directoryUsers.set(user.id, user);
  });
  // The last sync as WorkOS publishes it: the event it caused
  // (https://workos.com/docs/events/directory-sync), its data the directory user it changed.
  const synced = [...state.directoryUsers.values()].find((u) => u.directory_id === directoryId);
  if (synced) {
    const { group_ids: _memberships, ...user } = synced;
    state.events.push({
      object: 'event',
      id: workosId('event', syncedMs),
      event: 'dsync.user.updated',
      created_at: syncedAt,
      data: { ...user, groups: [] },
    });
  }
}

function toEvent(seed: EnvironmentSeed, e: SeedEvent, ids: SeedIds, now: number): EventRecord {
  const atMs = now - e.minutesAgo * MINUTE_MS;
  const base = { object: 'event' as const, id: workosId('event', atMs), created_at: iso(atMs) };
  if (e.kind === 'connection') {
    const conn = seed.connections.find((c) => c.name === e.connection);
    if (!conn) throw new Error(`seed event refers to unknown connection "${e.connection}"`);
    return {
      ...base,
      event: e.event,
      data: {
        object: 'connection',
        id: lookupSeedId(ids.connections, conn.name, 'connection'),
        organization_id: lookupSeedId(ids.organizations, conn.organization, 'organization'),
        connection_type: conn.connection_type,
        name: conn.name,
        state: e.event === 'connection.activated' ? 'active' : 'inactive',
        domains: conn.domains.map((domain) => ({
          object: 'connection_domain',
          id: workosId('conn_domain', atMs),
          domain,
        })),
        created_at: iso(atMs - DAY_MS),
        updated_at: iso(atMs),
      },
    };
  }
  const sso =
    e.organization && e.connection
      ? {
          organization_id: lookupSeedId(ids.organizations, e.organization, 'organization'),
          connection_id: lookupSeedId(ids.connections, e.connection, 'connection'),
        }
      : undefined;
  return {
    ...base,
    event: `authentication.${e.type}_${e.status}`,
    data: {
      type: e.type,
      status: e.status,
      email: e.email,
      // A failed sign-in is not tied to a user; a successful one is, when AuthKit knows them.
      user_id: e.status === 'succeeded' ? (ids.users.get(e.email) ?? null) : null,
      ip_address: e.ip_address,
      user_agent: e.user_agent,
      ...(sso && { sso }),
      ...(e.error && { error: e.error }),
    },
  };
}

function toExpiredInvitation(
  inv: EnvironmentSeed['invitations'][number],
  ids: SeedIds,
  now: number,
  frontUrl: string,
) {
  const sentMs = now - (inv.sentDaysAgo ?? 10) * DAY_MS;
  const token = opaque(16);
  const record: InvitationRecord = {
    object: 'invitation',
    id: workosId('invitation', sentMs),
    email: inv.email,
    state: 'expired',
    accepted_at: null,
    revoked_at: null,
    expires_at: iso(sentMs + INVITATION_LIFETIME_MS),
    organization_id: lookupSeedId(ids.organizations, inv.organization, 'organization'),
    inviter_user_id: inv.inviter ? lookupSeedId(ids.users, inv.inviter, 'user') : null,
    accepted_user_id: null,
    role_slug: inv.role_slug,
    token,
    accept_invitation_url: `${frontUrl}/user_management/invitations/accept?token=${token}`,
    created_at: iso(sentMs),
    updated_at: iso(sentMs + INVITATION_LIFETIME_MS),
  };
  return record;
}

/** Fills `state` (served by the fixture front) from the seed. */
export function populateFixtureState(
  state: FixtureState,
  seed: EnvironmentSeed,
  ids: SeedIds,
  now: number,
  frontUrl: string,
): void {
  for (const dir of seed.directories) addDirectory(state, dir, ids, now);
  state.events.push(...seed.events.map((e) => toEvent(seed, e, ids, now)));
  populateRadar(state, seed.radar ?? [], ids.users, now);
  populateFeatureFlags(state, seed.featureFlags ?? [], ids.organizations, now);
  for (const inv of seed.invitations) {
    if (inv.state !== 'expired') continue;
    const record = toExpiredInvitation(inv, ids, now, frontUrl);
    state.invitations.set(record.id, record);
  }
  for (const a of seed.auditLogEvents) {
    const atMs = now - a.minutesAgo * MINUTE_MS;
    state.auditLogEvents.push({
      id: workosId('audit_log_event', atMs),
      organization_id: lookupSeedId(ids.organizations, a.organization, 'organization'),
      action: a.action,
      version: 1,
      occurred_at: iso(atMs),
      actor: { ...a.actor, metadata: a.actor.metadata ?? {} },
      targets: a.targets.map((t) => ({ ...t, metadata: {} })),
      context: { location: a.location, ...(a.user_agent && { user_agent: a.user_agent }) },
      metadata: a.metadata ?? {},
    });
  }
  const integrationsCreated = iso(now - 90 * DAY_MS);
  state.dataIntegrations.push(
    ...PIPES_PROVIDERS.map((p) => ({
      id: workosId('data_integration', now - 90 * DAY_MS),
      slug: p.slug,
      name: p.name,
      scopes: [...p.scopes],
      created_at: integrationsCreated,
      updated_at: integrationsCreated,
    })),
  );
  for (const p of seed.pipes) {
    const userId = lookupSeedId(ids.users, p.email, 'user');
    const organizationId = p.organization
      ? lookupSeedId(ids.organizations, p.organization, 'organization')
      : null;
    state.pipes.set(pipeKey(userId, p.provider, organizationId), {
      id: workosId('data_installation', now - 30 * DAY_MS),
      provider: p.provider,
      user_id: userId,
      organization_id: organizationId,
      state: p.state,
      scopes: p.scopes,
      access_token: p.access_token,
      account_display_name: p.account,
      config: p.config ?? {},
      created_at: iso(now - 30 * DAY_MS),
      updated_at: iso(now - (p.state === 'connected' ? 2 : 1) * DAY_MS),
    });
  }
}
