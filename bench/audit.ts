/**
 * The audit trail's own figures (bench/README.md "Audit"): group-commit appends under
 * concurrency, `audit verify` entries/s (whole and `--since` a checkpoint), `audit export`'s
 * RSS, and console pages over a large seeded trail. `bun bench/audit.ts` runs them all
 * (AUDIT_SEED=1000000 by default); `bun run bench` runs `measureAudit` (appends only).
 */
import type { Database } from 'bun:sqlite';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChainedFields, entryHash, GENESIS_HASH } from '../src/audit/chain.ts';
import { AuditHeadWriter } from '../src/audit/head.ts';
import { type AuditKey, loadOrCreateAuditKey, signHash } from '../src/audit/keys.ts';
import { AuditService } from '../src/audit/service.ts';
import { verifyChain } from '../src/audit/verify.ts';
import { openDatabase } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { systemClock } from '../src/kernel/clock.ts';
import { CookieClient, hiddenInput } from '../test/support/http.ts';
import { tokensFor } from '../test/support/mcp.ts';
import { freePort } from '../test/support/server.ts';

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
  /** The actor email of each of `users` (none when absent). */
  emails?: string[];
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
        actorEmail: o.emails?.[(i >> 3) % o.users.length] ?? null,
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

const ADMIN = 'admin@demo.test';

/** Signs in to a local-mode server as a browser does (login form, embedded AuthKit, callback). */
export async function signIn(base: string, email: string): Promise<CookieClient> {
  const browser = new CookieClient();
  const login = await browser.fetch(`${base}/login?login_hint=${encodeURIComponent(email)}`);
  let res = login;
  if (login.status === 200) {
    const csrf = hiddenInput(await login.text(), '_csrf') ?? '';
    res = await browser.post(`${base}/login`, { _csrf: csrf, login_hint: email, return_to: '/' });
  }
  const landed = await browser.follow(res, `${base}/login`);
  if (new URL(landed.url).pathname === '/teams') {
    const page = await landed.res.text();
    const org = /name="organization_id" value="([^"]+)"/.exec(page)?.[1] ?? '';
    await browser.post(`${base}/teams/select`, {
      _csrf: hiddenInput(page, '_csrf') ?? '',
      organization_id: org,
      return_to: '/',
    });
  }
  return browser;
}

export async function serve(dataDir: string) {
  const port = freePort();
  const p = Bun.spawn(['bun', join(ROOT, 'src', 'main.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      GATEHOUSE_DATA_DIR: dataDir,
    },
    stdout: 'ignore',
    stderr: 'inherit',
  });
  const base = `http://localhost:${port}`;
  for (let i = 0; i < 600; i++) {
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200) break;
    await Bun.sleep(50);
  }
  return {
    base,
    stop: async () => {
      p.kill('SIGTERM');
      await p.exited;
    },
  };
}

/**
 * Seeds the Demo team of a local-mode data dir: `entries` audit entries, `families` connection
 * tokens (a tenth used in the last hour) and `grants` approved grants, all the admin's.
 */
export function seedTeam(dataDir: string, entries: number, families: number, grants: number) {
  const db = openDatabase(join(dataDir, 'gatehouse.db'));
  const sqlite = db.$client;
  const key = loadOrCreateAuditKey(dataDir);
  const team = sqlite
    .query<{ id: string }, []>("SELECT id FROM teams WHERE seed_key = 'gatehouse-demo-team'")
    .get()!;
  const user = sqlite
    .query<{ id: string }, [string]>('SELECT id FROM users WHERE lower(email) = ?')
    .get(ADMIN)!;
  const now = Date.now();
  seedTrail(sqlite, key, entries, {
    teams: [team.id, 'team_bench_other'],
    users: [user.id, 'usr_bench_b', 'usr_bench_c'],
    emails: [ADMIN, 'b@bench.test', 'c@bench.test'],
    batch: 8,
    startAt: now - entries * 100,
    stepMs: 100,
  });
  const fam = sqlite.prepare(
    `INSERT INTO token_families (id, kind, client_id, user_id, team_id, name, scopes, resource, created_at, last_used_at, request_count)
     VALUES (?, 'connection', NULL, ?, ?, ?, '["mcp"]', 'http://localhost/mcp', ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    for (let i = 0; i < families; i++)
      fam.run(
        `fam_bench${i}`,
        user.id,
        team.id,
        `bench ${i}`,
        now - (families - i) * 1000,
        i % 10 === 0 ? now - i : null,
        i % 10 === 0 ? 3 : 0,
      );
  })();
  const grant = sqlite.prepare(
    `INSERT INTO grants (id, kind, status, team_id, user_id, family_id, providers, level, reason, approval_token_hash,
      created_at, request_expires_at, decided_at, expires_at)
     VALUES (?, 'broad', 'approved', ?, ?, ?, '["linear"]', 'read', 'bench', ?, ?, ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    for (let i = 0; i < grants; i++)
      grant.run(
        `grant_bench${i}`,
        team.id,
        user.id,
        `fam_bench${i}`,
        `h${i}`,
        now - 1000,
        now + 3_600_000,
        now - 500,
        now + 86_400_000,
      );
  })();
  // A running server indexes its trail for the console as it goes (audit_pages): so does the seed.
  new AuditService(db, systemClock).settlePages();
  // The page figures are for a database that SQLite has statistics for, as a running server's
  // would after `PRAGMA optimize`; without them the planner still picks the same indexes here.
  db.$client.close();
}

