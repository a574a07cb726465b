/**
 * Gatehouse as a child process (`bun src/main.ts serve`), for tests that must kill it, restart it
 * on the same data dir, or measure its memory and file descriptors without the test's own.
 */

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { forgetPostgres, postgresFor } from './pg.ts';
import { freePort } from './server.ts';

export const ROOT = join(import.meta.dir, '..', '..');
export const MAIN = join(ROOT, 'src', 'main.ts');

/** Lines of child output kept for diagnostics (the newest). */
const MAX_OUTPUT_LINES = 2_000;
const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const START_ATTEMPTS = 3;

export interface GatehouseProcess {
  /** The public URL (`http://localhost:<port>`): tokens are bound to `${url}/mcp`. */
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** stdout and stderr lines so far (bounded), for failure messages. */
  output: string[];
  /** Resolves with the exit code (or signal number + 128) once the process has ended. */
  exited: Promise<number>;
  /** True once the process has ended. */
  readonly dead: boolean;
  /** Sends `signal` at once (synchronously) and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<number>;
  /** SIGTERM, then SIGKILL after a grace period; removes the data dir unless it was kept. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Reuse a data dir (e.g. to restart after a crash); a fresh temporary one otherwise. */
  dataDir?: string;
  /** Keep the data dir when stopping (always kept when `dataDir` was given). */
  keepDataDir?: boolean;
  /** Extra environment for the child (on top of the minimal one built here). */
  env?: Record<string, string>;
  /**
   * Listen on this port (e.g. the one a killed process used, so that tokens bound to
   * `${url}/mcp` stay valid across the restart); a free port otherwise.
   */
  port?: number;
  readyTimeoutMs?: number;
  /** The child's working directory (the repo root unless given). */
  cwd?: string;
}

/**
 * The child's environment: only what Bun needs to run plus Gatehouse's own settings, so neither
 * the developer's WORKOS_* variables nor the test's switches (GATEHOUSE_STRESS, FUZZ_SEED) leak in.
 */
function childEnv(
  port: number | undefined,
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'BUN_INSTALL']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return {
    ...env,
    ...(port === undefined ? {} : { PORT: String(port) }),
    HOST: '127.0.0.1',
    GATEHOUSE_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

async function drain(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  const decoder = new TextDecoder();
  let partial = '';
  try {
    for await (const chunk of stream) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) into.push(l);
      if (into.length > MAX_OUTPUT_LINES) into.splice(0, into.length - MAX_OUTPUT_LINES);
    }
  } catch {
    // The child died mid-write: keep what we have.
  }
  if (partial) into.push(partial);
}

async function waitReady(url: string, proc: Subprocess, deadline: number): Promise<'ready' | 'exited'> {
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) return 'exited';
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return 'ready';
    } catch {
      // Not listening yet.
    }
    await Bun.sleep(50);
  }
  throw new Error(`Gatehouse at ${url} was not ready within the deadline`);
}

/**
 * Starts `bun src/main.ts serve` on a free loopback port and waits (bounded) for `/readyz` to
 * answer 200. Retries (on another port, unless one was given) if the child exits before it is
 * ready, e.g. when another process took the port in between.
 */
export async function spawnGatehouse(options: SpawnOptions = {}): Promise<GatehouseProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-proc-'));
  const keep = options.keepDataDir ?? options.dataDir !== undefined;
  const pg = await postgresFor(dataDir, options.env);
  let lastOutput: string[] = [];
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = options.port ?? freePort();
    const url = `http://localhost:${port}`;
    const output: string[] = [];
    const proc = Bun.spawn([process.execPath, MAIN, 'serve'], {
      cwd: options.cwd ?? ROOT,
      env: childEnv(port, dataDir, pg.env),
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    void drain(proc.stdout, output);
    void drain(proc.stderr, output);
    const deadline = Date.now() + (options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    let state: 'ready' | 'exited';
    try {
      state = await waitReady(url, proc, deadline);
    } catch (e) {
      proc.kill('SIGKILL');
      await proc.exited;
      throw new Error(`${(e as Error).message}\n--- child output ---\n${output.slice(-50).join('\n')}`);
    }
    if (state === 'exited') {
      await proc.exited;
      lastOutput = output;
      // A fixed port may still be held by a process that is going away: give it a moment.
      if (options.port !== undefined) await Bun.sleep(500);
      continue;
    }
    let dead = false;
    // Never outlive the test process (a failed or interrupted run must not leave servers behind).
    const orphanGuard = () => proc.kill('SIGKILL');
    process.once('exit', orphanGuard);
    const exited = proc.exited.then((code) => {
      dead = true;
      process.off('exit', orphanGuard);
      return code;
    });
    const kill = (signal: NodeJS.Signals = 'SIGKILL') => {
      if (!dead) proc.kill(signal);
      return exited;
    };
    return {
      url,
      port,
      pid: proc.pid,
      dataDir,
      output,
      exited,
      get dead() {
        return dead;
      },
      kill,
      async stop() {
        if (!dead) {
          proc.kill('SIGTERM');
          const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }
        if (!keep) {
          rmSync(dataDir, { recursive: true, force: true });
          await forgetPostgres(dataDir);
        }
      },
    };
  }
  throw new Error(
    `Gatehouse exited before it was ready (${START_ATTEMPTS} attempts)\n--- child output ---\n${lastOutput
      .slice(-50)
      .join('\n')}`,
  );
}

/** Runs a Gatehouse CLI command (`bun src/main.ts …`) against a data dir. */
export function runCli(
  dataDir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliWith(dataDir, {}, ...args);
}

/** runCli with more environment (GATEHOUSE_AUDIT_WITNESS, …). */
export async function runCliWith(
  dataDir: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd: ROOT,
    env: childEnv(undefined, dataDir, { ...(await postgresFor(dataDir)).env, ...env }),
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { code, stdout, stderr };
}

/** Resident set size of a live process, in KiB (Linux `/proc/<pid>/status` VmRSS). */
export function rssKb(pid: number): number | undefined {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return undefined;
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(path, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

/** Open file descriptors of a live process (Linux `/proc/<pid>/fd`). */
export function fdCount(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}
