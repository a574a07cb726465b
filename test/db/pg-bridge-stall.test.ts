/**
 * The PostgreSQL bridge (src/db/pg/bridge.ts) when the network between it and the server stalls
 * or drops connections, through a loopback TCP proxy (test/support/tcp-proxy.ts). Runs on the
 * suite's PostgreSQL pass. Each client here has a short request deadline (REQUEST_DEADLINE_MS
 * is 75 s): a frozen proxy never answers, so the deadline, not the machine's speed, decides.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { PgClient, type PostgresError, REPLICA_LOCKS } from '../../src/db/pg/bridge.ts';
import { databaseUnavailable } from '../../src/errors/database.ts';
import { freshPostgres, onPostgres } from '../support/pg.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const DEADLINE_MS = 400;

describe.skipIf(!onPostgres)('PostgreSQL bridge, network faults', () => {
  let url = '';
  let drop: () => Promise<void> = async () => {};
  let admin: PgClient;
  let proxy: TcpProxy;
  let a: PgClient;

  beforeAll(async () => {
    ({ url, drop } = await freshPostgres());
    admin = new PgClient(url);
    admin.exec('CREATE TABLE t (id bigint PRIMARY KEY)');
    admin.exec('CREATE TABLE many (id int); INSERT INTO many SELECT generate_series(1, 2000)');
  });
  afterEach(async () => {
    a?.close();
    await proxy?.stop();
  });
  afterAll(async () => {
    admin.close();
    await drop();
  });

  async function through(): Promise<PgClient> {
    proxy = await startTcpProxy(url);
    a = new PgClient(proxy.url, { deadlineMs: DEADLINE_MS });
    return a;
  }

  function failure(f: () => unknown): PostgresError {
    try {
      f();
    } catch (e) {
      return e as PostgresError;
    }
    throw new Error('expected a failure');
  }

  const pidOf = (c: PgClient) => (c.query('SELECT pg_backend_pid() AS pid').get() as { pid: number }).pid;

  test('stall — an unanswered statement fails by the deadline as an outage; the next runs on a new connection', async () => {
    const c = await through();
    const before = pidOf(c);
    await proxy.freeze();
    const err = failure(() => c.query('SELECT 1 AS x').get());
    expect(err.code).toBe('08006');
    expect(databaseUnavailable(err)).toBe(true);
    // Another statement is not queued behind the stalled one: it goes out on another connection
    // (the pool's, through the same frozen proxy) and fails by its own deadline.
    expect(databaseUnavailable(failure(() => c.query('SELECT 2 AS x').get()))).toBe(true);
    await proxy.thaw();
    expect(c.query('SELECT 3 AS x').get()).toEqual({ x: 3 });
    expect(pidOf(c)).not.toBe(before);
  });

  test('stall — a transaction whose statement stalls fails whole: nothing of it commits, and the next transaction runs', async () => {
    const c = await through();
    const err = failure(() =>
      c.transaction(() => {
        c.query('INSERT INTO t (id) VALUES (?)').run(1);
        void proxy.freeze();
        // Sent until the proxy holds it (the freeze is asynchronous): the first one held stalls.
        for (let i = 0; i < 10_000; i++) c.query('SELECT 1').get();
      })(),
    );
    expect(databaseUnavailable(err)).toBe(true);
    expect(c.inTransaction).toBe(false);
    await proxy.thaw();
    c.transaction(() => c.query('INSERT INTO t (id) VALUES (?)').run(2))();
    expect(admin.query('SELECT id FROM t ORDER BY id').all()).toEqual([{ id: 2 }]);
  });

  test('stall — a cursor whose fetch stalls frees its slot: three more cursors open after it', async () => {
    const c = await through();
    const walk = c.query('SELECT id FROM many ORDER BY id').iterate();
    expect(walk.next().value).toEqual({ id: 1 });
    await proxy.freeze();
    // The first batch was 500 rows: the next fetch goes to the frozen network.
    const err = failure(() => {
      for (let i = 0; i < 600; i++) walk.next();
    });
    expect(databaseUnavailable(err)).toBe(true);
    await proxy.thaw();
    const open = [1, 2, 3].map(() => c.query('SELECT id FROM many ORDER BY id').iterate());
    for (const w of open) expect(w.next().value).toEqual({ id: 1 });
    for (const w of open) w.return(undefined);
  });

  test('cut — a SELECT sent on a connection a proxy closed while idle runs again on a new one; a write is not repeated', async () => {
    const c = await through();
    c.query('SELECT 1').get();
    await proxy.cut();
    expect(c.query('SELECT 7 AS x').get()).toEqual({ x: 7 });
    await proxy.cut();
    // An autocommit write on a connection that closed without a word may have committed: it
    // fails as an outage and is left to the caller, never sent twice.
    expect(databaseUnavailable(failure(() => c.query('INSERT INTO t (id) VALUES (?)').run(3)))).toBe(true);
    expect(c.query('SELECT count(*) AS n FROM t WHERE id = 3').get()).toEqual({ n: 0 });
  });

  test('idle_session_timeout (57P05) — the server ended the idle session: the next statement, a write, runs once', () => {
    const c = new PgClient(url, { deadlineMs: DEADLINE_MS });
    try {
      const pid = pidOf(c);
      c.exec("SET idle_session_timeout = '100ms'");
      // Until the server has ended the session (it says so with 57P05 on the next statement).
      const alive = () => admin.query('SELECT 1 AS on FROM pg_stat_activity WHERE pid = ?').get(pid);
      for (let i = 0; i < 400 && alive(); i++) Bun.sleepSync(25);
      expect(alive()).toBeNull();
      // A write too: the server's word says the statement never ran on the ended session.
      c.query('INSERT INTO t (id) VALUES (?)').run(57);
      expect(admin.query('SELECT id FROM t WHERE id = ?').get(57)).toEqual({ id: 57 });
    } finally {
      c.close();
    }
  });

  test('replica lock — not granted again at once on a new connection (the old backend holds it): statements run, and it is held once free', async () => {
    const c = await through();
    const notices: string[] = [];
    const off = c.onNotify((p) => notices.push(p));
    const key = Number(c.replica());
    const old = pidOf(c);
    // The connection is lost while its backend lives on, still holding the lock (as after a
    // network cut, until the server notices): `admin` stands in for that backend.
    await proxy.cut();
    admin.query('SELECT pg_terminate_backend(?::int, 5000)').get(old);
    admin.query('SELECT pg_advisory_lock(?::int, ?::int)').get(REPLICA_LOCKS, key);
    const now = pidOf(c);
    expect(now).not.toBe(old);
    const holders = () =>
      admin
        .query(
          "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 2 AND granted",
        )
        .all(REPLICA_LOCKS, key);
    expect(holders()).toEqual([{ pid: pidOf(admin) }]);
    admin.query('SELECT pg_advisory_unlock(?::int, ?::int)').get(REPLICA_LOCKS, key);
    c.query('SELECT 1').get();
    expect(holders()).toEqual([{ pid: now }]);
    // The main thread was told it was missing, then held again.
    await waitFor(() => notices.includes('{"kind":"replica-lock-held"}'));
    expect(notices.filter((n) => n.includes('replica-lock'))).toEqual([
      '{"kind":"replica-lock-missing"}',
      '{"kind":"replica-lock-held"}',
    ]);
    off();
  });
});

/** Awaits the worker's messages (they arrive once the event loop turns), never a fixed sleep. */
async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !done(); i++) await new Promise((r) => setImmediate(r));
}