/** Median time of GET `path` over `n` requests after one warm-up. */
async function pageMs(browser: CookieClient, base: string, path: string, n = 7): Promise<number> {
  const first = await browser.fetch(`${base}${path}`);
  if (first.status !== 200) throw new Error(`${path} answered ${first.status}`);
  await first.text();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await browser.fetch(`${base}${path}`);
    await res.text();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return round1(times[Math.floor(n / 2)]!);
}

const PAGES = [
  '/audit',
  '/audit?tool=whoami',
  '/audit?outcome=denied',
  '/audit?event=grant.requested',
  '/audit?client=cl_seed3',
  `/audit?user=${encodeURIComponent(ADMIN)}`,
  '/audit?from=24h',
  '/audit?to=2000-01-01',
  '/audit?tool=list_users&outcome=failed',
  '/dashboard',
  '/dashboard?window=day',
  '/connections',
];

/**
 * Tool calls against the data: 16 v1 sessions of the admin call whoami back to back (bench/load.ts,
 * its own process), after the admin raised the team's tool-call rate on the Settings page.
 * Returns one measured run per call of the function it answers.
 */
async function callLoad(base: string, admin: CookieClient) {
  const page = await (await admin.fetch(`${base}/settings`)).text();
  const raised = await admin.post(`${base}/settings/durations`, {
    _csrf: hiddenInput(page, '_csrf') ?? '',
    tool_calls_per_minute: '100000',
  });
  if (raised.status !== 303) throw new Error(`raising the tool-call rate answered ${raised.status}`);
  const { access_token } = await tokensFor(base, ADMIN, { team: 'Gatehouse Demo Team' });
  const run = async () => {
    const p = Bun.spawn(
      ['bun', join(ROOT, 'bench', 'load.ts'), `${base}/mcp`, access_token, '16', '40', 'whoami'],
      {
        cwd: ROOT,
        stdout: 'pipe',
        stderr: 'inherit',
      },
    );
    const out = await new Response(p.stdout).text();
    await p.exited;
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      latencies: number[];
      wallMs: number;
      errors: number;
    };
    if (r.errors > 0) throw new Error(`${r.errors} tool calls failed: no figure from a run with errors`);
    const sorted = r.latencies.sort((x, y) => x - y);
    return { p50: sorted[Math.floor(sorted.length / 2)]!, perS: (sorted.length / r.wallMs) * 1000 };
  };
  await run(); // warm-up
  return run;
}

const mid = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/**
 * Page latencies on an empty Demo team and on one with the data seeded; then tool calls against
 * both servers, running side by side, in alternating rounds (medians of 3).
 */
export async function measurePages(entries: number, families: number, grants: number) {
  const emptyDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-pages-'));
  const seededDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-pages-'));
  const emptyServer = await serve(emptyDir);
  const emptyAdmin = await signIn(emptyServer.base, ADMIN);
  const empty: Record<string, number> = {};
  for (const path of PAGES) empty[path] = await pageMs(emptyAdmin, emptyServer.base, path);
  // The second data dir gets the Demo team and its admin (a first sign-in), then the data.
  const init = await serve(seededDir);
  await signIn(init.base, ADMIN);
  await init.stop();
  const t = performance.now();
  seedTeam(seededDir, entries, families, grants);
  const seedS = Math.round((performance.now() - t) / 100) / 10;
  const server = await serve(seededDir);
  const admin = await signIn(server.base, ADMIN);
  const seeded: Record<string, number> = {};
  for (const path of PAGES) seeded[path] = await pageMs(admin, server.base, path);
  // The second page of /audit, through its "Older" link.
  const first = await (await admin.fetch(`${server.base}/audit`)).text();
  const older = /href="(\/audit\?[^"]*before=\d+[^"]*)"/.exec(first)?.[1]?.replaceAll('&amp;', '&');
  if (older) seeded['/audit (2nd page)'] = await pageMs(admin, server.base, older);
  const runs = {
    empty: await callLoad(emptyServer.base, emptyAdmin),
    seeded: await callLoad(server.base, admin),
  };
  const got: Record<'empty' | 'seeded', { p50: number; perS: number }[]> = { empty: [], seeded: [] };
  for (let round = 0; round < 3; round++)
    for (const side of round % 2 === 0 ? (['empty', 'seeded'] as const) : (['seeded', 'empty'] as const))
      got[side].push(await runs[side]());
  await server.stop();
  await emptyServer.stop();
  rmSync(emptyDir, { recursive: true, force: true });
  rmSync(seededDir, { recursive: true, force: true });
  const figure = (side: 'empty' | 'seeded') => ({
    p50_ms: round1(mid(got[side].map((r) => r.p50))),
    calls_per_s: Math.round(mid(got[side].map((r) => r.perS))),
  });
  const callsEmpty = figure('empty');
  const callsSeeded = figure('seeded');
  return {
    entries,
    families,
    grants,
    seed_s: seedS,
    median_ms_empty: empty,
    median_ms_seeded: seeded,
    // Issue 13: within 10% of an empty database (seeded / empty).
    tool_calls: {
      empty: callsEmpty,
      seeded: callsSeeded,
      throughput_ratio: Math.round((callsSeeded.calls_per_s / callsEmpty.calls_per_s) * 100) / 100,
      p50_ratio: Math.round((callsSeeded.p50_ms / callsEmpty.p50_ms) * 100) / 100,
    },
  };
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

  const families = Number(process.env.AUDIT_FAMILIES ?? 100_000);
  const grants = Number(process.env.AUDIT_GRANTS ?? 10_000);
  console.log(`pages: empty, then ${seedN.toLocaleString()} entries, ${families} tokens, ${grants} grants…`);
  result.pages = await measurePages(seedN, families, grants);
  console.log(result.pages);
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
