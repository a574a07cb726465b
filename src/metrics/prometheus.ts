import type { Database } from 'bun:sqlite';
import { LATENCY_BUCKETS_MS, type MetricsRecorder } from './recorder.ts';

/** `Content-Type` of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as Go's ParseFloat reads it (JS number text, or +Inf / -Inf / NaN). */
function num(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return String(n);
}

function labels(pairs: Record<string, string>): string {
  const entries = Object.entries(pairs);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram' | 'summary', help: string): this {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    this.lines.push(`# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, labelPairs: Record<string, string>, value: number): this {
    this.lines.push(`${name}${labels(labelPairs)} ${num(value)}`);
    return this;
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

const sortedEntries = <V>(m: Map<string, V>) => [...m].sort(([a], [b]) => a.localeCompare(b));

/**
 * Counts grant decisions from the audit trail. The trail is append-only, so the counts only
 * grow: each scrape reads just the entries added since the previous one (a range scan on seq).
 */
export class ApprovalCounter {
  private lastSeq = 0;
  private readonly counts = { approved: 0, denied: 0 };

  constructor(private readonly sqlite: Database) {}

  read(): { approved: number; denied: number } {
    // bun:sqlite is synchronous: nothing is appended between these two statements.
    const top =
      this.sqlite.query<{ s: number | null }, []>('SELECT MAX(seq) AS s FROM audit_entries').get()?.s ?? 0;
    if (top > this.lastSeq) {
      const rows = this.sqlite
        .query<{ event: string; n: number }, [number, number]>(
          `SELECT event, COUNT(*) AS n FROM audit_entries
           WHERE seq > ? AND seq <= ? AND event IN ('grant.approved', 'grant.denied') GROUP BY event`,
        )
        .all(this.lastSeq, top);
      for (const r of rows) {
        if (r.event === 'grant.approved') this.counts.approved += r.n;
        else this.counts.denied += r.n;
      }
      this.lastSeq = top;
    }
    return { ...this.counts };
  }
}

/**
 * GET /metrics in the Prometheus text exposition format (version 0.0.4): process-lifetime
 * counters from the recorder, grant decisions from the audit trail, live sessions.
 */
export function renderPrometheus(input: {
  recorder: MetricsRecorder;
  approvals: { approved: number; denied: number };
  activeSessions: number;
}): string {
  const { recorder } = input;
  const out = new Exposition();

  out.family(
    'gatehouse_tool_calls_total',
    'counter',
    'MCP tool calls by tool and outcome (ok, error, denied).',
  );
  for (const [key, n] of sortedEntries(recorder.totals)) {
    const [tool = '', outcome = ''] = key.split('|');
    out.sample('gatehouse_tool_calls_total', { tool, outcome }, n);
  }

  const h = 'gatehouse_tool_call_duration_seconds';
  out.family(h, 'histogram', 'Latency of MCP tool calls, from the policy pipeline entry to its result.');
  for (const [tool, counts] of sortedEntries(recorder.latency)) {
    let cumulative = 0;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      cumulative += counts[i] ?? 0;
      out.sample(`${h}_bucket`, { tool, le: String(le / 1000) }, cumulative);
    });
    cumulative += counts[LATENCY_BUCKETS_MS.length] ?? 0;
    out.sample(`${h}_bucket`, { tool, le: '+Inf' }, cumulative);
    out.sample(`${h}_sum`, { tool }, (recorder.latencySumMs.get(tool) ?? 0) / 1000);
    out.sample(`${h}_count`, { tool }, cumulative);
  }

  out.family('gatehouse_denials_total', 'counter', 'Tool calls refused by policy, by reason.');
  for (const [reason, n] of sortedEntries(recorder.denials))
    out.sample('gatehouse_denials_total', { reason }, n);

  out.family(
    'gatehouse_approvals_total',
    'counter',
    'Authority grant decisions recorded in the audit trail.',
  );
  out.sample('gatehouse_approvals_total', { decision: 'approved' }, input.approvals.approved);
  out.sample('gatehouse_approvals_total', { decision: 'denied' }, input.approvals.denied);

  out.family('gatehouse_active_sessions', 'gauge', 'Open 2025-era MCP sessions (Mcp-Session-Id).');
  out.sample('gatehouse_active_sessions', {}, input.activeSessions);

  out.family(
    'gatehouse_http_requests_total',
    'counter',
    'HTTP requests answered, by method and status code.',
  );
  for (const [key, n] of sortedEntries(recorder.http)) {
    const [method = '', code = ''] = key.split('|');
    out.sample('gatehouse_http_requests_total', { method, code }, n);
  }
  out.family(
    'gatehouse_pipeline_overhead_seconds',
    'summary',
    "The policy pipeline's own time per tool call (the call minus the time spent in WorkOS or the provider).",
  );
  out.sample('gatehouse_pipeline_overhead_seconds_sum', {}, recorder.pipelineOverhead.sumMs / 1000);
  out.sample('gatehouse_pipeline_overhead_seconds_count', {}, recorder.pipelineOverhead.count);

  return out.toString();
}
