import { describe, expect, test } from 'bun:test';
import { AppError } from '../../src/errors/app-error.ts';
import { MAX_URL_LENGTH, type OutboundUrlOptions, parseOutboundUrl } from '../../src/outbound/url.ts';

function refusal(raw: string, opts?: OutboundUrlOptions): AppError {
  try {
    parseOutboundUrl(raw, opts);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error(`${raw} was accepted`);
}

describe('url — IP literals in every spelling WHATWG URL normalises', () => {
  const cases: [string, string][] = [
    ['https://0x7f000001/', '127.0.0.1 is loopback'],
    ['https://2130706433/', '127.0.0.1 is loopback'],
    ['https://0177.0.0.1/', '127.0.0.1 is loopback'],
    ['https://127.1/', '127.0.0.1 is loopback'],
    ['https://%31%32%37.0.0.1/', '127.0.0.1 is loopback'],
    ['https://0/', '0.0.0.0 is unspecified'],
    ['https://[::1]/', '::1 is loopback'],
    ['https://[0:0:0:0:0:0:0:1]/', '::1 is loopback'],
    ['https://[::ffff:127.0.0.1]/', 'IPv4-mapped'],
    ['https://[::ffff:7f00:1]/', 'IPv4-mapped'],
    ['https://10.0.0.1/', '10.0.0.1 is private network'],
    ['https://169.254.169.254/latest/meta-data', 'cloud metadata service'],
    ['https://[fd00:ec2::254]/latest/meta-data', 'AWS IPv6 instance metadata'],
    ['https://[64:ff9b::a9fe:a9fe]/', 'NAT64'],
  ];
  for (const [raw, phrase] of cases) {
    test(`url — ${raw} is refused (${phrase})`, () => {
      const e = refusal(raw);
      expect(e.code).toBe('forbidden');
      expect(e.message).toContain(phrase);
    });
  }
});

test('url — a public IP literal is accepted', () => {
  expect(parseOutboundUrl('https://93.184.216.34/x').hostname).toBe('93.184.216.34');
  expect(parseOutboundUrl('https://[2606:4700::1111]/x').hostname).toBe('[2606:4700::1111]');
});

test('url — http:// and other schemes are refused', () => {
  for (const raw of [
    'http://api.linear.app/graphql',
    'ftp://example.com/x',
    'file:///etc/passwd',
    'ws://example.com/',
  ]) {
    const e = refusal(raw);
    expect(e.code).toBe('forbidden');
    expect(e.message).toContain('only https: is allowed');
  }
});

test('url — credentials are refused, even empty ones', () => {
  for (const raw of ['https://user:pw@example.com/', 'https://user@example.com/', 'https://:@example.com/']) {
    expect(refusal(raw).message).toContain('credentials');
  }
});

test('url — a fragment is refused, even an empty one', () => {
  expect(refusal('https://example.com/client#x').message).toContain('fragment');
  expect(refusal('https://example.com/client#').message).toContain('fragment');
});

test('url — a port other than 443 is refused unless the caller allows it', () => {
  expect(refusal('https://example.com:8443/').message).toContain('port 8443 is not allowed');
  expect(parseOutboundUrl('https://example.com:443/').port).toBe('');
  expect(parseOutboundUrl('https://example.com:8443/', { allowedPorts: [8443] }).port).toBe('8443');
});

test('url — the wrong host is refused when allowedHosts is given', () => {
  const allowedHosts = (h: string) => h === 'api.linear.app';
  expect(parseOutboundUrl('https://api.linear.app/graphql', { allowedHosts }).href).toBe(
    'https://api.linear.app/graphql',
  );
  for (const raw of [
    'https://evil.example/graphql',
    'https://api.linear.app.evil.example/graphql',
    'https://api.linear.app./graphql',
  ]) {
    const e = refusal(raw, { allowedHosts });
    expect(e.code).toBe('forbidden');
    expect(e.message).toContain('is not an allowed host');
  }
});

test('url — loopback and single-label host names are refused before DNS', () => {
  expect(refusal('https://localhost/').message).toContain('loopback name');
  expect(refusal('https://app.localhost./').message).toContain('loopback name');
  expect(refusal('https://metadata/computeMetadata/v1/').message).toContain('single-label');
});

test('url — malformed text is invalid_input', () => {
  const cases: [string, string][] = [
    ['not a url', 'whitespace'],
    ['/relative/path', 'not an absolute URL'],
    ['https://', 'not an absolute URL'],
    ['https://exa\tmple.com/', 'whitespace'],
    ['https://example.com/\n', 'whitespace'],
    ['https://evil.example\\@example.com/', 'backslash'],
    ['https:example.com/x', 'must start with https://'],
    [`https://example.com/${'a'.repeat(MAX_URL_LENGTH)}`, 'above the 4096 limit'],
  ];
  for (const [raw, phrase] of cases) {
    const e = refusal(raw);
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain(phrase);
  }
});

test('url — a URL of exactly the maximum length is accepted', () => {
  const base = 'https://example.com/';
  const raw = base + 'a'.repeat(MAX_URL_LENGTH - base.length);
  expect(parseOutboundUrl(raw).href).toBe(raw);
});
