/**
 * The PostgreSQL side of the synchronous bridge (docs/postgresql.md, "The bridge"). It runs in a
 * worker thread and owns the connections: one session connection that every statement of the
 * main thread runs on (so a transaction the main thread opens is this connection's), one reserved
 * connection per open cursor (streaming `iterate()`), and Bun.SQL's LISTEN connection.
 *
 * Each request comes on `port`; its answer, with the request's sequence number, is posted back on
 * `port`, then counted in `signal[ANSWERS]` and notified, which wakes the main thread waiting in
 * Atomics.wait (rendezvous.ts). Notifications on the channel `gatehouse` bump
 * `signal[NOTIFIED]` (which the authority epoch compares without a query) and are forwarded to
 * the main thread as ordinary messages on `events`.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { connectionGone, LOST, STALLED, serverEnded, within } from './faults.ts';
import type { BridgeAnswer, BridgeOp, BridgeRequest, BridgeResult, TxMark } from './protocol.ts';
import { NOTIFY_CHANNEL, POOL_OPTIONS, POOL_SIZE } from './protocol.ts';
import { ANSWERS, NOTIFIED } from './rendezvous.ts';

const {
  url,
  signal: shared,
  port,
  events,
  deadlineMs,
} = workerData as {
  url: string;
  signal: SharedArrayBuffer;
  port: MessagePort;
  events: MessagePort;
  /** How long one request may take here (bridge.ts `REQUEST_DEADLINE_MS`: see `within`). */
  deadlineMs: number;
};
const signal = new Int32Array(shared);

/** Numeric types that answer as text from the driver (int8, numeric) and are numbers in rows. */
const NUMERIC_OIDS = new Set([20, 1700]);

const sql = new Bun.SQL(url, { ...POOL_OPTIONS, onclose: () => {} });
type Reserved = Awaited<ReturnType<typeof sql.reserve>>;
const cursors = new Map<number, Reserved>();
let nextCursor = 1;

/**
 * The session connection every statement of the main thread runs on, reserved: the pool would
 * reconnect a lost connection behind the next statement, which in the middle of a transaction
 * would run the rest of it outside the transaction (and outside WRITE_LOCK), committed statement
 * by statement. A reserved connection that is lost stays lost: its statements fail, and the next
 * statement outside a transaction reserves another.
 */
let session: Reserved | undefined;
/** The session the main thread's open transaction began on (`tx: 'begin'`), if one is open. */
let txSession: Reserved | undefined;

/**
 * Runs one statement of the main thread on the session connection. Inside a transaction (`tx`
 * set by the bridge) it runs only on the connection the transaction began on: once that is lost,
 * every statement fails until the transaction's end, and a ROLLBACK then succeeds at once (the
 * server rolled the transaction back when the connection went). A statement unanswered by the
 * request's deadline closes its connection (`within`): it is lost like any other.
 */
async function onSession<T>(
  tx: TxMark | undefined,
  work: (conn: Reserved) => Promise<T>,
  empty: T,
  deadline: number,
  retryable = false,
): Promise<T> {
  if (tx === 'in' || tx === 'commit' || tx === 'rollback') {
    const began = txSession;
    if (tx !== 'in') txSession = undefined;
    if (!began || began !== session) {
      if (tx === 'rollback') return empty;
      throw LOST;
    }
  }
  for (let attempt = 0; ; attempt++) {
    // Only before a statement outside a transaction are lost locks taken again (`takeAgain`).
    const conn = await sessionConnection(deadline, tx === undefined || tx === 'begin');
    if (tx === 'begin') txSession = conn;
    try {
      return await within(work(conn), deadline, () => abandonSession(conn));
    } catch (e) {
      if (!connectionGone(e)) throw e;
      abandonSession(conn);
      // Again, on another connection, when the lost one cannot have run the statement: a BEGIN
      // (PostgreSQL rolled back whatever it began), a statement that changes nothing (`retryable`:
      // a SELECT outside a transaction; a connection a proxy closed while idle fails the first
      // one sent on it), or the server's word that it ended the session (57P01–03, 57P05: a
      // statement in flight is rolled back, not committed). A connection that closed without a
      // word may have committed an autocommit write: never repeated. Nor one past its deadline.
      // Up to the pool's size and one: the drop that closed this connection closed the pool's
      // idle ones too, and the pool may hand them out before it has noticed (each fails at once).
      if (e === STALLED || attempt >= POOL_SIZE) throw e;
      if (!(tx === 'begin' || (tx === undefined && (retryable || serverEnded(e))))) throw e;
    }
  }
}

