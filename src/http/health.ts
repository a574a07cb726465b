import type { WorkOS } from '@workos-inc/node';
import { ENVIRONMENTS } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import { jsonResponse } from './responses.ts';

/** GET /healthz — the process is up. */
export function healthz(): Response {
  return jsonResponse({ status: 'ok' });
}

/**
 * GET /readyz — the database answers, the identity environment is reachable, and so is every
 * admitted team's linked environment (per team, by name). When a team's managed environment is
 * the identity environment itself, `details` says so: the operator chose it, and the staff
 * organizations are guarded, but it is worth knowing.
 */
export async function readyz(ctx: AppContext): Promise<Response> {
  const checks: Record<string, string> = {};
  const details: Record<string, unknown> = {};
  try {
    ctx.db.$client.query('SELECT 1').get();
    checks.database = 'ok';
  } catch (e) {
    checks.database = `failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  const probe = async (name: string, client: WorkOS) => {
    try {
      await client.organizations.listOrganizations({ limit: 1 });
      checks[name] = 'ok';
    } catch (e) {
      checks[name] = `unreachable: ${e instanceof Error ? e.message : String(e)}`;
    }
  };
  const probes = [probe('workos_identity', ctx.workos.identity.client)];
  const teams: Record<string, Record<string, string>> = {};
  for (const team of ctx.teams.admitted()) {
    const linked: Record<string, string> = {};
    for (const env of ENVIRONMENTS) {
      const client = ctx.environments.client(team.id, env);
      linked[env] = client ? 'linked' : 'not linked';
      if (client) probes.push(probe(`workos_${team.organizationId}_${env}`, client));
    }
    teams[team.organizationId] = linked;
  }
  await Promise.all(probes);
  details.teams = teams;
  const shared = ctx.environments.identityShared();
  if (shared.length > 0) {
    details.identity_shared = shared.map(
      (s) =>
        `${s.teamName} (${s.environment}) manages the identity environment itself: its staff organizations are guarded from tools.`,
    );
  }
  const ready = Object.values(checks).every((v) => v === 'ok');
  return jsonResponse({ status: ready ? 'ready' : 'not_ready', checks, details }, ready ? 200 : 503);
}
