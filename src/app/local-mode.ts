import type { Logger } from '../log/logger.ts';
import type { TeamsService } from '../teams/service.ts';
import type { UsersService } from '../users/service.ts';
import { createWorkOSClient, targetForEmbedded } from '../workos/client.ts';
import type { WorkOSGateway } from '../workos/gateway.ts';
import type { SeededAccount } from './context.ts';

/**
 * Local mode (no WORKOS_API_KEY): WorkOS's own emulator per environment, seeded with the demo
 * account. Imported lazily so a live deployment never loads the emulator.
 */
export async function startLocalWorkOS(
  log: Logger,
): Promise<{ gateway: WorkOSGateway; accounts: SeededAccount[]; tokenIssuer: string }> {
  const emulator = await import('../emulator/index.ts');
  const sandbox = await emulator.startEmbeddedWorkOS('sandbox');
  const production = await emulator.startEmbeddedWorkOS('production');
  const clients = {
    sandbox: createWorkOSClient(targetForEmbedded(sandbox)),
    production: createWorkOSClient(targetForEmbedded(production)),
  };
  log.info('embedded WorkOS started', { sandbox: sandbox.url, production: production.url });
  return {
    gateway: {
      mode: 'local',
      identity: { client: clients.sandbox, clientId: sandbox.clientId },
      clients,
      embeddedUrls: { sandbox: sandbox.url, production: production.url },
      async close() {
        await Promise.all([sandbox.close(), production.close()]);
      },
    },
    tokenIssuer: sandbox.tokenIssuer,
    accounts: emulator.SEEDED_ACCOUNTS.map((a) => ({
      email: a.email,
      name: a.name,
      role: a.role,
      teams: [...a.teams],
    })),
  };
}

/**
 * The emulator hands out new ids at every start; re-link the teams and users Gatehouse already
 * knows (by the external_id the seed gives them) so settings and tokens survive a restart.
 */
export async function relinkSeeded(
  gateway: WorkOSGateway,
  teams: TeamsService,
  users: UsersService,
): Promise<void> {
  const client = gateway.identity.client;
  const orgs = await client.organizations.listOrganizations({ limit: 100 });
  teams.relinkSeeded(
    orgs.data
      .filter((o) => o.externalId)
      .map((o) => ({ seedKey: o.externalId!, organizationId: o.id, name: o.name })),
  );
  const list = await client.userManagement.listUsers({ limit: 100 });
  users.relinkSeeded(
    list.data.filter((u) => u.externalId).map((u) => ({ seedKey: u.externalId!, workosUserId: u.id })),
  );
}
