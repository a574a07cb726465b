import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkOS } from '@workos-inc/node';
import { type RunningGatehouse, startGatehouse, type TestHooks } from '../../src/app/start.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { Clock } from '../../src/kernel/clock.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { postgresFor } from './pg.ts';

/** A free loopback TCP port (bind port 0, read it, release it). */
export function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

/** Whether `e` says the port was taken (by Bun's listen, or in a server's own words). */
export function portTaken(e: unknown): boolean {
  return /Failed to start server|EADDRINUSE|in use/i.test(e instanceof Error ? e.message : String(e));
}

/**
 * `start` on a port that was free a moment ago. Between the probe and the bind the system may
 * hand that port to another socket (an outgoing connection's, another test's server): then
 * another free port is tried, up to three in all.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(freePort());
    } catch (e) {
      if (attempt >= 3 || !portTaken(e)) throw e;
    }
  }
}

export interface TestGatehouse extends RunningGatehouse {
  dataDir: string;
  /** Log lines written so far (JSON strings), to assert nothing secret was logged. */
  logLines: string[];
}

export interface TestGatehouseOptions {
  env?: Record<string, string>;
  clock?: Clock;
  dataDir?: string;
  keepDataDir?: boolean;
  testHooks?: TestHooks;
  membershipSweepMs?: number;
}

/**
 * Starts a real Gatehouse (local mode, embedded WorkOS) on a free port with a fresh data dir.
 * `stop()` shuts it down and removes the data dir.
 */
export async function startTestGatehouse(options: TestGatehouseOptions = {}): Promise<TestGatehouse> {
  // A port the test chose itself (env.PORT, which wins over `port`) is tried once.
  if (options.env?.PORT !== undefined) return startOnce(options, Number(options.env.PORT));
  // The embedded WorkOS alone binds ten ports: one taken meanwhile means another try.
  return onFreePort((port) => startOnce(options, port));
}

async function startOnce(options: TestGatehouseOptions, port: number): Promise<TestGatehouse> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  // On the PostgreSQL pass, a database of its own (test/support/pg.ts).
  const pg = await postgresFor(dataDir, options.env);
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...pg.env,
  });
  const logLines: string[] = [];
  // GATEHOUSE_TEST_LOG_ERRORS=1 also prints the server's errors, to see why a test failed.
  const logger: Logger = createLogger('debug', (l) => {
    logLines.push(l);
    if (SHOW_ERRORS && l.includes('"level":"error"')) console.error(l);
  });
  const running = await startGatehouse(config, {
    logger,
    clock: options.clock,
    testHooks: options.testHooks,
    ...(options.membershipSweepMs ? { membershipSweepMs: options.membershipSweepMs } : {}),
  }).catch(async (e) => {
    if (!options.dataDir) await pg.drop();
    throw e;
  });
  return {
    ...running,
    dataDir,
    logLines,
    async stop() {
      await running.stop();
      if (!options.keepDataDir) {
        rmSync(dataDir, { recursive: true, force: true });
        await pg.drop();
      }
    },
  };
}

const SHOW_ERRORS = process.env.GATEHOUSE_TEST_LOG_ERRORS === '1';

/** Seed key of local mode's primary staff team (Gatehouse Demo Team). */
export const DEMO_SEED_KEY = 'gatehouse-demo-team';

/**
 * The WorkOS client a team's tools use for `environment` (local mode: that seeded team's own
 * embedded environment): what tests read ids from and check results against.
 */
export function teamWorkOS(
  gh: RunningGatehouse,
  environment: 'sandbox' | 'production' = 'sandbox',
  seedKey = DEMO_SEED_KEY,
): WorkOS {
  const team = gh.ctx.teams.admitted().find((t) => t.seedKey === seedKey);
  if (!team) throw new Error(`no admitted team with seed key ${seedKey}`);
  const client = gh.ctx.environments.client(team.id, environment);
  if (!client) throw new Error(`team ${seedKey} has no ${environment} environment`);
  return client;
}

/** The Gatehouse id of a seeded, admitted staff team (local mode). */
export function seededTeamId(gh: RunningGatehouse, seedKey = DEMO_SEED_KEY): string {
  const team = gh.ctx.teams.admitted().find((t) => t.seedKey === seedKey);
  if (!team) throw new Error(`no admitted team with seed key ${seedKey}`);
  return team.id;
}
