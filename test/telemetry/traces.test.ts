/**
 * Tool-call traces end to end (docs/architecture.md "Operating it"): a real Gatehouse exports
 * OTLP/HTTP JSON to a collector on loopback started here; real MCP clients call real WorkOS
 * tools (the embedded WorkOS over HTTP) with and without a W3C traceparent.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Client as ClientV2, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { TELEMETRY_OFF } from '../../src/telemetry/index.ts';
import { type AnyClient, call, connectV1, connectV2, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(30_000);

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
  events: { name: string; attributes: OtlpAttribute[] }[];
  status: { code?: number; message?: string };
}
interface Export {
  headers: Headers;
  text: string;
  serviceName: string | undefined;
  spans: OtlpSpan[];
}

const SERVER = 2;
const CLIENT = 3;
const STATUS_ERROR = 2;

/** A minimal OTLP/HTTP collector: accepts POST /v1/traces (JSON) and keeps every export. */
function startCollector() {
  const exports: Export[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method !== 'POST' || url.pathname !== '/v1/traces') return new Response(null, { status: 404 });
      if (!req.headers.get('content-type')?.startsWith('application/json'))
        return new Response('this collector speaks OTLP/HTTP JSON', { status: 415 });
      const text = await req.text();
      const body = JSON.parse(text) as {
        resourceSpans: {
          resource: { attributes: OtlpAttribute[] };
          scopeSpans: { spans: OtlpSpan[] }[];
        }[];
      };
      for (const rs of body.resourceSpans)
        exports.push({
          headers: req.headers,
          text,
          serviceName: rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
          spans: rs.scopeSpans.flatMap((s) => s.spans),
        });
      return Response.json({});
    },
  });
  return { exports, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

const attr = (s: { attributes: OtlpAttribute[] }, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? v?.doubleValue ?? v?.boolValue;
};

const traceparent = (traceId: string, spanId: string) => `00-${traceId}-${spanId}-01`;

let collector: ReturnType<typeof startCollector>;
let gh: TestGatehouse;
let token: string;
let v1: AnyClient;
let organizationId: string;
/** Argument values and the confirmation token of the delete test: none may reach a span. */
const confirmationSecrets: string[] = [];

beforeAll(async () => {
  collector = startCollector();
  gh = await startTestGatehouse({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'gatehouse-under-test',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=collector%3Dsecret',
    },
  });
  token = (await tokensFor(gh.url, 'member@demo.test')).access_token;
  v1 = await connectV1(gh.url, token);
  const orgs = await call(v1, 'list_workos_organizations', { limit: 5 });
  const first = (orgs.structured?.organizations as { id: string }[] | undefined)?.[0];
  if (!first) throw new Error('the demo sandbox has no organization');
  organizationId = first.id;
});
afterAll(async () => {
  await gh?.stop();
  collector?.stop();
});

/** Every span exported so far, after making the exporter send what has ended. */
async function exported(): Promise<OtlpSpan[]> {
  await gh.ctx.telemetry.flush();
  return collector.exports.flatMap((e) => e.spans);
}

/** The tool-call span of the trace `traceId`, and that trace's other spans. */
async function callSpan(traceId: string) {
  const spans = (await exported()).filter((s) => s.traceId === traceId);
  const calls = spans.filter((s) => s.kind === SERVER);
  expect(calls).toHaveLength(1);
  const span = calls[0]!;
  return { span, children: spans.filter((s) => s.parentSpanId === span.spanId) };
}

