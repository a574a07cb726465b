/**
 * `bun run bench:pg`: Gatehouse on PostgreSQL, as ratios (bench/README.md, "PostgreSQL").
 *
 *   - two replicas vs one, both on one PostgreSQL database: the same total load, split in half
 *     between replica A and replica B (each half on its own load process), against all of it on A;
 *   - PostgreSQL vs SQLite on one replica: the same load on a replica on PostgreSQL and on one on
 *     SQLite (the default), both in live mode against one shared embedded WorkOS, as `bun run
 *     bench` runs them (bench/run.ts).
 *
 * The load comes from bench/load.ts (real MCP clients, failed calls counted, never a sample); a run
 * with any failed call reports no ratio and exits 1. Rounds alternate the order of the three sides.
 * Needs an admin URL of a PostgreSQL cluster: BENCH_PG_URL, else DATABASE_URL, else the throwaway
 * cluster of docs/postgresql.md ("Tests"). The bench creates its own database (bench_pg_<pid>)
 * there and drops it at the end. Writes bench/results/pg-<date>.json (never the other results).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorDescription } from '../src/emulator/describe.ts';
import { freePort } from '../test/support/server.ts';
import {
  children,
  type LoadResult,
  machine,
  type Proc,
  percentile,
  ROOT,
  ready,
  round2,
  runLoad,
  spawn,
  tempDirs,
  waitFor,
  waitForLine,
} from './harness.ts';
import { liveTokens, raiseToolCallRate } from './live-tokens.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ADMIN_URL =
  process.env.BENCH_PG_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:54329/postgres';

/** As bench/run.ts: 64 clients in all; the two-replica side gives each replica half of them. */
interface Case {
  key: string;
  clients: number;
  calls: number;
  kind: 'v1' | 'v2';
  tool: string;
}
const CASES: Case[] = [
  { key: 'c64', clients: 64, calls: 20, kind: 'v1', tool: 'list_workos_organizations' },
  { key: 'c64_v2', clients: 64, calls: 20, kind: 'v2', tool: 'list_workos_organizations' },
  { key: 'c64_own', clients: 64, calls: 20, kind: 'v1', tool: 'whoami' },
];
type Side = 'sqlite' | 'pg_one' | 'pg_two';
const SIDES: Side[] = ['sqlite', 'pg_one', 'pg_two'];

const database = `bench_pg_${process.pid}`;
let databaseMade = false;

async function admin(statement: string): Promise<Record<string, unknown>[]> {
  const sql = new Bun.SQL(ADMIN_URL, { max: 1 });
  try {
    return await sql.unsafe(statement);
  } finally {
    await sql.close();
  }
}

async function cleanUp(): Promise<void> {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  if (databaseMade) await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => {});
}
/** A child with this run's environment but never the caller's DATABASE_URL (each side sets its own). */
const child = (cmd: string[], env: Record<string, string> = {}): Proc =>
  spawn(cmd, { DATABASE_URL: '', ...env });

const waitReady = (url: string) => waitFor(ready(url), `${url}/readyz`, 60_000);

function load(url: string, token: string, clients: number, k: Case): Promise<LoadResult> {
  return runLoad(url, token, clients, k.calls, k.tool, k.kind);
}

/** One side's share of a case: a single replica, or the two replicas at once (half each). */
async function measure(side: Side, k: Case, t: Targets): Promise<LoadResult> {
  if (side === 'sqlite') return load(t.sqlite, t.sqliteToken, k.clients, k);
  if (side === 'pg_one') return load(t.pgA, t.pgToken, k.clients, k);
  const half = k.clients / 2;
  const [a, b] = await Promise.all([load(t.pgA, t.pgToken, half, k), load(t.pgB, t.pgToken, half, k)]);
  const messages = { ...a.messages };
  for (const [m, n] of Object.entries(b.messages)) messages[m] = (messages[m] ?? 0) + n;
  return {
    latencies: [...a.latencies, ...b.latencies],
    wallMs: Math.max(a.wallMs, b.wallMs),
    errors: a.errors + b.errors,
    messages,
  };
}

interface Targets {
  sqlite: string;
  sqliteToken: string;
  pgA: string;
  pgB: string;
  pgToken: string;
}

