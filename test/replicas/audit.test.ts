/**
 * Two replicas, one PostgreSQL (issue 15): one audit chain per deployment with two writers.
 * Appends from both replicas at once keep the chain valid (`gatehouse audit verify` against the
 * database exits 0), and kill -9 of one replica under load loses no acknowledged entry: every call
 * a client got an answer to has its entry, found by its unique arguments (as test/stress/crash.test.ts
 * proves it for SQLite).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type AnyClient, call, connectV1, connectV2, type ToolOutcome } from '../support/mcp.ts';
import { agentTokens, cli, onPostgres, type Pair, query, usePair } from './support.ts';

setDefaultTimeout(180_000);

const PER_REPLICA = 100;
/** Kill B once this many of its calls have been answered (the rest are in flight). */
const KILL_AFTER = 30;

interface Probe {
  replica: 'a' | 'b';
  email: string;
  outcome?: ToolOutcome;
  error?: string;
}

/** 2025-era sessions and a stateless 2026-07-28 client on `base`, all on one token. */
async function callersOn(base: string, token: string): Promise<AnyClient[]> {
  const out: AnyClient[] = [];
  for (let i = 0; i < 3; i++) out.push(await connectV1(base, token));
  out.push(await connectV2(base, token, 'auto'));
  return out;
}

/** The probes' audit entries (event tool.call, tool list_users), counted by email. */
async function auditedProbes(pair: Pair, prefix: string): Promise<Map<string, string[]>> {
  const rows = (await query(
    pair,
    (sql) => sql`SELECT outcome, args FROM audit_entries
      WHERE event = 'tool.call' AND tool = 'list_users' AND args LIKE ${`%${prefix}%`}`,
  )) as { outcome: string; args: string | null }[];
  const by = new Map<string, string[]>();
  for (const r of rows) {
    const email = String((JSON.parse(r.args ?? '{}') as { email?: string }).email);
    by.set(email, [...(by.get(email) ?? []), r.outcome]);
  }
  return by;
}

async function verifyChain(pair: Pair): Promise<void> {
  const verify = await cli(pair, 'audit', 'verify');
  expect(verify.stderr).toBe('');
  expect(verify.stdout).toStartWith('Audit trail intact');
  expect(verify.code).toBe(0);
}

describe.skipIf(!onPostgres)('two replicas on PostgreSQL — one audit chain, two writers', () => {
  const pair = usePair();

  test(`concurrent appends — ${PER_REPLICA} calls on each replica at once: every call audited once, audit verify exits 0`, async () => {
    const { a, b } = pair;
    const [tokenA, tokenB] = await Promise.all([
      agentTokens(pair, 'member@demo.test'),
      agentTokens(pair, 'admin@demo.test'),
    ]);
    const [onA, onB] = await Promise.all([
      callersOn(a.url, tokenA.access_token),
      callersOn(b.url, tokenB.access_token),
    ]);
    try {
      const probes: Probe[] = [];
      for (let i = 0; i < PER_REPLICA; i++)
        for (const replica of ['a', 'b'] as const)
          probes.push({ replica, email: `append-${replica}-${i}@replicas.test` });
      await Promise.all(
        probes.map(async (p, i) => {
          const side = p.replica === 'a' ? onA : onB;
          p.outcome = await call(side[i % side.length]!, 'list_users', { email: p.email });
        }),
      );
      expect(probes.filter((p) => p.outcome!.isError)).toEqual([]);
      const audited = await auditedProbes(pair, '@replicas.test');
      for (const p of probes) expect([p.email, audited.get(p.email)]).toEqual([p.email, ['allowed']]);
    } finally {
      await Promise.allSettled([...onA, ...onB].map((c) => c.close()));
    }
    await verifyChain(pair);
  });

  test('kill -9 of replica B under load — no acknowledged audit entry is lost, A carries on, the chain verifies', async () => {
    const { a } = pair;
    const b = pair.b;
    const [tokenA, tokenB] = await Promise.all([
      agentTokens(pair, 'member@demo.test'),
      agentTokens(pair, 'admin@demo.test'),
    ]);
    const [onA, onB] = await Promise.all([
      callersOn(a.url, tokenA.access_token),
      callersOn(b.url, tokenB.access_token),
    ]);
    const probes: Probe[] = [];
    let answeredOnB = 0;
    let killed = false;
    const launch = (p: Probe, i: number) => {
      const side = p.replica === 'a' ? onA : onB;
      return call(side[i % side.length]!, 'list_users', { email: p.email }).then(
        (outcome) => {
          p.outcome = outcome;
          if (p.replica !== 'b' || killed) return;
          // Keep B loaded until the kill: every answer sends one more call.
          const more: Probe = { replica: 'b', email: `crash-b-refill${probes.length}@crash.replicas.test` };
          probes.push(more);
          runs.push(launch(more, probes.length));
          if (++answeredOnB >= KILL_AFTER) {
            killed = true;
            // Synchronously, from inside the answer handler: B's other calls are still in flight.
            void b.kill('SIGKILL');
          }
        },
        (e: unknown) => {
          p.error = e instanceof Error ? e.message : String(e);
        },
      );
    };
    for (let i = 0; i < PER_REPLICA; i++)
      for (const replica of ['a', 'b'] as const)
        probes.push({ replica, email: `crash-${replica}-${i}@crash.replicas.test` });
    const runs: Promise<void>[] = probes.map(launch);

    await b.exited;
    expect(killed).toBe(true);
    // B's clients get errors for what was in flight (the connections are gone); then they close.
    await Promise.allSettled(runs);
    await Promise.allSettled([...onA, ...onB].map((c) => c.close()));

    // A was not disturbed: every one of its calls was answered, with success.
    const ofA = probes.filter((p) => p.replica === 'a');
    expect(ofA.filter((p) => !p.outcome || p.outcome.isError).map((p) => p.error ?? p.outcome?.text)).toEqual(
      [],
    );
    // Every answered call, on either replica, has exactly one entry; B's unanswered ones may or may not.
    const audited = await auditedProbes(pair, '@crash.replicas.test');
    const answered = probes.filter((p) => p.outcome);
    expect(answered.filter((p) => !audited.has(p.email)).map((p) => p.email)).toEqual([]);
    expect([...audited.entries()].filter(([, rows]) => rows.length > 1)).toEqual([]);
    for (const p of answered) expect(p.outcome!.isError).toBe(false);
    expect(probes.filter((p) => p.replica === 'b' && p.outcome).length).toBeGreaterThanOrEqual(KILL_AFTER);

    await verifyChain(pair);

    // B comes back on the same database and port; the chain keeps verifying after its new appends.
    const restarted = await pair.restartB();
    const again = await connectV1(restarted.url, tokenB.access_token);
    try {
      const after = await call(again, 'list_users', { email: 'after-restart@crash.replicas.test' });
      expect(after.isError).toBe(false);
    } finally {
      await again.close();
    }
    await verifyChain(pair);
  });
});
