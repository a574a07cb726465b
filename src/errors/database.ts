import { AppError } from './app-error.ts';

/**
 * SQLite result codes (https://www.sqlite.org/rescode.html) that mean the database cannot serve
 * now, not that the statement is wrong: another connection holds the lock past the busy timeout
 * (BUSY), the disk failed or filled (IOERR, FULL), the file cannot be opened or written (CANTOPEN,
 * READONLY). Extended codes (`SQLITE_BUSY_SNAPSHOT`, `SQLITE_IOERR_WRITE`…) share the primary
 * code's prefix. Not LOCKED: that is a conflict inside one connection (or a shared cache), and
 * Gatehouse has one connection, so it is a fault of Gatehouse's, not an outage.
 */
const SQLITE_UNAVAILABLE = /^SQLITE_(?:BUSY|IOERR|FULL|CANTOPEN|READONLY)(?:_|$)/;

/**
 * PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html) of the
 * same kind: connection exceptions (class 08, but not 08P01, a protocol violation: a driver's
 * fault), insufficient resources (53: disk full, out of memory, too many connections), operator
 * intervention (57: shutdown, cancelled by statement_timeout), system errors (58: I/O), a
 * read-only transaction (25006: a standby after failover, or the server made read-only), a
 * session ended by idle_in_transaction_session_timeout (25P03: a cursor an export read slowly), a
 * lock not granted within lock_timeout (55P03), and a transaction the server chose to abort (40001
 * serialization failure, 40P01 deadlock).
 */
const POSTGRES_UNAVAILABLE = /^(?:08(?!P01)|53|57|58)|^(?:25006|25P03|55P03|40001|40P01)$/;

/** Bun.SQL's own codes for a connection that failed or a query the server cancelled. */
const POSTGRES_DRIVER_UNAVAILABLE =
  /^ERR_POSTGRES_(?:CONNECTION_|IDLE_TIMEOUT|LIFETIME_TIMEOUT|QUERY_CANCELLED)/;

/**
 * Whether an error thrown by a database call means the database cannot answer now (an outage, a
 * lock held too long, a full disk), as opposed to a fault in Gatehouse. Such a failure answers
 * 503 with Retry-After at every door (src/README.md, "One error type"), never the database's own
 * message: it can name paths, tables and values.
 */
export function databaseUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  // src/db/pg/bridge.ts's PostgresError: the SQLSTATE, or the driver's or the bridge's own code.
  if (e.name === 'PostgresError') {
    // '' is the bridge's own failure (connection closed, no answer in time); the driver names a
    // connection it could not open or lost, or a query the server cancelled (Bun's SQL types).
    return code === '' || POSTGRES_DRIVER_UNAVAILABLE.test(code) || POSTGRES_UNAVAILABLE.test(code);
  }
  return e.name === 'SQLiteError' && SQLITE_UNAVAILABLE.test(code);
}

/** Seconds a client is asked to wait before trying again (Retry-After). */
export const DATABASE_RETRY_AFTER_S = 5;

/**
 * The AppError every mapper answers for a database that cannot answer (`unavailable`: 503 with
 * Retry-After), or undefined for any other error. It says nothing of the failure itself; the
 * caller logs that.
 */
export function databaseUnavailableError(e: unknown): AppError | undefined {
  if (!databaseUnavailable(e)) return undefined;
  return new AppError('unavailable', 'Gatehouse cannot reach its database right now.', {
    hint: `Try again in ${DATABASE_RETRY_AFTER_S} seconds.`,
    retryAfterSeconds: DATABASE_RETRY_AFTER_S,
    cause: e,
  });
}

/**
 * What a door tells its caller of an error no mapper took (each door logs it first): a database
 * that cannot answer is a 503 with Retry-After, anything else a 500; never the error's own
 * message, which can name paths, tables and values.
 */
export function unexpectedAnswer(e: unknown): {
  status: 500 | 503;
  message: string;
  headers: Record<string, string>;
} {
  const unavailable = databaseUnavailableError(e);
  return unavailable
    ? {
        status: 503,
        message: `${unavailable.message} ${unavailable.hint}`,
        headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_S) },
      }
    : { status: 500, message: 'Internal error', headers: {} };
}
