import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/logger.ts';
import { telemetryFrom } from '../../src/telemetry/config.ts';
import {
  NOOP_CALL_TRACE,
  startTelemetry,
  TELEMETRY_OFF,
  traceContextOf,
  tracedFetch,
} from '../../src/telemetry/index.ts';
import { pathTemplate } from '../../src/telemetry/scope.ts';
import { TRACEPARENT_META_KEY, TRACESTATE_META_KEY } from '../../src/telemetry/trace-context.ts';

setDefaultTimeout(30_000);

const BASE = { GATEHOUSE_DATA_DIR: '/tmp', HOST: '127.0.0.1' };
const ENDPOINT = 'OTEL_EXPORTER_OTLP_ENDPOINT';
const HEADERS = 'OTEL_EXPORTER_OTLP_HEADERS';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

const silent = createLogger('error', () => {});

describe('telemetry configuration', () => {
  test('unset endpoint — traces off: Config.telemetry is undefined', () => {
    expect(loadConfig(BASE).telemetry).toBeUndefined();
    // OTEL_SERVICE_NAME alone (often set for a whole host) turns nothing on and is no error.
    expect(loadConfig({ ...BASE, OTEL_SERVICE_NAME: 'x' }).telemetry).toBeUndefined();
  });

  test('endpoint — traces go to <endpoint>/v1/traces, service name defaults to gatehouse', () => {
    expect(loadConfig({ ...BASE, [ENDPOINT]: 'http://collector:4318' }).telemetry).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'gatehouse',
      headers: {},
    });
    // A base path is kept (a collector behind a path-routing proxy), with or without its slash.
    for (const raw of ['https://otel.example.com/otlp', 'https://otel.example.com/otlp/'])
      expect(loadConfig({ ...BASE, [ENDPOINT]: raw }).telemetry?.tracesUrl).toBe(
        'https://otel.example.com/otlp/v1/traces',
      );
    expect(
      loadConfig({ ...BASE, [ENDPOINT]: 'http://127.0.0.1:4318', OTEL_SERVICE_NAME: 'gatehouse-eu' })
        .telemetry?.serviceName,
    ).toBe('gatehouse-eu');
  });

  test('bad endpoint URL — a start-up error naming the variable and the value', () => {
    for (const raw of ['localhost:4318', 'not a url', 'ftp://collector:4318']) {
      const problems = problemsOf({ [ENDPOINT]: raw });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(ENDPOINT);
      expect(problems[0]).toContain(raw);
    }
    expect(problemsOf({ [ENDPOINT]: 'http://collector:4318/?x=1' })[0]).toContain('query');
    const creds = problemsOf({ [ENDPOINT]: 'https://user:hunter2hunter2@collector:4318' });
    expect(creds[0]).toContain(`${ENDPOINT} must not contain credentials`);
    expect(creds[0]).not.toContain('hunter2');
  });

  test('OTEL_EXPORTER_OTLP_HEADERS — key=value pairs, percent-decoded', () => {
    const t = loadConfig({
      ...BASE,
      [ENDPOINT]: 'http://127.0.0.1:4318',
      [HEADERS]: 'x-api-key=abc%3D%3D, Authorization=Basic%20dXNlcg==',
    }).telemetry;
    expect(t?.headers).toEqual({ 'x-api-key': 'abc==', Authorization: 'Basic dXNlcg==' });
  });

  test('malformed headers — an error naming the variable, never the secret value', () => {
    const problems = problemsOf({
      [ENDPOINT]: 'http://127.0.0.1:4318',
      [HEADERS]: 'ok=1,just-a-secret-value',
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(HEADERS);
    expect(problems[0]).toContain('entry 2');
    expect(problems[0]).not.toContain('just-a-secret-value');
    expect(problemsOf({ [ENDPOINT]: 'http://127.0.0.1:4318', [HEADERS]: 'k=%E0%A4%A' })[0]).toContain(
      "the value of 'k' is not valid percent-encoding",
    );
  });

  test('headers without an endpoint — an error: traces would silently stay off', () => {
    const problems: string[] = [];
    expect(telemetryFrom({ [HEADERS]: 'x-api-key=abc' }, problems)).toBeUndefined();
    expect(problems).toEqual([
      `${HEADERS} is set but ${ENDPOINT} is not: traces are off unless the endpoint is set`,
    ]);
  });
});

