import type { CallTrace, OutboundSpan, Telemetry } from './types.ts';

const NOOP_OUTBOUND: OutboundSpan = Object.freeze({ end() {}, fail() {} });

/** The trace of every call while traces are off: one shared object, nothing recorded. */
export const NOOP_CALL_TRACE: CallTrace = Object.freeze({
  gate() {},
  run: <T>(work: () => Promise<T>) => work(),
  workos: () => NOOP_OUTBOUND,
  end() {},
});

/** Traces off (the default): no SDK, no provider, no exporter. */
export const TELEMETRY_OFF: Telemetry = Object.freeze({
  enabled: false,
  startCall: () => NOOP_CALL_TRACE,
  flush: async () => {},
  shutdown: async () => {},
});
