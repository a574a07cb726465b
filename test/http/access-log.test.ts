/**
 * The access log: one line per request with method, path (never its query), status, duration,
 * request id, and the team and client once known; X-Request-Id honoured only from a trusted
 * proxy; refusals say why, and no line ever carries a credential. The id reaches the audit entry.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/logger.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

type Line = Record<string, unknown>;
const requests = (gh: TestGatehouse): Line[] =>
  gh.logLines.map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'request');

describe('access log', () => {
  let gh: TestGatehouse;
  let token: string;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    token = (await tokensFor(gh.url, 'member@demo.test')).access_token;
  });
  afterAll(async () => {
    await gh?.stop();
  });

  test('an MCP call — one line with status, duration, request id, team and client; the id is the response’s', async () => {
    const res = await fetch(`${gh.url}/mcp`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'log', version: '1' },
        },
      }),
    });
    await res.text();
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = requests(gh).find((l) => l.request_id === id)!;
    expect(line).toMatchObject({ method: 'POST', path: '/mcp', status: 200, level: 'info' });
    expect(typeof line.duration_ms).toBe('number');
    expect(typeof line.team).toBe('string');
    expect(typeof line.client).toBe('string');
  });

  test('query values never reach the log, nor does any token', async () => {
    await fetch(`${gh.url}/authorize?client_id=x&code_challenge=SECRETCHALLENGE123&state=SECRETSTATE`);
    const line = requests(gh).find((l) => l.path === '/authorize')!;
    expect(line).toBeDefined();
    const all = gh.logLines.join('\n');
    expect(all).not.toContain('SECRETCHALLENGE123');
    expect(all).not.toContain('SECRETSTATE');
    expect(all).not.toContain(token);
  });

  test('refusals say why: a foreign Host, a foreign Origin, a bad token, a failed token exchange', async () => {
    const host = await fetch(`${gh.url}/healthz`, { headers: { Host: 'evil.example' } });
    expect(host.status).toBe(403);
    const origin = await fetch(`${gh.url}/mcp`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        Origin: 'https://evil.example',
        'Content-Type': 'application/json',
      },
      body: '{}',
    });
    expect(origin.status).toBe(403);
    const bad = await fetch(`${gh.url}/mcp`, {
      method: 'POST',
      headers: {
        Authorization: 'Bearer gatehouse_at_nottherealtokenatall',
        'Content-Type': 'application/json',
      },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    const exchange = await fetch(`${gh.url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=nope&client_id=nobody&code_verifier=x&redirect_uri=http://127.0.0.1/cb',
    });
    expect(exchange.status).toBeGreaterThanOrEqual(400);
    const refused = requests(gh).map((l) => l.refused);
    expect(refused).toContain('host_not_allowed');
    expect(refused).toContain('origin_not_allowed');
    expect(refused).toContain('invalid_token');
    expect(
      refused.some((r) => r === 'invalid_client' || r === 'invalid_grant' || r === 'invalid_request'),
    ).toBe(true);
    expect(gh.logLines.join('\n')).not.toContain('nottherealtokenatall');
  });

  test('X-Request-Id from an untrusted peer is ignored; the audit entry of a tool call carries the id', async () => {
    const res = await fetch(`${gh.url}/healthz`, { headers: { 'X-Request-Id': 'from-anyone-1' } });
    expect(res.headers.get('x-request-id')).not.toBe('from-anyone-1');
    const agent = await connectV1(gh.url, token);
    try {
      await call(agent, 'whoami');
    } finally {
      await agent.close();
    }
    const entry = gh.ctx.db.$client
      .query(
        "SELECT details FROM audit_entries WHERE event = 'tool.call' AND tool = 'whoami' ORDER BY seq DESC LIMIT 1",
      )
      .get() as { details: string } | null;
    const requestId = (JSON.parse(entry!.details) as { request_id?: string }).request_id;
    expect(requestId).toBeTruthy();
    expect(requests(gh).some((l) => l.request_id === requestId && l.path === '/mcp')).toBe(true);
  });
});

describe('access log behind a trusted proxy', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse({ env: { TRUSTED_PROXIES: '127.0.0.1/32' } });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  test('the proxy’s X-Request-Id is kept; a malformed one is replaced', async () => {
    const kept = await fetch(`${gh.url}/healthz`, { headers: { 'X-Request-Id': 'edge-7f3a:42' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-7f3a:42');
    const odd = await fetch(`${gh.url}/healthz`, { headers: { 'X-Request-Id': 'has spaces\tand tabs' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('LOG_FORMAT', () => {
  test('pretty — one readable line with key=value fields; json — one object per line', () => {
    const lines: string[] = [];
    createLogger('info', (l) => lines.push(l), 'pretty').info('request', {
      method: 'GET',
      path: '/x',
      status: 200,
    });
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT.* INFO {2}request method=GET path=\/x status=200$/);
    createLogger('info', (l) => lines.push(l), 'json').info('request', { status: 200 });
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'info', msg: 'request', status: 200 });
  });

  test('an unknown format is a configuration error naming the variable and value', () => {
    expect(() => loadConfig({ LOG_FORMAT: 'xml', GATEHOUSE_DATA_DIR: '/tmp' })).toThrow(
      /LOG_FORMAT must be one of json, pretty, got 'xml'/,
    );
  });
});
