/**
 * An exact-call request binds its extra headers: the approver sees them (credential-like values
 * masked), and only a call sending exactly those headers may use the grant.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { call } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import {
  agentFor,
  Console,
  type FakeLinear,
  grantRow,
  LINEAR_URL,
  requestAccess,
  startFakeLinear,
  VIEWER_QUERY,
} from './support.ts';

setDefaultTimeout(30_000);

let gh: TestGatehouse;
let fake: FakeLinear;
let web: Console;

beforeAll(async () => {
  fake = startFakeLinear();
  gh = await startTestGatehouse({ testHooks: { outboundHostMap: { 'api.linear.app': fake.origin } } });
  web = await Console.signIn(gh.url, 'member@demo.test');
});
afterAll(async () => {
  await gh?.stop();
  fake?.stop();
});

const HEADERS = { 'X-Trace-Id': 'trace-42', 'X-Api-Key': 'very-secret-value-123' };

test('exact-call headers — shown to the approver (the key masked); only the exact headers use the grant', async () => {
  const agent = await agentFor(gh, 'member@demo.test');
  const req = await requestAccess(agent, {
    kind: 'call',
    method: 'POST',
    url: LINEAR_URL,
    body: VIEWER_QUERY,
    headers: HEADERS,
    reason: 'Look up who I am, traced',
  });
  const page = await web.get(`/approvals/${req.id}?t=${req.token}`);
  expect(page.html).toContain('x-trace-id');
  expect(page.html).toContain('trace-42');
  expect(page.html).toContain('x-api-key');
  expect(page.html).not.toContain('very-secret-value-123');
  expect((await web.approve(req.id, { t: req.token })).status).toBe(303);

  const base = { method: 'POST', url: LINEAR_URL, body: VIEWER_QUERY, request_id: req.id };
  const before = fake.requests.length;
  const none = await call(agent, 'call_integration_api', base);
  expect(none.isError).toBe(true);
  expect(none.text).toContain('extra headers differ');
  const other = await call(agent, 'call_integration_api', {
    ...base,
    headers: { ...HEADERS, 'X-Trace-Id': 'other' },
  });
  expect(other.isError).toBe(true);
  expect(fake.requests.length).toBe(before);
  expect(grantRow(gh, req.id)?.status).toBe('approved');

  const exact = await call(agent, 'call_integration_api', { ...base, headers: HEADERS });
  expect(exact.isError).toBe(false);
  expect(fake.requests.at(-1)?.headers['x-trace-id']).toBe('trace-42');
  expect(grantRow(gh, req.id)?.status).toBe('consumed');
  await agent.close();
});
