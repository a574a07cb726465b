import type { EmbeddedRateLimits } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { UsersService } from '../users/service.ts';
import { createWorkOSClient, targetForEmbedded } from '../workos/client.ts';
import type { WorkOSGateway } from '../workos/gateway.ts';
import type { SeededAccount } from './context.ts';

/**
 * Local mode (no WorkOS key): WorkOS's own emulator, one per environment — the identity
 * environment the staff sign in to, and a sandbox and a production environment for each seeded
 * staff team, each seeded with visibly different customers. Imported lazily so a live
 * deployment never loads the emulator. As in live mode, the key selects the environment.
 */
export async function startLocalWorkOS(
  log: Logger,
  rateLimits: EmbeddedRateLimits,
): Promise<{
  gateway: WorkOSGateway;
  accounts: SeededAccount[];
  tokenIssuer: string;
  /** The demo providers' real hosts (by provider id) and their loopback fakes (the host map). */
  demoProviders: { hosts: Record<string, string>; hostMap: Record<string, string> };
}> {
  const emulator = await import('../emulator/index.ts');
  const suite = await emulator.startEmbeddedSuite({ rateLimits });
  const identity = suite.identity;
  // Provider APIs an approved call really reaches offline (src/emulator/providers).
  const providers = emulator.startDemoProviders(identity.pipes, (msg, fields) => log.error(msg, fields));
  const embeddedUrls: Record<string, string> = { identity: identity.url };
  const seededTeamKeys: WorkOSGateway['seededTeamKeys'] = {};
  for (const team of suite.teams) {
    seededTeamKeys[team.seedKey] = { sandbox: team.sandbox.apiKey, production: team.production.apiKey };
    embeddedUrls[`${team.seedKey}/sandbox`] = team.sandbox.url;
    embeddedUrls[`${team.seedKey}/production`] = team.production.url;
  }
  log.info('embedded WorkOS started', { ...embeddedUrls, rate_limits: rateLimits.kind });
  return {
    gateway: {
      mode: 'local',
      identity: {
        client: createWorkOSClient(targetForEmbedded(identity)),
        clientId: identity.clientId,
        apiKey: identity.apiKey,
      },
      // An unknown key goes to the identity environment, which answers 401 as WorkOS does.
      clientForKey: (apiKey, options = {}) =>
        createWorkOSClient(
          { ...targetForEmbedded(suite.byKey(apiKey) ?? identity), apiKey },
          options.protect ? { protect: options.protect } : {},
        ),
      deploymentKeys: {},
      deploymentOrganizationId: undefined,
      seededTeamKeys,
      embeddedUrls,
      close: () => Promise.all([suite.close(), providers.close()]).then(() => undefined),
    },
    tokenIssuer: identity.tokenIssuer,
    demoProviders: { hosts: providers.hosts, hostMap: providers.hostMap },
    accounts: emulator.SEEDED_ACCOUNTS.map((a) => ({
      email: a.email,
      name: a.name,
      role: a.role,
      teams: [...a.teams],
    })),
  };
}

/**
 * The emulator hands out new ids at every start. Local mode admits its seeded staff teams (by
 * the external_id the seed gives them, so settings and tokens survive a restart), links each to
 * its own embedded sandbox and production, and re-links the people Gatehouse already knows.
 */
export async function admitSeeded(
  gateway: WorkOSGateway,
  users: UsersService,
  admit: (org: { organizationId: string; name: string; seedKey: string }) => void,
): Promise<void> {
  const client = gateway.identity.client;
  const orgs = await client.organizations.listOrganizations({ limit: 100 });
  // In the suite's order (Demo first), so admission order is the same at every start.
  for (const seedKey of Object.keys(gateway.seededTeamKeys)) {
    const o = orgs.data.find((org) => org.externalId === seedKey);
    if (o) admit({ organizationId: o.id, name: o.name, seedKey });
  }
  const list = await client.userManagement.listUsers({ limit: 100 });
  users.relinkSeeded(
    list.data.filter((u) => u.externalId).map((u) => ({ seedKey: u.externalId!, workosUserId: u.id })),
  );
}
