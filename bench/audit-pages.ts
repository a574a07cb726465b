/**
 * The console's pages and tool calls over a large seeded trail (bench/README.md "Audit", pages):
 * a local-mode server with an empty Demo team beside one seeded with entries, tokens and grants.
 * Run by `bun bench/audit.ts`. A figure, never a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateAuditKey } from '../src/audit/keys.ts';
import { AuditService } from '../src/audit/service.ts';
import { openDatabase } from '../src/db/client.ts';
import { systemClock } from '../src/kernel/clock.ts';
import { CookieClient, hiddenInput } from '../test/support/http.ts';
import { tokensFor } from '../test/support/mcp.ts';
import { freePort } from '../test/support/server.ts';
import { seedTrail } from './audit-seed.ts';

const ROOT = join(import.meta.dir, '..');
const round1 = (n: number) => Math.round(n * 10) / 10;

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
