import type { Clock } from '../kernel/clock.ts';

/**
 * A token bucket per key (e.g. client IP): `capacity` requests at once, refilled at
 * `refillPerMinute`. Buckets that are full again are forgotten, so memory stays bounded by
 * the number of currently limited callers.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly capacity: number,
    private readonly refillPerMinute: number,
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const now = this.clock.now();
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 60_000) * this.refillPerMinute);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return Math.ceil(((1 - b.tokens) / this.refillPerMinute) * 60);
    }
    b.tokens -= 1;
    if (b.tokens >= this.capacity - 1e-9) this.buckets.delete(key);
    else this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.prune(now);
    return 0;
  }

  private prune(now: number) {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 60_000) * this.refillPerMinute >= this.capacity) this.buckets.delete(k);
    }
  }
}
