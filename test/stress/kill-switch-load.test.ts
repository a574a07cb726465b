/**
 * The kill switch under load (docs/architecture.md "Console": "atomically: team disabled, every token and grant
 * revoked, every open MCP session and stream closed").
 *
 * Sessions of both eras (v1 SDK 2025-era sessions, v2 SDK negotiating 2026-07-28, raw 2025-era
 * sessions on connection tokens) hammer tool calls in a loop while GET SSE streams and
 * `subscriptions/listen` streams are open. The kill switch is pulled; from the moment `pull()`
 * returns:
 *   - every call sent afterwards fails (raw requests: 401; SDK clients: an error);
 *   - a success that arrives afterwards was sent before, and the server finished it before the
 *     pull (its audit entry, found by its unique arguments, precedes the kill-switch entry);
 *   - every open stream ends within one second.
 *
 * Short: one pull, 9 workers. Full (GATEHOUSE_STRESS=1): three pulls (re-enable, re-authorize
 * in between), 24 workers, longer hammering.
 *
 * Client and server share this process and therefore Bun's fetch pool (256 concurrent
 * requests): the workers keep at most one call each in flight, so the server's own WorkOS calls
 * never queue behind the clients' requests.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Client as ClientV2 } from '@modelcontextprotocol/client';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { and, desc, eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { type AnyClient, call, connectV1, connectV2, type Tokens, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import {
  FULL,
  guard,
  MODE,
  mcpPost,
  openRawSession,
  PROTOCOL_2025,
  percentile,
  sseMessages,
  writeArtifact,
} from './lib.ts';

setDefaultTimeout(FULL ? 300_000 : 60_000);

const CYCLES = FULL ? 3 : 1;
const SCALE = FULL ? 2 : 1;
/** How long the workers keep calling with their old tokens after the pull. */
const AFTER_PULL_MS = FULL ? 5_000 : 2_500;
/** Each worker has had this many successes before the pull: the load is real. */
const WARM_SUCCESSES = FULL ? 30 : 10;
/** The requirement itself: streams close within one second of the pull returning. */
const STREAM_CLOSE_BOUND_MS = 1_000;
/**
 * A call in flight when its session is closed never gets an answer: the server ends the
 * response stream and the SDK clients wait for their request timeout. The workers give up after
 * this long (an error, never a success) and carry on calling with their old tokens.
 */
const CALL_GUARD_MS = FULL ? 2_000 : 1_500;

interface CallRecord {
  worker: string;
  email: string;
  sentAt: number;
  doneAt: number;
  ok: boolean;
  status?: number;
  error?: string;
}

interface StreamWatch {
  name: string;
  /** performance.now() when the stream ended (undefined while open). */
  endedAt?: number;
  ended: Promise<number>;
}

interface CycleReport {
  cycle: number;
  workers: number;
  streams: number;
  callsBeforePull: number;
  successesBeforePull: number;
  inFlightAtPull: number;
  inFlightSucceeded: number;
  inFlightCutOff: number;
  callsAfterPull: number;
  rawAfterPullStatuses: Record<string, number>;
  streamCloseMs: { max: number; p50: number; all: number[] };
  familiesRevoked: number;
}

let gh: TestGatehouse;
let teamId: string;
let actor: { userId: string; email: string };
const reports: CycleReport[] = [];

beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(async () => {
  await gh.stop();
  if (reports.length) {
    const path = writeArtifact('kill-switch-load', { cycles: reports });
    console.log(`[stress/kill-switch-load] ${MODE}: ${JSON.stringify(reports)}\n  → ${path}`);
  }
});

