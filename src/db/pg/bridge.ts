/**
 * A synchronous PostgreSQL client with the part of bun:sqlite's `Database` that Gatehouse and
 * drizzle's bun-sqlite session use (docs/postgresql.md, "The bridge"): prepare/query statements
 * with all/get/values/run/iterate, exec, transaction, inTransaction, close.
 *
 * Why synchronous: every service, and the guarantees built on them (a transaction cannot be
 * entered by another request halfway, single-use grants and codes are consumed atomically, the
 * audit batch and its chain head are one unit), is written against SQLite's synchronous API. The
 * bridge keeps those semantics on PostgreSQL: the statement runs on a worker thread's connection
 * and the main thread waits for its answer (Atomics.wait on shared memory), so nothing else runs
 * in this process meanwhile — as with SQLite. Across replicas, every transaction takes one
 * advisory lock first (WRITE_LOCK), which is what SQLite's single writer gives on one machine.
 *
 * Costs: a statement is a loopback round trip to the worker and the server (~0.1 ms), during
 * which this process does nothing else; the authority epoch keeps most calls to one or two
 * statements (src/db/epoch.ts). The SQL is drizzle's SQLite dialect with its `?` placeholders
 * numbered for PostgreSQL (translate.ts); the few statements that differ are chosen by
 * `dialectOf(db)` where they are written.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { AppError } from '../../errors/app-error.ts';
import type { BridgeAnswer, BridgeOp, TxMark } from './protocol.ts';
import { NOTIFIED, Rendezvous, SIGNAL_SLOTS } from './rendezvous.ts';
import { toPostgres } from './translate.ts';

/** The advisory-lock space (first key) of replica keys (PgClient.replica). */
export const REPLICA_LOCKS = 0x7265_706c; // "repl"

/** Every transaction takes this advisory lock first: one writer at a time, across replicas. */
export const WRITE_LOCK = 0x6761_7465; // "gate"

/**
 * The worker's script: beside this file when run from source; in the compiled binary it is the
 * build's second entry point (package.json "build"), named relative to the entry points' root.
 */
const WORKER_SCRIPT = import.meta.url.includes('/$bunfs/')
  ? './db/pg/worker.ts'
  : new URL('./worker.ts', import.meta.url);

/**
 * How long the worker may take over one request, its connection's reservation included, before
 * it closes the connection the request waits on and fails it (worker.ts `within`): a stalled
 * network or server answers nothing until TCP gives up, minutes later, while this process waits.
 * Above a reservation's wait (10 s) and statement_timeout (60 s) together, so a slow statement
 * is the server's to cancel (57014), never cut by the worker.
 */
export const REQUEST_DEADLINE_MS = 75_000;

/** How long the main thread waits beyond the worker's deadline (the worker answers first). */
const ANSWER_MARGIN_MS = 5_000;

/** Rows fetched per round trip when a statement is iterated (a cursor on its own connection). */
const ITERATE_BATCH = 500;

export class PostgresError extends Error {
  constructor(
    message: string,
    /**
     * The SQLSTATE (e.g. 23505 unique_violation), Bun.SQL's own code for a connection it could
     * not open or lost (ERR_POSTGRES_CONNECTION_CLOSED…), or '' when the bridge lost the worker
     * or got no answer in time.
     */
    readonly code: string,
  ) {
    super(message);
    this.name = 'PostgresError';
  }
}

type Params = unknown[];

/** The statement shape bun:sqlite's `Statement` has, as far as Gatehouse uses it. */
export class PgStatement<Row = unknown> {
  private readonly text: string;

  constructor(
    private readonly client: PgClient,
    source: string,
  ) {
    this.text = toPostgres(source);
  }

  all(...params: Params): Row[] {
    const a = this.client.query(this.text, params);
    return a.rows.map((r) => objectOf(a.names, r)) as Row[];
  }

  get(...params: Params): Row | null {
    const a = this.client.query(this.text, params);
    return a.rows.length === 0 ? null : (objectOf(a.names, a.rows[0]!) as Row);
  }

  values(...params: Params): unknown[][] {
    return this.client.query(this.text, params).rows;
  }

  run(...params: Params): { changes: number; lastInsertRowid: number } {
    return { changes: this.client.query(this.text, params).count, lastInsertRowid: 0 };
  }

  /** Streams the rows through a cursor on a connection of its own, ITERATE_BATCH at a time. */
  *iterate(...params: Params): Generator<Row> {
    const cursor = this.client.call({ op: 'open', sql: this.text, params: bindable(params) }).count;
    try {
      for (;;) {
        const a = this.client.call({ op: 'fetch', cursor, batch: ITERATE_BATCH });
        for (const r of a.rows) yield objectOf(a.names, r) as Row;
        if (a.rows.length < ITERATE_BATCH) return;
      }
    } finally {
      try {
        this.client.call({ op: 'close', cursor });
      } catch {
        // The cursor's connection is gone (the worker released it): the error that ended the
        // walk, if any, is the one to report.
      }
    }
  }

