import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import type { Clock } from '../kernel/clock.ts';

/** How often buffered usage counts reach the database. */
const FLUSH_INTERVAL_MS = 2_000;

/**
 * Per-client usage figures (last used, request count) of token families. Counted in memory and
 * written together every few seconds, or before anything reads them: a request does not pay for
 * a write transaction just to be counted.
 */
export class UsageCounter {
  private readonly pending = new Map<string, { count: number; at: number }>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref?.();
  }

  touch(familyId: string): void {
    const now = this.clock.now();
    const u = this.pending.get(familyId);
    if (u) {
      u.count++;
      u.at = now;
    } else this.pending.set(familyId, { count: 1, at: now });
  }

  flush(): void {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    this.db.transaction((tx) => {
      for (const [familyId, u] of batch) {
        tx.update(schema.tokenFamilies)
          .set({ lastUsedAt: u.at, requestCount: sql`${schema.tokenFamilies.requestCount} + ${u.count}` })
          .where(eq(schema.tokenFamilies.id, familyId))
          .run();
      }
    });
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
