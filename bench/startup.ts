/**
 * `bun bench/startup.ts`: issue 13's start-up figures only, for fast iteration (bench/README.md,
 * "Start-up"). Builds the single binary (`bun run build`; `--no-build` skips it), starts one
 * embedded WorkOS (`gatehouse emulator`) and measures, in live mode against it:
 *
 * - cold start: spawn to the first 200 from /readyz, median of 5 (`--runs N`), each on a fresh
 *   data dir (migrations applied, teams admitted) and each again on that now-initialised data dir
 *   (a restart);
 * - idle RSS: VmRSS (and its anonymous and file-backed parts) of a server that is ready and then
 *   idle for a second, and again after one human signed in and obtained an MCP token (what
 *   `bun run bench` reports as idle);
 * - the first /mcp request's time (unauthenticated: the endpoint answers 401) and the second's,
 *   since the first loads the MCP endpoint (src/app/lazy.ts).
 *
 * The server's CPU time until ready (every thread) is printed beside the wall time: on a shared
 * machine it moves far less with other work. `--cmd "bun src/main.ts"` measures another command
 * instead of the binary. A figure, never a test.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { EmulatorDescription } from '../src/emulator/describe.ts';
import { firstLine } from '../test/support/first-line.ts';
import { freePort } from '../test/support/server.ts';
import { liveTokens } from './live-tokens.ts';

const ROOT = join(import.meta.dir, '..');
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    'no-build': { type: 'boolean' },
    runs: { type: 'string' },
    cmd: { type: 'string' },
    'record-order': { type: 'string' },
  },
});
const RUNS = Number(values.runs ?? 5);
const cmd = values.cmd?.split(' ') ?? [join(ROOT, 'dist', 'gatehouse')];

type Proc = ReturnType<typeof Bun.spawn>;
const children: Proc[] = [];
const tempDirs: string[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

if (!values['no-build'] && !values.cmd) {
  const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' });
  if (build.exitCode !== 0) throw new Error('bun run build failed');
}

const emulator = Bun.spawn(['bun', 'src/main.ts', 'emulator', '--port', String(freePort()), '--json'], {
  cwd: ROOT,
  env: { ...process.env, GATEHOUSE_EMBEDDED_RATE_LIMITS: 'off' },
  stdout: 'pipe',
  stderr: 'inherit',
});
children.push(emulator);
const described = JSON.parse(
  await firstLine(emulator.stdout as ReadableStream<Uint8Array>, 'the emulator'),
) as EmulatorDescription;
const sandboxKey = described.teams.find((t) => t.seedKey === 'gatehouse-demo-team')!.sandbox.apiKey;

function start(dataDir: string, port: number, extraEnv: Record<string, string> = {}): Proc {
  const p = Bun.spawn([...cmd, 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...extraEnv,
      ...described.env,
      WORKOS_API_KEY: sandboxKey,
      GATEHOUSE_EMBEDDED_RATE_LIMITS: '',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://localhost:${port}`,
      GATEHOUSE_DATA_DIR: dataDir,
    },
    stdout: 'ignore',
    stderr: 'inherit',
  });
  children.push(p);
  return p;
}

/** CPU time the process has used so far, every thread, in ms (less moved by other work than wall time). */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`))
    ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  return ns / 1e6;
}

/** Spawn to the first 200 from /readyz, in ms of wall time and of the server's CPU time. */
async function timeToReady(dataDir: string, port: number): Promise<{ ms: number; cpu: number; p: Proc }> {
  const started = performance.now();
  const p = start(dataDir, port);
  return { ms: await waitReady(p, port, started), cpu: cpuMs(p.pid), p };
}

/** Waits for the first 200 from /readyz; the ms since `started`. */
async function waitReady(p: Proc, port: number, started: number): Promise<number> {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return performance.now() - started;
    if (p.exitCode !== null) throw new Error(`${cmd.join(' ')} serve exited with ${p.exitCode}`);
    if (performance.now() - started > 30_000) throw new Error('timed out waiting for /readyz');
    await Bun.sleep(2);
  }
}

async function stop(p: Proc): Promise<void> {
  p.kill('SIGTERM');
  await p.exited;
}

function rss(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: mib('VmRSS'), anon: mib('RssAnon'), file: mib('RssFile') + mib('RssShmem') };
}

/** One unauthenticated POST /mcp (answered 401 by the endpoint), in ms. */
async function timeMcp(port: number): Promise<number> {
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  await res.text();
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms (${[...xs]
    .sort((a, b) => a - b)
    .map((x) => x.toFixed(0))
    .join(', ')})`;
