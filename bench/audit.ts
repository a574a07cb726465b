/**
 * The audit trail's own figures (bench/README.md "Audit"): group-commit appends under
 * concurrency, `audit verify` entries/s (whole and `--since` a checkpoint), `audit export`'s
 * RSS, and console pages over a large seeded trail. `bun bench/audit.ts` runs them all
 * (AUDIT_SEED=1000000 by default); `bun run bench` runs `measureAudit` (appends) and
 * `measureGrowth` (the rest; BENCH_AUDIT_SEED entries, 1,000,000 by default).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditHeadWriter } from '../src/audit/head.ts';
import { loadOrCreateAuditKey, signHash } from '../src/audit/keys.ts';
import { AuditService } from '../src/audit/service.ts';
import { verifyChain } from '../src/audit/verify.ts';
import { openDatabase } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { systemClock } from '../src/kernel/clock.ts';
import { measurePages } from './audit-pages.ts';
import { seedTrail } from './audit-seed.ts';

const APPENDS = 50_000;
const ROOT = join(import.meta.dir, '..');

function freshDb() {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-audit-'));
  const db = openDatabase(join(dir, 'gatehouse.db'));
  applyMigrations(db);
  return { dir, db, key: loadOrCreateAuditKey(dir) };
}

const callInput = (i: number) => ({
  event: 'tool.call' as const,
  outcome: 'allowed' as const,
  teamId: 'team_bench',
  userId: 'usr_bench',
  clientId: 'cl_bench',
  familyId: 'fam_bench',
  sessionId: 'sess_bench',
  tool: 'list_workos_organizations',
  environment: 'sandbox' as const,
  args: { limit: 5, i },
  latencyMs: 3,
});

/**
 * Signed entries per second with `concurrency` callers, each awaiting its own entry's commit
 * before its next call (as a tool call awaits its entry before its result is sent).
 */
async function appendRate(concurrency: number, total = APPENDS) {
  const { dir, db, key } = freshDb();
  const audit = new AuditService(db, systemClock, (h) => signHash(key, h));
  // As in the server: the head writer checkpoints the WAL once a second, off the request path.
  const head = new AuditHeadWriter(db.$client, key, dir, () => Date.now());
  head.start();
  const per = Math.ceil(total / concurrency);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; i < per; i++) await audit.record(callInput(w * per + i));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const entries = per * concurrency;
  const batches = audit.batches;
  head.close();
  const ok = verifyChain(db.$client, key).ok;
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
  if (!ok) throw new Error('the benchmarked trail does not verify');
  // CPU time per entry (this process: the writes, the checkpoints' copying, not the disk's wait):
  // on a shared machine, wall-clock rates move with other load; this figure moves far less.
  const cpuUs = (used.user + used.system) / entries;
  return {
    concurrency,
    entries_per_s: Math.round(entries / seconds),
    cpu_us_per_entry: round1(cpuUs),
    entries_per_cpu_s: Math.round(1e6 / cpuUs),
    mean_batch: round1(entries / batches),
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** `bun run bench`: group-commit appends at 1 and 64 concurrent callers. */
export async function measureAudit() {
  const one = await appendRate(1, 5_000);
  const many = await appendRate(64);
  return {
    entries: APPENDS,
    signed_entries_per_s_1_caller: one.entries_per_s,
    signed_entries_per_s_64_callers: many.entries_per_s,
    cpu_us_per_entry_64_callers: many.cpu_us_per_entry,
    signed_entries_per_cpu_s_64_callers: many.entries_per_cpu_s,
    mean_batch_64_callers: many.mean_batch,
  };
}

/** Peak RSS (VmHWM) of a child, read from /proc while it runs. */
async function peakRssMiB(cmd: string[], env: Record<string, string>): Promise<{ mib: number; ms: number }> {
  const started = performance.now();
  const p = Bun.spawn(cmd, { cwd: ROOT, env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'inherit' });
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {}
  }, 20);
  // Read slowly-enough to exert backpressure is not the point here; drain as a pipe consumer would.
  const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
  await p.exited;
  clearInterval(poll);
  return { mib: Math.round(peak / 1024), ms: Math.round(performance.now() - started) };
}