/** A raw 2025-era GET stream: resolves when it ends (or breaks). */
async function openGetStream(name: string, token: string, sessionId: string): Promise<StreamWatch> {
  const res = await fetch(`${gh.url}/mcp`, {
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': PROTOCOL_2025,
    },
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  await reader.read(); // the opening comment: the stream is open
  const watch: StreamWatch = { name, ended: Promise.resolve(0) };
  watch.ended = (async () => {
    try {
      while (!(await reader.read()).done) {}
    } catch {
      // A reset ends it as well.
    }
    watch.endedAt = performance.now();
    return watch.endedAt;
  })();
  return watch;
}

/** A 2026-07-28 `subscriptions/listen` stream through the v2 SDK. */
async function openListen(name: string, client: ClientV2): Promise<StreamWatch> {
  const sub = await client.listen({ toolsListChanged: true });
  const watch: StreamWatch = { name, ended: Promise.resolve(0) };
  watch.ended = sub.closed.then(() => {
    watch.endedAt = performance.now();
    return watch.endedAt;
  });
  return watch;
}

/** One tool call through an SDK client; a tool error (isError) is not a success either. */
async function sdkCall(client: AnyClient, email: string) {
  const r = await guard(call(client, 'list_users', { email }), CALL_GUARD_MS, 'tool call');
  return { ok: !r.isError, error: r.isError ? r.text.slice(0, 120) : undefined };
}

/** One tool call over raw HTTP on a 2025-era session; the HTTP status is recorded. */
async function rawCall(token: string, sessionId: string, email: string, id: number) {
  const res = await guard(
    mcpPost(
      gh.url,
      token,
      { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'list_users', arguments: { email } } },
      { 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_2025 },
    ),
    CALL_GUARD_MS,
    'raw tool call',
  );
  const text = await guard(res.text(), CALL_GUARD_MS, 'raw tool call body');
  if (res.status !== 200) return { ok: false, status: res.status, error: text.slice(0, 120) };
  const messages = (
    res.headers.get('content-type')?.includes('text/event-stream') ? sseMessages(text) : [JSON.parse(text)]
  ) as { id?: unknown; result?: { isError?: boolean } }[];
  const answer = messages.find((m) => m.id === id);
  return {
    ok: answer?.result !== undefined && answer.result.isError !== true,
    status: res.status,
    error: answer?.result ? undefined : 'no result',
  };
}

