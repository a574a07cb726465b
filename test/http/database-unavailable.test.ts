import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { refusing } from '../support/db-errors.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

/**
 * A database that cannot answer at the doors besides /mcp's own (test/mcp/database-unavailable.test.ts):
 * a console page, /readyz, a tool's own failure, tools/call before the gates. The caller gets a
 * 503 (or an isError result) and never the database's own message.
 */
let gh: TestGatehouse;
let token: string;
beforeAll(async () => {
  gh = await startTestGatehouse();
  token = (await tokensFor(gh.url, 'admin@demo.test')).access_token;
});
afterAll(async () => {
  await gh.stop();
});

describe('the other doors', () => {
  test('a console page — a database that cannot answer is a 503 page with Retry-After, without its message', async () => {
    const web = await signIn(gh.url, 'admin@demo.test');
    const flushUsage = refusing(gh.ctx.oauth.tokens, 'flushUsage');
    let res: Response;
    try {
      res = await web.fetch(`${gh.url}/dashboard`);
    } finally {
      flushUsage.restore();
    }
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const html = await res.text();
    expect(html).toContain('cannot reach its database');
    expect(html).not.toMatch(/locked|SQLITE/i);
    expect((await web.fetch(`${gh.url}/dashboard`)).status).toBe(200);
  });

  test('/readyz — a database that fails the probes is not_ready JSON: anyone sees "unavailable", operators the message', async () => {
    const admitted = refusing(gh.ctx.teams, 'admitted');
    try {
      // Through a proxy (not an operator: no METRICS_TOKEN, not plain loopback).
      const outside = await fetch(`${gh.url}/readyz`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(outside.status).toBe(503);
      expect(outside.headers.get('content-type')).toContain('application/json');
      const body = (await outside.json()) as { status: string; checks: Record<string, string> };
      expect(body).toMatchObject({ status: 'not_ready', checks: { database: 'unavailable' } });
      expect(JSON.stringify(body)).not.toMatch(/locked|SQLITE/i);
      const operator = (await (await fetch(`${gh.url}/readyz`)).json()) as { checks: Record<string, string> };
      expect(operator.checks.database).toBe('failed: database is locked');
    } finally {
      admitted.restore();
    }
    expect((await fetch(`${gh.url}/readyz`)).status).toBe(200);
  });

  test('a tool — a database that fails inside it is an isError result that asks to try again, without its message', async () => {
    const client = await connectV1(gh.url, token);
    const run = refusing(gh.ctx.tools.get('whoami')!, 'run', 'rejects');
    let out: Awaited<ReturnType<typeof call>>;
    try {
      out = await call(client, 'whoami');
    } finally {
      run.restore();
    }
    expect(out.isError).toBe(true);
    expect(out.text).toContain('Error (unavailable): Gatehouse cannot reach its database right now.');
    expect(out.text).toContain('Retry after: 5 seconds.');
    expect(out.text).not.toMatch(/locked|SQLITE/i);
    await client.close();
  });

  test('tools/call — a database that fails before the gates (the keys to redact) is a JSON-RPC error without its message', async () => {
    const client = await connectV1(gh.url, token);
    const keysToRedact = refusing(gh.ctx.environments, 'keysToRedact');
    let err: unknown;
    try {
      await call(client, 'whoami');
    } catch (e) {
      err = e;
    } finally {
      keysToRedact.restore();
    }
    expect(String(err)).toContain('cannot reach its database');
    expect(String(err)).not.toMatch(/locked|SQLITE/i);
    await client.close();
  });
});