/** The session connection is gone: the next statement reserves another (closed, never pooled). */
function abandonSession(conn: Reserved): void {
  if (txSession === conn) txSession = undefined;
  if (session !== conn) return;
  session = undefined;
  void conn.close().catch(() => {});
}

/** How long a statement waits for a free connection before it fails as an outage (53300). */
const RESERVE_TIMEOUT_MS = 10_000;

/** Cursors open at once, each on a connection of its own (`max` is one more). */
const MAX_CURSORS = 3;

/**
 * A connection of the pool, reserved; fails (53300, too many connections) when none frees up in
 * RESERVE_TIMEOUT_MS (or by the request's deadline, if sooner). One that arrives after that is
 * released at once, never kept by nobody.
 */
function reserveWithin(deadline: number): Promise<Reserved> {
  const ms = Math.max(0, Math.min(RESERVE_TIMEOUT_MS, deadline - performance.now()));
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(
        Object.assign(new Error(`no PostgreSQL connection was free within ${Math.round(ms) / 1000} s`), {
          errno: '53300',
        }),
      );
    }, ms);
    sql.reserve().then(
      (conn) => {
        if (settled) return conn.release();
        settled = true;
        clearTimeout(timer);
        resolve(conn);
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The session connection, reserving one when there is none (one reservation at a time). */
let reserving: Promise<Reserved> | undefined;
async function sessionConnection(deadline: number, outside: boolean): Promise<Reserved> {
  let conn = session;
  if (!conn) {
    reserving ??= reserveWithin(deadline).finally(() => {
      reserving = undefined;
    });
    conn = await reserving;
    if (session) conn = session;
    else {
      session = conn;
      // What the session holds for the process's life (the replica's advisory lock) is taken again.
      pending = [...replays];
    }
  }
  if (outside && pending.length > 0) await takeAgain(conn, deadline);
  // Stalled while taking it again: closed, like the statement's own connection would be.
  if (session !== conn) throw STALLED;
  return conn;
}

/**
 * Statements every new session connection runs first (bridge.ts `replica()`), each answering
 * whether it got what it asks for (`held`): a try-lock, since the lost connection's backend may
 * not have ended yet and still hold the lock.
 */
const replays: { sql: string; params: unknown[] }[] = [];
/** Replays this session connection has not had granted yet: tried again before each statement. */
let pending: { sql: string; params: unknown[] }[] = [];

/**
 * Runs the pending replays, outside any transaction (a session lock taken inside one that then
 * fails would be left to chance). Not granted or failed: kept for the next statement, and the
 * main thread is told once (another replica counts this one as gone while its lock is not held).
 */
async function takeAgain(conn: Reserved, deadline: number): Promise<void> {
  const still: typeof pending = [];
  for (const r of pending) {
    let held = false;
    try {
      const got = await within(values(conn, r.sql, r.params), deadline, () => abandonSession(conn));
      held = got.rows[0]?.[0] === true;
    } catch {
      // The statement that follows meets the same fault and reports it.
    }
    if (!held) still.push(r);
  }
  if (still.length > 0 && !lockMissing) events.postMessage('{"kind":"replica-lock-missing"}');
  if (still.length === 0 && lockMissing) events.postMessage('{"kind":"replica-lock-held"}');
  lockMissing = still.length > 0;
  pending = still;
}
let lockMissing = false;

function numbers(rows: unknown[][], columns: { type: number }[] | undefined): unknown[][] {
  if (!columns) return rows;
  const convert: number[] = [];
  columns.forEach((c, i) => {
    if (NUMERIC_OIDS.has(c.type)) convert.push(i);
  });
  if (convert.length === 0) return rows;
  for (const row of rows) for (const i of convert) if (row[i] != null) row[i] = Number(row[i]);
  return rows;
}

async function values(
  on: { unsafe: typeof sql.unsafe },
  text: string,
  params: unknown[],
): Promise<{ rows: unknown[][]; names: string[]; count: number }> {
  const r = (await on.unsafe(text, params as never[]).values()) as unknown as unknown[][] & {
    columns?: { name: string; type: number }[];
    count: number;
    affectedRows?: number;
  };
  const rows = numbers([...r], r.columns);
  return { rows, names: (r.columns ?? []).map((c) => c.name), count: r.affectedRows ?? r.count ?? 0 };
}

async function answer(req: BridgeOp): Promise<BridgeResult> {
  const deadline = performance.now() + deadlineMs;
  switch (req.op) {
    case 'query': {
      const empty = { rows: [], names: [], count: 0 };
      const r = await onSession(
        req.tx,
        (conn) => values(conn, req.sql, req.params),
        empty,
        deadline,
        req.readOnly,
      );
      if (req.replay) replays.push({ sql: req.replay, params: req.params });
      return { ok: true, ...r };
    }
    case 'exec':
      // Simple-query protocol: several statements, no parameters (migrations, BEGIN/COMMIT).
      await onSession(
        req.tx,
        (conn) =>
          conn
            .unsafe(req.sql)
            .simple()
            .then(() => undefined),
        undefined,
        deadline,
      );
      return { ok: true, rows: [], names: [], count: 0 };
    case 'open': {
      if (cursors.size >= MAX_CURSORS)
        throw Object.assign(
          new Error(`${MAX_CURSORS} cursors are open already (audit exports, verifications)`),
          {
            errno: '53300',
          },
        );
      const conn = await reserveWithin(deadline);
      const id = nextCursor++;
      cursors.set(id, conn);
      try {
        // One deadline for both: an open the main thread gave up on would hold its slot for good.
        await within(
          conn
            .unsafe('BEGIN READ ONLY')
            .then(() => conn.unsafe(`DECLARE c${id} NO SCROLL CURSOR FOR ${req.sql}`, req.params as never[])),
          deadline,
          () => abandonCursor(id),
        );
      } catch (e) {
        await close(id, deadline);
        throw e;
      }
      return { ok: true, rows: [], names: [], count: id };
    }
    case 'fetch': {
      const conn = cursors.get(req.cursor);
      if (!conn) throw new Error(`cursor ${req.cursor} is closed`);
      const { rows, names } = await within(
        values(conn, `FETCH ${req.batch} FROM c${req.cursor}`, []),
        deadline,
        () => abandonCursor(req.cursor),
      );
      return { ok: true, rows, names, count: rows.length };
    }
    case 'close':
      await close(req.cursor, deadline);
      return { ok: true, rows: [], names: [], count: 0 };
    case 'end':
      for (const id of [...cursors.keys()]) await close(id, deadline);
      session?.release();
      session = undefined;
      await sql.close({ timeout: 1 });
      return { ok: true, rows: [], names: [], count: 0 };
  }
}

async function close(id: number, deadline: number): Promise<void> {
  const conn = cursors.get(id);
  if (!conn) return;
  cursors.delete(id);
  let stalled = false;
  try {
    await within(conn.unsafe('ROLLBACK'), deadline, () => {
      stalled = true;
      void conn.close().catch(() => {});
    });
  } finally {
    if (!stalled) conn.release();
  }
}

/** A cursor whose connection stalled: its slot is freed and its connection closed, not pooled. */
function abandonCursor(id: number): void {
  const conn = cursors.get(id);
  if (!conn) return;
  cursors.delete(id);
  void conn.close().catch(() => {});
}

port.on('message', async (req: BridgeRequest) => {
  let out: BridgeResult;
  try {
    out = await answer(req);
  } catch (e) {
    const err = e as { message?: string; errno?: string; code?: string; detail?: string };
    out = {
      ok: false,
      message: String(err.message ?? e),
      // The worker's own errors (a cursor already closed) are Gatehouse's faults, not an outage:
      // '' is kept for the bridge's lost answers (src/errors/database.ts).
      code: err.errno ?? err.code ?? 'gatehouse_worker',
      detail: err.detail,
    };
  }
  port.postMessage({ ...out, seq: req.seq } satisfies BridgeAnswer);
  Atomics.add(signal, ANSWERS, 1);
  Atomics.notify(signal, ANSWERS);
});

// Cross-replica invalidation (docs/postgresql.md, "Changes reach every replica"): every
// notification bumps the counter the authority epoch compares, then reaches the main thread.
sql
  .listen(NOTIFY_CHANNEL, (payload: string) => {
    Atomics.add(signal, NOTIFIED, 1);
    events.postMessage(payload);
  })
  .then(
    () => events.postMessage('{"kind":"listening"}'),
    (e: Error) => events.postMessage(JSON.stringify({ kind: 'listen-failed', message: e.message })),
  );
