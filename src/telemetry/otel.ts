/**
 * The OpenTelemetry SDK behind Telemetry, loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set
 * (index.ts imports this file dynamically). Spans follow the semantic conventions: the tool call
 * is a SERVER span `tools/call <tool>` (MCP conventions,
 * https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/), each WorkOS request a CLIENT span
 * `<METHOD> <path template>` (HTTP conventions,
 * https://opentelemetry.io/docs/specs/semconv/http/http-spans/). Batched, exported as OTLP/HTTP
 * JSON to the configured collector.
 *
 * What a span may carry: tool name, environment, outcome, denial reason, team id, client id,
 * request id, latency, WorkOS method, path template and status. Never a token, key, argument
 * value or response body.
 */
import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { Logger } from '../log/logger.ts';
import type { TelemetryConfig } from './config.ts';
import { runInCall } from './scope.ts';
import type {
  CallEnd,
  CallStart,
  CallTrace,
  OutboundSpan,
  Telemetry,
  TraceContext,
  WorkOSRequest,
} from './types.ts';

/** Attribute names of the semantic conventions still in development (not exported as stable). */
const ATTR = {
  mcpMethod: 'mcp.method.name',
  operation: 'gen_ai.operation.name',
  tool: 'gen_ai.tool.name',
  urlTemplate: 'url.template',
} as const;

const propagator = new W3CTraceContextPropagator();

/**
 * Most time a stop waits for the last spans to leave: a collector that is down would otherwise hold
 * it for the exporter's timeout and retries (10 s and more), past a container's stop grace.
 */
const SHUTDOWN_WAIT_MS = 3_000;

/** `work`, or nothing once `ms` have passed: a stop never hangs on the collector. */
export function withinMs(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref?.();
  });
  return Promise.race([work, cap]).finally(() => clearTimeout(timer));
}

/** The caller's span as the parent, when its traceparent is valid; a new trace otherwise. */
function parentOf(tc: TraceContext | undefined): Context {
  if (!tc) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent: tc.traceparent };
  if (tc.tracestate) carrier.tracestate = tc.tracestate;
  return propagator.extract(ROOT_CONTEXT, carrier, {
    get: (c, k) => c[k],
    keys: (c) => Object.keys(c),
  });
}

/** Says once when the collector stops accepting spans, and once when it is back. */
function reportingExporter(exporter: SpanExporter, log: Logger, url: string): SpanExporter {
  let failing = false;
  return {
    export(spans: ReadableSpan[], done) {
      exporter.export(spans, (result) => {
        const failed = result.code !== ExportResultCode.SUCCESS;
        if (failed && !failing)
          log.warn('traces: the OTLP collector refused or did not answer; spans are dropped', {
            url,
            error: result.error?.message.slice(0, 200),
          });
        else if (!failed && failing) log.info('traces: the OTLP collector accepts spans again', { url });
        failing = failed;
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

class OtelCallTrace implements CallTrace {
  private readonly context: Context;

  constructor(
    private readonly span: Span,
    private readonly tracer: ReturnType<TracerProvider['getTracer']>,
  ) {
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }

  gate(name: string, attributes?: Record<string, string | number | boolean>): void {
    this.span.addEvent(`gate.${name}`, attributes);
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return runInCall(this, work);
  }

  workos(request: WorkOSRequest): OutboundSpan {
    const span = this.tracer.startSpan(
      `${request.method} ${request.template}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR.urlTemplate]: request.template,
          [ATTR_SERVER_ADDRESS]: request.host,
          [ATTR_URL_SCHEME]: request.scheme,
          ...(request.port !== undefined ? { [ATTR_SERVER_PORT]: request.port } : {}),
          'peer.service': 'workos',
        },
      },
      this.context,
    );
    return {
      end(status) {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        if (status >= 400) {
          span.setAttribute(ATTR_ERROR_TYPE, String(status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
      fail(error) {
        const type = error instanceof Error ? error.name : 'unknown';
        span.setAttribute(ATTR_ERROR_TYPE, type);
        span.setStatus({ code: SpanStatusCode.ERROR, message: type });
        span.end();
      },
    };
  }

  end(ending: CallEnd): void {
    const s = this.span;
    s.setAttributes({
      'gatehouse.environment': ending.environment,
      'gatehouse.outcome': ending.outcome,
      'gatehouse.latency_ms': Math.round(ending.latencyMs * 1000) / 1000,
    });
    if (ending.outcome !== 'allowed') {
      const reason = ending.reason ?? ending.outcome;
      if (ending.outcome === 'denied') {
        s.setAttribute('gatehouse.denial.reason', reason);
        s.addEvent('gate.denied', { 'gatehouse.denial.reason': reason });
      }
      // MCP conventions: a tool result with isError is an error span.
      s.setAttribute(ATTR_ERROR_TYPE, reason);
      s.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    }
    s.end();
  }
}

/** Tracing on: one provider and one OTLP/HTTP exporter for this Gatehouse (never global). */
export function otelTelemetry(config: TelemetryConfig, deps: { log: Logger; version: string }): Telemetry {
  const exporter = new OTLPTraceExporter({ url: config.tracesUrl, headers: config.headers });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_SERVICE_VERSION]: deps.version,
    }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: reportingExporter(exporter, deps.log, config.tracesUrl) }),
    ],
  });
  const tracer = provider.getTracer('gatehouse', deps.version);
  return {
    enabled: true,
    startCall(start: CallStart): CallTrace {
      const span = tracer.startSpan(
        start.tool ? `tools/call ${start.tool}` : 'tools/call',
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR.mcpMethod]: 'tools/call',
            [ATTR.operation]: 'execute_tool',
            ...(start.tool ? { [ATTR.tool]: start.tool } : {}),
            'gatehouse.team.id': start.teamId,
            ...(start.clientId ? { 'gatehouse.client.id': start.clientId } : {}),
            ...(start.requestId ? { 'gatehouse.request.id': start.requestId } : {}),
          },
        },
        parentOf(start.traceContext),
      );
      return new OtelCallTrace(span, tracer);
    },
    // An unreachable collector must not fail a stop (or anything else): its spans are dropped,
    // and reportingExporter has said so.
    flush: () => provider.forceFlush().catch(() => {}),
    shutdown: () =>
      withinMs(
        provider.shutdown().catch(() => {}),
        SHUTDOWN_WAIT_MS,
      ),
  };
}
