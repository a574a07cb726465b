/**
 * The synchronous bridge (src/db/pg/bridge.ts) against a real PostgreSQL: runs on the suite's
 * PostgreSQL pass (DATABASE_URL set, test/support/pg.ts); on the SQLite pass there is no server.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { PgClient, PostgresError, WRITE_LOCK } from '../../src/db/pg/bridge.ts';
import { databaseUnavailable } from '../../src/errors/database.ts';
import { freshPostgres, onPostgres } from '../support/pg.ts';

describe.skipIf(!onPostgres)('PostgreSQL bridge', () => {
  let url = '';
  let drop: () => Promise<void> = async () => {};
  let a: PgClient;
  let b: PgClient;

  beforeAll(async () => {
    ({ url, drop } = await freshPostgres());
    a = new PgClient(url);
    b = new PgClient(url);
    a.exec('CREATE TABLE t (id bigint PRIMARY KEY, used boolean NOT NULL DEFAULT false, note text)');
  });
  afterAll(async () => {
    a.close();
    b.close();
    await drop();
  });

  test('bridge — rows as objects, numbers as numbers, no row as null', () => {
    a.query('INSERT INTO t (id, note) VALUES (?, ?)').run(1, 'one');
    expect(a.query('SELECT id, used, note, count(*) OVER () AS total FROM t WHERE id = ?').get(1)).toEqual({
      id: 1,
      used: false,
      note: 'one',
      total: 1,
    });
    expect(a.query('SELECT id FROM t WHERE id = ?').get(99)).toBeNull();
    expect(a.query('SELECT id, note FROM t').values()).toEqual([[1, 'one']]);
  });

  test('bridge — run reports the rows it changed (what a single-use consume checks)', () => {
    a.query('INSERT INTO t (id) VALUES (?)').run(2);
    const consume = 'UPDATE t SET used = true WHERE id = ? AND used = false';
    expect(a.query(consume).run(2).changes).toBe(1);
    expect(b.query(consume).run(2).changes).toBe(0);
  });

  test('bridge — a failed transaction leaves nothing, and the error keeps its SQLSTATE', () => {
    const tx = a.transaction(() => {
      a.query('INSERT INTO t (id) VALUES (?)').run(3);
      a.query('INSERT INTO t (id) VALUES (?)').run(3);
    });
    let err: unknown;
    try {
      tx();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PostgresError);
    expect((err as PostgresError).code).toBe('23505');
    expect(a.inTransaction).toBe(false);
    expect(a.query('SELECT id FROM t WHERE id = ?').get(3)).toBeNull();
  });

  test('bridge — a write lock not granted within lock_timeout fails that transaction alone: the connection stays usable', () => {
    const held = new PgClient(url);
    try {
      held.exec(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`);
      a.exec("SET lock_timeout = '50ms'");
      let err: unknown;
      try {
        a.transaction(() => a.query('INSERT INTO t (id) VALUES (?)').run(40))();
      } catch (e) {
        err = e;
      }
      expect((err as PostgresError).code).toBe('55P03');
      expect(databaseUnavailable(err)).toBe(true);
      expect(a.inTransaction).toBe(false);
      held.exec('ROLLBACK');
      // Not "current transaction is aborted": the next transaction and statement run.
      a.transaction(() => a.query('INSERT INTO t (id) VALUES (?)').run(41))();
      expect(a.query('SELECT id FROM t WHERE id IN (?, ?) ORDER BY id').values(40, 41)).toEqual([[41]]);
    } finally {
      a.exec('RESET lock_timeout');
      held.close();
    }
  });

  test('bridge — a connection lost inside a transaction fails the transaction: nothing of it commits, and the client goes on', () => {
    a.exec('CREATE TABLE torn (id int PRIMARY KEY)');
    let err: unknown;
    try {
      a.transaction(() => {
        a.query('INSERT INTO torn (id) VALUES (?)').run(1);
        const pid = (a.query('SELECT pg_backend_pid() AS pid').get() as { pid: number }).pid;
        // Another session ends this one's backend (a failover, an operator, a network cut), and
        // waits until it is gone.
        expect(b.query('SELECT pg_terminate_backend(?::int, 5000) AS done').get(pid)).toEqual({ done: true });
        a.query('INSERT INTO torn (id) VALUES (?)').run(2);
        a.query('INSERT INTO torn (id) VALUES (?)').run(3);
      })();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PostgresError);
    expect(databaseUnavailable(err)).toBe(true);
    expect(a.inTransaction).toBe(false);
    // Not [[2], [3]]: the rest of the transaction did not run on a new connection, committed.
    expect(b.query('SELECT id FROM torn ORDER BY id').values()).toEqual([]);
    a.transaction(() => a.query('INSERT INTO torn (id) VALUES (?)').run(4))();
    expect(a.query('SELECT id FROM torn ORDER BY id').values()).toEqual([[4]]);
  });

  test('bridge — a nested transaction rolls back to its savepoint only', () => {
    a.transaction(() => {
      a.query('INSERT INTO t (id) VALUES (?)').run(4);
      try {
        a.transaction(() => {
          a.query('INSERT INTO t (id) VALUES (?)').run(5);
          throw new Error('inner');
        })();
      } catch {
        // the inner savepoint is rolled back; the outer transaction goes on
      }
    })();
    expect(a.query('SELECT id FROM t WHERE id IN (4, 5) ORDER BY id').all()).toEqual([{ id: 4 }]);
  });

  test('bridge — iterate streams every row through a cursor, in order', () => {
    a.exec('INSERT INTO t (id) SELECT g FROM generate_series(100, 1299) g');
    let n = 0;
    let last = 0;
    for (const row of a.query<{ id: number }>('SELECT id FROM t WHERE id >= ? ORDER BY id').iterate(100)) {
      expect(row.id).toBeGreaterThan(last);
      last = row.id;
      n++;
    }
    expect(n).toBe(1200);
    // The session connection is free again: no transaction was left open by the cursor.
    expect(a.inTransaction).toBe(false);
  });

  test('bridge — statements run while a cursor is open (an export streaming while requests are served)', () => {
    a.exec('CREATE TABLE streamed (id int)');
    a.exec('INSERT INTO streamed SELECT g FROM generate_series(1, 1200) g');
    let n = 0;
    for (const _ of a.query('SELECT id FROM streamed ORDER BY id').iterate()) {
      n++;
      // Before the session connection was reserved, this waited for the cursor's connection (the
      // pool's only one) and failed after 70 s.
      if (n % 400 === 1) a.query('INSERT INTO streamed (id) VALUES (?)').run(10_000 + n);
    }
    expect(n).toBe(1200);
    expect(a.query('SELECT count(*) AS n FROM streamed').get()).toEqual({ n: 1203 });
  });

  test('bridge — a fourth open cursor is refused at once as an outage (53300); one closed makes room', () => {
    a.exec('CREATE TABLE many (id int)');
    a.exec('INSERT INTO many SELECT g FROM generate_series(1, 2000) g');
    const walk = () => a.query<{ id: number }>('SELECT id FROM many ORDER BY id').iterate();
    const open = [walk(), walk(), walk()];
    for (const w of open) expect(w.next().value).toEqual({ id: 1 });
    let err: unknown;
    try {
      walk().next();
    } catch (e) {
      err = e;
    }
    expect((err as PostgresError).code).toBe('53300');
    expect(databaseUnavailable(err)).toBe(true);
    // The session connection is not one of them: statements still run.
    expect(a.query('SELECT count(*) AS n FROM many').get()).toEqual({ n: 2000 });
    open[0]!.return(undefined);
    const fourth = walk();
    expect(fourth.next().value).toEqual({ id: 1 });
    fourth.return(undefined);
    for (const w of open.slice(1)) w.return(undefined);
  });

  test('bridge — a session the server ended while idle: the next statement and transaction run on a new connection, the replica lock taken again', () => {
    const key = a.replica();
    const pid = (a.query('SELECT pg_backend_pid() AS pid').get() as { pid: number }).pid;
    expect(b.query('SELECT pg_terminate_backend(?::int, 5000) AS done').get(pid)).toEqual({ done: true });
    // 57P01 ("terminating connection due to administrator command") says nothing ran: once more.
    const now = a.query('SELECT pg_backend_pid() AS pid').get() as { pid: number };
    expect(now.pid).not.toBe(pid);
    a.transaction(() => a.query('INSERT INTO t (id) VALUES (?)').run(60))();
    expect(a.query('SELECT id FROM t WHERE id = ?').get(60)).toEqual({ id: 60 });
    // The replica's advisory lock is held by the new session (other replicas see it alive).
    const held = b
      .query(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid::text = ? AND objsubid = 2 AND granted",
      )
      .all(key) as { pid: number }[];
    expect(held).toEqual([{ pid: now.pid }]);
  });

  test('bridge — a notification from another client moves changeCount and reaches onNotify', async () => {
    const before = a.changeCount();
    const got = new Promise<string>((resolve) => {
      const off = a.onNotify((p) => {
        if (p.includes('"hello"')) {
          off();
          resolve(p);
        }
      });
    });
    b.query("SELECT pg_notify('gatehouse', ?)").get(JSON.stringify({ kind: 'test', text: 'hello' }));
    expect(JSON.parse(await got)).toEqual({ kind: 'test', text: 'hello' });
    expect(a.changeCount()).toBeGreaterThan(before);
  });

  test('bridge — a write by this client moves changeCount at once (synchronous invalidation)', () => {
    const before = a.changeCount();
    a.query('UPDATE t SET note = ? WHERE id = ?').run('x', 1);
    expect(a.changeCount()).toBe(before + 1);
  });

  test('bridge — text PostgreSQL cannot hold (NUL, a lone surrogate) is invalid input, not a server error', () => {
    for (const bad of ['a\u0000b', 'x\ud800'])
      expect(() => a.query('SELECT id FROM t WHERE note = ?').get(bad)).toThrow(
        expect.objectContaining({ code: 'invalid_input', status: 400 }),
      );
    // The connection is still usable.
    expect(a.query('SELECT count(*) AS n FROM t').get()).toEqual({ n: expect.any(Number) });
  });

  test('bridge — named parameters are refused with a clear message', () => {
    expect(() => a.query('SELECT id FROM t WHERE id = $id').get({ id: 1 })).toThrow(/named parameters/);
  });
});
