import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Elysia } from 'elysia';
import { buildApp } from '../../src/http/app.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(30_000);

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(() => gh.stop());

test('an error no handler expected — logged, and a 500 page that says nothing about it (never a blanket 400)', async () => {
  const app = buildApp(gh.ctx, [
    (a: Elysia) => {
      a.get('/boom', () => {
        throw new Error('internal detail: db path /var/secret');
      });
    },
  ]);
  const res = await app.handle(new Request(`${gh.url}/boom`));
  expect(res.status).toBe(500);
  const html = await res.text();
  expect(html).toContain('Gatehouse hit an unexpected error');
  expect(html).not.toContain('internal detail');
  expect(gh.logLines.some((l) => l.includes('unhandled error in a route') && l.includes('/boom'))).toBe(true);
});

test('an unknown path — the 404 page', async () => {
  const res = await buildApp(gh.ctx).handle(new Request(`${gh.url}/nowhere`));
  expect(res.status).toBe(404);
  expect(await res.text()).toContain('Nothing lives at /nowhere');
});
