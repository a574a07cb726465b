/**
 * Running `gatehouse <command>` as a subprocess with exactly the environment a test gives it (plus
 * what Bun needs), optionally as an unprivileged user, for the operator-facing CLI tests.
 */
import { chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, ROOT } from '../support/subprocess.ts';

export { MAIN, ROOT };

/** nobody: who the permission tests run as when the suite runs as root (root ignores file modes). */
export const UNPRIVILEGED = 65534;
export const isRoot = () => process.getuid?.() === 0;

export interface RunOptions {
  env?: Record<string, string>;
  /** Run as an unprivileged user (when the suite runs as root; otherwise as the suite's user). */
  unprivileged?: boolean;
  stdin?: Uint8Array;
  cwd?: string;
  /** Another executable than `bun src/main.ts` (the compiled binary). */
  command?: string[];
  /** A file stdout goes to (/dev/full) instead of a pipe the test reads. */
  stdoutFile?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  bytes: Uint8Array;
}

export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'LANG', 'BUN_INSTALL']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, HOME: tmpdir(), TMPDIR: tmpdir(), LOG_LEVEL: 'warn', ...extra };
}

export async function gatehouse(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const p = Bun.spawn(options.command ? [...options.command, ...args] : [process.execPath, MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: baseEnv(options.env),
    stdin: options.stdin ?? 'ignore',
    stdout: options.stdoutFile ? Bun.file(options.stdoutFile) : 'pipe',
    stderr: 'pipe',
    ...(options.unprivileged && isRoot() ? { uid: UNPRIVILEGED, gid: UNPRIVILEGED } : {}),
  });
  const [bytes, stderr, code] = await Promise.all([
    p.stdout instanceof ReadableStream ? new Response(p.stdout).bytes() : new Uint8Array(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { code, stdout: new TextDecoder().decode(bytes), stderr, bytes };
}

/** A fresh temporary directory the unprivileged user may use (0755, owned by it when root). */
export function tempDir(prefix = 'gatehouse-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (isRoot()) chownSync(dir, UNPRIVILEGED, UNPRIVILEGED);
  return dir;
}
