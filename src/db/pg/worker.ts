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
import type { BridgeAnswer, BridgeOp, BridgeRequest, BridgeResult, TxMark } from './protocol.ts';
import { NOTIFY_CHANNEL } from './protocol.ts';
import { ANSWERS, NOTIFIED } from './rendezvous.ts';

const {
  url,
  signal: shared,
  port,
  events,
} = workerData as {
  url: string;
  signal: SharedArrayBuffer;
  port: MessagePort;
  events: MessagePort;
};
const signal = new Int32Array(shared);

/** Numeric types that answer as text from the driver (int8, numeric) and are numbers in rows. */
const NUMERIC_OIDS = new Set([20, 1700]);

const sql = new Bun.SQL(url, {
  // The session connection and up to MAX_CURSORS open cursors, each reserved (with a pool of
  // one, Bun.SQL hands the same connection to every `reserve()`).
  max: 4,
  // A statement that waits on a lock longer than SQLite's busy timeout fails the same way.
  connection: { lock_timeout: '5s', statement_timeout: '60s', application_name: 'gatehouse' },
  onclose: () => {},
});
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

const LOST = Object.assign(
  new Error('the connection to PostgreSQL was lost inside a transaction, which PostgreSQL rolled back'),
  { errno: '08006' },
);

/** Errors after which the session connection is gone (SQLSTATE class 08, 57P0x, 25P03, the driver's own). */
function connectionGone(e: unknown): boolean {
  const { errno, code } = e as { errno?: string; code?: string };
  return (
    /^(?:08|57P0\d|25P03)/.test(errno ?? '') ||
    /^ERR_POSTGRES_(?:CONNECTION_|IDLE_TIMEOUT|LIFETIME_TIMEOUT)/.test(code ?? '')
  );
}

/**
 * Runs one statement of the main thread on the session connection. Inside a transaction (`tx`
 * set by the bridge) it runs only on the connection the transaction began on: once that is lost,
 * every statement fails until the transaction's end, and a ROLLBACK then succeeds at once (the
 * server rolled the transaction back when the connection went).
 */
async function onSession<T>(
  tx: TxMark | undefined,
  work: (conn: Reserved) => Promise<T>,
  empty: T,
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
    const conn = await sessionConnection();
    if (tx === 'begin') txSession = conn;
    try {
      return await work(conn);
    } catch (e) {
      if (!connectionGone(e)) throw e;
      if (session === conn) {
        session = undefined;
        conn.release();
      }
      if (tx === 'begin') txSession = undefined;
      // Once, on a new connection, when the lost one cannot have run the statement: a BEGIN
      // (PostgreSQL rolled back whatever it began), or the server's word that it ended the
      // session (57P01–03: a statement in flight is rolled back, not committed). A connection
      // that closed without a word may have committed an autocommit statement: never repeated.
      if (attempt > 0 || !(tx === 'begin' || (tx === undefined && serverEnded(e)))) throw e;
    }
  }
}

function serverEnded(e: unknown): boolean {
  return /^57P0[1-3]$/.test((e as { errno?: string }).errno ?? '');
}

/** How long a statement waits for a free connection before it fails as an outage (53300). */
const RESERVE_TIMEOUT_MS = 10_000;

/** Cursors open at once, each on a connection of its own (`max` is one more). */
const MAX_CURSORS = 3;

/**
 * A connection of the pool, reserved; fails (53300, too many connections) when none frees up in
 * RESERVE_TIMEOUT_MS, well before the main thread stops waiting (ANSWER_TIMEOUT_MS in bridge.ts).
 * One that arrives after that is released at once, never kept by nobody.
 */
function reserveWithin(ms: number): Promise<Reserved> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(
        Object.assign(new Error(`no PostgreSQL connection was free within ${ms / 1000} s`), {
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
async function sessionConnection(): Promise<Reserved> {
  if (session) return session;
  reserving ??= reserveWithin(RESERVE_TIMEOUT_MS).finally(() => {
    reserving = undefined;
  });
  const conn = await reserving;
  if (!session) {
    session = conn;
    // What the session holds for the process's life (the replica's advisory lock) is taken again.
    for (const r of replays) await values(conn, r.sql, r.params);
  }
  return session;
}

/** Statements every new session connection runs first (bridge.ts `replica()`: `replay`). */
const replays: { sql: string; params: unknown[] }[] = [];

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
  switch (req.op) {
    case 'query': {
      const empty = { rows: [], names: [], count: 0 };
      const r = await onSession(req.tx, (conn) => values(conn, req.sql, req.params), empty);
      if (req.replay) replays.push({ sql: req.sql, params: req.params });
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
      const conn = await reserveWithin(RESERVE_TIMEOUT_MS);
      const id = nextCursor++;
      cursors.set(id, conn);
      try {
        await conn.unsafe('BEGIN READ ONLY');
        await conn.unsafe(`DECLARE c${id} NO SCROLL CURSOR FOR ${req.sql}`, req.params as never[]);
      } catch (e) {
        await close(id);
        throw e;
      }
      return { ok: true, rows: [], names: [], count: id };
    }
    case 'fetch': {
      const conn = cursors.get(req.cursor);
      if (!conn) throw new Error(`cursor ${req.cursor} is closed`);
      const { rows, names } = await values(conn, `FETCH ${req.batch} FROM c${req.cursor}`, []);
      return { ok: true, rows, names, count: rows.length };
    }
    case 'close':
      await close(req.cursor);
      return { ok: true, rows: [], names: [], count: 0 };
    case 'end':
      for (const id of [...cursors.keys()]) await close(id);
      session?.release();
      session = undefined;
      await sql.close({ timeout: 1 });
      return { ok: true, rows: [], names: [], count: 0 };
  }
}

async function close(id: number): Promise<void> {
  const conn = cursors.get(id);
  if (!conn) return;
  cursors.delete(id);
  try {
    await conn.unsafe('ROLLBACK');
  } finally {
    conn.release();
  }
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
