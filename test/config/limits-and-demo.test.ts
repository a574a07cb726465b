/**
 * Configuration for issue 18: TRUSTED_PROXIES (the reverse proxies whose X-Forwarded-For counts)
 * and the demo that must never be public — local mode refuses a non-loopback HOST, PUBLIC_URL or
 * ALLOWED_HOSTS unless GATEHOUSE_DEMO_PUBLIC=1, and then the banner and every page say so.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { banner } from '../../src/cli/banner.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

const LIVE = { WORKOS_API_KEY: 'sk_test_123', WORKOS_CLIENT_ID: 'client_123' };

describe('TRUSTED_PROXIES', () => {
  test('TRUSTED_PROXIES — unset: no proxy is trusted (X-Forwarded-For ignored)', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
  });

  test('TRUSTED_PROXIES — addresses and CIDR ranges of both families', () => {
    const c = loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,::1' });
    expect(c.trustedProxies.map((p) => `${p.text}|${p.bits}`)).toEqual([
      '10.0.0.0/8|8',
      '192.0.2.7|32',
      '2001:db8::/32|32',
      '::1|128',
    ]);
  });

  test('TRUSTED_PROXIES — every bad entry is named with why, in one message', () => {
    expect(problems({ TRUSTED_PROXIES: '10.0.0.0/8, 10.0.0.0/33, proxy.internal, 10.1.2.3/8' })).toEqual([
      "TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges of your reverse proxies (e.g. 10.0.0.0/8, 2001:db8::/32): '10.0.0.0/33' has a prefix length outside 0–32; 'proxy.internal' is not an IP address or CIDR range; '10.1.2.3/8' has address bits set beyond its /8 prefix (did you mean 10.0.0.0/8?)",
    ]);
    expect(problems({ TRUSTED_PROXIES: '2001:db8::/129' })[0]).toContain(
      "'2001:db8::/129' has a prefix length outside 0–128",
    );
  });
});

describe('demo mode is never public by accident', () => {
  test('local mode — the default binds loopback and is not a public demo', () => {
    const c = loadConfig({});
    expect(c.host).toBe('localhost');
    expect(c.demoPublic).toBe(false);
  });

  test('local mode — a non-loopback HOST is refused, saying why and what to do', () => {
    const p = problems({ HOST: '0.0.0.0' });
    expect(p).toHaveLength(1);
    expect(p[0]).toStartWith(
      "HOST is '0.0.0.0', not a loopback address, but local mode (no WorkOS API key) has no real sign-in: anyone who reaches it can act as any demo account, admins included.",
    );
    expect(p[0]).toContain('set GATEHOUSE_DEMO_PUBLIC=1 to expose the demo on purpose');
    expect(problems({ HOST: '::' })[0]).toStartWith("HOST is '::', not a loopback address");
    expect(problems({ HOST: '192.168.1.20' })[0]).toStartWith("HOST is '192.168.1.20'");
  });

  test('HOST — brackets only as a pair around an IPv6 address; anything else named before anything starts', () => {
    for (const host of ['[::1', '::1]', '[127.0.0.1]', '[localhost]', '[[::1]]']) {
      expect(problems({ HOST: host })).toEqual([
        `HOST may hold brackets only as a pair around an IPv6 address, like [::1], got '${host}'`,
      ]);
    }
    expect(problems({ HOST: '[::1]' })).toEqual([]);
  });

  test('ALLOWED_HOSTS — an entry no Host header can carry (a bad port, two ports, unbracketed IPv6) is named', () => {
    for (const entry of ['localhost:99999', '127.0.0.1:abc', '127.0.0.1:8788:9', '::1', 'a:0']) {
      expect(problems({ ALLOWED_HOSTS: `127.0.0.2,${entry}` })).toEqual([
        `ALLOWED_HOSTS entries must each be a host[:port] a Host header can carry (a port 1–65535, an IPv6 address in brackets like [::1]:8788), got '${entry}'`,
      ]);
    }
  });

  test('local mode — a public PUBLIC_URL or ALLOWED_HOSTS is refused', () => {
    expect(problems({ PUBLIC_URL: 'https://gatehouse.example.com' })[0]).toStartWith(
      "PUBLIC_URL is 'https://gatehouse.example.com', not a loopback address, but local mode (no WorkOS API key) has no real sign-in",
    );
    expect(problems({ ALLOWED_HOSTS: 'localhost:9000,gatehouse.example.com' })[0]).toStartWith(
      "ALLOWED_HOSTS names 'gatehouse.example.com', not loopback",
    );
  });

  test('local mode — loopback spellings are accepted', () => {
    const envs: Record<string, string>[] = [
      { HOST: '127.0.0.1' },
      { HOST: '::1' },
      { HOST: '[::1]' },
      { PUBLIC_URL: 'http://127.0.0.1:9000' },
      { ALLOWED_HOSTS: '[::1]:9000,127.0.0.2' },
    ];
    for (const env of envs) expect(problems(env)).toEqual([]);
  });

  test('GATEHOUSE_DEMO_PUBLIC=1 — the operator exposes the demo on purpose', () => {
    const c = loadConfig({
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://demo.example.com',
      GATEHOUSE_DEMO_PUBLIC: '1',
    });
    expect(c.demoPublic).toBe(true);
    expect(c.host).toBe('0.0.0.0');
  });

  test('GATEHOUSE_DEMO_PUBLIC — only 1 turns it on; anything else is refused, and live mode refuses it', () => {
    expect(problems({ GATEHOUSE_DEMO_PUBLIC: 'yes' })).toEqual([
      "GATEHOUSE_DEMO_PUBLIC must be 1 (or unset), got 'yes'",
    ]);
    expect(loadConfig({ GATEHOUSE_DEMO_PUBLIC: '0' }).demoPublic).toBe(false);
    expect(problems({ ...LIVE, GATEHOUSE_DEMO_PUBLIC: '1' })).toEqual([
      'GATEHOUSE_DEMO_PUBLIC is set but a WorkOS API key is too: it only applies to local mode’s demo sign-in',
    ]);
  });

  test('live mode — binds anywhere: it has real sign-in', () => {
    const c = loadConfig({ ...LIVE, HOST: '0.0.0.0', PUBLIC_URL: 'https://gatehouse.example.com' });
    expect(c.mode).toBe('live');
    expect(c.demoPublic).toBe(false);
  });

  test('banner — a public demo says so; a loopback one does not', () => {
    const pub = loadConfig({ HOST: '0.0.0.0', GATEHOUSE_DEMO_PUBLIC: '1' });
    expect(banner(pub, [])).toContain(
      'WARNING:  PUBLIC DEMO (GATEHOUSE_DEMO_PUBLIC=1): anyone who can reach http://localhost:8788 can sign in as any demo account, admins included.',
    );
    expect(banner(loadConfig({}), [])).not.toContain('PUBLIC DEMO');
  });
});

describe('every page of a public demo says so', () => {
  let open: TestGatehouse;
  let quiet: TestGatehouse;
  beforeAll(async () => {
    // Bound to loopback for the test; the variable alone decides what the pages say.
    [open, quiet] = await Promise.all([
      startTestGatehouse({ env: { GATEHOUSE_DEMO_PUBLIC: '1' } }),
      startTestGatehouse(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), quiet?.stop()]);
  });

  test('pages — sign-in, console, error pages carry the notice first in the body', async () => {
    const login = await (await fetch(`${open.url}/login`)).text();
    expect(login).toMatch(
      /<body[^>]*><div class="flash error demo-public" role="alert" data-testid="demo-public">/,
    );
    expect(login).toContain('anyone can sign in as any demo account, admins included');
    const browser = await signIn(open.url, 'member@demo.test');
    for (const path of ['/', '/connections', '/nothing-here']) {
      const html = await (await browser.fetch(`${open.url}${path}`)).text();
      expect(`${path}: ${html.includes('data-testid="demo-public"')}`).toBe(`${path}: true`);
    }
  });

  test('pages — a loopback demo (the default) shows no such notice', async () => {
    const login = await (await fetch(`${quiet.url}/login`)).text();
    expect(login).toContain('Sign in to Gatehouse');
    expect(login).not.toContain('demo-public');
  });
});
