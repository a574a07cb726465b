import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import type { Clock } from '../kernel/clock.ts';
import { attempt, periodic } from '../kernel/periodic.ts';
import { type Logger, silentLogger } from '../log/logger.ts';

/**
 * Upper bounds (ms) of the latency histogram buckets; the last bucket is unbounded. Ten per
 * decade (each 1.2–1.33× the one before) from 0.1 ms to 10 s: a percentile interpolated inside
 * its bucket is off by at most a quarter of the value, so a 2 ms call reads as 1.5–2 ms (the old
 * buckets started at 5 ms, and a 2 ms call read as 2.5–7.5 ms).
 */
export const LATENCY_BUCKETS_MS = [
  0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12.5, 15, 20,
  25, 30, 40, 50, 60, 80, 100, 125, 150, 200, 250, 300, 400, 500, 600, 800, 1000, 1250, 1500, 2000, 2500,
  3000, 4000, 5000, 6000, 8000, 10000,
] as const;

/** The buckets of rollups written before the finer ones (their counts are mapped on read). */
const LEGACY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/**
 * A stored histogram in today's buckets. One written with the legacy buckets keeps each count
 * in the new bucket with the same upper bound (every legacy bound is one of today's): coarser
 * than a new count, never beyond what was measured.
 */
export function currentBuckets(stored: readonly number[]): number[] {
  const h: number[] = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
  if (stored.length === LEGACY_BUCKETS_MS.length + 1) {
    stored.forEach((n, i) => {
      const bound = LEGACY_BUCKETS_MS[i];
      const j = bound === undefined ? LATENCY_BUCKETS_MS.length : LATENCY_BUCKETS_MS.indexOf(bound as never);
      h[j]! += n;
    });
    return h;
  }
  stored.forEach((n, i) => {
    if (i < h.length) h[i]! += n;
  });
  return h;
}
const MINUTE_MS = 60_000;
/** How often buffered rollups reach the database. */
const FLUSH_INTERVAL_MS = 2_000;

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export type CallOutcome = 'ok' | 'error' | 'denied';