  finalize(): void {}
}

export class PgClient {
  /** bun:sqlite's file name; a PostgreSQL database has none. */
  readonly filename = '';
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private readonly statements = new Map<string, PgStatement>();
  private readonly listeners = new Set<(payload: string) => void>();
  private readonly rendezvous: Rendezvous;
  private depth = 0;
  private writes = 0;
  private closed = false;
  private readonly answerTimeoutMs: number;

  /** `deadlineMs`: REQUEST_DEADLINE_MS unless a test shortens it. */
  constructor(url: string, { deadlineMs = REQUEST_DEADLINE_MS }: { deadlineMs?: number } = {}) {
    this.answerTimeoutMs = deadlineMs + ANSWER_MARGIN_MS;
    const shared = new SharedArrayBuffer(SIGNAL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    this.signal = new Int32Array(shared);
    const queries = new MessageChannel();
    const events = new MessageChannel();
    this.port = queries.port1;
    this.rendezvous = new Rendezvous(this.port, this.signal);
    this.worker = new Worker(WORKER_SCRIPT, {
      workerData: { url, signal: shared, port: queries.port2, events: events.port2, deadlineMs },
      transferList: [queries.port2, events.port2],
    });
    this.worker.unref();
    events.port1.on('message', (payload: string) => {
      for (const l of this.listeners) l(payload);
    });
    events.port1.unref();
  }

  private replicaKey: number | undefined;

  /**
   * This process's replica key, held as a session advisory lock (REPLICA_LOCKS, key) on the
   * session connection for as long as the process lives: the lock table says which replicas are
   * alive (src/mcp/session-rows.ts). Taken on first use.
   */
  replica(): string {
    if (this.replicaKey === undefined) {
      const key = 1 + Math.floor(Math.random() * 0x7fff_fffe);
      // Taken again by the worker on every new session connection (a lost connection loses the
      // lock), as a try: the lost connection's backend may still hold it (worker.ts `takeAgain`).
      this.call({
        op: 'query',
        sql: toPostgres('SELECT pg_advisory_lock(?::int, ?::int)'),
        params: [REPLICA_LOCKS, key],
        replay: toPostgres('SELECT pg_try_advisory_lock(?::int, ?::int)'),
        ...this.inside(),
      });
      this.replicaKey = key;
    }
    return String(this.replicaKey);
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /**
   * Moves whenever this process has written, or any replica's write was announced (NOTIFY):
   * the authority epoch keeps its value only while this stays put (src/db/epoch.ts).
   */
  changeCount(): number {
    return this.writes + Atomics.load(this.signal, NOTIFIED);
  }

  /**
   * How many notifications this process has received on the `gatehouse` channel (every replica's
   * authority writes and relayed events, this one's included): it moves when another process may
   * have changed what authorizes a call (src/db/epoch.ts `foreignCommitsOf`).
   */
  notifications(): number {
    return Atomics.load(this.signal, NOTIFIED);
  }

  /** Notifications on the `gatehouse` channel, as JSON text, from this and every other replica. */
  onNotify(listener: (payload: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  prepare<Row = unknown>(source: string): PgStatement<Row> {
    return new PgStatement<Row>(this, source);
  }

  /** Like bun:sqlite's `query`: the prepared statement is kept for the next call with this text. */
  query<Row = unknown>(source: string): PgStatement<Row>;
  query(text: string, params: Params): Extract<BridgeAnswer, { ok: true }>;
  query(text: string, params?: Params): PgStatement | Extract<BridgeAnswer, { ok: true }> {
    if (params === undefined) {
      let s = this.statements.get(text);
      if (!s) {
        s = new PgStatement(this, text);
        this.statements.set(text, s);
      }
      return s;
    }
    const inside = this.inside();
    if (!/^\s*(select|with|values|show|fetch)\b/i.test(text)) this.writes++;
    // A SELECT outside a transaction changes nothing (Gatehouse's only SELECTs with an effect, a
    // NOTIFY and the replica's lock, may be repeated), so a connection found closed may retry it.
    else if (!inside.tx && /^\s*select\b/i.test(text))
      return this.call({ op: 'query', sql: text, params: bindable(params), readOnly: true });
    return this.call({ op: 'query', sql: text, params: bindable(params), ...inside });
  }

  run(source: string, params: Params = []): { changes: number; lastInsertRowid: number } {
    return { changes: this.query(toPostgres(source), params).count, lastInsertRowid: 0 };
  }

  /** Several statements, no parameters (the simple-query protocol). */
  exec(source: string): void {
    this.execAs(source, this.inside().tx);
  }

  /** A statement inside this client's transaction is marked so (see TxMark). */
  private inside(): { tx?: TxMark } {
    return this.depth > 0 ? { tx: 'in' } : {};
  }

  private execAs(source: string, tx: TxMark | undefined): void {
    this.writes++;
    this.call(tx ? { op: 'exec', sql: source, tx } : { op: 'exec', sql: source });
  }

  /**
   * bun:sqlite's transaction(): a function that runs `fn` in a transaction (a savepoint when one
   * is already open), committing when it returns and rolling back when it throws. Every outer
   * transaction first takes WRITE_LOCK, so transactions from every replica run one at a time.
   */
  transaction<A extends unknown[], R>(
    fn: (...args: A) => R,
  ): ((...args: A) => R) & {
    deferred: (...args: A) => R;
    immediate: (...args: A) => R;
    exclusive: (...args: A) => R;
  } {
    const run = (...args: A): R => {
      if (this.depth > 0) {
        const sp = `gatehouse_sp${this.depth}`;
        this.exec(`SAVEPOINT ${sp}`);
        this.depth++;
        let r: R;
        try {
          r = fn(...args);
        } catch (e) {
          // Sent while still inside (marked as the transaction's), and the depth taken back once
          // whatever happens to it.
          try {
            this.exec(`ROLLBACK TO SAVEPOINT ${sp}; RELEASE SAVEPOINT ${sp}`);
          } finally {
            this.depth--;
          }
          throw e;
        }
        try {
          this.exec(`RELEASE SAVEPOINT ${sp}`);
        } finally {
          this.depth--;
        }
        return r;
      }
      try {
        // The lock can fail after BEGIN (lock_timeout: another replica held it too long), which
        // leaves the session's transaction open and aborted: rolled back below like any failure,
        // or every later statement on this connection would fail ("current transaction is
        // aborted").
        this.execAs(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`, 'begin');
        this.depth = 1;
        const r = fn(...args);
        if (r instanceof Promise) throw new Error('a transaction callback must be synchronous');
        this.execAs('COMMIT', 'commit');
        return r;
      } catch (e) {
        this.depth = 0;
        this.rollback();
        throw e;
      } finally {
        this.depth = 0;
      }
    };
    return Object.assign(run, { deferred: run, immediate: run, exclusive: run });
  }

  /**
   * Ends a failed transaction. Its own failure (the connection lost: the server has already
   * rolled back) must not hide the error that ended the transaction, which the caller rethrows.
   */
  private rollback(): void {
    try {
      this.execAs('ROLLBACK', 'rollback');
    } catch {
      // Nothing left open to roll back.
    }
  }

  close(): void {
    if (this.closed) return;
    try {
      this.call({ op: 'end' });
    } catch {
      // Closing a client whose server went away: nothing left to release.
    }
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }

  /** Sends one request to the worker and waits for its answer (the bridge's only wait). */
  call(req: BridgeOp): Extract<BridgeAnswer, { ok: true }> {
    if (this.closed) throw new PostgresError('the database connection is closed', '');
    const seq = this.rendezvous.next();
    this.port.postMessage({ ...req, seq });
    const a = this.rendezvous.answer<BridgeAnswer>(seq, this.answerTimeoutMs);
    if (!a) throw new PostgresError(`PostgreSQL did not answer within ${this.answerTimeoutMs / 1000} s`, '');
    if (!a.ok) throw new PostgresError(a.detail ? `${a.message} (${a.detail})` : a.message, a.code);
    return a;
  }
}

function objectOf(names: string[], row: unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) o[names[i]!] = row[i];
  return o;
}

/**
 * Parameters as PostgreSQL infers them best: numbers and booleans as text, so the server gives
 * each the type of what it is compared with or stored in (a bigint column, a boolean column);
 * bytes stay bytes.
 */
function bindable(params: Params): unknown[] {
  if (
    params.length === 1 &&
    params[0] !== null &&
    typeof params[0] === 'object' &&
    !ArrayBuffer.isView(params[0])
  )
    // A fault in Gatehouse's own statement, not an outage (src/errors/database.ts reads '' as one).
    throw new PostgresError(
      'named parameters are not supported on PostgreSQL: pass them in order',
      'named_parameters',
    );
  return params.map((p) => {
    if (p === undefined || p === null) return null;
    if (typeof p === 'string' && (p.includes('\0') || !p.isWellFormed()))
      // PostgreSQL text holds neither (SQLite stores both): the input is refused, never a 500.
      throw new AppError(
        'invalid_input',
        'A value contains a NUL character (U+0000) or a lone UTF-16 surrogate, which cannot be stored',
        { hint: 'Remove the control character and send it again' },
      );
    if (typeof p === 'number' || typeof p === 'bigint') return String(p);
    if (typeof p === 'boolean') return p ? 'true' : 'false';
    return p;
  });
}
