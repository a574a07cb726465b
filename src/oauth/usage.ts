import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import type { Clock } from '../kernel/clock.ts';
import { attempt, periodic } from '../kernel/periodic.ts';
import { type Logger, silentLogger } from '../log/logger.ts';

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
    private readonly log: Logger = silentLogger,
  ) {
    this.timer = periodic('token usage flush', FLUSH_INTERVAL_MS, () => this.flush(), log);
  }

  touch(familyId: string): void {
    const now = this.clock.now();
    const u = this.pending.get(familyId);
    if (u) {
      u.count++;
      u.at = now;
    } else this.pending.set(familyId, { count: 1, at: now });
  }

  /** Writes the counts; when the write fails they are kept for the next flush, and it throws. */
  flush(): void {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    try {
      this.db.transaction((tx) => {
        for (const [familyId, u] of batch) {
          tx.update(schema.tokenFamilies)
            .set({ lastUsedAt: u.at, requestCount: sql`${schema.tokenFamilies.requestCount} + ${u.count}` })
            .where(eq(schema.tokenFamilies.id, familyId))
            .run();
        }
      });
    } catch (e) {
      for (const [familyId, u] of batch) {
        const later = this.pending.get(familyId);
        if (later) later.count += u.count;
        else this.pending.set(familyId, u);
      }
      throw e;
    }
  }

  /** Stops the timer and writes what is left (a failure is logged: shutdown goes on). */
  close(): void {
    clearInterval(this.timer);
    attempt('token usage flush at shutdown', () => this.flush(), this.log);
  }
}
