/** Messages between the synchronous bridge (bridge.ts) and its worker (worker.ts). */

/** The channel every replica LISTENs on (docs/postgresql.md, "Changes reach every replica"). */
export const NOTIFY_CHANNEL = 'gatehouse';

/** Connections of the worker's pool: the session connection and one per open cursor (MAX_CURSORS). */
export const POOL_SIZE = 4;

/**
 * What the worker opens its pool with (worker.ts), and what `openPostgres` checks DATABASE_URL's
 * parameters against first (open.ts): Bun.SQL refuses a bad one (`sslmode=bogus`,
 * `connect_timeout=abc`) as it builds the pool, which in the worker would leave the main thread
 * waiting for an answer that never comes.
 */
export const POOL_OPTIONS = {
  // The session connection and up to MAX_CURSORS open cursors, each reserved (with a pool of
  // one, Bun.SQL hands the same connection to every `reserve()`).
  max: POOL_SIZE,
  // A statement that waits on a lock longer than SQLite's busy timeout fails the same way.
  connection: { lock_timeout: '5s', statement_timeout: '60s', application_name: 'gatehouse' },
} as const;

/**
 * Where a statement stands in the bridge's transaction: its BEGIN, a statement inside it, its
 * COMMIT or ROLLBACK. The worker runs a transaction's statements only on the connection its BEGIN
 * ran on (worker.ts `onSession`).
 */
export type TxMark = 'begin' | 'in' | 'commit' | 'rollback';

export type BridgeOp =
  | {
      op: 'query';
      sql: string;
      params: unknown[];
      tx?: TxMark;
      /**
       * Once this statement has run, the statement every new session connection runs first with
       * its parameters, answering one boolean: whether it got it (a session-level try-lock).
       */
      replay?: string;
      /** Changes nothing: may run again on a new connection when its own was found closed. */
      readOnly?: boolean;
    }
  | { op: 'exec'; sql: string; tx?: TxMark }
  | { op: 'open'; sql: string; params: unknown[] }
  | { op: 'fetch'; cursor: number; batch: number }
  | { op: 'close'; cursor: number }
  | { op: 'end' };

/** A request carries its sequence number, and so does its answer (rendezvous.ts). */
export type BridgeRequest = BridgeOp & { seq: number };

export type BridgeResult =
  | { ok: true; rows: unknown[][]; names: string[]; count: number }
  | { ok: false; message: string; code: string; detail?: string | undefined };

export type BridgeAnswer = BridgeResult & { seq: number };
