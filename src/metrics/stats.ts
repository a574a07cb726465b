import type { Database } from 'bun:sqlite';
import { currentBuckets, LATENCY_BUCKETS_MS } from './recorder.ts';

const MINUTE_MS = 60_000;

/**
 * A latency quantile estimated from a bucketed histogram (`LATENCY_BUCKETS_MS` plus an unbounded
 * last bucket), the way Prometheus' `histogram_quantile` does it: find the bucket holding the
 * rank, then interpolate linearly between its lower and upper bound (the first bucket starts at
 * 0 ms). The unbounded bucket has no upper bound: a rank landing there reports its lower bound
 * (the largest finite bound) with `overflow` set, i.e. "more than 10 s". Stored rollups written with
 * the legacy buckets are read in today's (`currentBuckets`).
 */
export function histogramQuantile(
  histogram: readonly number[],
  q: number,
): { ms: number; overflow: boolean } | null {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let below = 0;
  for (let i = 0; i < histogram.length; i++) {
    const n = histogram[i] ?? 0;
    if (n > 0 && below + n >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BUCKETS_MS[i - 1] ?? 0);
      const upper = LATENCY_BUCKETS_MS[i];
      if (upper === undefined) return { ms: lower, overflow: true };
      return { ms: lower + ((upper - lower) * (rank - below)) / n, overflow: false };
    }
    below += n;
  }
  // Only reachable through rounding at q = 1: the highest non-empty bucket's upper bound.
  const last = histogram.findLastIndex((n) => n > 0);
  const upper = LATENCY_BUCKETS_MS[last];
  return upper === undefined
    ? { ms: LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!, overflow: true }
    : { ms: upper, overflow: false };
}

/** One tool's figures over a window, summed from the per-minute rollups. */
export interface ToolStats {
  tool: string;
  calls: number;
  errors: number;
  denials: number;
  /** errors / calls (denials are counted apart: a refusal is policy working, not a failure). */
  errorRate: number;
  meanMs: number;
  p50: { ms: number; overflow: boolean } | null;
  p95: { ms: number; overflow: boolean } | null;
  histogram: number[];
}

/** Calls in one slot of the time series. */
export interface SeriesPoint {
  start: number;
  calls: number;
  errors: number;
  denials: number;
}

interface RollupRow {
  bucket: number;
  tool: string;
  calls: number;
  errors: number;
  denials: number;
  latencySumMs: number;
  histogram: string;
}

function rollups(sqlite: Database, teamId: string, since: number, until: number): RollupRow[] {
  return sqlite
    .query<RollupRow, [string, number, number]>(
      `SELECT bucket, tool, calls, errors, denials, latency_sum_ms AS latencySumMs, histogram
       FROM metric_rollups WHERE team_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`,
    )
    .all(teamId, since, until);
}

function parseHistogram(json: string): number[] {
  try {
    const v = JSON.parse(json) as unknown;
    if (Array.isArray(v))
      return currentBuckets(v.map((n) => (typeof n === 'number' && Number.isFinite(n) ? n : 0)));
  } catch {}
  return [];
}

/**
 * Per-tool figures and a time series for one team over [since, until): since is rounded down to
 * its minute (rollups are per minute), and the series has one point per `slotMs`.
 */
export function teamStats(
  sqlite: Database,
  teamId: string,
  window: { since: number; until: number; slotMs: number },
): { tools: ToolStats[]; series: SeriesPoint[]; since: number; until: number } {
  const since = Math.floor(window.since / MINUTE_MS) * MINUTE_MS;
  const until = window.until;
  const slots = Math.max(1, Math.ceil((until - since) / window.slotMs));
  const series: SeriesPoint[] = Array.from({ length: slots }, (_, i) => ({
    start: since + i * window.slotMs,
    calls: 0,
    errors: 0,
    denials: 0,
  }));
  const byTool = new Map<
    string,
    { calls: number; errors: number; denials: number; sum: number; h: number[] }
  >();
  for (const r of rollups(sqlite, teamId, since, until)) {
    const t = byTool.get(r.tool) ?? {
      calls: 0,
      errors: 0,
      denials: 0,
      sum: 0,
      h: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0),
    };
    t.calls += r.calls;
    t.errors += r.errors;
    t.denials += r.denials;
    t.sum += r.latencySumMs;
    parseHistogram(r.histogram).forEach((n, i) => {
      if (i < t.h.length) t.h[i] += n;
    });
    byTool.set(r.tool, t);
    const slot = series[Math.min(slots - 1, Math.floor((r.bucket - since) / window.slotMs))];
    if (slot) {
      slot.calls += r.calls;
      slot.errors += r.errors;
      slot.denials += r.denials;
    }
  }
  const tools = [...byTool]
    .map(([tool, t]) => ({
      tool,
      calls: t.calls,
      errors: t.errors,
      denials: t.denials,
      errorRate: t.calls === 0 ? 0 : t.errors / t.calls,
      meanMs: t.calls === 0 ? 0 : t.sum / t.calls,
      p50: histogramQuantile(t.h, 0.5),
      p95: histogramQuantile(t.h, 0.95),
      histogram: t.h,
    }))
    .sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool));
  return { tools, series, since, until };
}

/** "4.8 ms", "1.2 s", "> 10 s" — a latency as the dashboard prints it. */
export function formatLatency(v: { ms: number; overflow: boolean } | null): string {
  if (!v) return '—';
  const body = v.ms >= 1000 ? `${trim(v.ms / 1000)} s` : `${trim(v.ms)} ms`;
  return v.overflow ? `> ${body}` : body;
}

function trim(n: number): string {
  return n >= 100
    ? String(Math.round(n))
    : n >= 10
      ? n.toFixed(1).replace(/\.0$/, '')
      : n.toFixed(2).replace(/\.?0+$/, '');
}
