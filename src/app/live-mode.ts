import { WORKOS_REQUEST_TIMEOUT_MS } from '../config/constants.ts';
import type { LiveWorkOS } from '../config/index.ts';
import { createWorkOSClient, type WorkOSTarget } from '../workos/client.ts';
import type { WorkOSGateway } from '../workos/gateway.ts';

/**
 * Live mode: api.workos.com (or WORKOS_API_URL). Humans sign in to the identity environment;
 * each team's tools reach the environment of the key that team linked (or, for the first
 * team GATEHOUSE_TEAMS names first, the deployment-level WORKOS_API_KEY / WORKOS_PRODUCTION_API_KEY).
 */
export function liveWorkOS(live: LiveWorkOS, admitTeams: readonly string[] = []): WorkOSGateway {
  const target = (apiKey: string): WorkOSTarget => ({
    apiKey,
    clientId: live.clientId,
    ...(live.apiUrl
      ? {
          apiHostname: live.apiUrl.hostname,
          https: live.apiUrl.https,
          ...(live.apiUrl.port ? { port: live.apiUrl.port } : {}),
        }
      : {}),
  });
  return {
    mode: 'live',
    identity: {
      client: createWorkOSClient(target(live.identityApiKey), { timeoutMs: WORKOS_REQUEST_TIMEOUT_MS }),
      clientId: live.clientId,
      apiKey: live.identityApiKey,
    },
    clientForKey: (apiKey, options = {}) =>
      createWorkOSClient(target(apiKey), {
        timeoutMs: WORKOS_REQUEST_TIMEOUT_MS,
        ...(options.protect ? { protect: options.protect } : {}),
      }),
    deploymentKeys: {
      ...(live.apiKey ? { sandbox: live.apiKey } : {}),
      ...(live.productionApiKey ? { production: live.productionApiKey } : {}),
    },
    deploymentOrganizationId: admitTeams[0],
    seededTeamKeys: {},
    embeddedUrls: {},
    async close() {},
  };
}
