import { Database } from 'bun:sqlite';
import { expect, test } from 'bun:test';
import { PostgresError } from '../../src/db/pg/bridge.ts';
import { databaseUnavailable, databaseUnavailableError } from '../../src/errors/database.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { toOAuthError } from '../../src/oauth/errors.ts';
import { sqliteBusyError } from '../support/db-errors.ts';

/** The error a real in-memory SQLite throws for `sql`. */
function sqliteError(setup: string, sql: string): Error {
  const db = new Database(':memory:');
  try {
    db.exec(setup);
    db.exec(sql);
  } catch (e) {
    return e as Error;
  } finally {
    db.close();
  }
  throw new Error(`${sql} did not fail`);
}

test('databaseUnavailable — SQLite: a lock held past the busy timeout is; a constraint, a syntax error or a lock inside one connection is not', () => {
  expect(databaseUnavailable(sqliteBusyError())).toBe(true);
  expect(
    databaseUnavailable(
      sqliteError(
        'CREATE TABLE t (id INTEGER PRIMARY KEY)',
        'INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)',
      ),
    ),
  ).toBe(false);
  expect(databaseUnavailable(sqliteError('', 'SELEC 1'))).toBe(false);
  // LOCKED is a conflict inside one connection: Gatehouse's own fault, never an outage.
  const locked = new Database(':memory:');
  try {
    locked.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1), (2)');
    const rows = locked.query('SELECT x FROM t').iterate();
    rows.next();
    let err: unknown;
    try {
      locked.exec('DROP TABLE t');
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toStartWith('SQLITE_LOCKED');
    expect(databaseUnavailable(err)).toBe(false);
    rows.return?.(undefined);
  } finally {
    locked.close();
  }
});

test('databaseUnavailable — PostgreSQL: connection, resources, shutdown, I/O, read-only, idle-in-transaction, lock and abort codes are; data, syntax, protocol and Gatehouse faults are not', () => {
  for (const code of [
    '',
    '08006',
    '08001',
    '53100',
    '53300',
    '57P01',
    '57014',
    '55P03',
    '40001',
    '25006',
    '25P03',
    '57P05',
    '58030',
    '40P01',
    'ERR_POSTGRES_CONNECTION_CLOSED',
    'ERR_POSTGRES_CONNECTION_REFUSED',
    'ERR_POSTGRES_QUERY_CANCELLED',
  ])
    expect([code, databaseUnavailable(new PostgresError('x', code))]).toEqual([code, true]);
  for (const code of [
    '23505',
    '23503',
    '42601',
    '42P01',
    '22P02',
    'named_parameters',
    'gatehouse_worker',
    '08P01',
    'ERR_POSTGRES_SERVER_ERROR',
    'ERR_POSTGRES_NOT_TAGGED_CALL',
  ])
    expect([code, databaseUnavailable(new PostgresError('x', code))]).toEqual([code, false]);
});

test('databaseUnavailable — an error that only looks like one (another name, no code, not an Error) is not', () => {
  expect(databaseUnavailable(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(
    false,
  );
  expect(databaseUnavailable(new Error('database is locked'))).toBe(false);
  expect(databaseUnavailable({ name: 'SQLiteError', code: 'SQLITE_BUSY' })).toBe(false);
  expect(databaseUnavailable(undefined)).toBe(false);
  expect(databaseUnavailableError(new Error('x'))).toBeUndefined();
});

test('toOAuthError — a database that cannot answer is temporarily_unavailable 503 with Retry-After, without its message', async () => {
  const res = toOAuthError(sqliteBusyError(), silentLogger);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe('temporarily_unavailable');
  expect(body.error_description).toContain('cannot reach its database');
  expect(JSON.stringify(body)).not.toMatch(/locked|SQLITE/i);
  // Anything else stays a server_error 500.
  expect(toOAuthError(new Error('boom'), silentLogger).status).toBe(500);
});
