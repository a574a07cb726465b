/**
 * What the PostgreSQL worker (worker.ts) makes of a connection's faults: which errors mean the
 * connection is gone, which say nothing of a statement ran, and the deadline every request has
 * (docs/postgresql.md, "The bridge").
 */

export const LOST = Object.assign(
  new Error('the connection to PostgreSQL was lost inside a transaction, which PostgreSQL rolled back'),
  { errno: '08006' },
);

/** Errors after which the session connection is gone (SQLSTATE class 08, 57P0x, 25P03, the driver's own). */
export function connectionGone(e: unknown): boolean {
  const { errno, code } = e as { errno?: string; code?: string };
  return (
    /^(?:08|57P0\d|25P03)/.test(errno ?? '') ||
    /^ERR_POSTGRES_(?:CONNECTION_|IDLE_TIMEOUT|LIFETIME_TIMEOUT)/.test(code ?? '')
  );
}

/** The server's word that it ended the session (57P01–03, 57P05): nothing in flight committed. */
export function serverEnded(e: unknown): boolean {
  return /^57P0[1-35]$/.test((e as { errno?: string }).errno ?? '');
}

export const STALLED = Object.assign(
  new Error(
    'PostgreSQL did not answer in time (the network or the server stalled): the connection was closed',
  ),
  { errno: '08006' },
);

/**
 * `work`, unless `deadline` passes first: then `expire` closes the connection it waits on, and it
 * fails as a lost connection (08006). Without it, a connection whose network stalls answers
 * nothing until TCP gives up (minutes), while the main thread waits and the next statements queue
 * on it; statement_timeout is the server's own limit, and a stalled server does not apply it.
 * The deadline is below the bridge's own wait, so the worker always answers first.
 */
export function within<T>(work: Promise<T>, deadline: number, expire: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        expire();
        reject(STALLED);
      },
      Math.max(0, deadline - performance.now()),
    );
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
