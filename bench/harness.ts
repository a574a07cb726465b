/**
 * What every bench script shares: child processes that never outlive the run, waiting for a
 * server or a line, percentiles, and the machine a result was measured on.
 */
import { rmSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dir, '..');

export type Proc = ReturnType<typeof Bun.spawn>;
export const children: Proc[] = [];
/** Data dirs to remove however the run ends (a refused run exits early). */
export const tempDirs: string[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A child of the run, from the repository root, its stdout piped (killed if the run ends). */
export function spawn(cmd: string[], env: Record<string, string> = {}): Proc {
  const p = Bun.spawn(cmd, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  });
  children.push(p);
  return p;
}

/** Polls `check` until it answers true; the time it took, in ms. */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await check().catch(() => false)) return performance.now() - start;
    await Bun.sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** What bench/load.ts prints for one load run. */
export interface LoadResult {
  /** Of the calls that succeeded (ms). */
  latencies: number[];
  wallMs: number;
  errors: number;
  /** What the failed calls said, counted. */
  messages: Record<string, number>;
}

/** One load run (bench/load.ts, its own process): `clients` clients calling `tool` `calls` times each. */
export async function runLoad(
  url: string,
  token: string,
  clients: number,
  calls: number,
  tool = 'list_workos_organizations',
  kind: 'v1' | 'v2' = 'v1',
): Promise<LoadResult> {
  return runScript<LoadResult>('load.ts', [url, token, String(clients), String(calls), tool, kind]);
}

/** Runs a bench script in its own process and answers the JSON of the last line it printed. */
async function runScript<T>(script: string, args: string[]): Promise<T> {
  const p = Bun.spawn(['bun', join(ROOT, 'bench', script), ...args], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** Failed calls and latencies of each side of a pair (bench/pair.ts). */
export interface PairResult {
  a: { latencies: number[]; errors: number };
  b: { latencies: number[]; errors: number };
}

/** `calls` calls to each of two servers in turn, from one session on each (bench/pair.ts). */
export async function runPair(
  a: { url: string; token: string; tool: string },
  b: { url: string; token: string; tool: string },
  calls: number,
): Promise<PairResult> {
  return runScript<PairResult>('pair.ts', [a.url, a.token, a.tool, b.url, b.token, b.tool, String(calls)]);
}

export const ready = (url: string) => async () => (await fetch(`${url}/readyz`)).status === 200;

/** A child's stdout up to and including `needle`. */
export async function waitForLine(p: Proc, needle: string): Promise<string> {
  const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`process exited before printing "${needle}"`);
    buf += new TextDecoder().decode(value);
    if (buf.includes(needle)) {
      reader.releaseLock();
      return buf;
    }
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round2 = (n: number) => Math.round(n * 100) / 100;

/** The machine a result was measured on, as each results file records it. */
export function machine() {
  return {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memory_gib: round2(totalmem() / 2 ** 30),
    kernel: release(),
    bun: Bun.version,
  };
}