describe('tool-call traces over OTLP/HTTP', () => {
  test('a call with traceparent in _meta — one span named after the tool, child of the caller, gates as events, WorkOS as a child span', async () => {
    const v2 = await connectV2(gh.url, token);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const r = (await v2.callTool({
      name: 'get_organization_details',
      arguments: { organization_id: organizationId },
      _meta: { traceparent: traceparent(traceId, parent), tracestate: 'vendor=abc' },
    })) as { isError?: boolean };
    expect(r.isError).not.toBe(true);

    const { span, children } = await callSpan(traceId);
    expect(span.name).toBe('tools/call get_organization_details');
    expect(span.parentSpanId).toBe(parent);
    expect(attr(span, 'gen_ai.tool.name')).toBe('get_organization_details');
    expect(attr(span, 'mcp.method.name')).toBe('tools/call');
    expect(attr(span, 'gatehouse.outcome')).toBe('allowed');
    expect(attr(span, 'gatehouse.environment')).toBe('sandbox');
    expect(typeof attr(span, 'gatehouse.team.id')).toBe('string');
    expect(typeof attr(span, 'gatehouse.latency_ms')).toBe('number');
    expect(span.status.code ?? 0).not.toBe(STATUS_ERROR);
    // The gates in the pipeline's order (others may sit between them as the pipeline grows).
    const names = span.events.map((e) => e.name);
    const gates = [
      'gate.permission',
      'gate.arguments',
      'gate.decision',
      'gate.staff',
      'gate.response_filter',
    ];
    expect(names.filter((n) => gates.includes(n))).toEqual(gates);
    expect(names).not.toContain('gate.denied');

    // The WorkOS requests: client spans under the call, method and path template only.
    const workos = children.filter((c) => c.kind === CLIENT);
    expect(workos.length).toBeGreaterThan(0);
    const org = workos.find((c) => c.name === 'GET /organizations/{id}');
    expect(org).toBeDefined();
    expect(attr(org!, 'http.request.method')).toBe('GET');
    expect(attr(org!, 'url.template')).toBe('/organizations/{id}');
    expect(Number(attr(org!, 'http.response.status_code'))).toBe(200);
    expect(attr(org!, 'server.address')).toBe('127.0.0.1');
  });

  test('a call without traceparent — a trace of its own, no parent', async () => {
    const before = new Set((await exported()).map((s) => s.spanId));
    const r = await call(v1, 'list_workos_organizations', { limit: 3 });
    expect(r.isError).toBe(false);
    const fresh = (await exported()).filter((s) => !before.has(s.spanId) && s.kind === SERVER);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.name).toBe('tools/call list_workos_organizations');
    expect(fresh[0]!.parentSpanId ?? '').toBe('');
    const { children } = await callSpan(fresh[0]!.traceId);
    expect(children.map((c) => c.name)).toContain('GET /organizations');
  });

  test('a malformed traceparent — ignored: the call succeeds in a trace of its own', async () => {
    const v2 = await connectV2(gh.url, token);
    const before = new Set((await exported()).map((s) => s.spanId));
    const r = (await v2.callTool({
      name: 'list_workos_organizations',
      arguments: { limit: 1 },
      _meta: { traceparent: '00-00000000000000000000000000000000-0000000000000000-01' },
    })) as { isError?: boolean };
    expect(r.isError).not.toBe(true);
    const fresh = (await exported()).filter((s) => !before.has(s.spanId) && s.kind === SERVER);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.parentSpanId ?? '').toBe('');
    expect(fresh[0]!.traceId).not.toBe('00000000000000000000000000000000');
  });

  test('the HTTP traceparent header — honoured when _meta has none', async () => {
    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    const parent = 'b7ad6b7169203331';
    const client = new ClientV2({ name: 'traced-client', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gh.url}/mcp`), {
        requestInit: {
          headers: { Authorization: `Bearer ${token}`, traceparent: traceparent(traceId, parent) },
        },
      }),
    );
    const r = await call(client, 'list_workos_organizations', { limit: 2 });
    expect(r.isError).toBe(false);
    const { span } = await callSpan(traceId);
    expect(span.parentSpanId).toBe(parent);
  });

  test('a denied call — its span says why, with the gates it passed', async () => {
    const traceId = '0e0e47364bf92f3577b34da6a3ce929d';
    const v2 = await connectV2(gh.url, token);
    const r = (await v2.callTool({
      name: 'get_organization_details',
      arguments: { organization_id: organizationId, secret_field: 'should-never-be-traced' },
      _meta: { traceparent: traceparent(traceId, '1111111111111111') },
    })) as { isError?: boolean };
    expect(r.isError).toBe(true);
    const { span, children } = await callSpan(traceId);
    expect(attr(span, 'gatehouse.outcome')).toBe('denied');
    expect(attr(span, 'gatehouse.denial.reason')).toBe('invalid_arguments');
    expect(span.status.code).toBe(STATUS_ERROR);
    // Refused at the arguments: the permission gate passed, nothing after it ran.
    const names = span.events.map((e) => e.name);
    expect(names).toContain('gate.permission');
    expect(names).not.toContain('gate.arguments');
    expect(names.at(-1)).toBe('gate.denied');
    expect(attr(span.events.at(-1)!, 'gatehouse.denial.reason')).toBe('invalid_arguments');
    // Refused before the tool ran: WorkOS was never asked.
    expect(children.filter((c) => c.kind === CLIENT)).toEqual([]);
  });

  test('a confirmed delete — gate.destructive on the confirmed call, DELETE as a child span, no token or name exported', async () => {
    const created = await call(v1, 'create_workos_organization', {
      name: 'Traced Throwaway Ltd',
      domains: ['traced-throwaway.test'],
    });
    expect(created.isError).toBe(false);
    const orgId = (created.structured as { organization: { id: string } }).organization.id;
    const first = await call(v1, 'delete_organization', { organization_id: orgId });
    expect(first.structured?.status).toBe('confirmation_required');
    const confirmation = first.structured?.confirmation_token as string;
    confirmationSecrets.push(confirmation, orgId, 'Traced Throwaway Ltd', 'traced-throwaway.test');

    const traceId = '77364bf92f3577b34da6a3ce929d0e0e';
    const r = (await (v1 as ClientV2).callTool({
      name: 'delete_organization',
      arguments: { organization_id: orgId, confirmation_token: confirmation },
      _meta: { traceparent: traceparent(traceId, '2222222222222222') },
    })) as { isError?: boolean };
    expect(r.isError).not.toBe(true);
    const { span, children } = await callSpan(traceId);
    expect(attr(span, 'gatehouse.outcome')).toBe('allowed');
    expect(span.events.map((e) => e.name)).toContain('gate.destructive');
    expect(children.map((c) => c.name)).toContain('DELETE /organizations/{id}');
  });

  test('what was exported — no bearer token, no argument value, no key; the collector got its headers and service name', async () => {
    await exported();
    const all = collector.exports.map((e) => e.text).join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(token);
    expect(all).not.toContain(organizationId);
    expect(all).not.toContain('should-never-be-traced');
    for (const secret of confirmationSecrets) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/sk_(test|live)_/);
    expect(all).not.toContain('collector=secret');
    for (const e of collector.exports) {
      expect(e.headers.get('x-collector-key')).toBe('collector=secret');
      expect(e.serviceName).toBe('gatehouse-under-test');
    }
  });
});

describe('a collector that refuses spans', () => {
  test('400 from the collector — tool calls still succeed, one warning without secrets, stop completes', async () => {
    let posts = 0;
    const refusing = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => {
        posts++;
        return Response.json({ error: 'no' }, { status: 400 });
      },
    });
    const other = await startTestGatehouse({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${refusing.port}`,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=refused-secret',
      },
    });
    try {
      const c = await connectV1(other.url, (await tokensFor(other.url, 'member@demo.test')).access_token);
      for (let i = 0; i < 2; i++) {
        expect((await call(c, 'list_workos_organizations', { limit: 1 })).isError).toBe(false);
        await other.ctx.telemetry.flush();
      }
      expect(posts).toBeGreaterThanOrEqual(2);
      const warnings = other.logLines.filter((l) => l.includes('the OTLP collector refused'));
      expect(warnings).toHaveLength(1);
      expect(other.logLines.join('\n')).not.toContain('refused-secret');
    } finally {
      await other.stop();
      refusing.stop(true);
    }
  });
});

describe('traces off (the default)', () => {
  test('no OTEL_EXPORTER_OTLP_ENDPOINT — the no-op telemetry: no provider, no exporter, nothing sent', async () => {
    const plain = await startTestGatehouse();
    try {
      expect(plain.ctx.telemetry).toBe(TELEMETRY_OFF);
      const before = collector.exports.length;
      const c = await connectV1(plain.url, (await tokensFor(plain.url, 'member@demo.test')).access_token);
      expect((await call(c, 'list_workos_organizations', { limit: 1 })).isError).toBe(false);
      await gh.ctx.telemetry.flush();
      expect(collector.exports.length).toBe(before);
    } finally {
      await plain.stop();
    }
  });
});
