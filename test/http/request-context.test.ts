/** The request's facts: its path is the URL parser's, whichever way it is read (src/http/request-context.ts). */
import { expect, test } from 'bun:test';
import { parseCidr } from '../../src/config/cidr.ts';
import { assignRequestId } from '../../src/http/request-context.ts';

test('request facts — the path is what the URL parser makes of any request URL', () => {
  const urls = [
    'http://127.0.0.1:3000/mcp',
    'http://h/mcp?x=1',
    'http://h/mcp#frag',
    'http://h/a/../b',
    'http://h/%2e%2e/admin',
    'http://h/a/./b/',
    'http://h/',
    'http://h',
    'http://h/.well-known/oauth-protected-resource/mcp',
    'http://h/approvals/%61bc',
    'http://h/a%20b',
    'http://[::1]:8080/mcp?a=/b',
  ];
  for (const url of urls)
    expect(assignRequestId(new Request(url), undefined, []).path).toBe(new URL(url).pathname);
});

test('request facts — an X-Request-Id is taken only from a trusted proxy', () => {
  const req = () => new Request('http://h/mcp', { headers: { 'X-Request-Id': 'proxy-id-1' } });
  expect(assignRequestId(req(), '203.0.113.9', []).id).not.toBe('proxy-id-1');
  const parsed = parseCidr('10.0.0.0/8');
  if (!parsed.ok) throw new Error(parsed.problem);
  const proxies = [parsed.cidr];
  expect(assignRequestId(req(), '10.1.2.3', proxies).id).toBe('proxy-id-1');
  expect(assignRequestId(req(), '203.0.113.9', proxies).id).not.toBe('proxy-id-1');
});
