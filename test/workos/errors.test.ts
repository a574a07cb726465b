import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  GenericServerException,
  NotFoundException,
  RateLimitExceededException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@workos-inc/node';
import { startEmbeddedWorkOS } from '../../src/emulator/index.ts';
import { createWorkOSClient, targetForEmbedded } from '../../src/workos/client.ts';
import { fromWorkOSError } from '../../src/workos/errors.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

describe('WorkOS error mapping', () => {
  test('404 — not found, with where to find valid ids', () => {
    const e = fromWorkOSError(
      new NotFoundException({
        code: 'not_found',
        message: 'Organization not found',
        path: '/organizations/x',
        requestID: 'r',
      } as never),
      'get organization x',
    );
    expect(e.code).toBe('not_found');
    expect(e.message).toBe('WorkOS could not get organization x: not found.');
    expect(e.hint).toContain('list tool');
  });

  test('422 — an exception the SDK built on its own still passes on the codes it kept', () => {
    const e = fromWorkOSError(
      new UnprocessableEntityException({ errors: [{ field: 'name', code: 'required' }], requestID: 'r' }),
      'create organization',
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('WorkOS refused to create organization');
    expect(e.message).toContain('required');
  });

  test('429 — an unusable retry-after (NaN, negative) falls back to 30 seconds', () => {
    for (const bad of [Number.NaN, -5]) {
      const e = fromWorkOSError(new RateLimitExceededException('Too many requests', 'r', bad), 'list users');
      expect(e.retryAfterSeconds).toBe(30);
      expect(e.hint).toBe('Wait 30 seconds before retrying.');
    }
  });

  test('429 — rate limited, with the retry-after WorkOS sent', () => {
    const e = fromWorkOSError(new RateLimitExceededException('Too many requests', 'r', 42), 'list users');
    expect(e.code).toBe('rate_limited');
    expect(e.retryAfterSeconds).toBe(42);
    expect(e.hint).toBe('Wait 42 seconds before retrying.');
  });

  test('401 — a server configuration problem, not the agent\u2019s fault', () => {
    const e = fromWorkOSError(new UnauthorizedException('r'), 'list users');
    expect(e.code).toBe('upstream_failed');
    expect(e.hint).toContain('Gatehouse admin');
  });

  test('5xx — temporary upstream failure', () => {
    const e = fromWorkOSError(new GenericServerException(503, 'down', {} as never, 'r'), 'list users');
    expect(e.code).toBe('upstream_failed');
    expect(e.message).toContain('HTTP 503');
  });

  test('network — unreachable WorkOS says so', () => {
    const e = fromWorkOSError(new TypeError('fetch failed'), 'list users');
    expect(e.message).toBe('Could not reach WorkOS to list users.');
  });
});

describe('WorkOS unreachable', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(() => gh.stop());

  test('a tool call while WorkOS is down — a clear isError result, audited, no stack trace', async () => {
    const t = await tokensFor(gh.url, 'member@demo.test');
    const client = await connectV1(gh.url, t.access_token);
    expect((await call(client, 'whoami')).isError).toBe(false);
    await gh.ctx.workos.close();
    const r = await call(client, 'list_workos_organizations', {});
    expect(r.isError).toBe(true);
    expect(r.text).toContain('Could not reach WorkOS');
    expect(r.text).not.toMatch(/at .+\.(ts|js):\d+/);
    await client.close();
  });
});