/**
 * What must not grow with the data (issue 13): a trail of `seedN` entries seeded, then `audit
 * verify` whole and `--since` a checkpoint, `audit export`'s peak RSS, and the console's pages
 * and tool calls with the trail, `families` tokens and `grants` grants seeded beside an empty team.
 */
export async function measureGrowth(
  seedN: number,
  families = Number(process.env.AUDIT_FAMILIES ?? 100_000),
  grants = Number(process.env.AUDIT_GRANTS ?? 10_000),
) {
  const result: Record<string, unknown> = {};
  console.log(`seeding ${seedN.toLocaleString()} entries…`);
  const { dir, db, key } = freshDb();
  let t = performance.now();
  seedTrail(db.$client, key, seedN, {
    teams: ['team_bench_a', 'team_bench_b'],
    users: ['usr_a', 'usr_b', 'usr_c'],
    batch: 8,
    startAt: Date.now() - seedN * 1000,
    stepMs: 1000,
  });
  result.seed = { entries: seedN, entries_per_s: Math.round(seedN / ((performance.now() - t) / 1000)) };
  console.log(result.seed);

  t = performance.now();
  const full = verifyChain(db.$client, key);
  const fullS = (performance.now() - t) / 1000;
  if (!full.ok) throw new Error('seeded trail does not verify');
  seedTrail(db.$client, key, 10_000, {
    teams: ['team_bench_a'],
    users: ['usr_a'],
    batch: 8,
    startAt: Date.now(),
    stepMs: 1,
  });
  t = performance.now();
  const inc = verifyChain(db.$client, key, undefined, undefined, { since: full.last! });
  const incS = (performance.now() - t) / 1000;
  // A trail written one entry at a time (every entry signed, as before group commit).
  const single = freshDb();
  seedTrail(single.db.$client, single.key, 200_000, {
    teams: ['team_bench_a'],
    users: ['usr_a'],
    batch: 1,
    startAt: Date.now() - 200_000_000,
    stepMs: 1000,
  });
  t = performance.now();
  const each = verifyChain(single.db.$client, single.key);
  const eachS = (performance.now() - t) / 1000;
  single.db.$client.close();
  rmSync(single.dir, { recursive: true, force: true });
  result.verify = {
    entries: full.checked,
    entries_per_s: Math.round(full.checked / fullS),
    since_checkpoint: { entries: inc.checked, ms: Math.round(incS * 1000), ok: inc.ok },
    every_entry_signed: {
      entries: each.checked,
      entries_per_s: Math.round(each.checked / eachS),
      ok: each.ok,
    },
  };
  console.log(result.verify);
  db.$client.close();

  const main = join(ROOT, 'src', 'main.ts');
  // Peak RSS of the whole trail against the last day of it (86,400 entries at one a second):
  // flat memory means the two agree.
  result.export = {
    jsonl: await peakRssMiB(['bun', main, 'audit', 'export'], { GATEHOUSE_DATA_DIR: dir }),
    csv: await peakRssMiB(['bun', main, 'audit', 'export', '--format', 'csv'], { GATEHOUSE_DATA_DIR: dir }),
    jsonl_last_day: await peakRssMiB(['bun', main, 'audit', 'export', '--since', '24h'], {
      GATEHOUSE_DATA_DIR: dir,
    }),
  };
  console.log(result.export);
  rmSync(dir, { recursive: true, force: true });

  console.log(`pages: empty, then ${seedN.toLocaleString()} entries, ${families} tokens, ${grants} grants…`);
  result.pages = await measurePages(seedN, families, grants);
  console.log(result.pages);
  return result;
}

async function main() {
  const seedN = Number(process.env.AUDIT_SEED ?? 1_000_000);
  const result: Record<string, unknown> = {};

  console.log('append under concurrency…');
  result.append = [
    await appendRate(1, 5_000),
    await appendRate(16),
    await appendRate(64),
    await appendRate(256),
  ];
  console.log(result.append);
  Object.assign(result, await measureGrowth(seedN));
  const out = join(ROOT, 'bench', 'results', `audit-${new Date().toISOString().slice(0, 10)}.json`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ at: new Date().toISOString(), load: loadavg(), ...result }, null, 2)}\n`,
  );
  console.log(JSON.stringify(result));
  console.log(`→ ${out}`);
}

if (import.meta.main) await main();
