/**
 * /readyz tells anyone whether Gatehouse is ready, but only operators which teams it serves and
 * how their WorkOS environments are linked.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(async () => {
  await gh?.stop();
});

test('readyz — through a proxy (not an operator): the verdict and one line per kind, no team named', async () => {
  const res = await fetch(`${gh.url}/readyz`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { status: string; checks: Record<string, string>; details?: unknown };
  expect(body).toEqual({
    status: 'ready',
    checks: { database: 'ok', workos_identity: 'ok', workos_teams: 'ok' },
  });
  const text = JSON.stringify(body);
  for (const t of gh.ctx.teams.admitted()) {
    expect(text).not.toContain(t.organizationId);
    expect(text).not.toContain(t.name);
  }
});

test('readyz — an operator (loopback, no proxy): every team’s environments by organization id', async () => {
  const body = (await (await fetch(`${gh.url}/readyz`)).json()) as {
    details: { teams: Record<string, unknown> };
  };
  expect(Object.keys(body.details.teams).sort()).toEqual(
    gh.ctx.teams
      .admitted()
      .map((t) => t.organizationId)
      .sort(),
  );
});
