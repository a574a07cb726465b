/**
 * Caches on the call path that stay exact (docs/architecture.md, "Storage and audit", caching).
 * The `cache_epoch` row moves, by SQLite trigger, on every write to data that authorizes a call
 * (db/schema/cache.ts), whichever process writes. A cache reads the epoch and drops everything
 * when it moved; so a revocation, a toggle, the kill switch or a settings change is seen by the
 * very next call, and no test can catch a stale answer.
 *
 * Reading the epoch row costs a read transaction (~5 µs, more on a busy WAL), and a tool call
 * asks for it about seven times (bearer, principal, settings, environment link, grants…). So the
 * value read is remembered while nothing can have moved it:
 * - this connection has changed no row since (SQLite's `total_changes()`, which counts the rows
 *   triggers change too, costs no read transaction: ~0.2 µs), so a write in this process — a
 *   revocation, a toggle — is seen by the very next read, synchronously;
 * - no transaction is open (inside one, the epoch is read each time, and an EpochCache neither
 *   serves nor keeps anything: a rollback must not leave a remembered value that never
 *   committed, and the epoch it was stamped with can come back with other data);
 * - the event loop has not turned since: another process's commit (the CLI) is seen from the
 *   next turn, as a notification would deliver it. Across replicas (a later PostgreSQL
 *   deployment) the epoch would move by notification the same way.
 */
import type { Db } from './client.ts';
import { pgClientOf } from './dialect.ts';

/** The epoch of one database (see above for how long a read value is kept). */
export class AuthorityEpoch {
  private readonly read: { get(): unknown };
  private readonly changes: { get(): unknown };
  private readonly client: Db['$client'];
  private memo = Number.NaN;
  private memoChanges = -1;
  /** True from a read until the event loop turns (setImmediate clears it). */
  private fresh = false;
  private readonly expire = () => {
    this.fresh = false;
  };

  constructor(db: Db) {
    this.client = db.$client;
    this.read = db.$client.prepare('SELECT n FROM cache_epoch WHERE id = 1');
    // On PostgreSQL the bridge counts this process's writes and every replica's notifications
    // without a round trip (src/db/pg/bridge.ts changeCount); SQLite counts with total_changes().
    const pg = pgClientOf(db);
    this.changes = pg
      ? { get: () => ({ c: pg.changeCount() }) }
      : db.$client.prepare('SELECT total_changes() AS c');
  }

  /** Whether a transaction is open on this connection (its epoch is not committed yet). */
  get inTransaction(): boolean {
    return this.client.inTransaction;
  }

  current(): number {
    if (this.client.inTransaction) return this.readRow();
    const changes = (this.changes.get() as { c: number }).c;
    if (this.fresh && changes === this.memoChanges) return this.memo;
    this.memo = this.readRow();
    this.memoChanges = changes;
    if (!this.fresh) {
      this.fresh = true;
      setImmediate(this.expire);
    }
    return this.memo;
  }

  private readRow(): number {
    const row = this.read.get() as { n: number } | null;
    // No row (a database migrated before the epoch existed cannot be: migrations insert it);
    // answer a value that never matches, so nothing is ever served from a cache.
    return row ? row.n : Number.NaN;
  }
}

/**
 * A number that moves when another process may have changed the database: SQLite's
 * `PRAGMA data_version`, which moves only when another connection — another process on the same
 * file, such as the CLI — has committed since this connection last looked
 * (https://www.sqlite.org/pragma.html#pragma_data_version); on PostgreSQL, the notifications this
 * process received (the epoch triggers' NOTIFY of every replica's authority writes, its own too).
 */
export function foreignCommitsOf(db: Db): () => number {
  const pg = pgClientOf(db);
  if (pg) return () => pg.notifications();
  const read = db.$client.prepare<{ data_version: number }, []>('PRAGMA data_version');
  return () => read.get()!.data_version;
}

const epochs = new WeakMap<Db, AuthorityEpoch>();

/** The one epoch reader of a database (services share it without passing it around). */
export function epochOf(db: Db): AuthorityEpoch {
  let e = epochs.get(db);
  if (!e) {
    e = new AuthorityEpoch(db);
    epochs.set(db, e);
  }
  return e;
}

/**
 * A bounded map whose entries live only while the epoch stays where it was when they were read.
 * The epoch is read before the value, so a write racing the read can only make an entry newer
 * than its epoch (dropped on the next call), never older.
 */
export class EpochCache<K, V> {
  private epoch = Number.NaN;
  private readonly entries = new Map<K, V>();

  constructor(
    private readonly source: AuthorityEpoch,
    private readonly max = 10_000,
  ) {}

  /** The cached value, or `load()`'s (cached unless `keep` says otherwise, e.g. a miss). */
  get(key: K, load: () => V, keep: (v: V) => boolean = () => true): V {
    // Inside a transaction the epoch read is uncommitted: a value loaded then may be rolled back,
    // and a later commit can bring the epoch to that same number. Nothing is served or kept.
    if (this.source.inTransaction) return load();
    const now = this.source.current();
    if (now !== this.epoch) {
      this.entries.clear();
      this.epoch = now;
    }
    if (this.entries.has(key)) return this.entries.get(key) as V;
    const value = load();
    if (!keep(value) || Number.isNaN(now)) return value;
    // Oldest first: a full map forgets its oldest entry.
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
