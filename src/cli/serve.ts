/**
 * `gatehouse serve`: checks what it can before starting (HOST resolves, no other server owns the
 * data dir), starts Gatehouse, prints the banner, and stops gracefully on SIGINT/SIGTERM. Every
 * start-up failure an operator can fix is one sentence naming the variable and its value.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { startGatehouse } from '../app/start.ts';
import { type Config, ConfigError } from '../config/index.ts';
import { describeListenError, hostProblem } from '../config/listen.ts';
import { AdmissionError } from '../teams/admission.ts';
import { banner } from './banner.ts';
import { acquireServerLock, type ServerLock } from './server-lock.ts';

/** A start-up failure the operator fixes (exit 2), as opposed to a bug (exit 1, with its message). */
export class StartupError extends Error {}

/** A file-system error about a file in the data dir, as a sentence naming GATEHOUSE_DATA_DIR. */
export function describeDataDirError(e: unknown, dataDir: string): string | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  if (!err?.code || !err.path) return undefined;
  const rel = relative(resolve(dataDir), resolve(err.path));
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  const uid = typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'this user';
  return `GATEHOUSE_DATA_DIR '${dataDir}': cannot ${err.syscall ?? 'use'} ${err.path} (${err.code}). The data dir and every file in it must belong to the user Gatehouse runs as (${uid}) and be writable`;
}

export async function serve(config: Config, out: (s: string) => void): Promise<void> {
  const host = await hostProblem(config.host);
  if (host) throw new StartupError(`Invalid configuration:\n  - ${host}`);
  let lock: ServerLock | undefined;
  try {
    lock = acquireServerLock(config.dataDir);
  } catch (e) {
    throw new StartupError(
      `Invalid configuration:\n  - ${describeDataDirError(e, config.dataDir) ?? String(e)}`,
    );
  }
  if (!lock)
    throw new StartupError(
      `GATEHOUSE_DATA_DIR '${config.dataDir}' is in use by another running Gatehouse server: two servers on one data dir would fork its audit trail. Stop the other one, or give this one its own GATEHOUSE_DATA_DIR.`,
    );
  const running = await startGatehouse(config).catch((e: unknown) => {
    lock.release();
    if (e instanceof AdmissionError || e instanceof ConfigError) throw new StartupError(e.message);
    const reason =
      describeListenError(e, config.host, config.port) ?? describeDataDirError(e, config.dataDir);
    if (reason) throw new StartupError(`Invalid configuration:\n  - ${reason}`);
    throw e;
  });
  const { teams, environments } = running.ctx;
  out(
    `${banner(config, running.ctx.seededAccounts, {
      teams: teams.admitted().map((t) => `${t.name} (${t.organizationId})`),
      identityShared: environments.identityShared().map((s) => `${s.teamName}'s ${s.environment}`),
      deploymentKeysUnowned: environments.deploymentKeysUnowned(),
    })}\n`,
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.ctx.log.info('shutting down', { signal });
    await running.stop();
    lock.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