const fmtRss = (r: ReturnType<typeof rss>) =>
  `${r.rss.toFixed(1)} MiB (anon ${r.anon.toFixed(1)}, file ${r.file.toFixed(1)})`;

if (values['record-order']) await recordOrder(values['record-order']);

/**
 * `--record-order FILE`: one start of the binary the way a deployment uses it — fresh data dir,
 * ready, a human signs in and obtains a token, an agent lists the tools and calls one — with
 * BUN_BYTECODE_ORDER_OUT, so the binary writes which functions it ran to FILE as it exits.
 * `bun run build` lays the bytecode out in that order (package.json, --bytecode-order).
 */
async function recordOrder(file: string): Promise<never> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-order-'));
  tempDirs.push(dataDir);
  const port = freePort();
  const p = start(dataDir, port, { BUN_BYTECODE_ORDER_OUT: resolve(file) });
  await waitReady(p, port, performance.now());
  const token = await liveTokens(`http://localhost:${port}`, 'member@demo.test');
  for (const [method, params] of [
    ['tools/list', {}],
    ['tools/call', { name: 'whoami', arguments: {} }],
    ['tools/call', { name: 'list_workos_organizations', arguments: {} }],
  ] as const) {
    const res = await mcpCall(port, token, method, params);
    if (!res.ok) throw new Error(`${method} answered ${res.status}: ${await res.text()}`);
    await res.text();
  }
  await stop(p);
  console.log(`recorded the functions one start ran in ${file}; bun run build lays the bytecode out by it`);
  process.exit(0);
}

/** A 2026-07-28 (stateless) MCP request. */
function mcpCall(port: number, token: string, method: string, params: object): Promise<Response> {
  const _meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'startup', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  return fetch(`http://127.0.0.1:${port}/mcp`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': method,
      ...('name' in params ? { 'Mcp-Name': String(params.name) } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta } }),
  });
}

const fresh: number[] = [];
const restart: number[] = [];
const freshCpu: number[] = [];
const restartCpu: number[] = [];
let idle: ReturnType<typeof rss> | undefined;
let firstMcp: number[] = [];
let signedIn: ReturnType<typeof rss> | undefined;
let afterMcp: ReturnType<typeof rss> | undefined;
for (let i = 0; i < RUNS; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
  tempDirs.push(dataDir);
  const port = freePort();
  const first = await timeToReady(dataDir, port);
  fresh.push(first.ms);
  freshCpu.push(first.cpu);
  await stop(first.p);
  // A new port: another process may have taken the first one since it was freed.
  const port2 = freePort();
  const again = await timeToReady(dataDir, port2);
  restart.push(again.ms);
  restartCpu.push(again.cpu);
  if (i === RUNS - 1) {
    await Bun.sleep(1_000);
    idle = rss(again.p.pid);
    await liveTokens(`http://localhost:${port2}`, 'member@demo.test');
    await Bun.sleep(1_000);
    signedIn = rss(again.p.pid);
    firstMcp = [await timeMcp(port2), await timeMcp(port2)];
    await Bun.sleep(1_000);
    afterMcp = rss(again.p.pid);
  }
  await stop(again.p);
}

console.log(`command: ${cmd.join(' ')} serve (live mode, embedded WorkOS at ${described.url})`);
console.log(`cold start to /readyz, fresh data dir:  ${fmt(fresh)}`);
console.log(`cold start to /readyz, restart:         ${fmt(restart)}`);
console.log(`  its CPU time (all threads), fresh:     ${fmt(freshCpu)}`);
console.log(`  its CPU time (all threads), restart:   ${fmt(restartCpu)}`);
console.log(
  `first /mcp request, then the second:     ${firstMcp.map((x) => `${x.toFixed(1)} ms`).join(', ')}`,
);
console.log(`RSS idle after ready:                   ${fmtRss(idle!)}`);
console.log(`RSS idle after a sign-in and a token:   ${fmtRss(signedIn!)}`);
console.log(`RSS idle after that and a /mcp request: ${fmtRss(afterMcp!)}`);
process.exit(0);
