/**
 * The rate limiter, the RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) and the
 * client address behind a reverse proxy, as units. The endpoints' own limits are proved over
 * HTTP in test/oauth/rate-limits.test.ts and test/mcp/tool-call-limit.test.ts.
 */
import { describe, expect, test } from 'bun:test';
import { parseCidr } from '../../src/config/cidr.ts';
import { addressKey, clientAddress, forwardedClient, recordPeer } from '../../src/http/client-ip.ts';
import { RateLimiter, rateLimitHeaders } from '../../src/http/rate-limit.ts';
import { ManualClock } from '../../src/kernel/clock.ts';

const cidrs = (...xs: string[]) =>
  xs.map((x) => {
    const r = parseCidr(x);
    if (!r.ok) throw new Error(`${x}: ${r.problem}`);
    return r.cidr;
  });

describe('rate limiter', () => {
  test('limiter — the quota, then refusals that say how long to wait; time refills it', () => {
    const clock = new ManualClock();
    const l = new RateLimiter(clock, 3, 3, 'probe');
    const first = l.check('a');
    expect(first).toMatchObject({ allowed: true, limit: 3, windowSeconds: 60, remaining: 2 });
    l.check('a');
    expect(l.check('a')).toMatchObject({ allowed: true, remaining: 0 });
    const refused = l.check('a');
    expect(refused).toMatchObject({
      allowed: false,
      remaining: 0,
      retryAfterSeconds: 20,
      firstRefusal: true,
    });
    // Another key is untouched.
    expect(l.check('b').allowed).toBe(true);
    clock.advance(20_000);
    expect(l.check('a').allowed).toBe(true);
    expect(l.check('a').allowed).toBe(false);
  });

  test('limiter — only the first refusal of a window is marked for the audit trail', () => {
    const clock = new ManualClock();
    const l = new RateLimiter(clock, 1, 1, 'probe');
    l.check('k');
    expect(l.check('k').firstRefusal).toBe(true);
    expect(l.check('k').firstRefusal).toBe(false);
    clock.advance(30_000);
    expect(l.check('k').firstRefusal).toBe(false);
    clock.advance(30_000);
    expect(l.check('k').allowed).toBe(true);
    expect(l.check('k').firstRefusal).toBe(true);
  });

  test('limiter — a per-call size (a team setting) replaces the default at once', () => {
    const l = new RateLimiter(new ManualClock(), 100, 100);
    const size = { capacity: 2, refillPerMinute: 2 };
    expect(l.check('k', size).allowed).toBe(true);
    expect(l.check('k', size).allowed).toBe(true);
    expect(l.check('k', size)).toMatchObject({ allowed: false, limit: 2, retryAfterSeconds: 30 });
  });

  test('limiter — take() keeps its old contract: 0 when allowed, else seconds to wait', () => {
    const l = new RateLimiter(new ManualClock(), 1, 10);
    expect(l.take('x')).toBe(0);
    expect(l.take('x')).toBe(6);
  });

  test('headers — RateLimit-Policy and RateLimit list every policy; Retry-After only on a refusal', () => {
    const clock = new ManualClock();
    const perClient = new RateLimiter(clock, 2, 2, 'token-client');
    const perAddress = new RateLimiter(clock, 10, 10, 'token-address');
    const ok = rateLimitHeaders([perClient.check('c'), perAddress.check('a')]);
    expect(ok['RateLimit-Policy']).toBe('"token-client";q=2;w=60, "token-address";q=10;w=60');
    expect(ok.RateLimit).toBe('"token-client";r=1;t=30, "token-address";r=9;t=6');
    expect(ok['Retry-After']).toBeUndefined();
    perClient.check('c');
    const refused = rateLimitHeaders([perClient.check('c'), perAddress.check('a')]);
    expect(refused.RateLimit).toStartWith('"token-client";r=0;t=60');
    expect(refused['Retry-After']).toBe('30');
  });
});

describe('client address', () => {
  const trusted = cidrs('10.0.0.0/8', '2001:db8::/32');

  test('x-forwarded-for — ignored when no proxy is trusted, as before', () => {
    const r = new Request('http://gh.test/', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    recordPeer(r, '198.51.100.7');
    expect(clientAddress(r)).toBe('198.51.100.7');
  });

  test('x-forwarded-for — ignored from a peer outside TRUSTED_PROXIES', () => {
    expect(forwardedClient('198.51.100.7', '203.0.113.9', trusted)).toBe('198.51.100.7');
    const r = new Request('http://gh.test/', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    recordPeer(r, '198.51.100.7', trusted);
    expect(clientAddress(r)).toBe('198.51.100.7');
  });

  test('x-forwarded-for — honoured from a trusted peer: the rightmost untrusted hop is the client', () => {
    expect(forwardedClient('10.1.2.3', '203.0.113.9', trusted)).toBe('203.0.113.9');
    // A client-supplied first entry cannot pick its own address: the proxies' hops are read from the right.
    expect(forwardedClient('10.1.2.3', '1.2.3.4, 203.0.113.9, 10.9.9.9', trusted)).toBe('203.0.113.9');
    expect(forwardedClient('::ffff:10.1.2.3', '[2001:db9::5]:443', trusted)).toBe('2001:db9:0:0:0:0:0:5');
    expect(forwardedClient('10.1.2.3', '203.0.113.9:5000', trusted)).toBe('203.0.113.9');
    const r = new Request('http://gh.test/', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    recordPeer(r, '10.1.2.3', trusted);
    expect(clientAddress(r)).toBe('203.0.113.9');
  });

  test('x-forwarded-for — a garbage entry ends the walk at the last trusted hop', () => {
    expect(forwardedClient('10.1.2.3', '203.0.113.9, not-an-ip', trusted)).toBe('10.1.2.3');
    expect(forwardedClient('10.1.2.3', '', trusted)).toBe('10.1.2.3');
    expect(forwardedClient('10.1.2.3', '10.0.0.1, 10.0.0.2', trusted)).toBe('10.0.0.1');
  });

  test('address key — IPv4 as is, IPv6 per /64, IPv4-mapped IPv6 as IPv4', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb::2'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
  });
});

describe('cidr', () => {
  test('cidr — addresses and ranges of both families parse; bad ones say why', () => {
    expect(parseCidr('10.0.0.0/8').ok).toBe(true);
    expect(parseCidr('192.0.2.1').ok).toBe(true);
    expect(parseCidr('2001:db8::/32').ok).toBe(true);
    expect(parseCidr('10.0.0.0/33')).toEqual({ ok: false, problem: 'has a prefix length outside 0–32' });
    expect(parseCidr('10.0.0.1/8')).toEqual({
      ok: false,
      problem: 'has address bits set beyond its /8 prefix (did you mean 10.0.0.0/8?)',
    });
    expect(parseCidr('proxy.internal')).toEqual({ ok: false, problem: 'is not an IP address or CIDR range' });
    expect(parseCidr('10.0.0.0/8/8').ok).toBe(false);
  });
});
