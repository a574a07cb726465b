import type { TraceContext } from './types.ts';

/**
 * The `_meta` keys MCP carries a caller's trace in (the SDK's TRACEPARENT_META_KEY and
 * TRACESTATE_META_KEY, which test/telemetry compares with these). Named here rather than imported
 * from the SDK: this module is loaded at start, the SDK only with the first MCP request
 * (docs/architecture.md "Operating it").
 */
export const TRACEPARENT_META_KEY = 'traceparent';
export const TRACESTATE_META_KEY = 'tracestate';

/** The facts of an MCP request handler's context that carry a caller's trace. */
interface TraceCarriers {
  mcpReq: { _meta?: Record<string, unknown> | undefined };
  http?: { req?: Request | undefined } | undefined;
}

/** W3C Trace Context caps tracestate at 32 members; 512 characters is what propagators keep. */
const MAX_TRACESTATE = 512;

const text = (v: unknown, max: number) => (typeof v === 'string' && v.length <= max ? v : undefined);

/**
 * The caller's trace: the MCP request's `_meta.traceparent` / `tracestate` (MCP's convention for
 * trace context, https://modelcontextprotocol.io/specification/draft/basic/index#meta), else the
 * HTTP request's `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header).
 * Malformed values are ignored here and by the propagator: the call then starts its own trace.
 */
export function traceContextOf(ctx: TraceCarriers): { traceContext?: TraceContext } {
  const meta = ctx.mcpReq._meta;
  const fromMeta = text(meta?.[TRACEPARENT_META_KEY], 128);
  if (fromMeta) {
    const state = text(meta?.[TRACESTATE_META_KEY], MAX_TRACESTATE);
    return { traceContext: { traceparent: fromMeta, ...(state ? { tracestate: state } : {}) } };
  }
  const headers = ctx.http?.req?.headers;
  const fromHeader = text(headers?.get('traceparent') ?? undefined, 128);
  if (!fromHeader) return {};
  const state = text(headers?.get('tracestate') ?? undefined, MAX_TRACESTATE);
  return { traceContext: { traceparent: fromHeader, ...(state ? { tracestate: state } : {}) } };
}