describe('traces off', () => {
  test('startTelemetry without config — the SDK is never loaded: no provider, no exporter', async () => {
    let loads = 0;
    const telemetry = await startTelemetry(
      loadConfig(BASE).telemetry,
      { log: silent, version: 'test' },
      async () => {
        loads++;
        return import('../../src/telemetry/otel.ts');
      },
    );
    expect(loads).toBe(0);
    expect(telemetry).toBe(TELEMETRY_OFF);
    expect(telemetry.enabled).toBe(false);
    // Every call shares the one no-op trace: nothing is allocated per call.
    const start = { tool: 'whoami', teamId: 't', clientId: null };
    expect(telemetry.startCall(start)).toBe(NOOP_CALL_TRACE);
    expect(await NOOP_CALL_TRACE.run(async () => 42)).toBe(42);
  });

  test('startTelemetry with an endpoint — the SDK is loaded once', async () => {
    let loads = 0;
    const t = await startTelemetry(
      loadConfig({ ...BASE, [ENDPOINT]: 'http://127.0.0.1:9' }).telemetry,
      { log: silent, version: 'test' },
      async () => {
        loads++;
        return import('../../src/telemetry/otel.ts');
      },
    );
    expect(loads).toBe(1);
    expect(t.enabled).toBe(true);
    await t.shutdown();
  });

  test('a whole Gatehouse started without the variable — not one @opentelemetry module loaded', async () => {
    const probe = async (env: Record<string, string>) => {
      const child = Bun.spawn(['bun', join(import.meta.dir, 'no-sdk-probe.ts')], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
        stdout: 'pipe',
        stderr: 'pipe',
      });
      const [out, err, code] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
        child.exited,
      ]);
      expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
      return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { enabled: boolean; otelModules: number };
    };
    expect(await probe({})).toEqual({ enabled: false, otelModules: 0 });
    // The control: the same probe sees the SDK once traces are on.
    const collector = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => Response.json({}) });
    try {
      const on = await probe({ PROBE_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}` });
      expect(on.enabled).toBe(true);
      expect(on.otelModules).toBeGreaterThan(0);
    } finally {
      collector.stop(true);
    }
  });

  test('withinMs — a shutdown that never settles (collector hanging) still ends the stop', async () => {
    const { withinMs } = await import('../../src/telemetry/otel.ts');
    await withinMs(new Promise<void>(() => {}), 0);
    let done = false;
    await withinMs(
      Promise.resolve().then(() => {
        done = true;
      }),
      60_000,
    );
    expect(done).toBe(true);
  });

  test('tracedFetch outside a traced call — the request goes out unchanged, once', async () => {
    const seen: unknown[][] = [];
    const base = (async (...args: unknown[]) => {
      seen.push(args);
      return new Response('ok', { status: 201 });
    }) as unknown as typeof fetch;
    const init = { method: 'POST', body: '{}' };
    const res = await tracedFetch(base)('http://127.0.0.1:1/organizations', init);
    expect(res.status).toBe(201);
    expect(seen).toEqual([['http://127.0.0.1:1/organizations', init]]);
  });
});

describe('what a span may show', () => {
  test('pathTemplate — identifiers, emails and tokens become {id}; resource words stay', () => {
    expect(pathTemplate('/organizations/org_01HXYZABCDEF0123456789')).toBe('/organizations/{id}');
    expect(pathTemplate('/user_management/users/user_01HABC/auth_factors')).toBe(
      '/user_management/users/{id}/auth_factors',
    );
    expect(pathTemplate('/user_management/invitations/by_token/Zx9tokenvalue')).toBe(
      '/user_management/invitations/by_token/{id}',
    );
    expect(pathTemplate('/users/ada@example.com')).toBe('/users/{id}');
    expect(pathTemplate('/')).toBe('/');
  });

  test('traceContextOf — _meta first, then the HTTP traceparent header; junk ignored', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const req = new Request('http://x/mcp', { headers: { traceparent: tp.replace('b7ad', 'aaaa') } });
    expect(
      traceContextOf({ mcpReq: { _meta: { traceparent: tp, tracestate: 'a=1' } }, http: { req } }),
    ).toEqual({
      traceContext: { traceparent: tp, tracestate: 'a=1' },
    });
    expect(traceContextOf({ mcpReq: {}, http: { req } })).toEqual({
      traceContext: { traceparent: tp.replace('b7ad', 'aaaa') },
    });
    expect(traceContextOf({ mcpReq: { _meta: { traceparent: 42 } } })).toEqual({});
    expect(traceContextOf({ mcpReq: { _meta: { traceparent: 'x'.repeat(500) } } })).toEqual({});
  });

  test("traceContextOf — reads the MCP SDK's own _meta keys (named locally so start needs no SDK)", async () => {
    const sdk = await import('@modelcontextprotocol/server');
    expect(TRACEPARENT_META_KEY).toBe(sdk.TRACEPARENT_META_KEY);
    expect(TRACESTATE_META_KEY).toBe(sdk.TRACESTATE_META_KEY);
  });
});
