/**
 * `bun run bench`: Gatehouse measured side by side with a bare MCP SDK server on this machine.
 * Both serve the same tool against one shared embedded WorkOS; load comes from a separate
 * process with real MCP clients; rounds alternate after a warm-up. Then the audit trail's figures:
 * appends, and what must not grow with the data (bench/audit.ts `measureGrowth`). Writes
 * bench/results/<date>.json.
 *
 * The embedded WorkOS runs without rate limits (GATEHOUSE_EMBEDDED_RATE_LIMITS=off): with
 * WorkOS's own (6,000 requests a minute per key) both sides would measure 429s. Failed calls are
 * counted per side; a run where either side failed a call reports no ratio at all — it prints
 * the failures and exits non-zero, since a ratio between a side that did the work and one that
 * answered errors measures nothing.
 */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorDescription } from '../src/emulator/describe.ts';
import { freePort } from '../test/support/server.ts';
import { measureAudit, measureGrowth } from './audit.ts';
import {
  children,
  type LoadResult,
  machine,
  percentile,
  ROOT,
  ready,
  round2,
  runLoad,
  runPair,
  spawn,
  tempDirs,
  waitFor,
  waitForLine,
} from './harness.ts';
import { liveTokens, raiseToolCallRate } from './live-tokens.ts';

type Side = 'baseline' | 'gatehouse';

/**
 * The measured cases. Calls per client are chosen so each round lasts a second or more (single
 * rounds of 64 × 20 calls, under a second, spread over 0.78–1.03× on this machine). `c1`–`c64`:
 * 2025-era sessions (v1 SDK) calling `list_workos_organizations`; `c64_v2`: 64 stateless
 * 2026-07-28 clients (v2 SDK) on the same tool; `c64_own`: no upstream call — the bare server's
 * `echo` against Gatehouse's `whoami` — so the gap is Gatehouse's own work.
 */
interface Case {
  key: string;
  clients: number;
  calls: number;
  kind: 'v1' | 'v2';
  tools: Record<Side, string>;
}
const ORGS = { baseline: 'list_workos_organizations', gatehouse: 'list_workos_organizations' };
const CASES: Case[] = [
  { key: 'c1', clients: 1, calls: 600, kind: 'v1', tools: ORGS },
  { key: 'c16', clients: 16, calls: 40, kind: 'v1', tools: ORGS },
  { key: 'c64', clients: 64, calls: 40, kind: 'v1', tools: ORGS },
  { key: 'c64_v2', clients: 64, calls: 40, kind: 'v2', tools: ORGS },
  { key: 'c64_own', clients: 64, calls: 40, kind: 'v1', tools: { baseline: 'echo', gatehouse: 'whoami' } },
];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Calls to each server in the interleaved one-session case (bench/pair.ts). */
const PAIR_CALLS = 2_000;
const COLD_STARTS = 5;

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!;

/** Failed calls per side in one case (warm-up or a concurrency), with what they said. */
type Failures = Record<Side, { errors: number; messages: Record<string, number> }>;

const noFailures = (): Failures => ({
  baseline: { errors: 0, messages: {} },
  gatehouse: { errors: 0, messages: {} },
});

function addFailures(into: Failures[Side], res: LoadResult): void {
  into.errors += res.errors;
  for (const [m, n] of Object.entries(res.messages ?? {})) into.messages[m] = (into.messages[m] ?? 0) + n;
}

/**
 * Refuses to go on (and so to report any ratio) once a side has failed a call: prints each
 * side's failures in `phase` and exits 1.
 */
function refuseOnFailures(phase: string, failures: Failures): void {
  if (failures.baseline.errors === 0 && failures.gatehouse.errors === 0) return;
  const lines = [`bench: calls failed during ${phase}; no ratio is reported from a run with errors.`];
  for (const side of ['baseline', 'gatehouse'] as const) {
    const f = failures[side];
    lines.push(`  ${side}: ${f.errors} failed ${f.errors === 1 ? 'call' : 'calls'}`);
    for (const [m, n] of Object.entries(f.messages)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10))
      lines.push(`    ${n} × ${m}`);
  }
  lines.push('Fix the cause (see bench/README.md, "Errors") and run again.');
  console.error(lines.join('\n'));
  process.exit(1);
}

/**
 * Spawn to the first 200 from /readyz, each on a fresh data dir, in live mode against the shared
 * embedded WorkOS (`live`: its environment); also the RSS of each once ready and a second idle.
 */
