/**
 * What the rest of Gatehouse sees of tracing (docs/architecture.md "Operating it"): a Telemetry
 * that starts one CallTrace per tool call. With traces off, both are shared no-op objects and no
 * OpenTelemetry package is loaded (see index.ts).
 */

/** Span attribute values Gatehouse records: identifiers and outcomes, never secrets or data. */
export type Attributes = Record<string, string | number | boolean>;

/** A W3C Trace Context (https://www.w3.org/TR/trace-context/) as the caller sent it. */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/** What is known of a tool call when it starts. */
export interface CallStart {
  /** The tool's name when the tool exists (an unknown name is the agent's text: not recorded). */
  tool: string | undefined;
  teamId: string;
  clientId: string | null;
  /** The HTTP request's id (X-Request-Id), to match the span with the access log line. */
  requestId?: string;
  /** The caller's trace, from the request's `_meta` or its `traceparent` header. */
  traceContext?: TraceContext;
}

/** How a tool call ended, as the audit entry records it. */
export interface CallEnd {
  outcome: 'allowed' | 'denied' | 'failed';
  reason?: string;
  environment: string;
  latencyMs: number;
}

/** One request to WorkOS, described without its query, body or identifiers. */
export interface WorkOSRequest {
  method: string;
  /** The path with every identifier replaced by `{id}` (see pathTemplate). */
  template: string;
  host: string;
  port: number | undefined;
  scheme: 'http' | 'https';
}

export interface OutboundSpan {
  /** The answer's HTTP status. */
  end(status: number): void;
  /** No answer (network error, deadline): only the error's name is recorded. */
  fail(error: unknown): void;
}

/** The trace of one tool call: the pipeline's gates push events to it as they pass. */
export interface CallTrace {
  /** A gate passed (or decided something worth seeing, in `attributes`). */
  gate(name: string, attributes?: Attributes): void;
  /** Runs the call's work with this trace current, so its WorkOS requests become child spans. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** A child span for one WorkOS request (called by the traced fetch, see scope.ts). */
  workos(request: WorkOSRequest): OutboundSpan;
  /** Ends the call's span with its outcome. */
  end(ending: CallEnd): void;
}

export interface Telemetry {
  /** False when OTEL_EXPORTER_OTLP_ENDPOINT is unset: nothing is recorded or loaded. */
  readonly enabled: boolean;
  startCall(start: CallStart): CallTrace;
  /** Exports every ended span now (tests, and before shutdown). */
  flush(): Promise<void>;
  /** Flushes, then stops exporting. */
  shutdown(): Promise<void>;
}