/** A stand-in for api.workos.com that answers every request with `answer(n)` (n counts from 1). */
function fakeWorkOS(answer: (n: number) => Response) {
  let n = 0;
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => answer(++n) });
  // Retry waits are recorded, not slept: what is asserted is the policy, never the clock.
  const waits: number[] = [];
  const client = createWorkOSClient(
    {
      apiKey: 'sk_test_fake',
      clientId: 'client_fake',
      apiHostname: '127.0.0.1',
      port: server.port,
      https: false,
    },
    {
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  );
  return { client, requests: () => n, waits, stop: () => server.stop(true) };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** The AppError a failing SDK call maps to. */
async function failure(work: () => Promise<unknown>, action: string) {
  try {
    await work();
  } catch (e) {
    return { error: fromWorkOSError(e, action) };
  }
  throw new Error('expected the call to fail');
}

describe('WorkOS errors through the real SDK client', () => {
  test('422 — the message and fields name each field WorkOS refused, with its code', async () => {
    const fake = fakeWorkOS(() =>
      json(422, {
        message: 'Validation failed',
        code: 'unprocessable_entity',
        errors: [
          { field: 'name', code: 'required' },
          { field: 'domain_data', code: 'invalid_domain' },
        ],
      }),
    );
    try {
      const { error } = await failure(
        () => fake.client.organizations.createOrganization({ name: '' }),
        'create organization',
      );
      expect(error.code).toBe('invalid_input');
      expect(error.message).toBe(
        'WorkOS refused to create organization: invalid fields name (required), domain_data (invalid_domain).',
      );
      expect(error.fields).toEqual([
        { field: 'name', message: 'required' },
        { field: 'domain_data', message: 'invalid_domain' },
      ]);
    } finally {
      fake.stop();
    }
  });

  test('422 — from the embedded WorkOS too: the field is named', async () => {
    const embedded = await startEmbeddedWorkOS('sandbox');
    try {
      const client = createWorkOSClient(targetForEmbedded(embedded));
      const { error } = await failure(
        () => client.organizations.createOrganization({ name: '' }),
        'create organization',
      );
      expect(error.fields).toEqual([{ field: 'name', message: 'required' }]);
      expect(error.message).toContain('name (required)');
    } finally {
      await embedded.close();
    }
  });

  test('429 — Retry-After as an HTTP-date: the wait in seconds, answered at once', async () => {
    const fake = fakeWorkOS(() =>
      json(
        429,
        { message: 'Too many requests' },
        { 'Retry-After': new Date(Date.now() + 90_000).toUTCString() },
      ),
    );
    try {
      const { error } = await failure(
        () => fake.client.organizations.listOrganizations(),
        'list organizations',
      );
      expect(error.code).toBe('rate_limited');
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(85);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(90);
      expect(error.hint).toBe(`Wait ${error.retryAfterSeconds} seconds before retrying.`);
      // Answered at once: nothing was waited out, one request went.
      expect(fake.waits).toEqual([]);
      expect(fake.requests()).toBe(1);
    } finally {
      fake.stop();
    }
  });

  test('429 — a Retry-After longer than the retry budget is not waited out inside the call', async () => {
    const fake = fakeWorkOS(() => json(429, { message: 'Too many requests' }, { 'Retry-After': '120' }));
    try {
      const { error } = await failure(
        () => fake.client.organizations.listOrganizations(),
        'list organizations',
      );
      expect(error.retryAfterSeconds).toBe(120);
      expect(error.hint).toBe('Wait 120 seconds before retrying.');
      expect(fake.waits).toEqual([]);
      expect(fake.requests()).toBe(1);
    } finally {
      fake.stop();
    }
  });

  test('429 — a short Retry-After is waited out and the call retried; repeated ones end within the budget', async () => {
    const once = fakeWorkOS((n) =>
      n === 1
        ? json(429, { message: 'Too many requests' }, { 'Retry-After': '1' })
        : json(200, { object: 'list', data: [], list_metadata: { before: null, after: null } }),
    );
    try {
      const page = await once.client.organizations.listOrganizations();
      expect(page.data).toEqual([]);
      expect(once.requests()).toBe(2);
      expect(once.waits).toEqual([1_000]);
    } finally {
      once.stop();
    }
    const always = fakeWorkOS(() => json(503, { message: 'unavailable' }, { 'Retry-After': '3' }));
    try {
      const { error } = await failure(
        () => always.client.organizations.listOrganizations(),
        'list organizations',
      );
      expect(error.code).toBe('upstream_failed');
      // One wait of 3 s fits the 5 s budget, a second would not: two attempts in all.
      expect(always.requests()).toBe(2);
      expect(always.waits).toEqual([3_000]);
    } finally {
      always.stop();
    }
  });
});
