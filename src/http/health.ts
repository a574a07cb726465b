import type { WorkOS } from '@workos-inc/node';
import { ENVIRONMENTS } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import { operatorRefusal } from './metrics.ts';
import { jsonResponse } from './responses.ts';

/** How long one round of WorkOS probes answers /readyz, so polling it cannot spend the teams' WorkOS rate limits. */
export const READYZ_PROBE_TTL_MS = 5_000;

/** GET /healthz — the process is up. */
export function healthz(): Response {
  return jsonResponse({ status: 'ok' });
}

interface Probe {
  at: number;
  checks: Record<string, string>;
  details: Record<string, unknown>;
}

/**
 * GET /readyz — the database answers, the identity environment is reachable, and so is every
 * admitted team's linked environment. Anyone gets the verdict and one line per kind of check;
 * operators (METRICS_TOKEN, or loopback without a proxy) also get each team's checks by
 * organization id and, when a team's managed environment is the identity environment itself,
 * a statement of it. WorkOS is probed at most once per READYZ_PROBE_TTL_MS, however often polled.
 */
export function readyzHandler(ctx: AppContext): (request: Request) => Promise<Response> {
  let last: Probe | undefined;
  let running: Promise<Probe> | undefined;
  const probe = (): Promise<Probe> => {
    const now = ctx.clock.now();
    if (last && now - last.at < READYZ_PROBE_TTL_MS) return Promise.resolve(last);
    running ??= probeAll(ctx, now)
      .then((p) => {
        last = p;
        return p;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return async (request) => {
    const operator = !operatorRefusal(ctx, request, '/readyz details');
    const checks: Record<string, string> = {};
    // The database's own message (paths, hosts) only to operators; it is logged either way.
    const databaseFailed = (e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      ctx.log.warn('readyz: the database did not answer', { error: message });
      checks.database = operator ? `failed: ${message}` : 'unavailable';
    };
    try {
      ctx.db.$client.query('SELECT 1').get();
      checks.database = 'ok';
    } catch (e) {
      databaseFailed(e);
    }
    // The probes read the admitted teams and their links from the database too.
    let p: Probe;
    try {
      p = await probe();
    } catch (e) {
      if (checks.database === 'ok') databaseFailed(e);
      p = { at: ctx.clock.now(), checks: {}, details: {} };
    }
    const ready = checks.database === 'ok' && Object.values(p.checks).every((v) => v === 'ok');
    const status = ready ? 'ready' : 'not_ready';
    if (!operator) {
      const teams = Object.entries(p.checks).filter(([k]) => k !== 'workos_identity');
      const down = teams.filter(([, v]) => v !== 'ok').length;
      return jsonResponse(
        {
          status,
          checks: {
            ...checks,
            workos_identity: p.checks.workos_identity === 'ok' ? 'ok' : 'unreachable',
            workos_teams: down === 0 ? 'ok' : `${down} of ${teams.length} environments unreachable`,
          },
        },
        ready ? 200 : 503,
      );
    }
    return jsonResponse(
      { status, checks: { ...checks, ...p.checks }, details: p.details },
      ready ? 200 : 503,
    );
  };
}

async function probeAll(ctx: AppContext, now: number): Promise<Probe> {
  const checks: Record<string, string> = {};
  const details: Record<string, unknown> = {};
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
  return { at: now, checks, details };
}
