/**
 * Traces of tool calls over OTLP/HTTP, off by default (docs/architecture.md "Operating it").
 * Off costs nothing: the no-op Telemetry is returned and the OpenTelemetry SDK is never imported.
 */
import type { Logger } from '../log/logger.ts';
import type { TelemetryConfig } from './config.ts';
import { TELEMETRY_OFF } from './noop.ts';
import type { Telemetry } from './types.ts';

export { NOOP_CALL_TRACE, TELEMETRY_OFF } from './noop.ts';
export { tracedFetch } from './scope.ts';
export { traceContextOf } from './trace-context.ts';
export type { CallTrace, Telemetry, TraceContext } from './types.ts';

type Load = () => Promise<typeof import('./otel.ts')>;

/**
 * The Telemetry for `config` (Config.telemetry): the no-op one when traces are off, else an SDK
 * provider exporting to the collector. `load` is the SDK's import (a test counts it).
 */
export async function startTelemetry(
  config: TelemetryConfig | undefined,
  deps: { log: Logger; version: string },
  load: Load = () => import('./otel.ts'),
): Promise<Telemetry> {
  if (!config) return TELEMETRY_OFF;
  const { otelTelemetry } = await load();
  deps.log.info('traces: exporting tool-call spans over OTLP/HTTP', {
    url: config.tracesUrl,
    service: config.serviceName,
  });
  return otelTelemetry(config, deps);
}