/** The bucket a latency falls in (binary search: the first bound at or above it). */
export function bucketIndex(latencyMs: number): number {
  let lo = 0;
  let hi: number = LATENCY_BUCKETS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (latencyMs <= LATENCY_BUCKETS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** One minute's counts of one team's tool, not yet written. */
interface PendingRollup {
  bucket: number;
  teamId: string;
  tool: string;
  calls: number;
  errors: number;
  denials: number;
  latencySumMs: number;
  hist: number[];
}

/**
 * Per-minute rollups of tool calls (count, errors, denials, latency histogram) per team and
 * tool, for the dashboard and /metrics; plus live in-process counters.
 */
export class MetricsRecorder {
  /** Process-lifetime counters by `${tool}|${outcome}` (Prometheus counters). */
  readonly totals = new Map<string, number>();
  readonly latency = new Map<string, number[]>();
  /** Process-lifetime sum of call latencies per tool, in ms (the histogram's `_sum`). */
  readonly latencySumMs = new Map<string, number>();
  readonly denials = new Map<string, number>();
  /** Process-lifetime HTTP answers by `${method}|${status}`. */
  readonly http = new Map<string, number>();
  /**
   * The policy pipeline's own cost: a tool call's time minus the time spent in the tool (WorkOS,
   * providers), summed in ms over calls that ran (Prometheus summary `_sum`/`_count`).
   */
  readonly pipelineOverhead = { sumMs: 0, count: 0 };

  private readonly pending = new Map<string, PendingRollup>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: Logger = silentLogger,
  ) {
    this.timer = periodic('metrics rollup flush', FLUSH_INTERVAL_MS, () => this.flush(), log);
  }

  recordPipelineOverhead(ms: number): void {
    this.pipelineOverhead.sumMs += Math.max(0, ms);
    this.pipelineOverhead.count += 1;
  }

  /** Counts one HTTP answer (method folded to a fixed set so the label cannot grow unbounded). */
  recordHttp(method: string, status: number): void {
    const m = HTTP_METHODS.has(method) ? method : 'OTHER';
    const key = `${m}|${status}`;
    this.http.set(key, (this.http.get(key) ?? 0) + 1);
  }

  recordCall(input: {
    teamId: string;
    tool: string;
    outcome: CallOutcome;
    latencyMs: number;
    denialReason?: string;
  }): void {
    const key = `${input.tool}|${input.outcome}`;
    this.totals.set(key, (this.totals.get(key) ?? 0) + 1);
    const hist = this.latency.get(input.tool) ?? new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    hist[bucketIndex(input.latencyMs)]++;
    this.latency.set(input.tool, hist);
    this.latencySumMs.set(input.tool, (this.latencySumMs.get(input.tool) ?? 0) + input.latencyMs);
    if (input.denialReason)
      this.denials.set(input.denialReason, (this.denials.get(input.denialReason) ?? 0) + 1);

    // Rollups are buffered and written in one transaction every few seconds (and before any
    // read), so a tool call does not pay for a write transaction of its own.
    const bucket = Math.floor(this.clock.now() / MINUTE_MS) * MINUTE_MS;
    const key2 = `${bucket}|${input.teamId}|${input.tool}`;
    let b = this.pending.get(key2);
    if (!b) {
      b = {
        bucket,
        teamId: input.teamId,
        tool: input.tool,
        calls: 0,
        errors: 0,
        denials: 0,
        latencySumMs: 0,
        hist: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0),
      };
      this.pending.set(key2, b);
    }
    b.calls++;
    if (input.outcome === 'error') b.errors++;
    if (input.outcome === 'denied') b.denials++;
    b.latencySumMs += input.latencyMs;
    b.hist[bucketIndex(input.latencyMs)]!++;
  }

  /**
   * Writes buffered rollups to the database (called periodically, before reads, and at stop).
   * When the write fails they are kept for the next flush, and it throws.
   */
  flush(): void {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    try {
      this.write(batch);
    } catch (e) {
      for (const b of batch) {
        const key = `${b.bucket}|${b.teamId}|${b.tool}`;
        const later = this.pending.get(key);
        if (!later) {
          this.pending.set(key, b);
          continue;
        }
        later.calls += b.calls;
        later.errors += b.errors;
        later.denials += b.denials;
        later.latencySumMs += b.latencySumMs;
        b.hist.forEach((n, i) => {
          later.hist[i] = (later.hist[i] ?? 0) + n;
        });
      }
      throw e;
    }
  }

  private write(batch: PendingRollup[]): void {
    const t = schema.metricRollups;
    this.db.transaction((tx) => {
      for (const b of batch) {
        const where = and(eq(t.bucket, b.bucket), eq(t.teamId, b.teamId), eq(t.tool, b.tool));
        const row = tx.select().from(t).where(where).get();
        const h = currentBuckets(row ? (JSON.parse(row.histogram) as number[]) : []);
        b.hist.forEach((n, i) => {
          h[i] = (h[i] ?? 0) + n;
        });
        const values = {
          calls: (row?.calls ?? 0) + b.calls,
          errors: (row?.errors ?? 0) + b.errors,
          denials: (row?.denials ?? 0) + b.denials,
          latencySumMs: (row?.latencySumMs ?? 0) + Math.round(b.latencySumMs),
          histogram: JSON.stringify(h),
        };
        if (row) tx.update(t).set(values).where(where).run();
        else
          tx.insert(t)
            .values({ bucket: b.bucket, teamId: b.teamId, tool: b.tool, ...values })
            .run();
      }
    });
  }

  /** Stops the periodic flush and writes what is left (a failure is logged: shutdown goes on). */
  close(): void {
    clearInterval(this.timer);
    attempt('metrics rollup flush at shutdown', () => this.flush(), this.log);
  }
}
