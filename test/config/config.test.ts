import { describe, expect, test } from 'bun:test';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('config', () => {
  test('defaults — local mode on port 8788 with ./data', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('local');
    expect(c.port).toBe(8788);
    expect(c.publicUrl).toBe('http://localhost:8788');
    expect(c.dataDir).toBe('./data');
    expect(c.secureCookies).toBe(false);
    expect(c.allowedHosts).toContain('localhost:8788');
    expect(c.allowedHosts).toContain('127.0.0.1:8788');
  });

  test('PORT — a non-number names the variable and the value', () => {
    expect(problems({ PORT: 'abc' })).toEqual(["PORT must be a port number, got 'abc'"]);
  });

  test('PORT — out of range is refused', () => {
    expect(problems({ PORT: '70000' })[0]).toContain(
      "PORT must be a port number between 1 and 65535, got '70000'",
    );
  });

  test('PORT — PUBLIC_URL follows it by default', () => {
    expect(loadConfig({ PORT: '9001' }).publicUrl).toBe('http://localhost:9001');
  });

  test('PUBLIC_URL — not a URL is refused', () => {
    expect(problems({ PUBLIC_URL: 'not a url' })[0]).toBe(
      "PUBLIC_URL must be an absolute http(s) URL, got 'not a url'",
    );
  });

  test('URLs in problems — credentials and query values never shown', () => {
    const shown = [
      ...problems({ PUBLIC_URL: 'https://user:s3cretpw@host.example/x' }),
      ...problems({ PUBLIC_URL: 'ftp://u:pw2secret@c' }),
      ...problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.example/?api_key=k3ysecret' }),
      ...problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://u:pw3secret@c' }),
    ].join('\n');
    expect(shown).toContain('must be an origin without path');
    for (const secret of ['s3cretpw', 'pw2secret', 'k3ysecret', 'pw3secret'])
      expect(shown).not.toContain(secret);
    expect(shown).toContain('***');
  });

  test('PUBLIC_URL — a path is refused', () => {
    expect(problems({ PUBLIC_URL: 'https://gh.example.com/app' })[0]).toContain(
      'must be an origin without path',
    );
  });

  test('PUBLIC_URL — plain http off loopback is refused (OAuth needs TLS)', () => {
    expect(problems({ PUBLIC_URL: 'http://gh.example.com' })[0]).toContain(
      'must use https unless it is a loopback address',
    );
  });

  test('PUBLIC_URL — https turns on secure cookies and names the allowed host', () => {
    const c = loadConfig({ PUBLIC_URL: 'https://gh.example.com', GATEHOUSE_DEMO_PUBLIC: '1' });
    expect(c.secureCookies).toBe(true);
    expect(c.allowedHosts).toEqual(['gh.example.com']);
  });

  test('live mode — WORKOS_API_KEY without WORKOS_CLIENT_ID is refused', () => {
    expect(problems({ WORKOS_API_KEY: 'sk_test_123' })).toEqual([
      'WORKOS_IDENTITY_CLIENT_ID (or WORKOS_CLIENT_ID) is required in live mode: the AuthKit client id of the environment your team signs in to',
    ]);
  });

  test('live mode — a separate identity environment is not shared with the managed keys', () => {
    const c = loadConfig({
      WORKOS_IDENTITY_API_KEY: 'sk_test_identity',
      WORKOS_IDENTITY_CLIENT_ID: 'client_identity',
      WORKOS_API_KEY: 'sk_test_managed',
      GATEHOUSE_TEAMS: 'org_01HZZZZZZZZZZZZZZZZZZZZZZZ, org_01HYYYYYYYYYYYYYYYYYYYYYYY',
    });
    expect(c.mode).toBe('live');
    expect(c.workos!.identityApiKey).toBe('sk_test_identity');
    expect(c.workos!.clientId).toBe('client_identity');
    expect(c.workos!.apiKey).toBe('sk_test_managed');
    expect(c.workos!.identityShared).toBe(false);
    expect(c.admitTeams).toEqual(['org_01HZZZZZZZZZZZZZZZZZZZZZZZ', 'org_01HYYYYYYYYYYYYYYYYYYYYYYY']);
  });

  test('GATEHOUSE_TEAMS — anything but WorkOS organization ids is refused, naming the value', () => {
    expect(
      problems({ WORKOS_API_KEY: 'sk_test_1', WORKOS_CLIENT_ID: 'client_1', GATEHOUSE_TEAMS: 'acme, org_1' }),
    ).toEqual([
      "GATEHOUSE_TEAMS must be a comma-separated list of WorkOS organization ids (org_…); not one: 'acme', 'org_1'",
    ]);
  });

  test('WORKOS_CLIENT_ID — without any WorkOS key is refused, not silently local mode', () => {
    expect(problems({ WORKOS_CLIENT_ID: 'client_1' })).toEqual([
      "WORKOS_CLIENT_ID is set ('client_1') but no WorkOS API key is: set WORKOS_IDENTITY_API_KEY (or WORKOS_API_KEY) for live mode, or unset it for local mode instead of starting the local demo silently",
    ]);
    expect(problems({ WORKOS_IDENTITY_CLIENT_ID: 'client_2' })[0]).toStartWith(
      "WORKOS_IDENTITY_CLIENT_ID is set ('client_2') but no WorkOS API key is",
    );
  });

  test('live mode — both keys select live mode', () => {
    const c = loadConfig({
      WORKOS_API_KEY: 'sk_test_123',
      WORKOS_CLIENT_ID: 'client_123',
      WORKOS_PRODUCTION_API_KEY: 'sk_live_9',
    });
    expect(c.mode).toBe('live');
    expect(c.workos).toEqual({
      identityApiKey: 'sk_test_123',
      apiKey: 'sk_test_123',
      clientId: 'client_123',
      productionApiKey: 'sk_live_9',
      // One key for sign-in and tools: the identity environment is also the first team's sandbox.
      identityShared: true,
      apiUrl: undefined,
      issuers: ['https://api.workos.com', 'https://api.workos.com/user_management/client_123'],
    });
  });

  test('WORKOS_ISSUER — replaces the accepted AuthKit issuers; malformed or in local mode, refused', () => {
    const c = loadConfig({
      WORKOS_API_KEY: 'sk_test_1',
      WORKOS_CLIENT_ID: 'client_1',
      WORKOS_ISSUER: 'https://auth.example.com, https://api.workos.com/user_management/client_1',
    });
    expect(c.workos!.issuers).toEqual([
      'https://auth.example.com',
      'https://api.workos.com/user_management/client_1',
    ]);
    expect(
      problems({
        WORKOS_API_KEY: 'sk_test_1',
        WORKOS_CLIENT_ID: 'client_1',
        WORKOS_ISSUER: 'auth.example.com',
      }),
    ).toEqual(["WORKOS_ISSUER must be a comma-separated list of http(s) URLs, got 'auth.example.com'"]);
    expect(problems({ WORKOS_ISSUER: 'https://auth.example.com' })).toEqual([
      'WORKOS_ISSUER is set but WORKOS_API_KEY is not: it only applies in live mode',
    ]);
  });

  test('live mode — a key that is not a secret key is refused', () => {
    expect(problems({ WORKOS_API_KEY: 'pk_123', WORKOS_CLIENT_ID: 'client_1' })).toContain(
      "WORKOS_API_KEY must be a WorkOS secret key starting with 'sk_'",
    );
  });

  test('live mode — a key or client id with a line break, a space or other characters pasted in: refused, never echoed', () => {
    for (const key of ['sk_test_ab\ncd', 'sk_test_ab cd', 'sk_', 'sk_tést']) {
      const p = problems({ WORKOS_API_KEY: key, WORKOS_CLIENT_ID: 'client_1' });
      expect(p).toContain(
        "WORKOS_API_KEY must be a WorkOS secret key: 'sk_' then letters, digits and '_' only (no space, line break or other character; was something pasted with it?)",
      );
      if (key !== 'sk_') expect(p.join('\n')).not.toContain(key);
    }
    expect(problems({ WORKOS_API_KEY: 'sk_test_1', WORKOS_CLIENT_ID: 'client_ ab' })).toEqual([
      "WORKOS_CLIENT_ID must be 'client_' then letters, digits and '_' only, got 'client_ ab'",
    ]);
  });

  test('WORKOS_API_URL — points live mode at another WorkOS origin', () => {
    const c = loadConfig({
      WORKOS_API_KEY: 'sk_test_1',
      WORKOS_CLIENT_ID: 'client_1',
      WORKOS_API_URL: 'http://127.0.0.1:4100',
    });
    expect(c.workos?.apiUrl).toEqual({ hostname: '127.0.0.1', port: 4100, https: false });
  });

  test('WORKOS_API_URL — plain http off loopback is refused', () => {
    expect(
      problems({
        WORKOS_API_KEY: 'sk_test_1',
        WORKOS_CLIENT_ID: 'client_1',
        WORKOS_API_URL: 'http://workos.example',
      })[0],
    ).toContain('WORKOS_API_URL must use https unless it is a loopback address');
  });

  test('WORKOS_API_URL — without live mode is refused', () => {
    expect(problems({ WORKOS_API_URL: 'https://api.workos.com' })).toEqual([
      'WORKOS_API_URL is set but WORKOS_API_KEY is not: it only applies in live mode',
    ]);
  });

  test('WORKOS_PRODUCTION_API_KEY — alone is refused', () => {
    expect(problems({ WORKOS_PRODUCTION_API_KEY: 'sk_live_1' })[0]).toContain('WORKOS_API_KEY is not');
  });

  test('WORKOS_COOKIE_PASSWORD — shorter than 32 characters is refused', () => {
    expect(problems({ WORKOS_COOKIE_PASSWORD: 'short' })).toEqual([
      'WORKOS_COOKIE_PASSWORD must be at least 32 characters, got 5',
    ]);
  });

  test('LOG_LEVEL — unknown level lists the allowed ones', () => {
    expect(problems({ LOG_LEVEL: 'loud' })).toEqual([
      "LOG_LEVEL must be one of debug, info, warn, error, got 'loud'",
    ]);
  });

  test('several problems — all are reported at once', () => {
    expect(problems({ PORT: 'x', LOG_LEVEL: 'y', WORKOS_COOKIE_PASSWORD: 'z' })).toHaveLength(3);
  });

  test('empty strings — count as unset', () => {
    expect(loadConfig({ PORT: '', WORKOS_API_KEY: '' }).mode).toBe('local');
  });
});
