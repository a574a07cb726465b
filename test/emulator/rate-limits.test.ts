/**
 * Rate limits of the embedded WorkOS, as WorkOS documents them
 * (https://workos.com/docs/reference/rate-limits): a key over its limit gets WorkOS's
 * `429 rate_limit_exceeded` with `Retry-After`, from fixture routes and emulator routes alike;
 * the emulator's own per-key limit on the front's internal keys never shows through as a 500;
 * GATEHOUSE_EMBEDDED_RATE_LIMITS chooses the limits and refuses a value it cannot read.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { RateLimitExceededException } from '@workos-inc/node';
import { EMBEDDED_RATE_LIMITS_VAR, embeddedRateLimitsFrom } from '../../src/config/embedded-rate-limits.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { startEmbeddedWorkOS } from '../../src/emulator/index.ts';
import { InternalKeyPool } from '../../src/emulator/internal-keys.ts';
import { RateLimiter, WORKOS_RATE_RULES } from '../../src/emulator/rate-limits.ts';
import { createWorkOSClient, targetForEmbedded } from '../../src/workos/client.ts';
import { fromWorkOSError } from '../../src/workos/errors.ts';

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

describe('GATEHOUSE_EMBEDDED_RATE_LIMITS', () => {
  test('unset — WorkOS’s documented limits', () => {
    expect(loadConfig({}).embeddedRateLimits).toEqual({ kind: 'workos' });
  });

  test('off, workos and <requests>/<seconds>s are read', () => {
    expect(loadConfig({ [EMBEDDED_RATE_LIMITS_VAR]: 'off' }).embeddedRateLimits).toEqual({ kind: 'off' });
    expect(loadConfig({ [EMBEDDED_RATE_LIMITS_VAR]: 'WorkOS' }).embeddedRateLimits).toEqual({
      kind: 'workos',
    });
    expect(loadConfig({ [EMBEDDED_RATE_LIMITS_VAR]: '100/60s' }).embeddedRateLimits).toEqual({
      kind: 'fixed',
      requests: 100,
      windowSeconds: 60,
    });
  });

  test.each(['fast', '0/60s', '10/0s', '10/60', '10 per minute', '-1/60s', '10/3601s', '2000000/60s'])(
    'a value it cannot read (%s) — refused, naming the variable, the forms it takes and the value',
    (value) => {
      const p = problems({ [EMBEDDED_RATE_LIMITS_VAR]: value });
      expect(p).toHaveLength(1);
      expect(p[0]).toContain(`${EMBEDDED_RATE_LIMITS_VAR} must be 'workos'`);
      expect(p[0]).toContain("'off'");
      expect(p[0]).toContain("'<requests>/<seconds>s'");
      expect(p[0]).toContain(`got '${value}'`);
    },
  );

  test('live mode — refused: it only applies to the embedded WorkOS', () => {
    const p = problems({
      WORKOS_API_KEY: 'sk_test_123',
      WORKOS_CLIENT_ID: 'client_123',
      [EMBEDDED_RATE_LIMITS_VAR]: 'off',
    });
    expect(p).toEqual([
      `${EMBEDDED_RATE_LIMITS_VAR} is set but a WorkOS API key is too: it only applies to the embedded WorkOS (local mode, \`gatehouse emulator\`)`,
    ]);
  });

  test('gatehouse emulator reads it alone — a bad value is a problem, an empty one the default', () => {
    const bad: string[] = [];
    expect(embeddedRateLimitsFrom({ [EMBEDDED_RATE_LIMITS_VAR]: 'sometimes' }, bad)).toEqual({
      kind: 'workos',
    });
    expect(bad[0]).toContain("got 'sometimes'");
    const none: string[] = [];
    expect(embeddedRateLimitsFrom({ [EMBEDDED_RATE_LIMITS_VAR]: ' ' }, none)).toEqual({ kind: 'workos' });
    expect(none).toEqual([]);
  });
});

describe('the limiter — WorkOS’s table', () => {
  const keyed = (method: string, path: string, query = '') => ({
    method,
    path,
    query: new URLSearchParams(query),
    keyed: true,
    body: {},
  });

  test('all requests — 6,000 a minute per key, then 429 with the seconds left in the window', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(WORKOS_RATE_RULES, () => now);
    for (let i = 0; i < 6_000; i++) expect(limiter.take(keyed('GET', '/organizations')).allowed).toBe(true);
    now += 15_000;
    const refused = limiter.take(keyed('GET', '/organizations'));
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(45);
    expect(refused.headers).toMatchObject({
      'Retry-After': '45',
      'X-RateLimit-Limit': '6000',
      'X-RateLimit-Remaining': '0',
    });
    now += 45_000;
    expect(limiter.take(keyed('GET', '/organizations')).allowed).toBe(true);
  });

  test('directory users — 4 a second per directory; another directory is not held back', () => {
    const now = 5_000_000;
    const limiter = new RateLimiter(WORKOS_RATE_RULES, () => now);
    for (let i = 0; i < 4; i++)
      expect(limiter.take(keyed('GET', '/directory_users', 'directory=directory_a')).allowed).toBe(true);
    const refused = limiter.take(keyed('GET', '/directory_users', 'directory=directory_a'));
    expect(refused).toMatchObject({ allowed: false, refusedBy: 'Directory Users', retryAfterSeconds: 1 });
    expect(limiter.take(keyed('GET', '/directory_users', 'directory=directory_b')).allowed).toBe(true);
  });

  test('delete organization — 50 a minute per key', () => {
    const limiter = new RateLimiter(WORKOS_RATE_RULES, () => 0);
    for (let i = 0; i < 50; i++)
      expect(limiter.take(keyed('DELETE', `/organizations/org_${i}`)).allowed).toBe(true);
    expect(limiter.take(keyed('DELETE', '/organizations/org_x')).refusedBy).toBe('Delete Organization');
    expect(limiter.take(keyed('GET', '/organizations/org_x')).allowed).toBe(true);
  });

  test('authentication — 10 a minute per email; a code exchange is not counted per email', () => {
    const limiter = new RateLimiter(WORKOS_RATE_RULES, () => 0);
    const password = (email: string) => ({
      ...keyed('POST', '/user_management/authenticate'),
      body: { grant_type: 'password', email },
    });
    for (let i = 0; i < 10; i++) expect(limiter.take(password('a@x.test')).allowed).toBe(true);
    expect(limiter.take(password('A@x.test')).refusedBy).toBe('Authentication');
    expect(limiter.take(password('b@x.test')).allowed).toBe(true);
    expect(
      limiter.take({ ...keyed('POST', '/user_management/authenticate'), body: { code: 'c' } }).allowed,
    ).toBe(true);
  });

  test('a request without the key counts in no per-key window', () => {
    const limiter = new RateLimiter(WORKOS_RATE_RULES, () => 0);
    expect(limiter.take({ ...keyed('GET', '/organizations'), keyed: false })).toEqual({
      allowed: true,
      headers: {},
    });
  });
});

describe('internal keys — the emulator’s own limit never reaches a client', () => {
  test('a key is used at most its budget per window; then another is registered, and spent ones come back', () => {
    let now = 0;
    const registered: string[] = [];
    let n = 0;
    const pool = new InternalKeyPool((k) => registered.push(k), ['k0'], {
      budget: 3,
      windowMs: 1_000,
      now: () => now,
      mint: () => `k${++n}`,
    });
    const used = Array.from({ length: 7 }, () => pool.take());
    expect(used).toEqual(['k0', 'k0', 'k0', 'k1', 'k1', 'k1', 'k2']);
    expect(registered).toEqual(['k1', 'k2']);
    now = 1_000;
    expect(pool.take()).toBe('k2');
    pool.retire('k2', 5);
    expect(pool.take()).toBe('k0');
  });

  test('at its size limit with every key spent — WorkOS’s 429 with the wait, not an error', () => {
    const pool = new InternalKeyPool(() => {}, ['k0'], {
      budget: 1,
      maxKeys: 1,
      windowMs: 30_000,
      now: () => 0,
    });
    pool.take();
    try {
      pool.take();
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toMatchObject({
        status: 429,
        body: { code: 'rate_limit_exceeded' },
        headers: { 'Retry-After': '30' },
      });
    }
  });
});

describe('through the real SDK client', () => {
  test('a key over its limit — 429 rate_limit_exceeded with Retry-After and the rate-limit headers, from a fixture route and an emulator route', async () => {
    const embedded = await startEmbeddedWorkOS('sandbox', {
      rateLimits: { kind: 'fixed', requests: 3, windowSeconds: 60 },
    });
    try {
      const get = (path: string) =>
        fetch(`${embedded.url}${path}`, { headers: { authorization: `Bearer ${embedded.apiKey}` } });
      // /organizations is answered by the fixture layer (re-paged), /organizations/:id by the emulator.
      const first = await get('/organizations?limit=1');
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ratelimit-limit')).toBe('3');
      expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
      const orgId = ((await first.json()) as { data: { id: string }[] }).data[0]!.id;
      const second = await get(`/organizations/${orgId}`);
      expect(second.status).toBe(200);
      // The emulator's own headers (an internal key's) are replaced by the client key's.
      expect(second.headers.get('x-ratelimit-limit')).toBe('3');
      expect(second.headers.get('x-ratelimit-remaining')).toBe('1');
      expect((await get('/directories')).status).toBe(200);
      for (const path of ['/organizations', `/organizations/${orgId}`, '/directories']) {
        const res = await get(path);
        expect(res.status).toBe(429);
        expect(await res.json()).toEqual({ message: 'Too Many Requests', code: 'rate_limit_exceeded' });
        const wait = Number(res.headers.get('retry-after'));
        expect(wait).toBeGreaterThanOrEqual(1);
        expect(wait).toBeLessThanOrEqual(60);
        expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
        expect(res.headers.get('x-request-id')).toMatch(/^req_/);
      }

      const client = createWorkOSClient(targetForEmbedded(embedded), { maxRetries: 0 });
      for (const call of [
        () => client.organizations.listOrganizations({ limit: 1 }),
        () => client.organizations.getOrganization(orgId),
      ]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(RateLimitExceededException);
        expect((error as RateLimitExceededException).retryAfter).toBeGreaterThanOrEqual(1);
        const mapped = fromWorkOSError(error, 'list organizations');
        expect(mapped.code).toBe('rate_limited');
        expect(mapped.retryAfterSeconds).toBe((error as RateLimitExceededException).retryAfter ?? Number.NaN);
      }
    } finally {
      await embedded.close();
    }
  });

  test('off — no limit and no rate-limit headers (an internal key’s would mislead)', async () => {
    const embedded = await startEmbeddedWorkOS('sandbox', { rateLimits: { kind: 'off' } });
    try {
      const res = await fetch(`${embedded.url}/organizations/org_nope`, {
        headers: { authorization: `Bearer ${embedded.apiKey}` },
      });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    } finally {
      await embedded.close();
    }
  });

  test('the emulator’s own 429 on a fixture layer’s call — answered as WorkOS’s 429 with Retry-After, never a 500', async () => {
    // One internal key, never rotated: the emulator refuses its 1,000th request in a minute.
    const errors: unknown[] = [];
    const embedded = await startEmbeddedWorkOS('sandbox', {
      rateLimits: { kind: 'off' },
      internalKeys: { initial: 1, budget: 1_000_000, maxKeys: 1 },
      onError: (_m, fields) => errors.push(fields),
    });
    try {
      const client = createWorkOSClient(targetForEmbedded(embedded), { maxRetries: 0 });
      const statuses = new Map<number, number>();
      let limited: RateLimitExceededException | undefined;
      for (let i = 0; i < 1_100 && !limited; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, () =>
            client.organizations.listOrganizations({ limit: 1 }).then(
              () => statuses.set(200, (statuses.get(200) ?? 0) + 1),
              (e: unknown) => {
                if (e instanceof RateLimitExceededException) limited = e;
                else throw e;
              },
            ),
          ),
        );
      }
      expect(limited).toBeInstanceOf(RateLimitExceededException);
      expect(limited!.retryAfter).toBeGreaterThanOrEqual(1);
      expect(limited!.retryAfter).toBeLessThanOrEqual(60);
      expect(errors).toEqual([]);
    } finally {
      await embedded.close();
    }
  });

  test('off, under more than one key’s worth of calls — every call answered, new internal keys taken on', async () => {
    const embedded = await startEmbeddedWorkOS('sandbox', {
      rateLimits: { kind: 'off' },
      internalKeys: { initial: 1 },
    });
    try {
      const client = createWorkOSClient(targetForEmbedded(embedded), { maxRetries: 0 });
      let ok = 0;
      // Seeding used the one key a few dozen times; 1,100 more pass the emulator's 1,000.
      for (let i = 0; i < 1_100; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, async () => {
            await client.organizations.listOrganizations({ limit: 1 });
            ok++;
          }),
        );
      }
      expect(ok).toBe(1_100);
    } finally {
      await embedded.close();
    }
  });
});