async function main() {
  const workosPort = freePort();
  const emulator = child(['bun', 'src/main.ts', 'emulator', '--port', String(workosPort), '--json'], {
    GATEHOUSE_EMBEDDED_RATE_LIMITS: 'off',
  });
  const described = JSON.parse((await waitForLine(emulator, '\n')).split('\n')[0]!) as EmulatorDescription;
  const sandboxKey = described.teams.find((t) => t.seedKey === 'gatehouse-demo-team')!.sandbox.apiKey;
  const live = { ...described.env, WORKOS_API_KEY: sandboxKey, GATEHOUSE_EMBEDDED_RATE_LIMITS: '' };

  await admin(`CREATE DATABASE "${database}"`);
  databaseMade = true;
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${database}`;
  // What every replica on one database shares (docs/postgresql.md, "Configuration").
  const shared = {
    DATABASE_URL: dbUrl.toString(),
    WORKOS_COOKIE_PASSWORD: randomBytes(32).toString('base64'),
    GATEHOUSE_AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'der' })
      .toString('base64'),
  };

  const ports = { sqlite: freePort(), a: freePort(), b: freePort() };
  const serve = (port: number, env: Record<string, string>) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-pg-'));
    tempDirs.push(dataDir);
    child(['bun', 'src/main.ts', 'serve'], {
      ...live,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://localhost:${port}`,
      GATEHOUSE_DATA_DIR: dataDir,
      ...env,
    });
  };
  const urlOf = (port: number) => `http://localhost:${port}`;
  serve(ports.sqlite, {});
  // Both replicas answer for one PUBLIC_URL (A's), as behind a proxy; B also takes its own Host.
  serve(ports.a, shared);
  await waitReady(urlOf(ports.a)); // A migrates first; B then finds the schema in place.
  serve(ports.b, { ...shared, PUBLIC_URL: urlOf(ports.a), ALLOWED_HOSTS: `localhost:${ports.b}` });
  await Promise.all([waitReady(urlOf(ports.sqlite)), waitReady(urlOf(ports.b))]);

  await raiseToolCallRate(urlOf(ports.sqlite), 'admin@demo.test');
  await raiseToolCallRate(urlOf(ports.a), 'admin@demo.test');
  const t: Targets = {
    sqlite: `${urlOf(ports.sqlite)}/mcp`,
    sqliteToken: await liveTokens(urlOf(ports.sqlite), 'member@demo.test'),
    pgA: `${urlOf(ports.a)}/mcp`,
    pgB: `${urlOf(ports.b)}/mcp`,
    // Issued by A, used on A and B: the token lives in PostgreSQL.
    pgToken: await liveTokens(urlOf(ports.a), 'member@demo.test'),
  };

  console.log('warm-up…');
  const failures: Record<string, number> = {};
  const tally = (side: string, r: LoadResult) => {
    for (const [m, n] of Object.entries(r.messages))
      failures[`${side}: ${m}`] = (failures[`${side}: ${m}`] ?? 0) + n;
  };
  for (const side of SIDES) tally(side, await measure(side, { ...CASES[0]!, clients: 4, calls: 50 }, t));

  const figures: Record<
    string,
    Record<Side, { p50: number; p99: number; calls: number; throughput: number }>
  > = {};
  for (const k of CASES) {
    const all = Object.fromEntries(SIDES.map((s) => [s, { lat: [] as number[], wall: 0 }])) as Record<
      Side,
      { lat: number[]; wall: number }
    >;
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate who goes first so drift on the machine hits every side alike.
      const order = SIDES.map((_, i) => SIDES[(i + r) % SIDES.length]!);
      for (const side of order) {
        const res = await measure(side, k, t);
        tally(side, res);
        all[side].lat.push(...res.latencies);
        all[side].wall += res.wallMs;
      }
    }
    figures[k.key] = Object.fromEntries(
      SIDES.map((s) => {
        const sorted = all[s].lat.sort((a, b) => a - b);
        return [
          s,
          {
            p50: round2(percentile(sorted, 50)),
            p99: round2(percentile(sorted, 99)),
            calls: sorted.length,
            throughput: round2((sorted.length / all[s].wall) * 1000),
          },
        ];
      }),
    ) as Record<Side, { p50: number; p99: number; calls: number; throughput: number }>;
    console.log(k.key, figures[k.key]);
  }

  const version = (await admin('SHOW server_version'))[0]?.server_version;
  await cleanUp();
  if (Object.keys(failures).length > 0) {
    console.error('bench:pg: calls failed; no ratio is reported from a run with errors.');
    for (const [m, n] of Object.entries(failures)) console.error(`  ${n} × ${m}`);
    process.exit(1);
  }
  const ratio = (a: number, b: number) => round2(a / b);
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    command: 'bun run bench:pg',
    postgres: version,
    embedded_workos_rate_limits: 'off',
    rounds: ROUNDS,
    cases: CASES,
    latency_ms: figures,
    ratios: Object.fromEntries(
      CASES.map(({ key }) => {
        const f = figures[key]!;
        return [
          key,
          {
            two_replicas_vs_one_pg_throughput: ratio(f.pg_two.throughput, f.pg_one.throughput),
            pg_vs_sqlite_one_replica_throughput: ratio(f.pg_one.throughput, f.sqlite.throughput),
            pg_vs_sqlite_one_replica_p50: ratio(f.pg_one.p50, f.sqlite.p50),
          },
        ];
      }),
    ),
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `pg-${result.date.slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result.ratios, null, 2));
  console.log(`written to ${file}`);
  process.exit(0);
}

try {
  await main();
} catch (e) {
  console.error(e);
  await cleanUp();
  process.exit(1);
}
