/**
 * Caches on the call path that stay exact (docs/architecture.md, "Storage and audit", caching).
 * The `cache_epoch` row moves, by SQLite trigger, on every write to data that authorizes a call
 * (db/schema/cache.ts), whichever process writes. A cache reads the epoch (a prepared
 * single-row read, ~0.3 µs) and drops everything when it moved; so a revocation, a toggle, the
 * kill switch or a settings change is seen by the very next call, and no test can catch a stale
 * answer. Across replicas (a later PostgreSQL deployment) the same epoch would move by
 * notification instead.
 */
import type { Db } from './client.ts';

/** The epoch of one database, read fresh on every call. */
export class AuthorityEpoch {
  private readonly read: { get(): unknown };

  constructor(db: Db) {
    this.read = db.$client.prepare('SELECT n FROM cache_epoch WHERE id = 1');
  }

  current(): number {
    const row = this.read.get() as { n: number } | null;
    // No row (a database migrated before the epoch existed cannot be: migrations insert it);
    // answer a value that never matches, so nothing is ever served from a cache.
    return row ? row.n : Number.NaN;
  }
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
