/**
 * LiveMcp.recheck (src/mcp/live.ts): what it asks the database about, and what it ends, with its
 * dependencies stubbed — the sessionless path's running calls and streams. The end-to-end cases
 * (the CLI beside the server, another connection, a request straddling the door) are in
 * test/teams/cli-beside-server.test.ts.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { ManualClock } from '../../src/kernel/clock.ts';
import { EventBus } from '../../src/kernel/events.ts';
import type { Logger } from '../../src/log/logger.ts';
import { LiveMcp } from '../../src/mcp/live.ts';
import type { LiveOwner } from '../../src/mcp/owner.ts';
import type { McpSessionRows } from '../../src/mcp/session-rows.ts';

const A: LiveOwner = { familyId: 'fam_a', teamId: 'team_1' };
const B: LiveOwner = { familyId: 'fam_b', teamId: 'team_1' };

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A LiveMcp whose database is three variables: the families that stand, the commit count, a fault. */
function harness() {
  const db = {
    standing: new Set([A.familyId, B.familyId]),
    commits: 0,
    fault: undefined as Error | undefined,
    /** What each `standing` read was asked about. */
    asked: [] as string[][],
  };
  const live = new LiveMcp({
    clock: new ManualClock(),
    events: new EventBus(),
    rows: { closeLeftOpen() {} } as unknown as McpSessionRows,
    idleTtlMs: () => 60_000,
    buildServer: () => {
      throw new Error('no 2025-era session in these tests');
    },
    visibleToolNames: () => [],
    foreignCommits: () => db.commits,
    standing: (owners) => {
      db.asked.push(owners.map((o) => o.familyId));
      if (db.fault) throw db.fault;
      return new Set(
        owners.filter((o) => db.standing.has(o.familyId)).map((o) => `${o.familyId}\0${o.teamId}`),
      );
    },
    log: quiet,
  });
  opened.push(live);
  live.recheck(); // the first one asks about everything (nothing yet): the commit count is seen
  return { db, live };
}

const opened: LiveMcp[] = [];
afterEach(async () => {
  for (const live of opened.splice(0)) await live.close();
});

/** A call whose answer the test gives when it wants. */
function pending() {
  let answer!: (res: Response) => void;
  const run = () => new Promise<Response>((r) => (answer = r));
  return { run, answer: (res: Response) => answer(res) };
}

/** An SSE answer that stays open until the server ends it; `ended` settles then. */
function openStream() {
  let closed!: () => void;
  const ended = new Promise<void>((r) => (closed = r));
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode(': open\n\n'));
    },
    cancel() {
      closed();
    },
  });
  return { res: new Response(body, { headers: { 'content-type': 'text/event-stream' } }), ended };
}

async function drain(res: Response): Promise<void> {
  const reader = res.body!.getReader();
  while (!(await reader.read()).done) {}
}

describe('LiveMcp.recheck', () => {
  test('recheck — a running call whose family no longer stands is answered as revoked; the others run on', async () => {
    const { db, live } = harness();
    const a = pending();
    const b = pending();
    const answerA = live.answer(A, a.run);
    const answerB = live.answer(B, b.run);
    db.standing.delete(A.familyId);
    expect(live.recheck()).toBe(1);
    expect(await answerA).toBeUndefined();
    b.answer(Response.json({ ok: true }));
    expect((await answerB)?.status).toBe(200);
  });

  test('recheck — an owner already asked about is not asked again until another process commits', async () => {
    const { db, live } = harness();
    const a = pending();
    const answerA = live.answer(A, a.run);
    expect(live.recheck()).toBe(0);
    expect(db.asked).toEqual([[A.familyId]]);
    db.standing.delete(A.familyId);
    expect(live.recheck()).toBe(0); // nothing new, nothing committed elsewhere: no read at all
    expect(db.asked).toHaveLength(1);
    db.commits++;
    expect(live.recheck()).toBe(1);
    expect(await answerA).toBeUndefined();
  });

  test('recheck — all asks about every live owner even when nothing moved (the idle sweep)', async () => {
    const { db, live } = harness();
    const answerA = live.answer(A, pending().run);
    live.recheck();
    db.standing.delete(A.familyId);
    expect(live.recheck({ all: true })).toBe(1);
    expect(await answerA).toBeUndefined();
  });

  test('recheck — a read that fails keeps the new owners for the next one, which ends what no longer stands', async () => {
    const { db, live } = harness();
    const answerA = live.answer(A, pending().run);
    db.fault = new Error('database unavailable');
    expect(() => live.recheck()).toThrow('database unavailable');
    db.fault = undefined;
    db.standing.delete(A.familyId);
    expect(live.recheck()).toBe(1);
    expect(await answerA).toBeUndefined();
  });

  test('recheck — a stream answered after its call was asked about is asked about again', async () => {
    const { db, live } = harness();
    const a = pending();
    const answerA = live.answer(A, a.run);
    expect(live.recheck()).toBe(0); // the call: it stands
    // Its family goes, and the event that would have ended the call came before the stream.
    db.standing.delete(A.familyId);
    const stream = openStream();
    a.answer(stream.res);
    const res = (await answerA)!;
    const read = drain(res);
    expect(live.recheck()).toBe(1);
    await Promise.all([stream.ended, read]);
  });

  test('recheck — a call answered in one JSON body leaves nothing to ask about', async () => {
    const { db, live } = harness();
    const a = pending();
    const answerA = live.answer(A, a.run);
    a.answer(Response.json({ ok: true }));
    await (await answerA)!.text();
    expect(live.recheck()).toBe(0);
    expect(db.asked).toEqual([]);
  });
});
