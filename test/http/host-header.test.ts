/**
 * The Host header at the front door (RFC 9112 §3.2): a request that lacks one, or whose Host no
 * URL can hold, is a 400 with the request id and access-log line every request gets — never a
 * 500 from building its URL, and never a request the dispatcher counts as in flight forever.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { rawRequest } from '../support/raw-http.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

type Line = Record<string, unknown>;

describe('the Host header', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(async () => {
    await gh?.stop();
  });

  const requestLines = () =>
    gh.logLines
      .map((l) => JSON.parse(l) as Line)
      .filter((l) => l.msg === 'request' && l.refused === 'bad_host');

  test('host header — an HTTP/1.0 request without one is a 400 naming the rule, logged as refused', async () => {
    const before = requestLines().length;
    const res = await rawRequest(gh.url, 'GET /healthz HTTP/1.0\r\nConnection: close\r\n\r\n');
    expect(res.status).toMatch(/^HTTP\/1\.[01] 400/);
    expect(res.text).toContain('one valid Host header');
    expect(res.text.toLowerCase()).toContain('x-request-id:');
    expect(requestLines().length).toBe(before + 1);
    expect(gh.logLines.some((l) => l.includes('Invalid URL'))).toBe(false);
  });

  test('host header — one no URL can hold (user@host) is a 400, on any path, without a token', async () => {
    const { host } = new URL(gh.url);
    for (const path of ['/healthz', '/mcp', '/authorize?client_id=x']) {
      const res = await rawRequest(
        gh.url,
        `GET ${path} HTTP/1.1\r\nHost: x@${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status).toMatch(/^HTTP\/1\.1 400/);
    }
    expect(gh.logLines.some((l) => l.includes('unhandled server error'))).toBe(false);
  });

  test('host header — a valid foreign host is still the 403 of the DNS-rebinding defence', async () => {
    const res = await rawRequest(
      gh.url,
      'GET /healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    );
    expect(res.status).toMatch(/^HTTP\/1\.1 403/);
  });

  test('host header — a refused request is no longer in flight once answered (a stop need not wait)', async () => {
    const { host } = new URL(gh.url);
    await rawRequest(gh.url, 'GET /healthz HTTP/1.0\r\nConnection: close\r\n\r\n');
    await rawRequest(gh.url, `GET /healthz HTTP/1.1\r\nHost: x@${host}\r\nConnection: close\r\n\r\n`);
    expect(gh.requestsInFlight()).toBe(0);
  });
});