async function cycle(n: number): Promise<void> {
  const [member, admin, viewer] = await Promise.all([
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' }),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
  const family = gh.ctx.oauth.tokens.bearer(member.access_token)!.family;
  teamId = family.teamId;
  const adminFamily = gh.ctx.oauth.tokens.bearer(admin.access_token)!.family;
  expect(adminFamily.teamId).toBe(teamId);
  actor = { userId: adminFamily.userId, email: 'admin@demo.test' };
  const connection = (name: string) =>
    gh.ctx.oauth.tokens.createConnectionToken({
      userId: family.userId,
      teamId,
      name,
      scopes: ['mcp'],
      resource: gh.ctx.oauth.resource,
      expiresAt: null,
    }).token;

  // The callers.
  type Worker = {
    name: string;
    token: string;
    run: (email: string, i: number) => Promise<Omit<CallRecord, 'worker' | 'email' | 'sentAt' | 'doneAt'>>;
  };
  const workers: Worker[] = [];
  const sdkClients: AnyClient[] = [];
  const v2Clients: ClientV2[] = [];
  const addSdk = async (name: string, tokens: Tokens, era: 'v1' | 'v2-auto') => {
    const client =
      era === 'v1'
        ? ((await connectV1(gh.url, tokens.access_token)) as ClientV1)
        : await connectV2(gh.url, tokens.access_token, 'auto');
    sdkClients.push(client);
    if (era === 'v2-auto') v2Clients.push(client as ClientV2);
    workers.push({ name, token: tokens.access_token, run: (email) => sdkCall(client, email) });
  };
  const rawSessions: { token: string; id: string }[] = [];
  for (let s = 0; s < SCALE; s++) {
    await addSdk(`v1-member-a${s}`, member, 'v1');
    await addSdk(`v1-member-b${s}`, member, 'v1');
    await addSdk(`v1-member-c${s}`, member, 'v1');
    await addSdk(`v1-viewer${s}`, viewer, 'v1');
    await addSdk(`v2auto-admin-a${s}`, admin, 'v2-auto');
    await addSdk(`v2auto-admin-b${s}`, admin, 'v2-auto');
    await addSdk(`v2auto-member${s}`, member, 'v2-auto');
    for (const k of ['a', 'b']) {
      const token = connection(`stress ${n}${k}${s}`);
      const id = await openRawSession(gh.url, token);
      rawSessions.push({ token, id });
      workers.push({ name: `raw-conn-${k}${s}`, token, run: (email, i) => rawCall(token, id, email, i) });
    }
  }
  if (FULL) {
    // More pressure: extra raw workers sharing the access tokens' families.
    for (const [k, t] of [
      ['member', member],
      ['admin', admin],
    ] as const) {
      for (let s = 0; s < 3; s++) {
        const id = await openRawSession(gh.url, t.access_token);
        rawSessions.push({ token: t.access_token, id });
        workers.push({
          name: `raw-${k}-${s}`,
          token: t.access_token,
          run: (email, i) => rawCall(t.access_token, id, email, i),
        });
      }
    }
  }

  // The streams: a GET stream on every raw session plus one on a session that only listens,
  // and a subscriptions/listen stream per v2 client.
  const listenOnly = await openRawSession(gh.url, member.access_token);
  const streams: StreamWatch[] = [];
  for (const [i, s] of [...rawSessions, { token: member.access_token, id: listenOnly }].entries())
    streams.push(await openGetStream(`get-${i}`, s.token, s.id));
  for (const [i, c] of v2Clients.entries()) streams.push(await openListen(`listen-${i}`, c));
  expect(gh.mcp.sessions.size).toBeGreaterThanOrEqual(workers.length - v2Clients.length);

  // Hammer.
  const records: CallRecord[] = [];
  let stop = false;
  const successes = new Map<string, number>();
  const loops = workers.map(async (w) => {
    let i = 0;
    while (!stop) {
      i++;
      const email = `ks${n}-${w.name}-${i}@stress.test`;
      const sentAt = performance.now();
      let r: Omit<CallRecord, 'worker' | 'email' | 'sentAt' | 'doneAt'>;
      try {
        r = await w.run(email, i);
      } catch (e) {
        r = { ok: false, error: e instanceof Error ? e.message.slice(0, 120) : String(e) };
      }
      records.push({ worker: w.name, email, sentAt, doneAt: performance.now(), ...r });
      if (r.ok) successes.set(w.name, (successes.get(w.name) ?? 0) + 1);
      else await Bun.sleep(5);
    }
  });
  await guard(
    (async () => {
      while (workers.some((w) => (successes.get(w.name) ?? 0) < WARM_SUCCESSES)) await Bun.sleep(10);
    })(),
    30_000,
    `every worker reaching ${WARM_SUCCESSES} successes (${JSON.stringify([...successes])})`,
  );
  expect(streams.every((s) => s.endedAt === undefined)).toBe(true);

  // Pull.
  const result = gh.ctx.killSwitch.pull(teamId, actor, `stress drill ${n}`);
  const pulledAt = performance.now();
  expect(result.familiesRevoked).toBeGreaterThanOrEqual(3 + 2 * SCALE);

  await Bun.sleep(AFTER_PULL_MS);
  stop = true;
  await guard(Promise.all(loops), CALL_GUARD_MS * 2, 'workers stopping');
  await guard(Promise.all(streams.map((s) => s.ended)), 5_000, 'streams ending');

  const killEntry = gh.ctx.db
    .select()
    .from(schema.auditEntries)
    .where(and(eq(schema.auditEntries.event, 'team.kill_switch'), eq(schema.auditEntries.teamId, teamId)))
    .orderBy(desc(schema.auditEntries.seq))
    .get()!;
  expect(killEntry.reason).toBe(`stress drill ${n}`);

  // 1. Nothing sent after the pull succeeds; raw requests are refused with 401.
  const after = records.filter((r) => r.sentAt >= pulledAt);
  expect(after.length).toBeGreaterThan(workers.length);
  expect(after.filter((r) => r.ok)).toEqual([]);
  const rawAfter = after.filter((r) => r.worker.startsWith('raw-'));
  const rawStatuses: Record<string, number> = {};
  for (const r of rawAfter) rawStatuses[String(r.status)] = (rawStatuses[String(r.status)] ?? 0) + 1;
  expect(Object.keys(rawStatuses)).toEqual(['401']);
  const idle = workers.filter((w) => !after.some((r) => r.worker === w.name));
  expect(
    idle.map(
      (w) =>
        `${w.name}: ${JSON.stringify(
          records
            .filter((r) => r.worker === w.name)
            .slice(-2)
            .map((r) => ({ ...r, sentAt: r.sentAt - pulledAt, doneAt: r.doneAt - pulledAt })),
        )}`,
    ),
  ).toEqual([]);

  // 2. A success answered after the pull was sent before it, and finished before it on the server.
  const lateSuccesses = records.filter((r) => r.ok && r.doneAt >= pulledAt);
  expect(lateSuccesses.filter((r) => r.sentAt >= pulledAt)).toEqual([]);
  for (const r of lateSuccesses) {
    const entry = gh.ctx.db.$client
      .query<{ seq: number; outcome: string }, [string]>(
        "SELECT seq, outcome FROM audit_entries WHERE event = 'tool.call' AND args = ?",
      )
      .get(JSON.stringify({ email: r.email }));
    expect(entry?.outcome).toBe('allowed');
    expect(entry!.seq).toBeLessThan(killEntry.seq);
  }

  // 3. Every stream ended within a second of the pull returning; every session is gone.
  const closeMs = streams.map((s) => s.endedAt! - pulledAt);
  const late = streams.filter((s) => s.endedAt! - pulledAt >= STREAM_CLOSE_BOUND_MS);
  expect(late.map((s) => `${s.name}: ${Math.round(s.endedAt! - pulledAt)} ms`)).toEqual([]);
  expect(gh.mcp.sessions.size).toBe(0);

  // And the old tokens stay dead.
  for (const t of [
    member.access_token,
    admin.access_token,
    viewer.access_token,
    ...rawSessions.map((s) => s.token),
  ]) {
    const res = await mcpPost(gh.url, t, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(res.status).toBe(401);
    await res.arrayBuffer();
  }

  reports.push({
    cycle: n,
    workers: workers.length,
    streams: streams.length,
    callsBeforePull: records.filter((r) => r.sentAt < pulledAt).length,
    successesBeforePull: records.filter((r) => r.ok && r.doneAt < pulledAt).length,
    inFlightAtPull: records.filter((r) => r.sentAt < pulledAt && r.doneAt >= pulledAt).length,
    inFlightSucceeded: lateSuccesses.length,
    inFlightCutOff: records.filter((r) => r.sentAt < pulledAt && r.error?.includes('no answer within'))
      .length,
    callsAfterPull: after.length,
    rawAfterPullStatuses: rawStatuses,
    streamCloseMs: {
      max: Math.round(Math.max(...closeMs) * 10) / 10,
      p50: Math.round(percentile(closeMs, 50) * 10) / 10,
      all: closeMs.map((m) => Math.round(m * 10) / 10),
    },
    familiesRevoked: result.familiesRevoked,
  });

  await Promise.allSettled(sdkClients.map((c) => guard(c.close(), 5_000, 'client close')));
}

/** Re-enables the team after a pull: old tokens stay dead, new authorizations work. */
function reenable() {
  if (teamId && !gh.ctx.teams.settings(teamId).enabled)
    gh.ctx.settings.update(teamId, { enabled: true, allowWrite: true }, actor);
}

describe(`stress — kill switch under load (${MODE}: ${CYCLES} pull${CYCLES > 1 ? 's' : ''})`, () => {
  for (let n = 1; n <= CYCLES; n++) {
    test(`pull ${n} — no call sent after it succeeds, in-flight successes finished before it, every stream closes within 1 s`, async () => {
      try {
        await cycle(n);
      } finally {
        reenable();
      }
    });
  }

  test('after the drill — a fresh authorization works normally', async () => {
    const fresh = await tokensFor(gh.url, 'member@demo.test');
    const client = await connectV1(gh.url, fresh.access_token);
    const r = await call(client, 'list_users', { email: 'after-ks@stress.test' });
    expect(r.text).not.toContain('Error');
    expect(r.isError).toBe(false);
    await client.close();
  });
});
