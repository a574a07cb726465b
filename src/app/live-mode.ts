import { WORKOS_REQUEST_TIMEOUT_MS } from '../config/constants.ts';
import type { LiveWorkOS } from '../config/index.ts';
import { createWorkOSClient } from '../workos/client.ts';
import type { WorkOSGateway } from '../workos/gateway.ts';

/** Live mode: api.workos.com (or WORKOS_API_URL) with the operator's keys. */
export function liveWorkOS(live: LiveWorkOS): WorkOSGateway {
  const target = (apiKey: string) => ({
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
  const sandbox = createWorkOSClient(target(live.apiKey), { timeoutMs: WORKOS_REQUEST_TIMEOUT_MS });
  const production = live.productionApiKey
    ? createWorkOSClient(target(live.productionApiKey), { timeoutMs: WORKOS_REQUEST_TIMEOUT_MS })
    : undefined;
  return {
    mode: 'live',
    identity: { client: sandbox, clientId: live.clientId },
    clients: production ? { sandbox, production } : { sandbox },
    embeddedUrls: {},
    async close() {},
  };
}
