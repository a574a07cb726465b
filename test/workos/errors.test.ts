import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  GenericServerException,
  NotFoundException,
  RateLimitExceededException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@workos-inc/node';
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

  test('422 — the requirements WorkOS names are passed on', () => {
    const e = fromWorkOSError(
      new UnprocessableEntityException({ errors: [{ field: 'name', code: 'required' }], requestID: 'r' }),
      'create organization',
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('WorkOS refused to create organization');
    expect(e.message).toContain('required');
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
