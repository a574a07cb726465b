/**
 * return_to after sign-in: only a same-origin path survives, whatever a URL parser makes of it.
 * The unit cases prove the function; the flow cases sign in through the local picker over real
 * HTTP and check the Location the browser would follow.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { safeReturnTo } from '../../src/http/return-to.ts';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(30_000);

/** Each of these, after sign-in, would send the browser to another origin if passed through. */
const OFF_SITE: [string, string][] = [
  ['an encoded dot segment before //', '/%2e//evil.example'],
  ['an upper-case encoded dot segment', '/%2E//evil.example'],
  ['a dot segment before //', '/.//evil.example'],
  ['a parent segment before //', '/a/..//evil.example'],
  ['a parent segment at the root', '/..//evil.example'],
  ['an encoded parent segment', '/a/%2e%2e//evil.example'],
  ['a half-encoded parent segment', '/a/.%2e//evil.example'],
  ['a protocol-relative URL', '//evil.example'],
  ['a protocol-relative URL with a path', '//evil.example/path?x=1'],
  ['a backslash', '/\\evil.example'],
  ['two backslashes', '/\\\\evil.example'],
  ['a slash and a backslash', '//\\evil.example'],
  ['a tab between the slashes', '/\t/evil.example'],
  ['a newline between the slashes', '/\n/evil.example'],
  ['a carriage return between the slashes', '/\r/evil.example'],
  ['a javascript: URL', 'javascript:alert(document.cookie)'],
  ['a javascript: URL after a slash-less path', 'javascript://%0aalert(1)'],
  ['an absolute https URL', 'https://evil.example/'],
  ['an absolute http URL', 'http://evil.example'],
  ['a scheme-relative https URL', 'https:evil.example'],
  ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
];

/** Percent-encoded separators stay encoded: a browser reads them as one path segment here. */
const ENCODED_STAYS_HERE = [
  '/%5c%5cevil.example',
  '/%5C/evil.example',
  '/%09/evil.example',
  '/%2f%2fevil.example',
];

/** True when a browser on `base` following `location` stays on `base`'s origin. */
function staysOn(base: string, location: string | null): boolean {
  if (location === null) return false;
  // A browser strips tabs and newlines before resolving; do the same.
  const resolved = new URL(location.replace(/[\t\n\r]/g, ''), base);
  return resolved.origin === new URL(base).origin;
}

describe('safeReturnTo — unit', () => {
  test('safeReturnTo with any off-site form (dot segments, backslashes, tabs, javascript:, absolute, protocol-relative) — / every time', () => {
    const out = OFF_SITE.map(([what, value]) => [what, safeReturnTo(value)]);
    expect(out).toEqual(OFF_SITE.map(([what]) => [what, '/']));
  });

  test('safeReturnTo with dot segments that end in // — / even though each segment looks harmless', () => {
    for (const value of [
      '/%2e//evil.example',
      '/.//evil.example',
      '/a/..//evil.example',
      '/a/b/../..//evil.example',
    ])
      expect({ value, out: safeReturnTo(value) }).toEqual({ value, out: '/' });
  });

  test('safeReturnTo with an ordinary path and query, or percent-encoded separators — returned unchanged, on this origin (regression guard)', () => {
    for (const value of [
      '/',
      '/dashboard',
      '/approvals/apr_123?from=mcp&x=a%20b',
      '/authorize?client_id=ghc_1&redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcallback&state=s',
      '/connections?q=%2F%2Fnot-a-host',
      ...ENCODED_STAYS_HERE,
    ]) {
      const out = safeReturnTo(value);
      expect(out).toBe(value);
      expect(staysOn('https://gatehouse.example', out)).toBe(true);
    }
    expect(safeReturnTo('/a/../dashboard')).toBe('/dashboard');
    expect(safeReturnTo('/dashboard#top')).toBe('/dashboard');
    for (const value of [null, undefined, '', 'dashboard', `/${'a'.repeat(4096)}`])
      expect(safeReturnTo(value)).toBe('/');
  });
});

describe('return_to through a real sign-in', () => {
  let gh: TestGatehouse;
  let base: string;

  beforeAll(async () => {
    gh = await startTestGatehouse();
    base = gh.url;
  });
  afterAll(() => gh.stop());

  /**
   * Signs in through the local picker as a browser would: GET /login?return_to=…, submit the
   * picker's form (its hidden return_to, or `posted` when given: a forged form), follow AuthKit
   * to /callback, and return the Location /callback answers with.
   */
  async function locationAfterSignIn(email: string, returnTo: string, posted?: string) {
    const client = new CookieClient();
    const login = await client.fetch(`${base}/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(login.status).toBe(200);
    const html = await login.text();
    const hidden = hiddenInput(html, 'return_to');
    expect(hidden).toBeDefined();
    const start = await client.post(`${base}/login`, {
      _csrf: hiddenInput(html, '_csrf')!,
      login_hint: email,
      return_to: posted ?? hidden!,
    });
    expect(start.status).toBe(303);
    const authkit = await client.fetch(start.headers.get('location')!);
    expect(authkit.status).toBe(302);
    const cb = authkit.headers.get('location')!;
    expect(cb.startsWith(`${base}/callback?`)).toBe(true);
    const landed = await client.fetch(cb);
    expect(landed.status).toBe(303);
    return { client, location: landed.headers.get('location') };
  }

  test('sign-in with every off-site return_to, from the picker or a forged form — Location stays on Gatehouse', async () => {
    for (const [, value] of OFF_SITE) {
      for (const posted of [undefined, value]) {
        const { location } = await locationAfterSignIn('member@demo.test', value, posted);
        expect({ value, location, stays: staysOn(base, location) }).toEqual({
          value,
          location: '/',
          stays: true,
        });
      }
    }
  });

  test('sign-in with an ordinary return_to, or percent-encoded backslashes or tabs — lands exactly there, on Gatehouse (regression guard)', async () => {
    for (const value of ['/approvals?from=mcp&x=a%20b', ...ENCODED_STAYS_HERE]) {
      const { location } = await locationAfterSignIn('member@demo.test', value, value);
      expect(location).toBe(value);
      expect(staysOn(base, location)).toBe(true);
    }
  });

  test('sign-in with two teams and an off-site return_to — the team picker and its form keep it on Gatehouse', async () => {
    const { client, location } = await locationAfterSignIn(
      'admin@demo.test',
      '/%2e//evil.example',
      '/%2e//evil.example',
    );
    expect(location).toBe('/teams?return_to=%2F');
    const page = await (
      await client.fetch(`${base}/teams?return_to=${encodeURIComponent('/a/..//evil.example')}`)
    ).text();
    expect(hiddenInput(page, 'return_to')).toBe('/');
    const organizationId = /name="organization_id" value="([^"]+)"/.exec(page)![1]!;
    const chosen = await client.post(`${base}/teams/select`, {
      _csrf: hiddenInput(page, '_csrf')!,
      organization_id: organizationId,
      return_to: '/.//evil.example',
    });
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get('location')).toBe('/');
  });

  test('GET /login while signed in with an off-site return_to — redirected to / on Gatehouse', async () => {
    const client = await signIn(base, 'member@demo.test');
    for (const [, value] of OFF_SITE) {
      const res = await client.fetch(`${base}/login?return_to=${encodeURIComponent(value)}`);
      expect(res.status).toBe(303);
      expect({ value, location: res.headers.get('location') }).toEqual({ value, location: '/' });
    }
  });
});
