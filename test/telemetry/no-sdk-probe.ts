/**
 * Run as its own process by config.test.ts: starts a whole Gatehouse (local mode) from an
 * environment without OTEL_EXPORTER_OTLP_ENDPOINT and prints how many OpenTelemetry modules were
 * loaded once a call's trace has been started, run and ended (Bun's require.cache lists ES modules
 * too). PROBE_OTLP_ENDPOINT turns traces on, as the control.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatehouse } from '../../src/app/start.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/logger.ts';
import { onFreePort } from '../support/server.ts';

const otelModules = () => Object.keys(require.cache).filter((k) => k.includes('@opentelemetry')).length;

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-no-otel-'));
const gh = await onFreePort((port) =>
  startGatehouse(
    loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      GATEHOUSE_DATA_DIR: dataDir,
      // The positive control: the same probe with traces on must see the SDK.
      ...(process.env.PROBE_OTLP_ENDPOINT
        ? { OTEL_EXPORTER_OTLP_ENDPOINT: process.env.PROBE_OTLP_ENDPOINT }
        : {}),
    }),
    { logger: createLogger('error', () => {}) },
  ),
);
try {
  const trace = gh.ctx.telemetry.startCall({ tool: 'whoami', teamId: 't', clientId: null });
  await trace.run(async () => {
    trace.gate('permission');
  });
  trace.end({ outcome: 'allowed', environment: 'sandbox', latencyMs: 1 });
  console.log(JSON.stringify({ enabled: gh.ctx.telemetry.enabled, otelModules: otelModules() }));
} finally {
  await gh.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