async function coldStart(
  cmd: string[],
  live: Record<string, string>,
): Promise<{ times: number[]; idleRssKb: number[] }> {
  const times: number[] = [];
  const idleRssKb: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const port = freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-cold-'));
    const started = performance.now();
    const p = spawn(cmd, {
      ...live,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://localhost:${port}`,
      GATEHOUSE_DATA_DIR: dataDir,
    });
    await waitFor(ready(`http://localhost:${port}`), 'readyz');
    times.push(performance.now() - started);
    await Bun.sleep(1000);
    idleRssKb.push(rssKb(p.pid));
    p.kill('SIGTERM');
    await p.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { times: times.sort((a, b) => a - b), idleRssKb: idleRssKb.sort((a, b) => a - b) };
}

async function main() {
  console.log('building the single binary…');
  const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' });
  if (build.exitCode !== 0) throw new Error('bun run build failed');
  const binary = join(ROOT, 'dist', 'gatehouse');

  // One embedded WorkOS shared by both servers (and the cold starts).
  const workosPort = freePort();
  // Both servers act on the Demo team's sandbox; Gatehouse's humans sign in to the identity one.
  // No rate limits: both sides would otherwise measure WorkOS's 429s (see the header comment).
  const emulator = spawn(['bun', 'src/main.ts', 'emulator', '--port', String(workosPort), '--json'], {
    GATEHOUSE_EMBEDDED_RATE_LIMITS: 'off',
  });
  const described = JSON.parse((await waitForLine(emulator, '\n')).split('\n')[0]!) as EmulatorDescription;
  const workosUrl = described.url;
  const demoSandboxKey = described.teams.find((t) => t.seedKey === 'gatehouse-demo-team')!.sandbox.apiKey;
  const live = {
    ...described.env,
    WORKOS_API_KEY: demoSandboxKey,
    // Live mode refuses the embedded WorkOS's setting; empty counts as unset.
    GATEHOUSE_EMBEDDED_RATE_LIMITS: '',
  };

  console.log('cold starts (live mode)…');
  const coldBun = await coldStart(['bun', 'src/main.ts', 'serve'], live);
  const coldBinary = await coldStart([binary, 'serve'], live);

  const ghPort = freePort();
  const ghData = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  tempDirs.push(ghData);
  const gatehouse = spawn(['bun', 'src/main.ts', 'serve'], {
    PORT: String(ghPort),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://localhost:${ghPort}`,
    GATEHOUSE_DATA_DIR: ghData,
    ...live,
  });
  const ghUrl = `http://localhost:${ghPort}`;
  await waitFor(ready(ghUrl), 'gatehouse');

  const basePort = freePort();
  const baseline = spawn(['bun', 'bench/baseline-server.ts', String(basePort), workosUrl, demoSandboxKey]);
  await waitForLine(baseline, 'ready');
  const baseUrl = `http://127.0.0.1:${basePort}/mcp`;

  await raiseToolCallRate(ghUrl, 'admin@demo.test');
  const token = await liveTokens(ghUrl, 'member@demo.test');
  const targets = { baseline: { url: baseUrl, token: '-' }, gatehouse: { url: `${ghUrl}/mcp`, token } };
  const idleRss = { gatehouse: rssKb(gatehouse.pid), baseline: rssKb(baseline.pid) };

  console.log('warm-up…');
  const warmUp = noFailures();
  for (const name of ['baseline', 'gatehouse'] as const)
    addFailures(warmUp[name], await runLoad(targets[name].url, targets[name].token, 4, 50));
  refuseOnFailures('the warm-up', warmUp);

  const latency: Record<
    string,
    Record<string, { p50: number; p99: number; calls: number; errors: number; throughput: number }>
  > = {};
  let loadedRss = { gatehouse: 0, baseline: 0 };
  for (const kase of CASES) {
    const c = kase.clients;
    const all: Record<Side, { lat: number[]; wall: number; calls: number; errors: number }> = {
      baseline: { lat: [], wall: 0, calls: 0, errors: 0 },
      gatehouse: { lat: [], wall: 0, calls: 0, errors: 0 },
    };
    const failures = noFailures();
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate who goes first so drift on the machine hits both alike.
      const order = r % 2 === 0 ? (['baseline', 'gatehouse'] as const) : (['gatehouse', 'baseline'] as const);
      for (const name of order) {
        const res = await runLoad(
          targets[name].url,
          targets[name].token,
          c,
          kase.calls,
          kase.tools[name],
          kase.kind,
        );
        all[name].lat.push(...res.latencies);
        all[name].wall += res.wallMs;
        all[name].calls += res.latencies.length;
        all[name].errors += res.errors;
        addFailures(failures[name], res);
        if (kase.key === 'c64')
          loadedRss = {
            ...loadedRss,
            [name]: Math.max(loadedRss[name], rssKb(name === 'gatehouse' ? gatehouse.pid : baseline.pid)),
          };
      }
    }
    refuseOnFailures(
      `${kase.key}: ${c} ${kase.kind} ${c === 1 ? 'client' : 'clients'} (${ROUNDS} rounds)`,
      failures,
    );
    latency[kase.key] = {};
    for (const name of ['baseline', 'gatehouse'] as const) {
      const sorted = all[name].lat.sort((a, b) => a - b);
      latency[kase.key]![name] = {
        p50: round2(percentile(sorted, 50)),
        p99: round2(percentile(sorted, 99)),
        calls: all[name].calls,
        errors: all[name].errors,
        throughput: round2((all[name].calls / all[name].wall) * 1000),
      };
    }
    console.log(kase.key, latency[kase.key]);
  }

  // One session on each server, called in turn, call by call (bench/pair.ts): the one-session
  // ratio with the machine's drift falling on both sides alike.
  const pair = await runPair(
    { ...targets.baseline, tool: ORGS.baseline },
    { ...targets.gatehouse, tool: ORGS.gatehouse },
    PAIR_CALLS,
  );
  const pairFailures = noFailures();
  pairFailures.baseline.errors = pair.a.errors;
  pairFailures.gatehouse.errors = pair.b.errors;
  refuseOnFailures(`c1_interleaved: one session each, ${PAIR_CALLS} calls each in turn`, pairFailures);
  const pairFigure = (lat: number[]) => {
    const sorted = [...lat].sort((x, y) => x - y);
    return { p50: round2(percentile(sorted, 50)), p99: round2(percentile(sorted, 99)), calls: sorted.length };
  };
  const interleaved = { baseline: pairFigure(pair.a.latencies), gatehouse: pairFigure(pair.b.latencies) };
  console.log('c1_interleaved', interleaved);

  const metrics = await (await fetch(`${ghUrl}/metrics`)).text();
  const sum = Number(/^gatehouse_pipeline_overhead_seconds_sum (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN);
  const count = Number(/^gatehouse_pipeline_overhead_seconds_count (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN);
  const pipelineUs = round2((sum / count) * 1e6);

  // Each server finishes its shutdown (the signed head is written last) before its data goes.
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  rmSync(ghData, { recursive: true, force: true });

  const audit = await measureAudit();
  // Issue 13's figures of growth: the trail verified and exported, pages and tool calls with a
  // large trail, 100k tokens and 10k grants beside an empty team. The 10M entries take
  // about 15 minutes here: BENCH_AUDIT_SEED=10000000.
  const growth = await measureGrowth(Number(process.env.BENCH_AUDIT_SEED ?? 1_000_000));
  const g = (key: string, k: 'p50' | 'p99' | 'throughput', who: Side) => latency[key]![who]![k];
  const ratio = (a: number, b: number) => round2(a / b);
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    command: 'bun run bench',
    embedded_workos_rate_limits: 'off',
    rounds: ROUNDS,
    cases: CASES,
    latency_ms: latency,
    ratios: Object.fromEntries(
      CASES.map(({ key }) => [
        key,
        {
          p50: ratio(g(key, 'p50', 'gatehouse'), g(key, 'p50', 'baseline')),
          p99: ratio(g(key, 'p99', 'gatehouse'), g(key, 'p99', 'baseline')),
          throughput: ratio(g(key, 'throughput', 'gatehouse'), g(key, 'throughput', 'baseline')),
        },
      ]),
    ),
    c1_interleaved: {
      ...interleaved,
      p50_ratio: ratio(interleaved.gatehouse.p50, interleaved.baseline.p50),
      p99_ratio: ratio(interleaved.gatehouse.p99, interleaved.baseline.p99),
    },
    throughput_at_64_calls_per_s: {
      baseline: g('c64', 'throughput', 'baseline'),
      gatehouse: g('c64', 'throughput', 'gatehouse'),
    },
    pipeline_overhead_us_per_call: pipelineUs,
    audit,
    growth,
    // Live mode against the embedded WorkOS, a fresh data dir each time.
    cold_start_ms: {
      bun_start: { median: round2(median(coldBun.times)), all: coldBun.times.map(round2) },
      binary: { median: round2(median(coldBinary.times)), all: coldBinary.times.map(round2) },
    },
    rss_mib: {
      // Each cold-started server a second after it was ready (median), live mode.
      idle_once_ready: {
        binary: round2(median(coldBinary.idleRssKb) / 1024),
        bun_start: round2(median(coldBun.idleRssKb) / 1024),
      },
      // The measured servers (from source) before the warm-up: Gatehouse after a sign-in and a token.
      idle: { gatehouse: round2(idleRss.gatehouse / 1024), baseline: round2(idleRss.baseline / 1024) },
      loaded: { gatehouse: round2(loadedRss.gatehouse / 1024), baseline: round2(loadedRss.baseline / 1024) },
    },
    binary_size_mib: round2(statSync(binary).size / 2 ** 20),
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.date.slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.log(`written to ${file}${existsSync(file) ? '' : ' (failed)'}`);
  process.exit(0);
}

await main();
