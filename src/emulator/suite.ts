/**
 * Every embedded environment of local mode at once: the identity environment people sign in to,
 * and each staff team's managed sandbox and production (environments.ts).
 */

import { type EmbeddedWorkOS, type StartOptions, startEmbeddedWorkOS } from './embedded.ts';
import { EMBEDDED_NAMES, type EmbeddedName, MANAGED_TEAMS } from './environments.ts';

export interface EmbeddedTeam {
  /** The staff organization's external_id in the identity environment (e.g. `gatehouse-demo-team`). */
  seedKey: string;
  /** The staff organization's name (e.g. `Gatehouse Demo Team`). */
  name: string;
  sandbox: EmbeddedWorkOS;
  production: EmbeddedWorkOS;
}

export interface EmbeddedSuite {
  identity: EmbeddedWorkOS;
  teams: EmbeddedTeam[];
  /** Every environment, identity first, then each team's sandbox and production. */
  all: EmbeddedWorkOS[];
  /** The environment an API key opens; undefined for any other key. */
  byKey(apiKey: string): EmbeddedWorkOS | undefined;
  close(): Promise<void>;
}

export interface SuiteOptions {
  /** Fixed fronts' ports, by environment name; the others get a free port. */
  ports?: Partial<Record<EmbeddedName, number>>;
  /** Where unexpected failures of the embedded WorkOS are reported (default: a JSON line on stderr). */
  onError?: StartOptions['onError'];
  /** Every environment's rate limits (GATEHOUSE_EMBEDDED_RATE_LIMITS; default WorkOS's documented ones). */
  rateLimits?: StartOptions['rateLimits'];
}

/**
 * Starts all environments in parallel. If any fails to start, the ones that did are closed
 * and the (first) failure is rethrown.
 */
export async function startEmbeddedSuite(options: SuiteOptions = {}): Promise<EmbeddedSuite> {
  const results = await Promise.allSettled(
    EMBEDDED_NAMES.map((name) => {
      const port = options.ports?.[name];
      return startEmbeddedWorkOS(name, {
        ...(port !== undefined && { port }),
        ...(options.onError && { onError: options.onError }),
        ...(options.rateLimits && { rateLimits: options.rateLimits }),
      });
    }),
  );
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(started.map((e) => e.close()));
    throw failed.reason;
  }
  const byName = new Map<EmbeddedName, EmbeddedWorkOS>(started.map((e) => [e.name, e]));
  const get = (name: EmbeddedName): EmbeddedWorkOS => {
    const e = byName.get(name);
    if (!e) throw new Error(`embedded environment ${name} did not start`);
    return e;
  };
  const identity = get('identity');
  const teams: EmbeddedTeam[] = MANAGED_TEAMS.map((t) => ({
    seedKey: t.team.externalId,
    name: t.team.name,
    sandbox: get(t.sandbox),
    production: get(t.production),
  }));
  const all = [identity, ...teams.flatMap((t) => [t.sandbox, t.production])];
  const keys = new Map(all.map((e) => [e.apiKey, e]));
  let closed: Promise<void> | undefined;
  return {
    identity,
    teams,
    all,
    byKey: (apiKey) => keys.get(apiKey),
    close: () => {
      closed ??= Promise.all(all.map((e) => e.close())).then(() => undefined);
      return closed;
    },
  };
}
