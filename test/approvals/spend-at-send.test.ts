/**
 * An exact-call approval is spent only when its call goes out: a call that never reaches the
 * provider (the connection is refused) gives the human's approval back.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { call } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import {
  agentFor,
  Console,
  callRequest,
  grantRow,
  LINEAR_URL,
  ok,
  requestAccess,
  VIEWER_QUERY,
} from './support.ts';

setDefaultTimeout(30_000);

let gh: TestGatehouse;
let memberConsole: Console;

beforeAll(async () => {
  // Linear is mapped to loopback port 1 (tcpmux, privileged, served by nothing on a test machine):
  // every connection is refused. A port from freePort() could be handed to one of this very
  // Gatehouse's own servers a moment later (its embedded WorkOS binds ten), which then answers.
  gh = await startTestGatehouse({
    testHooks: { outboundHostMap: { 'api.linear.app': 'http://127.0.0.1:1' } },
  });
  memberConsole = await Console.signIn(gh.url, 'member@demo.test');
});
afterAll(async () => {
  await gh?.stop();
});

test('exact-call grant — a call whose connection is refused does not use it up: it is approved again, audited', async () => {
  const agent = await agentFor(gh, 'member@demo.test');
  const req = await requestAccess(agent, callRequest(VIEWER_QUERY));
  expect((await memberConsole.approve(req.id)).status).toBe(303);
  const r = await call(agent, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: VIEWER_QUERY,
    request_id: req.id,
  });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('Could not reach api.linear.app');
  const row = grantRow(gh, req.id)!;
  expect(row.status).toBe('approved');
  expect(row.consumedAt).toBeNull();
  const events = gh.ctx.db.$client
    .query<{ event: string }, [string]>(
      "SELECT event FROM audit_entries WHERE event LIKE 'grant.%' AND details LIKE ?",
    )
    .all(`%${req.id}%`)
    .map((e) => e.event);
  expect(events).toEqual(expect.arrayContaining(['grant.consumed', 'grant.released']));
  // Still usable: check_access_request tells the agent it may call again.
  await expect(ok(agent, 'check_access_request', { request_id: req.id })).resolves.toMatchObject({
    structured: { status: 'approved' },
  });
  await agent.close();
});
