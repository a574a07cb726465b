/**
 * `gatehouse emulator` as a process of its own: the embedded WorkOS behind one origin, for tests
 * that run Gatehouse in live mode against it (a rehearsal, replicas, a soak that measures
 * Gatehouse's own memory without the emulator's data in it).
 */
import type { Subprocess } from 'bun';
import type { EmulatorDescription } from '../../src/emulator/describe.ts';
import { firstLine } from './first-line.ts';
import { MAIN, ROOT } from './subprocess.ts';

export interface EmulatorProcess {
  /** What `gatehouse emulator --json` printed: its URL, keys and the environment to point at it. */
  described: EmulatorDescription;
  /** Live-mode environment against it: the first admitted team's sandbox as the deployment key. */
  liveEnv(extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

/** Starts `gatehouse emulator --json`; `env` replaces the inherited environment when given. */
export async function spawnEmulator(env?: Record<string, string>): Promise<EmulatorProcess> {
  const proc: Subprocess<'ignore', 'pipe', 'inherit'> = Bun.spawn(
    [process.execPath, MAIN, 'emulator', '--json'],
    {
      cwd: ROOT,
      ...(env ? { env } : {}),
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'inherit',
    },
  );
  const described = JSON.parse(await firstLine(proc.stdout, '`gatehouse emulator`')) as EmulatorDescription;
  return {
    described,
    liveEnv: (extra = {}) => {
      const demo = described.teams.find((t) => t.seedKey === 'gatehouse-demo-team')!;
      return { ...described.env, WORKOS_API_KEY: demo.sandbox.apiKey, ...extra };
    },
    stop: async () => {
      proc.kill();
      await proc.exited;
    },
  };
}
