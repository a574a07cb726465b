/**
 * The audit trail's own figures (bench/README.md "Audit"): group-commit appends under
 * concurrency, `audit verify` entries/s (whole and `--since` a checkpoint), `audit export`'s
 * RSS, and console pages over a large seeded trail. `bun bench/audit.ts` runs them all
 * (AUDIT_SEED=1000000 by default); `bun run bench` runs `measureAudit` (appends only).
 */
import type { Database } from 'bun:sqlite';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChainedFields, entryHash, GENESIS_HASH } from '../src/audit/chain.ts';
import { AuditHeadWriter } from '../src/audit/head.ts';
import { type AuditKey, loadOrCreateAuditKey, signHash } from '../src/audit/keys.ts';
import { AuditService } from '../src/audit/service.ts';
import { verifyChain } from '../src/audit/verify.ts';
import { openDatabase } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { systemClock } from '../src/kernel/clock.ts';

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
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; i < per; i++) await audit.record(callInput(w * per + i));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const entries = per * concurrency;
  const batches = audit.batches;
  head.close();
  const ok = verifyChain(db.$client, key).ok;
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
  if (!ok) throw new Error('the benchmarked trail does not verify');
  return { concurrency, entries_per_s: Math.round(entries / seconds), mean_batch: round1(entries / batches) };
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
    mean_batch_64_callers: many.mean_batch,
  };
}

const TOOLS = [
  'list_workos_organizations',
  'list_users',
  'whoami',
  'get_organization_details',
  'list_workos_events',
];
const OUTCOMES = ['allowed', 'allowed', 'allowed', 'allowed', 'denied', 'failed'] as const;
const EVENTS = ['tool.call', 'tool.call', 'tool.call', 'tool.call', 'tool.call', 'grant.requested'] as const;

export interface SeedOptions {
  teams: string[];
  users: string[];
  /** Entries per signed batch (1: every entry signed, as before group commit). */
  batch: number;
  /** Time of the first entry; entries are spread `stepMs` apart. */
  startAt: number;
  stepMs: number;
}

/**
 * Appends `n` valid, signed entries quickly: one transaction per 10,000, hashes chained from the
 * trail's last entry, the last entry of every `batch` signed (as group commit does).
 */
export function seedTrail(sqlite: Database, key: AuditKey, n: number, o: SeedOptions): void {
  const insert = sqlite.prepare(
    `INSERT INTO audit_entries (id, at, event, team_id, user_id, actor_email, client_id, family_id, session_id, tool,
      environment, outcome, reason, args, latency_ms, details, prev_hash, hash, signature)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let prev =
    sqlite.query<{ hash: string }, []>('SELECT hash FROM audit_entries ORDER BY seq DESC LIMIT 1').get()
      ?.hash ?? GENESIS_HASH;
  const run = Math.random().toString(36).slice(2, 8);
  const chunk = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const outcome = OUTCOMES[i % OUTCOMES.length]!;
      const f: ChainedFields = {
        id: `aud_seed${run}${i.toString(36).padStart(10, '0')}`,
        at: o.startAt + i * o.stepMs,
        event: EVENTS[i % EVENTS.length]!,
        teamId: o.teams[i % o.teams.length]!,
        userId: o.users[(i >> 3) % o.users.length]!,
        actorEmail: null,
        clientId: `cl_seed${i % 17}`,
        familyId: `fam_seed${i % 97}`,
        sessionId: `sess_seed${i % 1009}`,
        tool: TOOLS[i % TOOLS.length]!,
        environment: 'sandbox',
        outcome,
        reason: outcome === 'denied' ? 'write_disabled' : outcome === 'failed' ? 'upstream_error' : null,
        args: `{"limit":${i % 50}}`,
        latencyMs: 1 + (i % 40),
        details: null,
      };
      const hash = entryHash(f, prev);
      const last = (i + 1) % o.batch === 0 || i === n - 1;
      insert.run(
        f.id,
        f.at,
        f.event,
        f.teamId,
        f.userId,
        f.actorEmail,
        f.clientId,
        f.familyId,
        f.sessionId,
        f.tool,
        f.environment,
        f.outcome,
        f.reason,
        f.args,
        f.latencyMs,
        f.details,
        prev,
        hash,
        last ? signHash(key, hash) : null,
      );
      prev = hash;
    }
  });
  for (let i = 0; i < n; i += 10_000) chunk(i, Math.min(n, i + 10_000));
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
  result.verify = {
    entries: full.checked,
    entries_per_s: Math.round(full.checked / fullS),
    since_checkpoint: { entries: inc.checked, ms: Math.round(incS * 1000), ok: inc.ok },
  };
  console.log(result.verify);
  db.$client.close();

  const main = join(ROOT, 'src', 'main.ts');
  result.export = {
    jsonl: await peakRssMiB(['bun', main, 'audit', 'export'], { GATEHOUSE_DATA_DIR: dir }),
    csv: await peakRssMiB(['bun', main, 'audit', 'export', '--format', 'csv'], { GATEHOUSE_DATA_DIR: dir }),
  };
  console.log(result.export);
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify(result));
}

if (import.meta.main) await main();
