import type { Clock } from '../kernel/clock.ts';

/** A limiter's size: `capacity` requests at once, refilled at `refillPerMinute`. */
export interface BucketSize {
  capacity: number;
  refillPerMinute: number;
}

/**
 * One limiter's answer for one request, and what the RateLimit header fields say about it
 * (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy: "<name>";q=<quota>;w=<window s>`,
 * `RateLimit: "<name>";r=<remaining>;t=<seconds until the quota is whole again>`).
 */
export interface RateDecision {
  /** The policy's name in the header fields, e.g. `token-client`. */
  name: string;
  allowed: boolean;
  /** The quota (`q`): requests allowed at once. */
  limit: number;
  /** The window (`w`), in seconds: how long an empty quota takes to refill. */
  windowSeconds: number;
  /** Requests left now (`r`). */
  remaining: number;
  /** Seconds until the quota is whole again (`t`). */
  resetSeconds: number;
  /** When refused: seconds until one request is allowed again (`Retry-After`); else 0. */
  retryAfterSeconds: number;
  /**
   * The first refusal for this key in this window: what is audited, once (later refusals in
   * the same window are not recorded one by one).
   */
  firstRefusal: boolean;
}

interface Bucket extends BucketSize {
  tokens: number;
  at: number;
  /** When the last audited refusal happened. */
  refusedAt?: number;
}

/** Keys kept before buckets that are full again are pruned. */
const PRUNE_AT_KEYS = 10_000;
/** Hard bound: beyond it the oldest buckets are dropped (their callers start afresh). */
const MAX_KEYS = 100_000;

/**
 * A token bucket per key (e.g. client IP): `capacity` requests at once, refilled at
 * `refillPerMinute`. Buckets that are full again are forgotten, so memory stays bounded by
 * the number of currently limited callers.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly capacity: number,
    private readonly refillPerMinute: number,
    /** The policy's name in the RateLimit header fields. */
    readonly name = 'default',
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    return this.check(key).retryAfterSeconds;
  }

  /**
   * Takes one token and says what the header fields should. `size` overrides the limiter's own
   * (a team's setting read at each call: a change applies to the next request).
   */
  check(
    key: string,
    size: BucketSize = { capacity: this.capacity, refillPerMinute: this.refillPerMinute },
  ): RateDecision {
    const { capacity, refillPerMinute } = size;
    const now = this.clock.now();
    const b = this.buckets.get(key) ?? { tokens: capacity, at: now, capacity, refillPerMinute };
    b.capacity = capacity;
    b.refillPerMinute = refillPerMinute;
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 60_000) * refillPerMinute);
    b.at = now;
    const windowSeconds = Math.ceil((capacity / refillPerMinute) * 60);
    const base = { name: this.name, limit: capacity, windowSeconds };
    if (b.tokens < 1) {
      const firstRefusal = b.refusedAt === undefined || now - b.refusedAt >= windowSeconds * 1000;
      if (firstRefusal) b.refusedAt = now;
      this.buckets.delete(key);
      this.buckets.set(key, b);
      return {
        ...base,
        allowed: false,
        remaining: 0,
        resetSeconds: Math.ceil(((capacity - b.tokens) / refillPerMinute) * 60),
        retryAfterSeconds: Math.max(1, Math.ceil(((1 - b.tokens) / refillPerMinute) * 60)),
        firstRefusal,
      };
    }
    b.tokens -= 1;
    const decision: RateDecision = {
      ...base,
      allowed: true,
      remaining: Math.floor(b.tokens),
      resetSeconds: Math.ceil(((capacity - b.tokens) / refillPerMinute) * 60),
      retryAfterSeconds: 0,
      firstRefusal: false,
    };
    if (b.tokens >= capacity - 1e-9 && b.refusedAt === undefined) this.buckets.delete(key);
    else {
      // Re-inserted so the map's order is least recently used first (see prune).
      this.buckets.delete(key);
      this.buckets.set(key, b);
    }
    if (this.buckets.size > PRUNE_AT_KEYS) this.prune(now);
    return decision;
  }

  private prune(now: number) {
    for (const [k, b] of this.buckets) {
      const full = b.tokens + ((now - b.at) / 60_000) * b.refillPerMinute >= b.capacity;
      const auditWindowOver =
        b.refusedAt === undefined || now - b.refusedAt >= (b.capacity / b.refillPerMinute) * 60_000;
      if (full && auditWindowOver) this.buckets.delete(k);
    }
    for (const k of this.buckets.keys()) {
      if (this.buckets.size <= MAX_KEYS) break;
      this.buckets.delete(k);
    }
  }
}

/**
 * The RateLimit header fields for one response (draft-ietf-httpapi-ratelimit-headers), one list
 * member per policy that applied, plus `Retry-After` (RFC 9110 §10.2.3) when any refused.
 */
export function rateLimitHeaders(decisions: readonly RateDecision[]): Record<string, string> {
  if (decisions.length === 0) return {};
  const headers: Record<string, string> = {
    'RateLimit-Policy': decisions.map((d) => `"${d.name}";q=${d.limit};w=${d.windowSeconds}`).join(', '),
    RateLimit: decisions.map((d) => `"${d.name}";r=${d.remaining};t=${d.resetSeconds}`).join(', '),
  };
  const wait = Math.max(0, ...decisions.map((d) => d.retryAfterSeconds));
  if (wait > 0) headers['Retry-After'] = String(wait);
  return headers;
}

/** Adds the RateLimit header fields to a response (whose headers are ours to change) and returns it. */
export function withRateLimitHeaders(res: Response, decisions: readonly RateDecision[]): Response {
  for (const [k, v] of Object.entries(rateLimitHeaders(decisions))) res.headers.set(k, v);
  return res;
}

/** The first refusal among the decisions (the one the caller must wait for longest), if any. */
export function refusal(decisions: readonly RateDecision[]): RateDecision | undefined {
  return decisions.filter((d) => !d.allowed).sort((a, b) => b.retryAfterSeconds - a.retryAfterSeconds)[0];
}
